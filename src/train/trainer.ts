// The training loop: epochs of shuffled batches, each handed to a step runner (step-runner.ts:
// in this process, or on data-parallel replicas). A custom loop instead of model.fit because
// fit shuffles with Math.random: here the batch order comes from the spec's seed, so the same
// seed on the same backend reproduces the same metrics. It also lets us stop cleanly between
// batches (Ctrl-C, SIGTERM), stop on a NaN loss with the last good weights restored
// (rollback.ts), and checkpoint after every epoch (checkpoint.ts).
//
// The training controls hook in at four places: the start of an epoch sets the schedule's
// learning rate (controls.ts), the batch as it is gathered is augmented (augment.ts), the
// runner's step weighs the loss by class (losses.ts), and the end of an epoch, after the
// metrics are recorded, updates the schedule and decides early stopping, before the checkpoint
// that saves their state.

import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/datasets.js';
import type { TrainingConfig } from '../types.js';
import { augmentationRng, augmentBatch } from './augment.js';
import { gatherArrays, modelInputShape, modelOutputClasses } from './batches.js';
import { classWeightVector } from '../compile/training-controls.js';
import { RunControls, type EarlyStop } from './controls.js';
import { checkpoint, type NamedTensor, type TrainingPosition } from './checkpoint.js';
import { evaluateModel } from './evaluate.js';
import { planTraining, type TrainingPlan } from './fit.js';
import type { EpochMetrics } from './metrics.js';
import { createOptimizer } from './optimizers.js';
import type { ReplicaPool } from './parallel/pool.js';
import { mulberry32, shuffledIndices, type StatefulRng } from './rng.js';
import { RunError } from './run-error.js';
import { pausePoint } from '../lib/pause-point.js';
import { restoreWeights, snapshotWeights, weightsAreFinite, type WeightSnapshot } from './rollback.js';
import { createStepRunner, type Batch, type StepRunner, type StepTarget } from './step-runner.js';

export { checkTrainingFits } from './fit.js';

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
  /**
   * Run folder: when given, a checkpoint is saved there before the first batch of a new run,
   * after every epoch and on interruption, so the folder can always be resumed.
   */
  out?: string;
  /** Continue from a checkpoint (see checkpoint.ts) instead of starting at epoch 1. */
  resume?: ResumePoint;
  /** Called once before the first batch, when the run folder (if any) can already be resumed. */
  onStart?: () => void;
  /**
   * Data-parallel training over this many replicas in worker threads (each with its own
   * single-threaded wasm backend), see parallel/pool.ts. Omitted or 1: steps in this process.
   */
  workers?: number;
  /** Data-parallel training on an already started pool (left running afterwards); overrides `workers`. */
  pool?: ReplicaPool;
  /** Where steps run, when neither of the above: given the model, optimizer and settings, a runner (step-runner.ts). */
  stepRunner?: (target: StepTarget) => Promise<StepRunner>;
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
  /** With early stopping, once training ended: the epoch whose weights the model holds. */
  keptEpoch?: number;
  /** Set when early stopping ended training before its last epoch. */
  stoppedEarly?: EarlyStop;
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

/** Everything one call of trainModel shares between its epochs. */
interface Loop {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  cfg: TrainingConfig;
  opts: TrainOptions;
  plan: TrainingPlan;
  runner: StepRunner;
  controls: RunControls;
  /** Input shape without the batch dimension, for augmentation. */
  inputShape: number[];
  rng: StatefulRng;
  history: EpochMetrics[];
  /** The weights at the end of the last good epoch (or the start), to roll back to. */
  lastGood: WeightSnapshot;
  samplesSeen: number;
  keptEpoch?: number;
  stoppedEarly?: EarlyStop;
  /** Time inside batch loops only, for samples/s. */
  batchSeconds: number;
  started: number;
}

/** Running sums of an epoch, so its reported means match whether or not it was interrupted. */
interface EpochSums {
  lossSum: number;
  accuracySum: number;
  seen: number;
}

