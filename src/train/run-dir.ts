// The run folder, runs/<spec>/<timestamp>/, and the small JSON records kept in it besides
// the model and metrics. Everything is written atomically (see atomic.ts) so an interrupted
// process never leaves a truncated record that a later `evaluate` would choke on.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DataError, type LoadOptions, type Prepared } from '../data/datasets.js';
import type { DatasetRef } from '../types.js';
import { writeJsonAtomic } from '../lib/atomic-write.js';
import { ensureDir } from '../lib/dirs.js';
import { FileReadError, readRegularText } from '../lib/safe-read.js';
import type { LossName } from './losses.js';
import { isEpochMetrics, METRICS_JSON, type MetricsFile } from './metrics.js';
import { datasetProblem } from './settings.js';

export const RESOLVED_SPEC_JSON = 'resolved-spec.json';
export const DATASET_JSON = 'dataset.json';
export const RESULTS_JSON = 'results.json';
/** The records are small; metrics of 10,000 epochs take about 2 MiB. Anything far larger is not ours. */
export const MAX_RUN_JSON_BYTES = 64 * 1024 * 1024;

/** 2026-11-27T18:03:11.512Z -> 2026-11-27T18-03-11Z: sortable, and free of ':' which Windows forbids. */
export function runTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}

/** Spec names become folder names, so anything but letters, digits, '.', '_' and '-' is replaced. */
export function safeFolderName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '');
  return cleaned === '' ? 'unnamed' : cleaned;
}

/**
 * Creates and returns a new, empty run folder `<root>/<spec>/<timestamp>/`. Two runs started
 * in the same second get `-2`, `-3`, ... suffixes: mkdir without `recursive` fails on an
 * existing folder, which makes the claim race-free even across processes.
 */
export async function createRunDir(root: string = 'runs', specName: string, now: Date = new Date()): Promise<string> {
  const parent = path.join(root, safeFolderName(specName));
  ensureDir(parent);
  const stamp = runTimestamp(now);
  for (let attempt = 1; ; attempt++) {
    const dir = path.join(parent, attempt === 1 ? stamp : `${stamp}-${attempt}`);
    try {
      await mkdir(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 1000) throw err;
    }
  }
}

/** The spec/config exactly as the run used it, after defaults: any JSON value. */
export async function writeResolvedSpec(dir: string, spec: unknown): Promise<void> {
  await writeJsonAtomic(path.join(dir, RESOLVED_SPEC_JSON), spec);
}

/** Enough to load the same test set again later, from anywhere: paths are absolute. */
export interface DatasetRecord {
  ref: DatasetRef;
  /** Absolute folder of the spec; `idx` dataset folders are relative to it. */
  specDir: string;
  options: LoadOptions;
  source: string;
  /** How the data was prepared (class names, image size, CSV statistics), so evaluate and predict repeat it. */
  prepared?: Prepared;
}

export async function writeDatasetRecord(dir: string, record: DatasetRecord): Promise<void> {
  await writeJsonAtomic(path.join(dir, DATASET_JSON), { ...record, specDir: path.resolve(record.specDir) });
}

/** dataset.json of a run folder, checked field by field: an edited record is refused, naming the field. */
export async function readDatasetRecord(dir: string): Promise<DatasetRecord> {
  const record = await readRunJson<Record<string, unknown>>(dir, DATASET_JSON);
  const file = path.join(dir, DATASET_JSON);
  const problem = ((): string | undefined => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) return 'is not a mapping';
    const ref = datasetProblem(record.ref);
    if (ref) return ref.replace(/^dataset/, 'ref');
    if (typeof record.specDir !== 'string' || !path.isAbsolute(record.specDir)) return 'specDir is not an absolute folder path';
    const options = record.options as Record<string, unknown> | null;
    if (options === null || typeof options !== 'object' || Array.isArray(options)) return 'options is not a mapping';
    for (const key of ['limit', 'testLimit']) {
      const v = options[key];
      if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) > 0)) return `options.${key} is not a positive whole number`;
    }
    return typeof record.source === 'string' ? undefined : 'source is not text';
  })();
  if (problem) throw new DataError(`${file}: ${problem}; the file was edited, or is not from \`netspec train\``);
  return record as unknown as DatasetRecord;
}

export interface TestResults {
  loss: number;
  accuracy: number;
  samples: number;
  /** Evaluation batch size and loss, recorded so that re-evaluating reproduces the numbers exactly. */
  batch_size: number;
  loss_function: LossName;
  seconds: number;
  samples_per_sec: number;
  /** confusion[actual][predicted]. */
  confusion: number[][];
  /** The class name of each row and column of the confusion matrix. */
  classes?: string[];
}

