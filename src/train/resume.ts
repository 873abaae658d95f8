// `train --resume RUN_DIR`: continue an interrupted run in its own folder. Everything comes
// from the folder itself: the training config (resolved-spec.json), the data (dataset.json)
// and the model, optimizer state and position (the checkpoint in model.json). The spec file
// is not read again, so editing it after starting a run cannot change the run half-way.

import type * as tf from '@tensorflow/tfjs';
import { DataError, loadDataset } from '../data/datasets.js';
import type { TrainingConfig } from '../types.js';
import { loadCheckpoint } from './checkpoint.js';
import { createProgressDisplay, type ProgressDisplay } from './progress.js';
import { DATASET_JSON, readRunJson, RESOLVED_SPEC_JSON, type DatasetRecord } from './run-dir.js';
import { recordResults, type RecordedRun } from './run.js';
import { trainModel, type TrainResult } from './trainer.js';

export interface ResumeOptions {
  dir: string;
  backend?: string;
  signal?: AbortSignal;
  progress?: ProgressDisplay | null;
  /** Data-parallel replicas (see trainer.ts); omitted or 1: one process. */
  workers?: number;
  /** Called once the checkpoint is read, with the epoch and batch training continues from. */
  onResume?: (at: { epoch: number; batchesDone: number; epochs: number }) => void;
}

/** Reads the run's training config, refusing a folder whose record is not one. */
async function readTrainingConfig(dir: string): Promise<TrainingConfig> {
  const resolved = await readRunJson<{ training?: TrainingConfig }>(dir, RESOLVED_SPEC_JSON);
  const cfg = resolved?.training;
  if (!cfg || typeof cfg.epochs !== 'number' || typeof cfg.batchSize !== 'number' || typeof cfg.seed !== 'number') {
    throw new DataError(`${dir}/${RESOLVED_SPEC_JSON}: holds no training configuration; was this run started by \`netspec train\`?`);
  }
  return cfg;
}

/** Keras class names of the layers data-parallel replicas cannot reproduce (see cli/train-mode.ts). */
const NOT_SPLITTABLE = new Set(['BatchNormalization', 'Dropout']);

/**
 * What choosing how to resume needs before any backend is up: the run's batch size and the
 * checkpoint's layers that replicas cannot reproduce, both read as plain JSON.
 */
export async function resumeFacts(dir: string): Promise<{ batchSize: number; unsupported: string[] }> {
  const cfg = await readTrainingConfig(dir);
  const saved = await readRunJson<{ modelTopology?: { config?: { layers?: { class_name?: string; config?: { name?: string } }[] } } }>(dir, 'model.json');
  const layers = saved?.modelTopology?.config?.layers ?? [];
  const unsupported = layers
    .filter((l) => NOT_SPLITTABLE.has(l.class_name ?? ''))
    .map((l) => `'${l.config?.name ?? '?'}' (${l.class_name})`);
  return { batchSize: cfg.batchSize, unsupported };
}

export async function resumeAndRecord(opts: ResumeOptions): Promise<RecordedRun> {
  const { dir } = opts;
  const cfg = await readTrainingConfig(dir);
  const record = await readRunJson<DatasetRecord>(dir, DATASET_JSON);
  const dataset = await loadDataset(record.ref, record.specDir, { ...record.options, ...(record.prepared ? { inputShape: record.prepared.sampleShape } : {}) });
  const { model, state, optimizerWeights } = await loadCheckpoint(dir);
  let training: TrainResult;
  const display = opts.progress === undefined ? createProgressDisplay() : opts.progress;
  try {
    opts.onResume?.({ epoch: state.epoch, batchesDone: state.batchesDone, epochs: cfg.epochs });
    try {
      training = await trainModel(model, dataset, cfg, {
        out: dir,
        resume: { position: state, history: state.history, optimizerWeights },
        ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(display ? { onProgress: display.onProgress, onEpochEnd: display.onEpochEnd } : {}),
      });
    } finally {
      display?.stop();
      // setWeights copied them into the optimizer's own variables.
      for (const w of optimizerWeights) (w.tensor as tf.Tensor).dispose();
    }
    const results = await recordResults(dir, model, dataset, cfg, training, opts.backend);
    return { dir, training, results };
  } finally {
    model.dispose();
  }
}
