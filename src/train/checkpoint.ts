// Resumable checkpoints. Everything needed to continue training exactly where it stopped is
// committed by the single atomic rename of model.json (see model-io.ts): the weights file, the
// optimizer's state (Adam's moments, momentum accumulators) in a content-addressed companion
// file, and the position: epoch, batches done, the partial epoch's running sums and the
// shuffle generator's state at the start of that epoch, from which the same batch order follows.

import * as tf from '@tensorflow/tfjs';
import type { EpochMetrics } from './metrics.js';
import { COMPANION_KEY, loadModelFromDir, ModelFileError, readModelJson, readNamedFile, saveModelToDir } from './model-io.js';

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
export async function saveCheckpoint(model: tf.LayersModel, optimizer: tf.Optimizer, dir: string, state: TrainingState): Promise<void> {
  const named = await optimizer.getWeights();
  const { data, specs } = await tf.io.encodeWeights(named);
  // getWeights() hands out the optimizer's own variables (the moments) plus a fresh scalar for
  // the iteration count: only the latter is ours to dispose.
  tf.dispose(named.map((n) => n.tensor).filter((t) => !(t instanceof tf.Variable)));
  await saveModelToDir(model, dir, {
    metadata: { [STATE_KEY]: { ...state, optimizer_specs: specs } },
    companion: { prefix: 'optimizer', data: new Uint8Array(tf.io.CompositeArrayBuffer.join(data)) },
  });
}

/** Loads a checkpoint saved by saveCheckpoint; a folder saved without one is refused plainly. */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const json = await readModelJson(dir);
  const meta = (json.userDefinedMetadata ?? {}) as Record<string, unknown>;
  const raw = meta[STATE_KEY] as (TrainingState & { optimizer_specs?: tf.io.WeightsManifestEntry[] }) | undefined;
  const companion = meta[COMPANION_KEY];
  if (raw === undefined || raw.version !== 1 || typeof companion !== 'string' || !Array.isArray(raw.optimizer_specs)) {
    throw new ModelFileError(`${dir}/model.json: holds no resumable training checkpoint (saved by an older netspec, or not by train)`);
  }
  const bytes = await readNamedFile(dir, companion);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const decoded = tf.io.decodeWeights(buffer, raw.optimizer_specs);
  const optimizerWeights = raw.optimizer_specs.map((s) => ({ name: s.name, tensor: decoded[s.name]! }));
  const { optimizer_specs: _specs, ...state } = raw;
  const model = await loadModelFromDir(dir);
  return { model, state, optimizerWeights };
}
