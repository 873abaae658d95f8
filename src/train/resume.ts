// `train --resume RUN_DIR`: continue an interrupted run in its own folder. Everything comes
// from the folder itself: the training config (resolved-spec.json), the data (dataset.json)
// and the model, optimizer state and position (the checkpoint in model.json). The spec file
// is not read again, so editing it after starting a run cannot change the run half-way.
//
// Preparing a resume explains every folder it cannot continue: one that is not a run folder,
// one stopped before its first checkpoint, one that already finished, and one whose checkpoint
// is not the model the run started with.

import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../data/datasets.js';
import type { TrainingConfig } from '../types.js';
import { loadCheckpoint, readCheckpointInfo, type CheckpointInfo } from './checkpoint.js';
import { checkTrainingFits } from './fit.js';
import { MODEL_JSON, topologySha256 } from './model-io.js';
import { chooseRunMode, type PrepareEvents, type RunMode, type RunRequest } from './prepare.js';
import { createProgressDisplay, type ProgressDisplay } from './progress.js';
import { readDatasetRecord, readRunJson, readRunResults, RESOLVED_SPEC_JSON, RESULTS_JSON, type DatasetRecord, type RunResults } from './run-dir.js';
import { RunError, RunRequestError } from './run-error.js';
import { recordResults, type RecordedRun } from './run.js';
import { checkTrainingConfig } from './settings.js';
import { trainModel, type TrainResult } from './trainer.js';

/** What resolved-spec.json holds (written by trainPrepared); every field optional for old runs. */
interface ResolvedRecord {
  spec?: unknown;
  inputShape?: unknown;
  training?: unknown;
  flags?: unknown;
  topologySha256?: unknown;
}

/** A run folder whose checkpoint can be continued. */
export interface PreparedResume extends RunMode {
  dir: string;
  cfg: TrainingConfig;
  record: DatasetRecord;
  checkpoint: CheckpointInfo;
}

/** A run folder that already trained every epoch and recorded its test results: nothing to resume. */
export interface FinishedRun {
  finished: true;
  dir: string;
  epochs: number;
  results: RunResults;
}

/** What createRunDir names run folders: a timestamp, with -N when two start in the same second. */
const RUN_FOLDER_NAME = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ(-\d+)?$/;

/** The `netspec train` command that would start this run again, from what resolved-spec.json recorded. */
function restartCommand(resolved: ResolvedRecord): string {
  const spec = typeof resolved.spec === 'string' ? resolved.spec : 'SPEC';
  const flags = resolved.flags !== null && typeof resolved.flags === 'object' ? (resolved.flags as Record<string, unknown>) : {};
  const option = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  // train's switches are all of the --no-X kind (recorded true unless given), so only a false
  // one was typed, as --no-X.
  const options = Object.entries(flags)
    .filter(([key, value]) => key !== 'resume' && (typeof value === 'string' || typeof value === 'number' || value === false))
    .map(([key, value]) => (value === false ? `--no-${option(key).slice(2)}` : `${option(key)} ${String(value)}`));
  return ['netspec train', spec, ...options].join(' ');
}

/** Refuses a checkpoint whose model is not the one resolved-spec.json says the run started with. */
function checkSameModel(dir: string, resolved: ResolvedRecord, info: CheckpointInfo): void {
  const refuse = (what: string): never => {
    throw new RunError(`${path.join(dir, MODEL_JSON)}: ${what} (${RESOLVED_SPEC_JSON}); refusing to train it. Restore the run folder, or start a new run`);
  };
  if (typeof resolved.topologySha256 === 'string') {
    if (topologySha256(info.topology) !== resolved.topologySha256) refuse('describes another model than the one this run started with');
    return;
  }
  // Runs recorded before the fingerprint: the input shape at least must match.
  const layers = (info.topology as { config?: { layers?: { config?: { batch_input_shape?: unknown } }[] } } | null)?.config?.layers;
  const batchInput = Array.isArray(layers) ? layers[0]?.config?.batch_input_shape : undefined;
  if (Array.isArray(resolved.inputShape) && Array.isArray(batchInput) && JSON.stringify(batchInput.slice(1)) !== JSON.stringify(resolved.inputShape)) {
    refuse(`describes a model with input [${batchInput.slice(1).join(', ')}] but this run started with input [${resolved.inputShape.join(', ')}]`);
  }
}

/**
 * Reads and checks a run folder, and when it can be continued brings up the backend and
 * chooses how to use the cores as `train` does (a run may start one way and continue the
 * other: replicas start from the checkpoint's weights and optimizer state).
 */
