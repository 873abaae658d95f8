// Resumable checkpoints. Everything needed to continue training exactly where it stopped is
// committed by the single atomic rename of model.json (see model-io.ts): the weights file, the
// optimizer's state (Adam's moments, momentum accumulators) in a content-addressed companion
// file, and the position: epoch, batches done, the partial epoch's running sums and the
// shuffle generator's state at the start of that epoch, from which the same batch order follows.

import * as tf from '@tensorflow/tfjs';
import { controlsStateProblem, type ControlsState } from './controls.js';
import { isEpochMetrics, writeMetrics, type EpochMetrics, type MetricsOutcome } from './metrics.js';
import { COMPANION_KEY, loadModelFromDir, ModelFileError, readModelJson, readNamedFile, saveModelToDir, weightByteLength } from './model-io.js';

const STATE_KEY = 'netspec_training_state';

/** What tf.Optimizer.getWeights() returns and setWeights() takes (tfjs does not export the type). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export interface TrainingPosition {
  /** Epoch (1-based) to continue with. */
  epoch: number;
  /** Batches of that epoch already trained (0: start the epoch afresh). */
  batchesDone: number;
  /** Shuffle generator state before that epoch's shuffle. */
  rngState: number;
  /** Running sums of the partial epoch, so its reported means match an uninterrupted run. */
  lossSum: number;
  accuracySum: number;
  seen: number;
  samplesSeen: number;
  /** The schedule's and early stopping's state (controls.ts); absent in runs recorded before them. */
  controls?: ControlsState;
}

export interface TrainingState extends TrainingPosition {
  version: 1;
  /** Epoch count the run was asked for. */
  epochs: number;
  history: EpochMetrics[];
}

export interface LoadedCheckpoint {
  model: tf.LayersModel;
  state: TrainingState;
  /** In the optimizer's getWeights() order; the caller disposes them after setWeights. */
  optimizerWeights: NamedTensor[];
}

/** Saves model, optimizer state and position in one commit. */
export async function saveCheckpoint(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  dir: string,
  state: TrainingState,
  keep: readonly string[] = [],
): Promise<void> {
  const named = await optimizer.getWeights();
  const { data, specs } = await tf.io.encodeWeights(named);
  // getWeights() hands out the optimizer's own variables (the moments) plus a fresh scalar for
  // the iteration count: only the latter is ours to dispose.
  tf.dispose(named.map((n) => n.tensor).filter((t) => !(t instanceof tf.Variable)));
  await saveModelToDir(model, dir, {
    metadata: { [STATE_KEY]: { ...state, optimizer_specs: specs } },
    companion: { prefix: 'optimizer', data: new Uint8Array(tf.io.CompositeArrayBuffer.join(data)) },
    keep,
  });
}

/** Where a run stands, as the training loop checkpoints it. */
export interface RunPoint {
  /** Epoch count the run was asked for. */
  epochs: number;
  history: EpochMetrics[];
  position: TrainingPosition;
  /** Files written before this checkpoint that its position names (the best epoch's weights). */
  keep?: readonly string[];
  /** How training ended, for metrics.json. */
  outcome?: MetricsOutcome;
}

/**
 * The loop's checkpoint: model, optimizer and position first (one atomic commit), metrics
 * second (unless `metrics: false`, for the checkpoint before the first batch). A kill between
 * the two leaves metrics one epoch behind, and a resume rewrites them from the history.
 */
export async function checkpoint(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  dir: string,
  point: RunPoint,
  options: { interrupted?: boolean; metrics?: boolean } = {},
): Promise<void> {
  await saveCheckpoint(model, optimizer, dir, { version: 1, epochs: point.epochs, history: point.history, ...point.position }, point.keep);
  if (options.metrics !== false) await writeMetrics(dir, point.history, options.interrupted ?? false, point.outcome);
}

/** What model.json says about the checkpoint, read without building the model. */
export interface CheckpointInfo {
  state: TrainingState;
  /** The model's topology as saved (tfjs's JSON). */
  topology: unknown;
  companion: string;
  optimizerSpecs: tf.io.WeightsManifestEntry[];
}

