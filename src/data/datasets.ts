// The data layer's surface: load a dataset for training (both splits), its test split again
// for `evaluate`, and a predictor for `predict`, whatever its kind; and the checks that data
// fits a model. Each kind's own module (kinds/) does the work; see kind.ts for the contract.
import path from 'node:path';
import { checkClassCount } from './classes.js';
import { DataError } from './errors.js';
import { findIdxFile } from './idx-files.js';
import type { Dataset as KindDataset, DataSplit, LoadOptions, Predictor, Prepared } from './kind.js';
import { idxFileSet } from './kinds/idx.js';
import { mnistFileSet } from './kinds/mnist.js';
import { datasetKind, type DatasetRef } from './registry.js';

export { DataError } from './errors.js';
export { displayPath } from './display.js';
export { DEFAULT_MAX_PIXELS } from './images/decode.js';
export type { DataSplit, LoadOptions, Prepared, Predictor } from './kind.js';
export type { DatasetRef } from './registry.js';

/** A loaded dataset; `imageShape` is the sample shape under its older name. */
export type Dataset = KindDataset & { imageShape: number[] };
export type LoadedDataset = Dataset;

export interface DatasetLoadOptions extends LoadOptions {
  /** The model's input shape: image folders resize to it (default: the dataset's own `size`/`channels`). */
  inputShape?: readonly number[];
}

/** Loads both splits of a dataset; paths in `ref` are relative to `specDir`. */
export async function loadDataset(ref: DatasetRef, specDir: string, opts: DatasetLoadOptions = {}): Promise<LoadedDataset> {
  const { inputShape = [], ...options } = opts;
  const data = await datasetKind(ref.kind).load(ref, { ...options, specDir: path.resolve(specDir), inputShape });
  return { ...data, imageShape: data.sampleShape };
}

/** The test split again, prepared as recorded when the run trained (`evaluate`). */
export async function loadTestSplit(ref: DatasetRef, specDir: string, prepared: Prepared, opts: LoadOptions = {}): Promise<{ split: DataSplit; source: string }> {
  return datasetKind(ref.kind).loadTest(ref, { ...opts, specDir: path.resolve(specDir), inputShape: prepared.sampleShape }, prepared);
}

/** How `predict` prepares new inputs for a run trained on this dataset. */
export function predictorFor(ref: DatasetRef, prepared: Prepared): Predictor {
  return datasetKind(ref.kind).predictor(ref, prepared);
}

/** One split of an MNIST-style dataset (mnist or idx), without the preparation record. */
export async function loadSplit(
  ref: DatasetRef,
  specDir: string,
  which: 'train' | 'test',
  limit?: number,
): Promise<{ split: DataSplit; imageShape: number[]; source: string }> {
  const data = await loadDataset(ref, specDir, limit === undefined ? {} : which === 'train' ? { limit } : { testLimit: limit });
  return { split: data[which], imageShape: data.sampleShape, source: data.source };
}

/** Absolute paths of the four IDX files an mnist or idx reference points at. */
export function resolveDatasetFiles(ref: DatasetRef, specDir: string): ReturnType<typeof mnistFileSet> {
  if (ref.kind === 'mnist') return mnistFileSet();
  if (ref.kind === 'idx') return idxFileSet(ref, path.resolve(specDir));
  throw new DataError(`dataset kind ${ref.kind} is not a set of IDX files`);
}

export { findIdxFile };

/**
 * Checks that samples of the dataset's shape can be fed to a model whose input shape (without
 * the batch dimension) is `inputShape`. Images [h, w, c] are accepted as [h, w, c], as [h, w]
 * when c is 1, and flattened as [h*w*c] for MLPs (the order of values is the same in all three,
 * so feeding is a reshape); table rows of f features as [f].
 */
export function checkInputFits(dataset: { sampleShape?: readonly number[]; imageShape?: readonly number[]; source: string }, inputShape: readonly number[]): void {
  const shape = dataset.sampleShape ?? dataset.imageShape ?? [];
  const show = (s: readonly number[]): string => `[${s.join(', ')}]`;
  const same = (a: readonly number[]): boolean => a.length === inputShape.length && a.every((v, i) => v === inputShape[i]);
  if (shape.length === 1) {
    if (same(shape)) return;
    throw new DataError(
      `the model's input shape ${show(inputShape)} does not fit the rows of ${dataset.source}, which have ${shape[0]} features; ` +
        `expected the spec's input to be ${show(shape)}`,
    );
  }
  const [h = 0, w = 0, c = 1] = shape;
  const accepted: number[][] = [[h, w, c], [h * w * c]];
  if (c === 1) accepted.splice(1, 0, [h, w]);
  if (accepted.some(same)) return;
  throw new DataError(
    `the model's input shape ${show(inputShape)} does not fit the images of ${dataset.source}, ` +
      `which are ${h}x${w} with ${c} channel${c === 1 ? '' : 's'}; ` +
      `expected the spec's input to be ${accepted.map(show).join(' or ')}`,
  );
}

/** Everything about the data a model must agree with, checked before any training or run folder. */
export function checkDataFitsModel(dataset: Pick<KindDataset, 'sampleShape' | 'source' | 'classNames' | 'exactClassCount'>, inputShape: readonly number[], outputUnits: number): void {
  checkInputFits(dataset, inputShape);
  checkClassCount(dataset.classNames, outputUnits, dataset.source, dataset.exactClassCount);
}
