// Messages between the data-parallel pool (main thread) and its replicas. Plain data and
// typed arrays only: structured clone carries them, and the large buffers are transferred.
// Gradients never travel in messages: the replicas exchange them through shared memory
// (allreduce.ts).

import type { OptimizerConfig } from '../../types.js';
import type { LossName } from '../losses.js';
import type { PackedTensors } from './flat.js';

export interface InitMessage {
  type: 'init';
  /** The model's topology, as model.toJSON(null, false) gives it; the weights come with `load`. */
  topology: unknown;
  loss: LossName;
  /** wasm threads inside the replica; 1 keeps N replicas from fighting over N cores. */
  threads: number;
  /** This replica's slot in the shared gradient buffer. */
  index: number;
  /** count x gradient-size float32 slots, one per replica. */
  gradients: SharedArrayBuffer;
  /** The barrier's two int32 words (allreduce.ts). */
  barrier: SharedArrayBuffer;
  /** The run's seed: with the index, it seeds this replica's dropout masks (randomness.ts). */
  seed: number;
  /** One weight per class for the loss (class weights); null for the plain loss. */
  classWeights: Float32Array | null;
}

/** Every replica gets the same weights and optimizer state: the start of a run, or a resume. */
export interface LoadMessage {
  type: 'load';
  /** Every weight of the model, getWeights() order, flattened. */
  weights: Float32Array;
  optimizer: OptimizerConfig;
  /** The optimizer's getWeights(); null starts it fresh. */
  optimizerState: PackedTensors | null;
}

export interface StepMessage {
  type: 'step';
  /** The shard's samples, [n, ...inputShape] flattened; n may be 0 (a short last batch). */
  x: Float32Array;
  y: Int32Array;
  /** Samples in the whole batch: the shard's gradient is scaled by n / batch before summing. */
  batch: number;
  /** The rate this update uses: a schedule's rate reaches every replica with each step. */
  learningRate: number;
}

export type ToWorker = InitMessage | LoadMessage | StepMessage | { type: 'read' } | { type: 'close' };

export interface ReadyMessage {
  type: 'ready';
  backend: string;
  reason: string;
}

export interface StepDoneMessage {
  type: 'stepped';
  /** The shard's mean loss and accuracy (NaN for an empty shard, which the pool skips). */
  loss: number;
  accuracy: number;
  /** Time the replica spent computing its shard's gradient, before the exchange. */
  computeMs: number;
  /** Then waiting for the other replicas' gradients and summing them. */
  exchangeMs: number;
  /** Then applying the summed gradient with its optimizer. */
  updateMs: number;
}

export interface StateMessage {
  type: 'state';
  weights: Float32Array;
  optimizerState: PackedTensors;
}

export type FromWorker = ReadyMessage | { type: 'loaded' } | StepDoneMessage | StateMessage | { type: 'error'; message: string };