/** How an epoch's batches ended: all done, or stopped by the signal after `batchesDone`. */
interface EpochRun {
  sums: EpochSums;
  /** The shuffle generator's state before this epoch's shuffle (saved with a checkpoint). */
  rngState: number;
  startedAt: number;
  stoppedAfter?: number;
}

const FIRST_POSITION = (cfg: TrainingConfig): TrainingPosition => ({
  epoch: 1,
  batchesDone: 0,
  rngState: cfg.seed >>> 0,
  lossSum: 0,
  accuracySum: 0,
  seen: 0,
  samplesSeen: 0,
});

/** A macrotask yield, so that signal handlers (SIGINT -> abort) get to run between batches. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function trainModel(model: tf.LayersModel, dataset: Dataset, cfg: TrainingConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const plan = planTraining(model, dataset, cfg);
  const start = opts.resume?.position ?? FIRST_POSITION(cfg);
  if (start.batchesDone > 0 && start.batchesDone >= plan.batches) {
    throw new RunError(
      `the checkpoint stopped after batch ${start.batchesDone} of epoch ${start.epoch}, but with this data and batch size an epoch has ` +
        `${plan.batches} batches; the data or settings changed since the run started`,
    );
  }
  const optimizer = createOptimizer(cfg.optimizer);
  let loop: Loop | undefined;
  let controls: RunControls | undefined;
  try {
    const classWeights = cfg.classWeights ? weightVector(cfg, dataset, model) : null;
    controls = await RunControls.open(cfg, start.controls, model, opts.out);
    if (opts.resume && opts.resume.optimizerWeights.length > 0) await optimizer.setWeights(opts.resume.optimizerWeights);
    // A new run is resumable from its first batch on: its folder never lacks a checkpoint.
    if (opts.out && !opts.resume) await checkpoint(model, optimizer, opts.out, { epochs: cfg.epochs, history: [], position: start }, { metrics: false });
    opts.onStart?.();
    const target = { model, optimizer, cfg, classWeights };
    const runner = opts.stepRunner
      ? await opts.stepRunner(target)
      : await createStepRunner(target, { ...(opts.workers !== undefined ? { workers: opts.workers } : {}), ...(opts.pool ? { pool: opts.pool } : {}) });
    loop = {
      model,
      optimizer,
      cfg,
      opts,
      plan,
      runner,
      controls,
      inputShape: modelInputShape(model),
      rng: mulberry32(start.rngState),
      history: [...(opts.resume?.history ?? [])],
      lastGood: snapshotWeights(model),
      samplesSeen: start.samplesSeen,
      batchSeconds: 0,
      started: performance.now(),
    };
    await runner.push();
    // A run early stopping already ended has no epochs left (a resume after its last checkpoint).
    const first = controls.state.stopped ? cfg.epochs + 1 : start.epoch;
    if (first > cfg.epochs && cfg.earlyStopping) {
      const { earlyStopping: es, stopped } = controls.state;
      loop.keptEpoch = cfg.earlyStopping.restoreBestWeights && es && es.bestEpoch > 0 ? es.bestEpoch : loop.history.length;
      if (stopped) loop.stoppedEarly = stopped;
    }
    for (let epoch = first; epoch <= cfg.epochs; epoch++) {
      runner.setLearningRate(controls.rateFor(epoch));
      const run = await runBatches(loop, epoch, epoch === start.epoch ? start : undefined);
      if (run.stoppedAfter !== undefined) return await stopEarly(loop, epoch, run);
      const { metrics, stop } = await endEpoch(loop, epoch, run);
      opts.onEpochEnd?.(metrics, cfg.epochs);
      if (stop) break;
    }
    return resultOf(loop, false);
  } finally {
    controls?.dispose();
    loop?.lastGood.dispose();
    await loop?.runner.close();
    optimizer.dispose();
  }
}

/** Batch `batch` (1-based) of this epoch's order, gathered as arrays. Augmentation would transform it here. */
function batchAt(loop: Loop, order: Uint32Array, epoch: number, batch: number): Batch {
  const start = (batch - 1) * loop.cfg.batchSize;
  const end = Math.min(loop.plan.trainCount, start + loop.cfg.batchSize);
  const { pixels, labels } = gatherArrays(loop.plan.train, order, start, end, loop.plan.sampleSize);
  if (loop.cfg.augmentation) augmentBatch(pixels, end - start, loop.inputShape, loop.cfg.augmentation, augmentationRng(loop.cfg.seed, epoch, batch));
  return { pixels, labels, size: end - start };
}