export async function prepareResume(dir: string, request: RunRequest = {}, events: PrepareEvents = {}): Promise<PreparedResume | FinishedRun> {
  const isFolder = existsSync(dir) && statSync(dir).isDirectory();
  if (!isFolder || !existsSync(path.join(dir, MODEL_JSON))) {
    // Named like a run folder (runs/<spec>/<timestamp>) but empty: killed between mkdir and its first record.
    if (isFolder && RUN_FOLDER_NAME.test(path.basename(path.resolve(dir))) && readdirSync(dir).every((f) => f.endsWith('.tmp'))) {
      throw new RunError(
        `${dir} is empty: a run made this folder and was stopped before it recorded anything, so there is nothing to resume; start the run again`,
      );
    }
    if (isFolder && existsSync(path.join(dir, RESOLVED_SPEC_JSON))) {
      const resolved = await readRunJson<ResolvedRecord>(dir, RESOLVED_SPEC_JSON);
      throw new RunError(
        `${dir} was stopped before it saved its first checkpoint (it has no ${MODEL_JSON}), so there is nothing to resume; ` +
          `start the run again with: ${restartCommand(resolved ?? {})}`,
      );
    }
    throw new RunRequestError(`${dir} has no checkpoint (no ${MODEL_JSON}); pass a run folder printed by \`netspec train\``);
  }
  const resolved = (await readRunJson<ResolvedRecord>(dir, RESOLVED_SPEC_JSON)) ?? {};
  const cfg = checkTrainingConfig(resolved.training, path.join(dir, RESOLVED_SPEC_JSON));
  const checkpoint = await readCheckpointInfo(dir);
  checkSameModel(dir, resolved, checkpoint);
  const { state } = checkpoint;
  if (state.epochs !== cfg.epochs) {
    throw new RunError(
      `${path.join(dir, MODEL_JSON)}: the checkpoint is of a run of ${state.epochs} epochs but ${RESOLVED_SPEC_JSON} asks for ${cfg.epochs}; the folder was edited`,
    );
  }
  if ((state.epoch > cfg.epochs || state.controls?.stopped) && existsSync(path.join(dir, RESULTS_JSON))) {
    const results = await readRunResults(dir);
    if (results.test) return { finished: true, dir, epochs: cfg.epochs, results };
  }
  const record = await readDatasetRecord(dir);
  const mode = await chooseRunMode(request, { batchSize: cfg.batchSize }, events);
  return { dir, cfg, record, checkpoint, ...mode };
}

export interface ResumeOptions {
  signal?: AbortSignal;
  progress?: ProgressDisplay | null;
  /**
   * Called once the checkpoint is loaded, with where training continues: epoch > epochs means
   * every epoch is trained and only the test evaluation is left.
   */
  onResume?: (at: { epoch: number; batchesDone: number; epochs: number }) => void;
}

/** Continues a prepared resume to the run's epoch count, then evaluates and records the results. */
export async function resumeAndRecord(prepared: PreparedResume, opts: ResumeOptions = {}): Promise<RecordedRun> {
  const { dir, cfg, record } = prepared;
  const dataset = await loadDataset(record.ref, record.specDir, { ...record.options, ...(record.prepared ? { inputShape: record.prepared.sampleShape } : {}) });
  const { model, state, optimizerWeights } = await loadCheckpoint(dir, prepared.checkpoint);
  let training: TrainResult;
  const display = opts.progress === undefined ? createProgressDisplay() : opts.progress;
  try {
    checkTrainingFits(model, dataset, cfg);
    opts.onResume?.({ epoch: state.epoch, batchesDone: state.batchesDone, epochs: cfg.epochs });
    try {
      training = await trainModel(model, dataset, cfg, {
        out: dir,
        resume: { position: state, history: state.history, optimizerWeights },
        ...(prepared.workers > 1 ? { workers: prepared.workers } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(display ? { onProgress: display.onProgress, onEpochEnd: display.onEpochEnd } : {}),
      });
    } catch (error) {
      // The loop's refusals speak of "the checkpoint": say which folder's.
      throw error instanceof RunError ? new RunError(`${dir}: ${error.message}`) : error;
    } finally {
      display?.stop();
    }
    const results = await recordResults(dir, model, dataset, cfg, training, prepared.backend.name);
    return { dir, training, results };
  } finally {
    // setWeights copied them into the optimizer's own variables.
    for (const w of optimizerWeights) (w.tensor as tf.Tensor).dispose();
    model.dispose();
  }
}
