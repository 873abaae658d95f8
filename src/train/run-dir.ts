// The run folder, runs/<spec>/<timestamp>/, and the small JSON records kept in it besides
// the model and metrics. Everything is written atomically (see atomic.ts) so an interrupted
// process never leaves a truncated record that a later `evaluate` would choke on.

import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DataError, type LoadOptions, type Prepared } from '../data/datasets.js';
import type { DatasetRef } from '../types.js';
import { writeJsonAtomic } from '../lib/atomic-write.js';
import type { LossName } from './losses.js';

export const RESOLVED_SPEC_JSON = 'resolved-spec.json';
export const DATASET_JSON = 'dataset.json';
export const RESULTS_JSON = 'results.json';

/** 2026-11-27T18:03:11.512Z -> 2026-11-27T18-03-11Z: sortable, and free of ':' which Windows forbids. */
export function runTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
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
  await mkdir(parent, { recursive: true });
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
}

export interface RunResults {
  backend: string;
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
    text = await readFile(full, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? `${full}: not found; is ${dir} a netspec run folder?` : `${full}: cannot be read (${(err as Error).message})`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new DataError(`${full}: is not valid JSON (${(err as Error).message})`);
  }
}