export interface TrainingSummary {
  epochs_completed: number;
  interrupted: boolean;
  train_samples: number;
  validation_samples: number;
  seconds: number;
  samples_per_sec: number;
  /**
   * Data-parallel replicas that trained (1: one process). Part of what reproduces a run: the
   * same seed, backend and replica count give the same metrics.
   */
  replicas?: number;
  /** With early stopping: the epoch whose weights the run kept. */
  kept_epoch?: number;
  /** Set when early stopping ended training: after which epoch, and why. */
  stopped_early?: { epoch: number; reason: string };
}

/** Which model files the test results were measured on, so re-evaluating can tell when they changed. */
export interface ModelIdentity {
  /** sha256 of the topology in model.json (see topologySha256). */
  topology_sha256: string;
  /** The weights files model.json named (content-addressed: the name changes with the bytes). */
  weights: string[];
}

export interface RunResults {
  backend: string;
  /** netspec's own kernels on that backend (src/backend/kernels-identity.ts); absent without them, and in runs recorded before it was. */
  kernels?: string;
  /** Absent in runs recorded before it was. */
  model?: ModelIdentity;
  training: TrainingSummary;
  /** Null when training was interrupted: the test set is not evaluated then, to stop promptly. */
  test: TestResults | null;
}

export async function writeResults(dir: string, results: RunResults): Promise<void> {
  await writeJsonAtomic(path.join(dir, RESULTS_JSON), results);
}

/** Reads a JSON record of a run folder; a missing or broken one is a DataError (a plain message, exit 1) naming the file. */
export async function readRunJson<T>(dir: string, file: string): Promise<T> {
  const full = path.join(dir, file);
  let text: string;
  try {
    text = await readRegularText(full, MAX_RUN_JSON_BYTES);
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    throw new DataError(err.problem === 'missing' ? `${full}: not found; is ${dir} a netspec run folder?` : err.message);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new DataError(`${full}: is not valid JSON (${(err as Error).message})`);
  }
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Why `test` is not a test-results record, or undefined when it is one (or null). */
function testResultsProblem(test: unknown): string | undefined {
  if (test === null) return undefined;
  if (!isMapping(test)) return 'test is not a mapping';
  if (!isNumber(test.loss) && !(typeof test.loss === 'number' && Number.isNaN(test.loss))) return 'test.loss is not a number';
  if (!isNumber(test.accuracy)) return 'test.accuracy is not a number';
  if (!isCount(test.samples) || !isCount(test.batch_size)) return 'test.samples or test.batch_size is not a whole number';
  const rows = test.confusion;
  if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r) && r.length === rows.length && r.every(isCount))) {
    return 'test.confusion is not a square table of counts';
  }
  const classes = test.classes;
  if (classes !== undefined && !(Array.isArray(classes) && classes.length === rows.length && classes.every((c) => typeof c === 'string'))) {
    return 'test.classes is not one name per row of the confusion table';
  }
  return undefined;
}

/** Why `results` is not a results.json record, or undefined when it is one. */
function resultsProblem(results: unknown): string | undefined {
  if (!isMapping(results)) return 'is not a mapping';
  if (typeof results.backend !== 'string') return 'backend is not text';
  if (results.kernels !== undefined && typeof results.kernels !== 'string') return 'kernels is not text';
  const t = results.training;
  if (
    !isMapping(t) ||
    !isCount(t.epochs_completed) ||
    typeof t.interrupted !== 'boolean' ||
    !isCount(t.train_samples) ||
    !isCount(t.validation_samples) ||
    !isNumber(t.seconds) ||
    !isNumber(t.samples_per_sec) ||
    (t.replicas !== undefined && !isCount(t.replicas))
  ) {
    return 'training is not a training summary';
  }
  const m = results.model;
  if (
    m !== undefined &&
    (!isMapping(m) || typeof m.topology_sha256 !== 'string' || !Array.isArray(m.weights) || !m.weights.every((w) => typeof w === 'string'))
  ) {
    return 'model is not a record of model files';
  }
  return testResultsProblem(results.test);
}

/** results.json of a run folder, checked: an edited record is refused with the field that is wrong. */
export async function readRunResults(dir: string): Promise<RunResults> {
  const results = await readRunJson<unknown>(dir, RESULTS_JSON);
  const problem = resultsProblem(results);
  if (problem) throw new DataError(`${path.join(dir, RESULTS_JSON)}: ${problem}; the file was edited, or is not from \`netspec train\``);
  return results as RunResults;
}

/** metrics.json of a run folder, checked: every epoch's metrics in order, and whether training stopped early. */
export async function readMetricsFile(dir: string): Promise<MetricsFile> {
  const metrics = await readRunJson<unknown>(dir, METRICS_JSON);
  const m = metrics as Partial<MetricsFile> | null;
  const good = isMapping(m) && Array.isArray(m.epochs) && m.epochs.every((e, i) => isEpochMetrics(e, i + 1)) && typeof m.interrupted === 'boolean';
  if (!good)
    throw new DataError(`${path.join(dir, METRICS_JSON)}: is not a list of each epoch's metrics; the file was edited, or is not from \`netspec train\``);
  return m as MetricsFile;
}
