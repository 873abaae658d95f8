// One recorded training run, start to finish: the data loaded and checked against the model,
// then the run folder, training with checkpoints, the test evaluation and results.json. This
// module owns what lands in the run folder; prepare.ts owns everything before it.

import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { loadDataset, type Dataset, type LoadOptions } from '../data/datasets.js';
import { classNamesFor } from '../data/run-record.js';
import type { TrainingConfig } from '../types.js';
import { modelInputShape } from './batches.js';
import { evaluateModel, renderConfusion, type Evaluation } from './evaluate.js';
import { checkTrainingFits } from './fit.js';
import { readModelJson, topologySha256 } from './model-io.js';
import type { PreparedRun } from './prepare.js';
import { createProgressDisplay, type ProgressDisplay } from './progress.js';
import {
  createRunDir,
  writeDatasetRecord,
  writeResolvedSpec,
  writeResults,
  type DatasetRecord,
  type ModelIdentity,
  type RunResults,
  type TestResults,
} from './run-dir.js';
import { trainModel, type TrainResult } from './trainer.js';
import { kernelsIdentity } from '../backend/kernels-identity.js';

export interface TrainAndRecordOptions {
  model: tf.LayersModel;
  cfg: TrainingConfig;
  specName: string;
  /** Folder of the spec file: `idx` dataset folders are relative to it. */
  specDir: string;
  /** Saved as resolved-spec.json. */
  resolvedSpec: unknown;
  /** Sample limits, e.g. for quick runs. */
  loadOptions?: LoadOptions;
  /** Name of the active backend, recorded in results.json (default: tf.getBackend()). */
  backend?: string;
  /** Parent of all run folders (default 'runs'). */
  runsRoot?: string;
  signal?: AbortSignal;
  /** Default: a progress display on stdout. Null for silence. */
  progress?: ProgressDisplay | null;
  /** Called once the data is loaded and checked against the model, before the run folder exists. */
  onData?: (dataset: Dataset) => void;
  /**
   * Called with the run folder once it holds its records and a first checkpoint, before the
   * first batch: a folder the caller prints can always be resumed.
   */
  onRunDir?: (dir: string) => void;
  /** Data-parallel worker threads, passed to trainModel. */
  workers?: number;
}

export interface RecordedRun {
  dir: string;
  training: TrainResult;
  results: RunResults;
}

async function evaluateTimed(
  model: tf.LayersModel,
  split: { images: Float32Array; labels: Uint8Array },
  batchSize: number,
  lossName: TestResults['loss_function'],
  classes: string[],
): Promise<{ evaluation: Evaluation; test: TestResults }> {
  const started = performance.now();
  const evaluation = await evaluateModel(model, split.images, split.labels, batchSize, { loss: lossName });
  const seconds = (performance.now() - started) / 1000;
  const test: TestResults = {
    loss: evaluation.loss,
    accuracy: evaluation.accuracy,
    samples: evaluation.count,
    batch_size: batchSize,
    loss_function: lossName,
    seconds,
    samples_per_sec: evaluation.count / seconds,
    confusion: evaluation.confusion,
    classes: classNamesFor(classes, evaluation.confusion.length),
  };
  return { evaluation, test };
}

/** The resolved spec record, with the fingerprint of the model that trains (when it is a mapping). */
function withTopology(resolvedSpec: unknown, model: tf.LayersModel): unknown {
  if (resolvedSpec === null || typeof resolvedSpec !== 'object' || Array.isArray(resolvedSpec)) return resolvedSpec;
  return { ...resolvedSpec, topologySha256: topologySha256(model.toJSON(null, false)) };
}

/**
 * Loads the dataset and checks it against the model and settings, creates
 * runs/<spec>/<timestamp>/ (only then, so a run that cannot start leaves no folder), trains
 * (checkpointing before the first batch and after every epoch), evaluates on the test set and
 * writes results.json. A diverging loss throws TrainingDivergedError; the folder then holds
 * the last good epoch's model.
 */
