// Data-parallel training steps over worker threads. Every step the main thread splits the
// batch into N near-equal shards, sends each worker the current weights and its shard, and
// averages the returned gradients weighted by shard size: since each worker returns the
// gradient of its shard's MEAN loss, sum_i (n_i / n) * g_i is the gradient of the whole batch's
// mean loss. ONE optimizer update then runs here, so Adam's moments live in one place and the
// update equals the single-process one up to float rounding (for models without batch
// norm or dropout: those depend on the batch split or on per-worker random state).
//
// The weights go out with every step (about 0.4 MB for the MNIST CNN) rather than being
// kept in sync on the workers: it costs a copy per worker but nothing can drift.

import * as tf from '@tensorflow/tfjs';
import type { Worker } from 'node:worker_threads';
import type { LossName } from '../losses.js';
import { flatten, totalSize, unflatten } from './flat.js';
import type { FromWorker, GradsMessage, ReadyMessage, ToWorker } from './protocol.js';
import { spawnTsWorker } from './spawn.js';

export interface ParallelOptions {
  /** Number of workers; default 2. */
  workers?: number;
  /** wasm threads per worker; default 1. */
  threadsPerWorker?: number;
  loss: LossName;
}

export interface StepResult {
  /** Mean loss and accuracy over the whole batch (before the update, as minimize() reports). */
  loss: number;
  accuracy: number;
  /** Longest time a worker spent computing; the rest of the step is messaging and the update. */
  workerMs: number;
}

export interface ParallelStepper {
  readonly workers: number;
  /** What each worker's backend said about itself. */
  readonly backends: string[];
  /** One training step on the batch `x` ([n, ...inputShape] flattened) with labels `y`. */
  step(x: Float32Array, y: Int32Array): Promise<StepResult>;
  /** Stops the workers; the stepper cannot be used afterwards. */
  close(): Promise<void>;
}

const ENTRY = new URL('./worker-entry.ts', import.meta.url);

/** Wraps a worker so each request gets a promise for its one reply. */
class WorkerLink {
  private pending: { resolve: (msg: FromWorker) => void; reject: (err: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(readonly worker: Worker) {
    worker.on('message', (msg: FromWorker) => {
      const p = this.pending;
      this.pending = undefined;
      if (msg.type === 'error') p?.reject(new Error(`parallel worker failed: ${msg.message}`));
      else p?.resolve(msg);
    });
    const fail = (err: Error): void => {
      this.failure = err;
      this.pending?.reject(err);
      this.pending = undefined;
    };
    worker.on('error', (err) => fail(new Error(`parallel worker crashed: ${err.message}`)));
    worker.on('exit', (code) => fail(new Error(`parallel worker exited (code ${code})`)));
  }

  request<T extends FromWorker>(msg: ToWorker, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('internal error: a parallel worker got two requests at once'));
    return new Promise<T>((resolve, reject) => {
      this.pending = { resolve: resolve as (msg: FromWorker) => void, reject };
      this.worker.postMessage(msg, transfer);
    });
  }
}

/** Near-equal shard sizes summing to n; shards of 0 are left out (a last batch smaller than N). */
export function shardSizes(n: number, shards: number): number[] {
  const base = Math.floor(n / shards);
  const extra = n % shards;
  return Array.from({ length: shards }, (_, i) => base + (i < extra ? 1 : 0)).filter((s) => s > 0);
}

export interface GradientPool {
  readonly workers: number;
  /** What each worker's backend said about itself. */
  readonly backends: string[];
  /**
   * Gradient of the mean loss over the batch `x` ([n, ...inputShape] flattened) with labels
   * `y`, at the model's current weights, in trainableWeights order, flattened.
   */
  gradients(x: Float32Array, y: Int32Array): Promise<StepResult & { grads: Float32Array }>;
  /** Stops the workers; the pool cannot be used afterwards. */
  close(): Promise<void>;
}

/** Starts the workers for `model` (its topology; the weights are read at every call). */
export async function createGradientPool(model: tf.LayersModel, options: ParallelOptions): Promise<GradientPool> {
  const count = Math.max(1, Math.floor(options.workers ?? 2));
  const gradSize = totalSize(model.trainableWeights.map((w) => w.shape as number[]));
  const pixels = (model.inputs[0]!.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  const init: ToWorker = { type: 'init', topology: model.toJSON(null, false), loss: options.loss, threads: options.threadsPerWorker ?? 1 };

  const links = Array.from({ length: count }, () => new WorkerLink(spawnTsWorker(ENTRY)));
  const close = async (): Promise<void> => {
    // terminate() rather than waiting for a graceful exit: a worker has nothing to save.
    await Promise.all(links.map((l) => l.worker.terminate()));
  };
  let ready: ReadyMessage[];
  try {
    ready = await Promise.all(links.map((l) => l.request<ReadyMessage>(init)));
  } catch (err) {
    await close();
    throw err;
  }

  let nextId = 0;
  const gradients = async (x: Float32Array, y: Int32Array): Promise<StepResult & { grads: Float32Array }> => {
    const n = y.length;
    if (x.length !== n * pixels) throw new Error(`batch has ${x.length} values for ${n} samples of ${pixels}`);
    const sizes = shardSizes(n, links.length);
    const weights = flatten(model.getWeights());
    let offset = 0;
    const replies = sizes.map((size, i) => {
      const shard = { x: x.slice(offset * pixels, (offset + size) * pixels), y: y.slice(offset, offset + size) };
      offset += size;
      // Each worker gets its own copy: a transferred buffer is gone from the sender.
      const w = i === sizes.length - 1 ? weights : weights.slice();
      const msg: ToWorker = { type: 'step', id: nextId++, weights: w, ...shard };
      return links[i]!.request<GradsMessage>(msg, [w.buffer as ArrayBuffer, shard.x.buffer as ArrayBuffer, shard.y.buffer as ArrayBuffer]);
    });
    const results = await Promise.all(replies);

    const grads = new Float32Array(gradSize);
    let loss = 0;
    let accuracy = 0;
    results.forEach((r, i) => {
      const weight = sizes[i]! / n;
      for (let k = 0; k < gradSize; k++) grads[k]! += weight * r.grads[k]!;
      loss += weight * r.loss;
      accuracy += weight * r.accuracy;
    });
    return { grads, loss, accuracy, workerMs: Math.max(...results.map((r) => r.computeMs)) };
  };

  return { workers: count, backends: ready.map((r) => r.reason), gradients, close };
}

/**
 * A stepper over `pool`, or over a pool of its own (closed with the stepper) when given
 * options. A caller-supplied pool outlives the stepper: the bench reuses one across
 * repetitions so that worker start-up and warm-up stay out of the timed runs.
 */
export async function createParallelStepper(model: tf.LayersModel, optimizer: tf.Optimizer, source: ParallelOptions | GradientPool): Promise<ParallelStepper> {
  const owned = !('gradients' in source);
  const pool = owned ? await createGradientPool(model, source) : source;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const gradShapes = variables.map((v) => [...v.shape]);
  const step = async (x: Float32Array, y: Int32Array): Promise<StepResult> => {
    const { grads: flat, loss, accuracy, workerMs } = await pool.gradients(x, y);
    const grads = unflatten(flat, gradShapes);
    // applyGradients finds the variables by name, as minimize() does.
    optimizer.applyGradients(Object.fromEntries(variables.map((v, i) => [v.name, grads[i]!])));
    tf.dispose(grads);
    return { loss, accuracy, workerMs };
  };
  return { workers: pool.workers, backends: pool.backends, step, close: owned ? pool.close : async () => {} };
}