/** The class weights as one weight per output class, for the loss. */
function weightVector(cfg: TrainingConfig, dataset: Dataset, model: tf.LayersModel): Float32Array {
  try {
    return classWeightVector(cfg.classWeights!, dataset.classNames, modelOutputClasses(model));
  } catch (error) {
    throw new RunError((error as Error).message);
  }
}

/** One epoch's batches, from the start or from where a checkpoint stopped; stops early when the signal is aborted. */
async function runBatches(loop: Loop, epoch: number, resumeAt: TrainingPosition | undefined): Promise<EpochRun> {
  const { cfg, plan, opts } = loop;
  const rngState = loop.rng.state();
  const order = shuffledIndices(plan.trainCount, loop.rng);
  const sums: EpochSums = resumeAt
    ? { lossSum: resumeAt.lossSum, accuracySum: resumeAt.accuracySum, seen: resumeAt.seen }
    : { lossSum: 0, accuracySum: 0, seen: 0 };
  const startedAt = performance.now();
  const first = (resumeAt?.batchesDone ?? 0) + 1;
  let next = first <= plan.batches ? batchAt(loop, order, epoch, first) : undefined;
  for (let batch = first; batch <= plan.batches; batch++) {
    if (opts.signal?.aborted) return { sums, rngState, startedAt, stoppedAfter: batch - 1 };
    const data = next!;
    const stepped = loop.runner.step(data);
    // The next batch is gathered (and augmented) while replicas work on this one; should that
    // throw, the step is awaited first, so that its own failure is the one reported.
    try {
      next = batch < plan.batches ? batchAt(loop, order, epoch, batch + 1) : undefined;
    } catch (error) {
      await stepped;
      throw error;
    }
    const { loss, accuracy } = await stepped;
    if (!Number.isFinite(loss)) throw diverged(loop, `the loss became ${loss} at epoch ${epoch}, batch ${batch}/${plan.batches}`, epoch);
    sums.lossSum += loss * data.size;
    sums.accuracySum += accuracy * data.size;
    sums.seen += data.size;
    loop.samplesSeen += data.size;
    const elapsed = (performance.now() - startedAt) / 1000;
    opts.onProgress?.({
      epoch,
      epochs: cfg.epochs,
      batch,
      batches: plan.batches,
      samplesPerSec: sums.seen / Math.max(elapsed, 1e-9),
      loss: sums.lossSum / sums.seen,
      accuracy: sums.accuracySum / sums.seen,
      etaSeconds: (elapsed / batch) * (plan.batches - batch),
    });
    await pausePoint('batch');
    await yieldToEventLoop();
  }
  return { sums, rngState, startedAt };
}

/** Reads the trained weights back and refuses them when any became NaN or infinite. */
async function pullFinite(loop: Loop, epoch: number): Promise<void> {
  await loop.runner.pull();
  if (!weightsAreFinite(loop.model)) {
    throw diverged(loop, `the weights became NaN or infinite during epoch ${epoch} although the loss stayed finite`, epoch);
  }
}

/**
 * Validation, the epoch's metrics, the controls' decisions (the schedule, early stopping and the
 * weights kept), a new rollback point and a checkpoint holding all of it.
 */