const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

/** Why a saved training state cannot be continued from, or undefined when it can. */
function stateProblem(raw: Record<string, unknown>): string | undefined {
  if (!isInt(raw.epochs, 1)) return 'epochs is not a whole number of at least 1';
  if (!isInt(raw.epoch, 1) || (raw.epoch as number) > (raw.epochs as number) + 1) return `epoch is not between 1 and ${String(raw.epochs)} + 1`;
  if (!isInt(raw.batchesDone, 0)) return 'batchesDone is not a whole number';
  if (!isInt(raw.rngState, 0, 2 ** 32 - 1)) return 'rngState is not a 32-bit state';
  if (!isNum(raw.lossSum) || !isNum(raw.accuracySum) || !isInt(raw.seen, 0) || !isInt(raw.samplesSeen, 0)) return 'the running sums are not numbers';
  if (raw.controls !== undefined) {
    const problem = controlsStateProblem(raw.controls);
    if (problem) return problem;
  }
  const history = raw.history;
  if (!Array.isArray(history) || history.length !== (raw.epoch as number) - 1) return `history does not list the ${(raw.epoch as number) - 1} epoch(s) done`;
  return history.every((m, i) => isEpochMetrics(m, i + 1)) ? undefined : "history holds an entry that is not an epoch's metrics";
}

/**
 * Reads and checks the checkpoint in a run folder's model.json: a folder saved without one, or
 * whose saved position is not one training can continue from, is a ModelFileError.
 */
export async function readCheckpointInfo(dir: string): Promise<CheckpointInfo> {
  const json = await readModelJson(dir);
  const file = `${dir}/model.json`;
  const meta = (json.userDefinedMetadata ?? {}) as Record<string, unknown>;
  const raw = meta[STATE_KEY] as (Record<string, unknown> & { optimizer_specs?: unknown }) | undefined;
  const companion = meta[COMPANION_KEY];
  if (raw === null || typeof raw !== 'object' || raw.version !== 1 || typeof companion !== 'string' || !Array.isArray(raw.optimizer_specs)) {
    throw new ModelFileError(`${file}: holds no resumable training checkpoint (saved by an older netspec, or not by train)`);
  }
  const problem = stateProblem(raw);
  if (problem) throw new ModelFileError(`${file}: its training checkpoint is damaged (${problem}); the file was edited`);
  const { optimizer_specs: optimizerSpecs, ...state } = raw;
  return { state: state as unknown as TrainingState, topology: json.modelTopology, companion, optimizerSpecs: optimizerSpecs as tf.io.WeightsManifestEntry[] };
}

/** Loads a checkpoint saved by saveCheckpoint (model, optimizer state and position). */
export async function loadCheckpoint(dir: string, info?: CheckpointInfo): Promise<LoadedCheckpoint> {
  const { state, companion, optimizerSpecs } = info ?? (await readCheckpointInfo(dir));
  const declared = optimizerSpecs.reduce((sum, s) => sum + weightByteLength(s), 0);
  if (!Number.isSafeInteger(declared))
    throw new ModelFileError(`${dir}/model.json: its optimizer state is described by shapes that are not lists of sizes; the file was edited`);
  const bytes = await readNamedFile(dir, companion, declared);
  if (bytes.byteLength !== declared) {
    throw new ModelFileError(
      `${dir}/${companion}: holds ${bytes.byteLength} bytes but model.json describes ${declared} bytes of optimizer state; the files are from different saves`,
    );
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let decoded: tf.NamedTensorMap;
  try {
    decoded = tf.io.decodeWeights(buffer, optimizerSpecs);
  } catch (error) {
    throw new ModelFileError(`${dir}/model.json: its optimizer state cannot be decoded (${(error as Error).message.split('\n')[0]}); the file was edited`);
  }
  const optimizerWeights = optimizerSpecs.map((s) => ({ name: s.name, tensor: decoded[s.name]! }));
  const model = await loadModelFromDir(dir).catch((error: unknown) => {
    tf.dispose(optimizerWeights.map((w) => w.tensor));
    throw error;
  });
  return { model, state, optimizerWeights };
}