export async function trainAndRecord(opts: TrainAndRecordOptions): Promise<RecordedRun> {
  const { model, cfg } = opts;
  const loadOptions = opts.loadOptions ?? {};
  const dataset = await loadDataset(cfg.dataset, opts.specDir, { ...loadOptions, inputShape: modelInputShape(model) });
  // Everything the data and settings must agree with is checked before the run folder exists.
  checkTrainingFits(model, dataset, cfg);
  opts.onData?.(dataset);
  const dir = await createRunDir(opts.runsRoot ?? 'runs', opts.specName);
  await writeResolvedSpec(dir, withTopology(opts.resolvedSpec, model));
  const record: DatasetRecord = { ref: cfg.dataset, specDir: opts.specDir, options: loadOptions, source: dataset.source, prepared: dataset.prepared };
  await writeDatasetRecord(dir, record);

  const display = opts.progress === undefined ? createProgressDisplay() : opts.progress;
  let training: TrainResult;
  try {
    training = await trainModel(model, dataset, cfg, {
      out: dir,
      ...(opts.onRunDir ? { onStart: () => opts.onRunDir!(dir) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
      ...(display ? { onProgress: display.onProgress, onEpochEnd: display.onEpochEnd } : {}),
    });
  } finally {
    display?.stop();
  }

  const results = await recordResults(dir, model, dataset, cfg, training, opts.backend);
  return { dir, training, results };
}

export interface TrainPreparedOptions {
  /** How to load the data: sample limits (a `limit` alone keeps the test set whole), image limits, the cache. */
  loadOptions?: LoadOptions;
  /** Parent of all run folders (default 'runs'). */
  runsRoot?: string;
  signal?: AbortSignal;
  /** Default: a progress display on stdout. Null for silence. */
  progress?: ProgressDisplay | null;
  onRunDir?: (dir: string) => void;
  /** Called once the data is loaded and checked, before the run folder exists. */
  onData?: (dataset: Dataset) => void;
  /** The options the run was asked with, kept in resolved-spec.json. */
  flags?: Record<string, unknown>;
}

/** A prepared run (prepare.ts) trained and recorded; resolved-spec.json keeps its spec, settings and flags. */
export async function trainPrepared(run: PreparedRun, options: TrainPreparedOptions = {}): Promise<RecordedRun> {
  const { spec, model, cfg, live, backend, workers } = run;
  return trainAndRecord({
    model: live,
    cfg,
    specName: model.ir.name,
    specDir: path.dirname(path.resolve(spec)),
    resolvedSpec: { spec, name: model.ir.name, sha256: model.ir.source.sha256, inputShape: model.ir.inputShape, training: cfg, flags: options.flags ?? {} },
    loadOptions: options.loadOptions ?? {},
    backend: backend.name,
    ...(options.runsRoot !== undefined ? { runsRoot: options.runsRoot } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.progress !== undefined ? { progress: options.progress } : {}),
    ...(options.onRunDir ? { onRunDir: options.onRunDir } : {}),
    ...(options.onData ? { onData: options.onData } : {}),
    ...(workers > 1 ? { workers } : {}),
  });
}

/** The model files in `dir` as results.json records them; undefined when model.json cannot be read. */
export async function modelIdentity(dir: string): Promise<ModelIdentity | undefined> {
  try {
    const json = await readModelJson(dir);
    return { topology_sha256: topologySha256(json.modelTopology), weights: json.weightsManifest.flatMap((g) => g.paths.map((p) => p.replace(/^\.\//, ''))) };
  } catch {
    return undefined;
  }
}

/** Evaluates on the test set (unless training was interrupted) and writes results.json. */
export async function recordResults(
  dir: string,
  model: tf.LayersModel,
  dataset: Dataset,
  cfg: TrainingConfig,
  training: TrainResult,
  backend?: string,
): Promise<RunResults> {
  const test = training.interrupted ? null : (await evaluateTimed(model, dataset.test, cfg.batchSize, cfg.loss, dataset.classNames)).test;
  const identity = await modelIdentity(dir);
  const kernels = kernelsIdentity(tf.backend());
  const results: RunResults = {
    backend: backend ?? tf.getBackend(),
    ...(kernels ? { kernels } : {}),
    ...(identity ? { model: identity } : {}),
    training: {
      epochs_completed: training.history.length,
      interrupted: training.interrupted,
      train_samples: training.trainSamples,
      validation_samples: training.validationSamples,
      seconds: training.seconds,
      samples_per_sec: training.samplesPerSec,
      replicas: training.replicas,
      ...(training.keptEpoch !== undefined ? { kept_epoch: training.keptEpoch } : {}),
      ...(training.stoppedEarly ? { stopped_early: training.stoppedEarly } : {}),
    },
    test,
  };
  await writeResults(dir, results);
  return results;
}

/** Test loss, accuracy and the confusion matrix (rows and columns named by class) as text for the terminal. */
export function formatTestSummary(test: Pick<TestResults, 'loss' | 'accuracy' | 'samples' | 'confusion' | 'classes'>): string {
  return [
    `Test: loss ${test.loss.toFixed(4)}  accuracy ${(test.accuracy * 100).toFixed(2)}% on ${test.samples.toLocaleString('en-US')} samples`,
    '',
    renderConfusion(test.confusion, test.classes),
  ].join('\n');
}
