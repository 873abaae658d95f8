// MNIST-style datasets as four IDX files (train/test images and labels): finding them (a name
// or the same name with .gz, so Fashion-MNIST works as distributed), reading both splits and
// checking that they agree. Shared by the mnist and idx dataset kinds.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { numberedClasses, MAX_CLASSES } from './classes.js';
import { displayPath } from './display.js';
import { DataError } from './errors.js';
import { readIdxFile, type IdxArray } from './idx.js';
import type { Dataset, DataSplit, LoadContext } from './kind.js';
import { checkLimit } from './splits.js';

export interface SplitFiles {
  images: string;
  labels: string;
}

export interface IdxFileSet {
  train: SplitFiles;
  test: SplitFiles;
  /** Folder the files live in, for messages. */
  dir: string;
  source: string;
}

export const MNIST_FILE_NAMES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

/**
 * The file a name refers to: the name itself when it exists, else the same name with `.gz`
 * added (or removed). A name found neither way is returned as written, so reading it reports
 * it missing with both spellings.
 */
export function findIdxFile(dir: string, name: string): string {
  const exact = path.resolve(dir, name);
  if (existsSync(exact)) return exact;
  const other = name.endsWith('.gz') ? exact.slice(0, -3) : `${exact}.gz`;
  return existsSync(other) ? other : exact;
}

async function readIdx(file: string): Promise<IdxArray> {
  const shown = displayPath(file);
  if (!existsSync(file)) {
    const other = file.endsWith('.gz') ? path.basename(file, '.gz') : `${path.basename(file)}.gz`;
    throw new DataError(`${shown}: file not found (nor ${other} beside it)`);
  }
  return readIdxFile(file, shown);
}

interface RawSplit {
  images: IdxArray;
  labels: IdxArray;
}

async function readRawSplit(files: SplitFiles): Promise<RawSplit> {
  const [images, labels] = await Promise.all([readIdx(files.images), readIdx(files.labels)]);
  const imagesName = displayPath(files.images);
  const labelsName = displayPath(files.labels);
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new DataError(
      `${imagesName}: has ${images.dims.length} dimensions (${images.dims.join('x')}); ` +
        'expected images as count x height x width (3 dimensions) or count x height x width x channels (4)',
    );
  }
  if (labels.dims.length !== 1) {
    throw new DataError(
      `${labelsName}: has ${labels.dims.length} dimensions (${labels.dims.join('x')}); expected a 1-dimensional list of labels`,
    );
  }
  if (images.dims[0] !== labels.dims[0]) {
    throw new DataError(
      `${imagesName} holds ${images.dims[0]} images but ${labelsName} holds ${labels.dims[0]} labels; ` +
        'expected one label per image (are the files from different datasets or splits?)',
    );
  }
  return { images, labels };
}

function imageShapeOf(raw: RawSplit): [number, number, number] {
  const [, h, w, c = 1] = raw.images.dims;
  return [h!, w!, c];
}

function maxLabel(labels: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > max) max = labels[i]!;
  return max;
}

/** Converts the first `limit` samples to floats in [0, 1]; copies the labels so the file buffer can be freed. */
function toSplit(raw: RawSplit, limit: number | undefined): DataSplit {
  const total = raw.labels.dims[0]!;
  const count = limit === undefined ? total : Math.min(total, limit);
  const pixelsPerImage = raw.images.data.length / total;
  const bytes = raw.images.data.subarray(0, count * pixelsPerImage);
  const images = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) images[i] = bytes[i]! / 255;
  return { images, labels: raw.labels.data.slice(0, count), count };
}

/** Loads both splits and checks that they agree; classes are named by `classes` or numbered. */
export async function loadIdxFiles(files: IdxFileSet, ctx: LoadContext, classes: string[] | undefined): Promise<Dataset> {
  checkLimit('limit', ctx.limit);
  checkLimit('test limit', ctx.testLimit);
  const [train, test] = await Promise.all([readRawSplit(files.train), readRawSplit(files.test)]);
  const imageShape = imageShapeOf(train);
  const testShape = imageShapeOf(test);
  if (imageShape.join('x') !== testShape.join('x')) {
    throw new DataError(
      `${displayPath(files.test.images)}: test images are ${testShape.join('x')} but training images ` +
        `(${displayPath(files.train.images)}) are ${imageShape.join('x')}; expected both splits to share one image shape`,
    );
  }
  // Count classes over the full files so that a --limit run still builds the same label space.
  const numClasses = Math.max(maxLabel(train.labels.data), maxLabel(test.labels.data)) + 1;
  if (numClasses > MAX_CLASSES) throw new DataError(`${files.source} has labels up to ${numClasses - 1}; at most ${MAX_CLASSES} classes are supported`);
  const classNames = numberedClasses(numClasses, classes, files.source);
  return {
    train: toSplit(train, ctx.limit),
    test: toSplit(test, ctx.testLimit ?? ctx.limit),
    sampleShape: imageShape,
    numClasses: classNames.length,
    classNames,
    exactClassCount: classes !== undefined,
    source: files.source,
    prepared: { classes: classNames, sampleShape: imageShape },
    notes: [],
  };
}

/** Loads the test split only, for `evaluate`. */
export async function loadIdxTest(files: IdxFileSet, limit: number | undefined): Promise<{ split: DataSplit; source: string; imageShape: [number, number, number] }> {
  checkLimit('limit', limit);
  const raw = await readRawSplit(files.test);
  return { split: toSplit(raw, limit), source: files.source, imageShape: imageShapeOf(raw) };
}
