// Data-parallel training over replicas in worker threads. Every replica holds the whole
// model and its own optimizer; every step the main thread splits the batch into N near-equal
// shards and sends one to each replica. The replicas compute their shard's gradient, sum the
// gradients among themselves in shared memory (allreduce.ts) and each apply the same update,
// so no weights or gradients cross a message during training: a step is one message to each
// replica (its shard) and one back (its loss and accuracy). Since each shard's gradient is
// scaled by n_i / n before the sum, the update is the single-process one on the whole batch up
// to float rounding, for models without batch norm or dropout. With them, a replica does what
// each process of PyTorch's DistributedDataParallel does by default: batch norm normalizes each
// shard by its own batch statistics and keeps moving statistics of its own shards (replica 0's
// are the ones read back, as DDP broadcasts rank 0's), and dropout draws each replica's masks
// from its own seeded stream (randomness.ts). The update is then exactly the average of the
// shards' gradients, each computed as one process would on that shard alone.
//
// The main thread's model is a mirror: `pull` copies replica 0's weights and optimizer state
// into it (before validation, checkpoints and the end of training); `push` sends the main
// model's weights and optimizer state to every replica (the start of a run, a resume).

import * as tf from '@tensorflow/tfjs';
import type { Worker } from 'node:worker_threads';
import type { OptimizerConfig } from '../../types.js';
import type { LossName } from '../losses.js';
import { Barrier } from './allreduce.js';
import { flatten, packNamed, totalSize, unflatten, unpackNamed } from './flat.js';
import type { FromWorker, ReadyMessage, StateMessage, StepDoneMessage, ToWorker } from './protocol.js';
import { moduleNextTo, spawnModuleWorker } from './spawn.js';

export interface ParallelOptions {
  /** Number of replicas; default 2. */
  workers?: number;
  /** wasm threads per replica; default 1. */
  threadsPerWorker?: number;
  loss: LossName;
  /** Seeds each replica's dropout masks (randomness.ts); default 0. */
  seed?: number;
  /** One weight per class for the loss; omitted for the plain loss. */
  classWeights?: Float32Array | null;
}

export interface StepResult {
  /** Mean loss and accuracy over the whole batch (before the update, as minimize() reports). */
  loss: number;
  accuracy: number;
  /** Longest time a replica spent computing its gradient; the rest of the step is the exchange and the update. */
  workerMs: number;
  /** Longest time a replica spent waiting for the others' gradients and summing them. */
  exchangeMs: number;
  /** Longest time a replica spent applying the summed gradient. */
  updateMs: number;
  /** Longest time a replica spent on the step in all (computing, exchanging, updating): what is left of the step is the main thread's and the messages'. */
  replicaMs: number;
}

export interface ReplicaPool {
  readonly workers: number;
  /** What each replica's backend said about itself. */
  readonly backends: string[];
  /** Sets every replica to `model`'s weights and `optimizer`'s config and state. */
  push(model: tf.LayersModel, optimizer: tf.Optimizer, config: OptimizerConfig): Promise<void>;
  /**
   * One training step on the batch `x` ([n, ...inputShape] flattened) with labels `y`, at
   * `learningRate` (default: the rate of the optimizer config last pushed).
   */
  step(x: Float32Array, y: Int32Array, learningRate?: number): Promise<StepResult>;
  /** Copies replica `index`'s (default 0) weights and optimizer state into `model` and `optimizer`. */
  pull(model: tf.LayersModel, optimizer: tf.Optimizer, index?: number): Promise<void>;
  /** Replica `index`'s weights and optimizer state, as plain data (tests compare replicas with it). */
  read(index: number): Promise<StateMessage>;
  /** Stops the replicas; the pool cannot be used afterwards. */
  close(): Promise<void>;
}

const ENTRY = moduleNextTo('./worker-entry', import.meta.url);

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

