// The training loop. A custom loop instead of model.fit because fit shuffles with
// Math.random: here the batch order comes from the spec's seed, so the same seed on the same
// backend reproduces the same metrics. It also lets us stop cleanly between batches (Ctrl-C),
// stop on a NaN loss with the last good weights restored, and checkpoint after every epoch.

import * as tf from '@tensorflow/tfjs';
import { checkInputFits, DataError, type Dataset } from '../data/datasets.js';
import type { TrainingConfig } from '../types.js';
import { gatherArrays, gatherBatch, modelInputShape, modelOutputClasses, sampleSize } from './batches.js';
import { evaluateModel } from './evaluate.js';
import { accuracy, lossFunction } from './losses.js';
import { saveCheckpoint, type NamedTensor, type TrainingPosition, type TrainingState } from './checkpoint.js';
import { writeMetrics, type EpochMetrics } from './metrics.js';
import { createOptimizer } from './optimizers.js';
import { mulberry32, shuffledIndices } from './rng.js';
import { createReplicaPool, type ReplicaPool } from './parallel/pool.js';

export interface BatchProgress {
  epoch: number;
  epochs: number;
  /** 1-based index of the batch just finished. */
  batch: number;
  batches: number;
  samplesPerSec: number;
  /** Running means over the epoch so far, as Keras prints them. */
  loss: number;
  accuracy: number;
  etaSeconds: number;
}

export interface TrainOptions {
  /** Called after every batch. */
  onProgress?: (progress: BatchProgress) => void;
  /** Called after every epoch, validation included. */
  onEpochEnd?: (metrics: EpochMetrics, epochs: number) => void;
  /** When aborted, training finishes the current batch and returns with `interrupted: true`. */
  signal?: AbortSignal;
  /** Run folder: when given, the model and metrics are checkpointed there after every epoch and on interruption. */
  out?: string;
  /** Continue from a checkpoint (see checkpoint.ts) instead of starting at epoch 1. */
  resume?: ResumePoint;
  /**
   * Data-parallel training over this many replicas in worker threads (each with its own
   * single-threaded wasm backend), see parallel/pool.ts. Omitted or 1: the ordinary in-process step.
   */
  workers?: number;
  /** Data-parallel training on an already started pool (left running afterwards); overrides `workers`. */
  pool?: ReplicaPool;
}

export interface ResumePoint {
  position: TrainingPosition;
  /** Epochs completed before the checkpoint. */
  history: EpochMetrics[];
  /** The optimizer's state, as getWeights() returned it; set before the first batch. */
  optimizerWeights: NamedTensor[];
}

export interface PartialEpoch {
  epoch: number;
  batchesDone: number;
  batches: number;
  loss: number;
  accuracy: number;
}

export interface TrainResult {
  history: EpochMetrics[];
  interrupted: boolean;
  /** Set when interrupted mid-epoch: what that epoch got through. */
  partialEpoch?: PartialEpoch;
  trainSamples: number;
  validationSamples: number;
  /** Training samples processed over all epochs, a partial epoch included. */
  samplesSeen: number;
  /** Wall time of the whole call, validation and checkpoints included. */
  seconds: number;
  /** samplesSeen / time spent in training batches: throughput without validation or saving. */
  samplesPerSec: number;
  /** Data-parallel replicas that trained; 1 for one process. */
  replicas: number;
}

/** Thrown when the loss becomes NaN or infinite; the model's weights are back at `lastGoodEpoch`'s end. */
export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
  constructor(
    message: string,
    readonly history: EpochMetrics[],
    /** 0 means the initial weights. */
    readonly lastGoodEpoch: number,
  ) {
    super(message);
  }
}

function checkConfig(cfg: TrainingConfig): void {
  const positiveInt = (v: number): boolean => Number.isInteger(v) && v > 0;
  if (!positiveInt(cfg.batchSize)) throw new Error(`training batch_size must be a positive whole number, got ${cfg.batchSize}`);
  if (!positiveInt(cfg.epochs)) throw new Error(`training epochs must be a positive whole number, got ${cfg.epochs}`);
  if (!(cfg.validationSplit >= 0 && cfg.validationSplit < 1)) {
    throw new Error(`training validation_split must be at least 0 and below 1, got ${cfg.validationSplit}`);
  }
  const unsupported = cfg.metrics.filter((m) => m !== 'accuracy' && m !== 'acc');
  if (unsupported.length > 0) throw new Error(`unsupported training metrics: ${unsupported.join(', ')}; only accuracy is available`);
}

/** Copies of the current weights, to roll back to if the loss diverges. */
function snapshotWeights(model: tf.LayersModel): tf.Tensor[] {
  return model.getWeights().map((w) => w.clone());
}

