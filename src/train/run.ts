// One recorded training run, start to finish, and the re-evaluation of a saved run.
// The CLI parses arguments and builds the model; this module owns what lands in the run folder.

import { access } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { checkDataFitsModel, loadDataset, loadTestSplit, type Dataset, type LoadOptions } from '../data/datasets.js';
import type { TrainingConfig } from '../types.js';
import { classNamesFor, recordedPreparation } from '../data/run-record.js';
import { modelInputShape, modelOutputClasses } from './batches.js';
import { evaluateModel, renderConfusion, type Evaluation } from './evaluate.js';
import { loadModelFromDir } from './model-io.js';
import { createProgressDisplay, type ProgressDisplay } from './progress.js';
import {
  createRunDir,
  DATASET_JSON,
  readRunJson,
  RESULTS_JSON,
  writeDatasetRecord,
  writeResolvedSpec,
  writeResults,
  type DatasetRecord,
  type RunResults,
  type TestResults,
} from './run-dir.js';
import { trainModel, type TrainResult } from './trainer.js';

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
  /** Called with the run folder as soon as it exists, so a caller can print it before training starts. */
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

/**
 * Loads the dataset, creates runs/<spec>/<timestamp>/, trains (checkpointing every epoch),
 * evaluates on the test set and writes results.json. A diverging loss throws
 * TrainingDivergedError; the folder then holds the last good epoch's model.
 */
export async function trainAndRecord(opts: TrainAndRecordOptions): Promise<RecordedRun> {
  const { model, cfg } = opts;
  const loadOptions = opts.loadOptions ?? {};
  const inputShape = modelInputShape(model);
  const dataset = await loadDataset(cfg.dataset, opts.specDir, { ...loadOptions, inputShape });
  // Everything the data must agree with is checked before the run folder exists.
  checkDataFitsModel(dataset, inputShape, modelOutputClasses(model));
  opts.onData?.(dataset);
  const dir = await createRunDir(opts.runsRoot ?? 'runs', opts.specName);
  opts.onRunDir?.(dir);
  await writeResolvedSpec(dir, opts.resolvedSpec);
  const record: DatasetRecord = { ref: cfg.dataset, specDir: opts.specDir, options: loadOptions, source: dataset.source, prepared: dataset.prepared };
  await writeDatasetRecord(dir, record);

  const display = opts.progress === undefined ? createProgressDisplay() : opts.progress;
  let training: TrainResult;
  try {
    training = await trainModel(model, dataset, cfg, {
      out: dir,
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
  const results: RunResults = {
    backend: backend ?? tf.getBackend(),
    training: {
      epochs_completed: training.history.length,
      interrupted: training.interrupted,
      train_samples: training.trainSamples,
      validation_samples: training.validationSamples,
      seconds: training.seconds,
      samples_per_sec: training.samplesPerSec,
      replicas: training.replicas,
    },
    test,
  };
  await writeResults(dir, results);
  return results;
}

export interface RunEvaluation extends Evaluation {
  backend: string;
  /** One name per output unit. */
  classes: string[];
  /** results.json of the run, when it has test results. */
  saved: TestResults | null;
  /** Whether loss, accuracy and confusion equal the saved ones exactly (null: nothing saved). */
  reproduced: boolean | null;
}

/**
 * Reloads the model of a run folder and evaluates it on the test set recorded there, prepared
 * as in training (class order, image size, CSV statistics), with the recorded batch size and
 * loss, so that on the same backend it reproduces results.json exactly.
 */
export async function evaluateRun(dir: string, options: Pick<LoadOptions, 'cacheDir' | 'maxPixels'> = {}): Promise<RunEvaluation> {
  const record = await readRunJson<DatasetRecord>(dir, DATASET_JSON);
  const saved = await access(path.join(dir, RESULTS_JSON)).then(
    async () => (await readRunJson<RunResults>(dir, RESULTS_JSON)).test,
    () => null,
  );
  const model = await loadModelFromDir(dir);
  try {
    const prepared = recordedPreparation(record, modelInputShape(model), modelOutputClasses(model));
    const testLimit = record.options.testLimit ?? record.options.limit;
    const { split } = await loadTestSplit(record.ref, record.specDir, prepared, { ...record.options, ...options, ...(testLimit !== undefined ? { testLimit } : {}) });
    const batchSize = saved?.batch_size ?? 32;
    const lossName = saved?.loss_function ?? 'sparse_categorical_crossentropy';
    const evaluation = await evaluateModel(model, split.images, split.labels, batchSize, { loss: lossName });
    const reproduced =
      saved === null
        ? null
        : saved.loss === evaluation.loss &&
          saved.accuracy === evaluation.accuracy &&
          JSON.stringify(saved.confusion) === JSON.stringify(evaluation.confusion);
    return { ...evaluation, classes: classNamesFor(prepared.classes, evaluation.confusion.length), backend: tf.getBackend(), saved, reproduced };
  } finally {
    model.dispose();
  }
}

/** Test loss, accuracy and the confusion matrix (rows and columns named by class) as text for the terminal. */
export function formatTestSummary(test: Pick<TestResults, 'loss' | 'accuracy' | 'samples' | 'confusion' | 'classes'>): string {
  return [
    `Test: loss ${test.loss.toFixed(4)}  accuracy ${(test.accuracy * 100).toFixed(2)}% on ${test.samples.toLocaleString('en-US')} samples`,
    '',
    renderConfusion(test.confusion, test.classes),
  ].join('\n');
}