/** Near-equal shard sizes summing to n, one per replica (0 for some when n < replicas). */
export function shardSizes(n: number, shards: number): number[] {
  const base = Math.floor(n / shards);
  const extra = n % shards;
  return Array.from({ length: shards }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Starts the replicas for `model`'s topology; push() gives them weights before the first step. */
export async function createReplicaPool(model: tf.LayersModel, options: ParallelOptions): Promise<ReplicaPool> {
  const count = Math.max(1, Math.floor(options.workers ?? 2));
  const gradSize = totalSize(model.trainableWeights.map((w) => w.shape as number[]));
  const pixels = (model.inputs[0]!.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  const gradients = new SharedArrayBuffer(count * gradSize * Float32Array.BYTES_PER_ELEMENT);
  const barrier = Barrier.buffer();
  const topology = model.toJSON(null, false);

  const links = Array.from({ length: count }, () => new WorkerLink(spawnModuleWorker(ENTRY)));
  let closed = false;
  const close = async (): Promise<void> => {
    closed = true;
    // terminate() rather than waiting for a graceful exit: a replica has nothing to save,
    // and one left waiting at the barrier by a failed peer would never exit by itself.
    await Promise.all(links.map((l) => l.worker.terminate()));
  };
  /** Sends one request per replica; any failure stops the whole pool (its peers may be stuck at the barrier). */
  const all = async <T extends FromWorker>(make: (i: number) => [ToWorker, ArrayBuffer[]?]): Promise<T[]> => {
    try {
      return await Promise.all(links.map((l, i) => l.request<T>(...make(i))));
    } catch (err) {
      if (!closed) await close();
      throw err;
    }
  };

  const ready = await all<ReadyMessage>((index) => [
    {
      type: 'init',
      topology,
      loss: options.loss,
      threads: options.threadsPerWorker ?? 1,
      index,
      gradients,
      barrier,
      seed: options.seed ?? 0,
      classWeights: options.classWeights ?? null,
    },
  ]);

  let pushedRate = 0;
  const push = async (source: tf.LayersModel, optimizer: tf.Optimizer, config: OptimizerConfig): Promise<void> => {
    const weights = flatten(source.getWeights());
    const named = await optimizer.getWeights();
    // A fresh optimizer (no slots, no iterations): the replicas then start fresh too, exactly as
    // one process would. Otherwise its state goes over, the iteration count included.
    const fresh = named.length <= 1 && (named[0]?.tensor.dataSync()[0] ?? 0) === 0;
    const optimizerState = fresh ? null : packNamed(named);
    named[0]?.tensor.dispose();
    pushedRate = config.learningRate;
    await all((i) => [{ type: 'load', weights: i === 0 ? weights : weights.slice(), optimizer: config, optimizerState }]);
  };

  const step = async (x: Float32Array, y: Int32Array, learningRate = pushedRate): Promise<StepResult> => {
    const n = y.length;
    if (x.length !== n * pixels) throw new Error(`batch has ${x.length} values for ${n} samples of ${pixels}`);
    const sizes = shardSizes(n, count);
    let offset = 0;
    const replies = await all<StepDoneMessage>((i) => {
      const shard = { x: x.slice(offset * pixels, (offset + sizes[i]!) * pixels), y: y.slice(offset, offset + sizes[i]!) };
      offset += sizes[i]!;
      return [{ type: 'step', ...shard, batch: n, learningRate }, [shard.x.buffer as ArrayBuffer, shard.y.buffer as ArrayBuffer]];
    });
    let loss = 0;
    let accuracy = 0;
    replies.forEach((r, i) => {
      if (sizes[i] === 0) return;
      loss += (sizes[i]! / n) * r.loss;
      accuracy += (sizes[i]! / n) * r.accuracy;
    });
    const longest = (of: (r: StepDoneMessage) => number) => Math.max(...replies.map(of));
    return {
      loss,
      accuracy,
      workerMs: longest((r) => r.computeMs),
      exchangeMs: longest((r) => r.exchangeMs),
      updateMs: longest((r) => r.updateMs),
      replicaMs: longest((r) => r.computeMs + r.exchangeMs + r.updateMs),
    };
  };

  const read = async (index: number): Promise<StateMessage> => {
    const link = links[index];
    if (!link) throw new Error(`no replica ${index}; the pool has ${count}`);
    return link.request<StateMessage>({ type: 'read' });
  };

  const pull = async (target: tf.LayersModel, optimizer: tf.Optimizer, index = 0): Promise<void> => {
    const state = await read(index);
    const weights = unflatten(
      state.weights,
      target.getWeights().map((w) => w.shape),
    );
    target.setWeights(weights);
    tf.dispose(weights);
    // setWeights() makes new slot variables without disposing the old ones: dispose them here
    // (getWeights() hands out the slot variables themselves, plus a fresh iteration scalar).
    const old = await optimizer.getWeights();
    tf.dispose(old.map((w) => w.tensor));
    const named = unpackNamed(state.optimizerState);
    await optimizer.setWeights(named);
    tf.dispose(named.map((w) => w.tensor));
  };

  return { workers: count, backends: ready.map((r) => r.reason), push, step, pull, read, close };
}