/**
 * True when every weight is finite. The loss check alone can miss a diverged model: a layer
 * that maps NaN to a number (some backends' clip or max) can keep the loss finite.
 */
function weightsAreFinite(model: tf.LayersModel): boolean {
  return tf.tidy(() => model.getWeights().every((w) => w.dtype !== 'float32' || tf.all(tf.isFinite(w)).dataSync()[0] === 1));
}

/** A macrotask yield, so that signal handlers (SIGINT -> abort) get to run between batches. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function trainModel(
  model: tf.LayersModel,
  dataset: Dataset,
  cfg: TrainingConfig,
  opts: TrainOptions = {},
): Promise<TrainResult> {
  checkConfig(cfg);
  const inputShape = modelInputShape(model);
  checkInputFits(dataset, inputShape);
  const outputClasses = modelOutputClasses(model);
  if (dataset.numClasses > outputClasses) {
    throw new DataError(
      `${dataset.source} has ${dataset.numClasses} classes but the model's output has ${outputClasses} units; ` +
        `expected the last layer to have ${dataset.numClasses} units`,
    );
  }

  // Validation comes from the END of the training set, before any shuffling, as in Keras.
  const total = dataset.train.count;
  const trainCount = Math.floor(total * (1 - cfg.validationSplit));
  const validationCount = total - trainCount;
  if (trainCount === 0) {
    throw new DataError(`validation_split ${cfg.validationSplit} leaves no training samples out of ${total}`);
  }
  const size = sampleSize(inputShape);
  const validationImages = dataset.train.images.subarray(trainCount * size, total * size);
  const validationLabels = dataset.train.labels.subarray(trainCount, total);

  const start: TrainingPosition = opts.resume?.position ?? {
    epoch: 1, batchesDone: 0, rngState: cfg.seed >>> 0, lossSum: 0, accuracySum: 0, seen: 0, samplesSeen: 0,
  };
  const rng = mulberry32(start.rngState);
  const optimizer = createOptimizer(cfg.optimizer);
  if (opts.resume && opts.resume.optimizerWeights.length > 0) await optimizer.setWeights(opts.resume.optimizerWeights);
  const computeLoss = lossFunction(cfg.loss);
  // Explicit variable list: by default minimize() differentiates every trainable variable
  // registered anywhere in tf, including those of other models alive in the process.
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const batches = Math.ceil(trainCount / cfg.batchSize);
  const ownPool = !opts.pool && opts.workers !== undefined && opts.workers > 1;
  const pool: ReplicaPool | undefined = opts.pool ?? (ownPool ? await createReplicaPool(model, { workers: opts.workers, loss: cfg.loss }) : undefined);
  // The replicas train; this model and optimizer mirror replica 0 whenever they are read.
  if (pool) await pool.push(model, optimizer, cfg.optimizer);
  const mirror = async (): Promise<void> => {
    if (pool) await pool.pull(model, optimizer);
  };
  const history: EpochMetrics[] = [...(opts.resume?.history ?? [])];
  const started = performance.now();
  let lastGood = snapshotWeights(model);
  let samplesSeen = start.samplesSeen;
  let batchSeconds = 0;

  /** One in-process step on the samples order[start..end); returns the batch's loss and accuracy. */
  const localStep = async (order: Uint32Array, start: number, end: number): Promise<[number, number]> => {
    const { loss, acc } = tf.tidy(() => {
      const { x, y } = gatherBatch(dataset.train, order, start, end, inputShape);
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
  };

  /** Rolls back to the last good weights and builds the error to throw. */
  const diverged = (what: string, epoch: number): TrainingDivergedError => {
    const lastGoodEpoch = epoch - 1;
    model.setWeights(lastGood);
    const where = lastGoodEpoch === 0 ? 'the initial weights' : `the end of epoch ${lastGoodEpoch}`;
    const saved = opts.out && lastGoodEpoch > 0 ? ` (also the model saved in ${opts.out})` : '';
    return new TrainingDivergedError(
      `training diverged: ${what}; the weights were restored to ${where}${saved}. Try a lower learning rate.`,
      history,
      lastGoodEpoch,
    );
  };

  const result = (interrupted: boolean, partialEpoch?: PartialEpoch): TrainResult => ({
    history,
    interrupted,
    ...(partialEpoch ? { partialEpoch } : {}),
    trainSamples: trainCount,
    validationSamples: validationCount,
    samplesSeen,
    seconds: (performance.now() - started) / 1000,
    samplesPerSec: samplesSeen / Math.max(batchSeconds, 1e-9),
    replicas: pool?.workers ?? 1,
  });

  try {
    for (let epoch = start.epoch; epoch <= cfg.epochs; epoch++) {
      const resuming = epoch === start.epoch;
      // Saved with a checkpoint: from it, a resume rebuilds this epoch's shuffle exactly.
      const epochRngState = rng.state();
      const order = shuffledIndices(trainCount, rng);
      const epochStart = performance.now();
      let lossSum = resuming ? start.lossSum : 0;
      let accuracySum = resuming ? start.accuracySum : 0;
      let seen = resuming ? start.seen : 0;
      const firstBatch = resuming ? start.batchesDone + 1 : 1;

      for (let batch = firstBatch; batch <= batches; batch++) {
        if (opts.signal?.aborted) {
          batchSeconds += (performance.now() - epochStart) / 1000;
          await mirror();
          if (!weightsAreFinite(model)) {
            throw diverged(`the weights became NaN or infinite during epoch ${epoch} although the loss stayed finite`, epoch);
          }
          const partial = { epoch, batchesDone: batch - 1, batches, loss: lossSum / seen, accuracy: accuracySum / seen };
          if (opts.out) {
            const position = { epoch, batchesDone: batch - 1, rngState: epochRngState, lossSum, accuracySum, seen, samplesSeen };
            await checkpoint(model, optimizer, opts.out, { version: 1, epochs: cfg.epochs, history, ...position }, true);
          }
          return result(true, batch > 1 ? partial : undefined);
        }
        const start = (batch - 1) * cfg.batchSize;
        const end = Math.min(trainCount, start + cfg.batchSize);

        const [lossValue, accuracyValue] = pool
          ? await parallelStep(pool, dataset.train, order, start, end, size)
          : await localStep(order, start, end);

        if (!Number.isFinite(lossValue)) {
          throw diverged(`the loss became ${lossValue} at epoch ${epoch}, batch ${batch}/${batches}`, epoch);
        }

        const n = end - start;
        lossSum += lossValue * n;
        accuracySum += accuracyValue * n;
        seen += n;
        samplesSeen += n;
        const elapsed = (performance.now() - epochStart) / 1000;
        opts.onProgress?.({
          epoch,
          epochs: cfg.epochs,
          batch,
          batches,
          samplesPerSec: seen / Math.max(elapsed, 1e-9),
          loss: lossSum / seen,
          accuracy: accuracySum / seen,
          etaSeconds: (elapsed / batch) * (batches - batch),
        });
        await yieldToEventLoop();
      }

      await mirror();
      if (!weightsAreFinite(model)) {
        throw diverged(`the weights became NaN or infinite during epoch ${epoch} although the loss stayed finite`, epoch);
      }
      const trainSeconds = (performance.now() - epochStart) / 1000;
      batchSeconds += trainSeconds;
      const validation =
        validationCount > 0 ? await evaluateModel(model, validationImages, validationLabels, cfg.batchSize, { loss: cfg.loss }) : null;
      const metrics: EpochMetrics = {
        epoch,
        loss: lossSum / seen,
        accuracy: accuracySum / seen,
        val_loss: validation?.loss ?? null,
        val_accuracy: validation?.accuracy ?? null,
        seconds: (performance.now() - epochStart) / 1000,
        samples_per_sec: seen / trainSeconds,
      };
      history.push(metrics);
      tf.dispose(lastGood);
      lastGood = snapshotWeights(model);
      if (opts.out) {
        const next = { epoch: epoch + 1, batchesDone: 0, rngState: rng.state(), lossSum: 0, accuracySum: 0, seen: 0, samplesSeen };
        await checkpoint(model, optimizer, opts.out, { version: 1, epochs: cfg.epochs, history, ...next }, false);
      }
      opts.onEpochEnd?.(metrics, cfg.epochs);
    }
    return result(false);
  } finally {
    tf.dispose(lastGood);
    optimizer.dispose();
    if (ownPool) await pool?.close();
  }
}

/** One data-parallel step: the replicas compute, exchange gradients and update themselves. */
async function parallelStep(pool: ReplicaPool, split: Dataset['train'], order: Uint32Array, start: number, end: number, size: number): Promise<[number, number]> {
  const { pixels, labels } = gatherArrays(split, order, start, end, size);
  const { loss, accuracy } = await pool.step(pixels, labels);
  return [loss, accuracy];
}

/**
 * Model, optimizer and position first (one atomic commit), metrics second: a kill between the
 * two leaves metrics one epoch behind, and a resume rewrites them from the checkpoint's history.
 */
async function checkpoint(model: tf.LayersModel, optimizer: tf.Optimizer, dir: string, state: TrainingState, interrupted: boolean): Promise<void> {
  await saveCheckpoint(model, optimizer, dir, state);
  await writeMetrics(dir, state.history, interrupted);
}
