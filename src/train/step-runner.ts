// Where a training step runs. The epoch loop (trainer.ts) gathers each batch and hands it to a
// StepRunner; the runner applies one optimizer update and reports the batch's loss and
// accuracy. Two runners share the interface: one that steps the model in this process, and one
// that steps data-parallel replicas in worker threads (parallel/pool.ts). The loop never needs
// to know which one it has, so whatever is added to training (class weights in the loss,
// replicas that keep batch-norm statistics) is added to the runners, not to the loop.

import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from '../types.js';
import { accuracy, trainingLoss } from './losses.js';
import { setLearningRate } from './optimizers.js';
import { createReplicaPool, type ReplicaPool } from './parallel/pool.js';

/** One batch as plain arrays: `size` samples of the model's input, row-major, and their labels. */
export interface Batch {
  pixels: Float32Array;
  labels: Int32Array;
  size: number;
}

/** The batch's mean loss and accuracy, as computed before the update (as minimize() reports them). */
export interface StepOutcome {
  loss: number;
  accuracy: number;
}

export interface StepRunner {
  /** 1 in this process; otherwise the number of data-parallel replicas. */
  readonly replicas: number;
  /** One optimizer update on `batch`. */
  step(batch: Batch): Promise<StepOutcome>;
  /** The rate the following steps use, wherever they run (a schedule sets it at each epoch's start). */
  setLearningRate(learningRate: number): void;
  /**
   * Brings this process's model and optimizer up to date with where the steps ran, before
   * anything reads them (validation, checkpoints, the end of training). A no-op in process.
   */
  pull(): Promise<void>;
  /** Sends this process's model weights and optimizer state to where the steps run. */
  push(): Promise<void>;
  /** Releases what the runner started (worker threads); the model and optimizer stay usable. */
  close(): Promise<void>;
}

/** The model, the optimizer that updates it, and the run's settings: what every runner steps. */
export interface StepTarget {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  cfg: TrainingConfig;
  /** One weight per class for the loss, when the run weighs classes. */
  classWeights?: Float32Array | null;
}

/**
 * One optimizer step on the batch `makeBatch` builds (inside the step's tidy), with the loss
 * and accuracy read back: the in-process step, also what the bench times for one spec.
 */
export async function minimizeOnBatch(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  computeLoss: (y: tf.Tensor1D, probs: tf.Tensor2D) => tf.Scalar,
  makeBatch: () => { x: tf.Tensor; y: tf.Tensor1D },
): Promise<[number, number]> {
  const { loss, acc } = tf.tidy(() => {
    const { x, y } = makeBatch();
    let batchAccuracy: tf.Scalar | undefined;
    const batchLoss = optimizer.minimize(
      () => {
        const probs = model.apply(x, { training: true }) as tf.Tensor2D;
        // Kept, because minimize() disposes everything its function creates except the loss.
        batchAccuracy = tf.keep(accuracy(y, probs));
        return computeLoss(y, probs);
      },
      true,
      variables,
    ) as tf.Scalar;
    return { loss: batchLoss, acc: batchAccuracy! };
  });
  const values = (await Promise.all([loss.data(), acc.data()])).map((d) => d[0]!) as [number, number];
  tf.dispose([loss, acc]);
  return values;
}

/** Steps the model in this process, on the active tfjs backend. */
export function localStepRunner({ model, optimizer, cfg, classWeights }: StepTarget): StepRunner {
  const inputShape = model.inputs[0]!.shape.slice(1) as number[];
  const computeLoss = trainingLoss(cfg.loss, classWeights);
  // Explicit variable list: by default minimize() differentiates every trainable variable
  // registered anywhere in tf, including those of other models alive in the process.
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return {
    replicas: 1,
    async step(batch) {
      const [lossValue, accuracyValue] = await minimizeOnBatch(model, optimizer, variables, computeLoss, () => ({
        x: tf.tensor(batch.pixels, [batch.size, ...inputShape], 'float32'),
        y: tf.tensor1d(batch.labels, 'int32'),
      }));
      return { loss: lossValue, accuracy: accuracyValue };
    },
    setLearningRate: (learningRate) => setLearningRate(optimizer, learningRate),
    pull: async () => undefined,
    push: async () => undefined,
    close: async () => undefined,
  };
}

export interface ReplicaOptions {
  /** Replicas to start (and stop on close). */
  workers?: number;
  /** An already started pool to use instead; close() then leaves it running for its owner. */
  pool?: ReplicaPool;
}

/**
 * Steps data-parallel replicas: each holds the whole model and its own optimizer, computes
 * its shard's gradient, and all apply the same summed update (see parallel/pool.ts). This
 * process's model and optimizer mirror replica 0 after each pull.
 */
export async function replicaStepRunner({ model, optimizer, cfg, classWeights }: StepTarget, options: ReplicaOptions): Promise<StepRunner> {
  const owned = options.pool === undefined;
  const pool =
    options.pool ?? (await createReplicaPool(model, { workers: options.workers, loss: cfg.loss, seed: cfg.seed, classWeights: classWeights ?? null }));
  let learningRate = cfg.optimizer.learningRate;
  return {
    replicas: pool.workers,
    async step(batch) {
      const { loss, accuracy: acc } = await pool.step(batch.pixels, batch.labels, learningRate);
      return { loss, accuracy: acc };
    },
    setLearningRate(rate) {
      learningRate = rate;
      // This process's optimizer mirrors the replicas', as after a pull.
      setLearningRate(optimizer, rate);
    },
    pull: () => pool.pull(model, optimizer),
    push: () => pool.push(model, optimizer, cfg.optimizer),
    close: async () => {
      if (owned) await pool.close();
    },
  };
}

/** The runner a run asks for: replicas when given a pool or more than one worker, else this process. */
export async function createStepRunner(target: StepTarget, options: ReplicaOptions = {}): Promise<StepRunner> {
  const replicas = options.pool !== undefined || (options.workers !== undefined && options.workers > 1);
  return replicas ? replicaStepRunner(target, options) : localStepRunner(target);
}