async function endEpoch(loop: Loop, epoch: number, run: EpochRun): Promise<{ metrics: EpochMetrics; stop?: EarlyStop }> {
  const { model, cfg, plan, opts } = loop;
  await pullFinite(loop, epoch);
  const trainSeconds = (performance.now() - run.startedAt) / 1000;
  loop.batchSeconds += trainSeconds;
  const validation =
    plan.validationCount > 0 ? await evaluateModel(model, plan.validation.images, plan.validation.labels, cfg.batchSize, { loss: cfg.loss }) : null;
  const metrics: EpochMetrics = {
    epoch,
    loss: run.sums.lossSum / run.sums.seen,
    accuracy: run.sums.accuracySum / run.sums.seen,
    val_loss: validation?.loss ?? null,
    val_accuracy: validation?.accuracy ?? null,
    seconds: (performance.now() - run.startedAt) / 1000,
    samples_per_sec: run.sums.seen / trainSeconds,
    learning_rate: loop.controls.rateFor(epoch),
  };
  loop.history.push(metrics);
  const decision = await loop.controls.afterEpoch(model, metrics);
  if (decision.keptEpoch !== undefined) loop.keptEpoch = decision.keptEpoch;
  if (decision.stop) loop.stoppedEarly = decision.stop;
  loop.lastGood.dispose();
  loop.lastGood = snapshotWeights(model);
  if (opts.out) {
    const position = {
      epoch: epoch + 1,
      batchesDone: 0,
      rngState: loop.rng.state(),
      lossSum: 0,
      accuracySum: 0,
      seen: 0,
      samplesSeen: loop.samplesSeen,
      controls: loop.controls.state,
    };
    const outcome = {
      ...(decision.keptEpoch !== undefined ? { kept_epoch: decision.keptEpoch } : {}),
      ...(decision.stop ? { stopped_early: decision.stop } : {}),
    };
    await checkpoint(
      model,
      loop.optimizer,
      opts.out,
      { epochs: cfg.epochs, history: loop.history, position, keep: loop.controls.keepFiles(), outcome },
      { interrupted: false },
    );
  }
  return { metrics, ...(decision.stop ? { stop: decision.stop } : {}) };
}

/** Stopped by the signal mid-epoch: checkpoint exactly where the batches stopped, so a resume continues there. */
async function stopEarly(loop: Loop, epoch: number, run: EpochRun): Promise<TrainResult> {
  const { sums } = run;
  const batchesDone = run.stoppedAfter!;
  loop.batchSeconds += (performance.now() - run.startedAt) / 1000;
  await pullFinite(loop, epoch);
  if (loop.opts.out) {
    const position = { epoch, batchesDone, rngState: run.rngState, ...sums, samplesSeen: loop.samplesSeen, controls: loop.controls.state };
    const point = { epochs: loop.cfg.epochs, history: loop.history, position, keep: loop.controls.keepFiles() };
    await checkpoint(loop.model, loop.optimizer, loop.opts.out, point, { interrupted: true });
  }
  const partial = { epoch, batchesDone, batches: loop.plan.batches, loss: sums.lossSum / sums.seen, accuracy: sums.accuracySum / sums.seen };
  return resultOf(loop, true, batchesDone > 0 ? partial : undefined);
}

/** Rolls back to the last good weights and builds the error to throw. */
function diverged(loop: Loop, what: string, epoch: number): TrainingDivergedError {
  const lastGoodEpoch = epoch - 1;
  restoreWeights(loop.model, loop.lastGood);
  const where = lastGoodEpoch === 0 ? 'the initial weights' : `the end of epoch ${lastGoodEpoch}`;
  const saved = loop.opts.out && lastGoodEpoch > 0 ? ` (also the model saved in ${loop.opts.out})` : '';
  return new TrainingDivergedError(
    `training diverged: ${what}; the weights were restored to ${where}${saved}. Try a lower learning rate.`,
    loop.history,
    lastGoodEpoch,
  );
}

function resultOf(loop: Loop, interrupted: boolean, partialEpoch?: PartialEpoch): TrainResult {
  return {
    history: loop.history,
    interrupted,
    ...(partialEpoch ? { partialEpoch } : {}),
    trainSamples: loop.plan.trainCount,
    validationSamples: loop.plan.validationCount,
    samplesSeen: loop.samplesSeen,
    seconds: (performance.now() - loop.started) / 1000,
    samplesPerSec: loop.samplesSeen / Math.max(loop.batchSeconds, 1e-9),
    replicas: loop.runner.replicas,
    ...(loop.keptEpoch !== undefined ? { keptEpoch: loop.keptEpoch } : {}),
    ...(loop.stoppedEarly ? { stoppedEarly: loop.stoppedEarly } : {}),
  };
}
