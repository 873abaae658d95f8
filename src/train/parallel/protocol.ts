// Messages between the data-parallel pool (main thread) and its workers. Plain data and
// typed arrays only: structured clone carries them, and the large buffers are transferred.

import type { LossName } from '../losses.js';

export interface InitMessage {
  type: 'init';
  /** The model's topology, as model.toJSON(null, false) gives it; the weights come with every step. */
  topology: unknown;
  loss: LossName;
  /** wasm threads inside the worker; 1 keeps N workers from fighting over N cores. */
  threads: number;
}

export interface StepMessage {
  type: 'step';
  id: number;
  /** Every weight of the model (getWeights() order), flattened into one buffer. */
  weights: Float32Array;
  /** The shard's samples, [n, ...inputShape] flattened. */
  x: Float32Array;
  y: Int32Array;
}

export type ToWorker = InitMessage | StepMessage | { type: 'close' };

export interface ReadyMessage {
  type: 'ready';
  backend: string;
  reason: string;
}

export interface GradsMessage {
  type: 'grads';
  id: number;
  /** Gradients of the shard's MEAN loss, trainableWeights order, flattened. */
  grads: Float32Array;
  loss: number;
  accuracy: number;
  /** Time the worker spent on the step, for telling compute from messaging overhead. */
  computeMs: number;
}

export type FromWorker = ReadyMessage | GradsMessage | { type: 'error'; message: string };
