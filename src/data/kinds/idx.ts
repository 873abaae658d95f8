// `kind: idx` (and the older `idx_dir:` form): a folder of four IDX files in the MNIST layout,
// e.g. Fashion-MNIST. Each name is found as written or with .gz, so files as distributed work
// without spelling out their names. Labels are class numbers, optionally named by `classes`.
import path from 'node:path';
import { displayPath } from '../display.js';
import { DataError } from '../errors.js';
import type { DatasetKind, Prepared } from '../kind.js';
import { findIdxFile, loadIdxFiles, loadIdxTest, MNIST_FILE_NAMES, type IdxFileSet } from '../idx-files.js';
import { imagePredictor } from '../images/predict.js';
import { CLASSES_PROPERTY, kindProperty, optionalStrings, pathProperty } from '../schema-parts.js';

export interface IdxRef {
  kind: 'idx';
  dir: string;
  train: { images: string; labels: string };
  test: { images: string; labels: string };
  classes?: string[];
}

function fileProperty(title: string, what: string, name: string): Record<string, unknown> {
  return {
    title,
    description: `The file name of the ${what}, inside the folder; the same name with .gz is found too.`,
    type: 'string',
    minLength: 1,
    maxLength: 255,
    pattern: '^[^/\\\\]+$',
    default: name,
    examples: [name],
  };
}

const fileProperties = {
  train_images: fileProperty('the training images file', 'training images', MNIST_FILE_NAMES.train.images),
  train_labels: fileProperty('the training labels file', 'training labels', MNIST_FILE_NAMES.train.labels),
  test_images: fileProperty('the test images file', 'test images', MNIST_FILE_NAMES.test.images),
  test_labels: fileProperty('the test labels file', 'test labels', MNIST_FILE_NAMES.test.labels),
};

const schema = {
  type: 'object',
  title: 'IDX dataset',
  description: 'Four IDX files in the MNIST layout (the format MNIST and Fashion-MNIST are distributed in), gzip-compressed or not.',
  additionalProperties: false,
  required: ['kind', 'dir'],
  properties: {
    kind: kindProperty('idx', 'a folder of IDX files in the MNIST layout.'),
    dir: pathProperty('the folder of IDX files', 'The folder holding the IDX files, relative to the spec file.', 'data/fashion-mnist'),
    ...fileProperties,
    classes: CLASSES_PROPERTY,
  },
};

/** The older form, `{ idx_dir: ... }`, without `kind`. */
export const IDX_DIR_SCHEMA = {
  type: 'object',
  title: 'IDX dataset',
  description: 'The short form of `kind: idx`: a folder of IDX files in the MNIST layout.',
  additionalProperties: false,
  required: ['idx_dir'],
  properties: {
    idx_dir: pathProperty('the folder of IDX files', 'The folder holding the IDX files, relative to the spec file.', 'data/fashion-mnist'),
    ...fileProperties,
    classes: CLASSES_PROPERTY,
  },
};

export function idxFileSet(ref: IdxRef, specDir: string): IdxFileSet {
  const dir = path.resolve(specDir, ref.dir);
  const find = (f: { images: string; labels: string }) => ({ images: findIdxFile(dir, f.images), labels: findIdxFile(dir, f.labels) });
  return { train: find(ref.train), test: find(ref.test), dir, source: `idx (${displayPath(dir)})` };
}

function recordedShape(prepared: Prepared): [number, number, number] {
  const [h, w, c] = prepared.sampleShape;
  return [h!, w!, c ?? 1];
}

export const idxKind: DatasetKind<IdxRef> = {
  kind: 'idx',
  schema,
  refFields: { dir: 'path', train: 'files', test: 'files', classes: 'texts?' },
  lower(raw) {
    const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);
    const ref: IdxRef = {
      kind: 'idx',
      dir: (raw.dir ?? raw.idx_dir) as string,
      train: { images: str(raw.train_images, MNIST_FILE_NAMES.train.images), labels: str(raw.train_labels, MNIST_FILE_NAMES.train.labels) },
      test: { images: str(raw.test_images, MNIST_FILE_NAMES.test.images), labels: str(raw.test_labels, MNIST_FILE_NAMES.test.labels) },
    };
    const classes = optionalStrings(raw, 'classes');
    if (classes) ref.classes = classes;
    return ref;
  },
  load: (ref, ctx) => loadIdxFiles(idxFileSet(ref, ctx.specDir), ctx, ref.classes),
  async loadTest(ref, ctx) {
    const { split, source } = await loadIdxTest(idxFileSet(ref, ctx.specDir), ctx.testLimit ?? ctx.limit);
    return { split, source };
  },
  predictor(_ref, prepared) {
    const [height, width, channels] = recordedShape(prepared);
    if (channels !== 1 && channels !== 3) {
      throw new DataError(
        `predict prepares pictures as grey (1 channel) or RGB (3 channels), and this run's IDX images have ${channels} channels; evaluate works on the run, predict needs a model trained on 1 or 3 channels`,
      );
    }
    return imagePredictor({ height, width, channels, resize: 'pad' });
  },
};
