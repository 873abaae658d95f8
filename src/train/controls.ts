// The training controls as the epoch loop applies them: the learning rate of each epoch (set
// at its start, in this process or on every replica), and after each epoch the plateau
// schedule's counters, early stopping's decision and the best epoch's weights. Everything a
// resume needs is in ControlsState, saved in every checkpoint's position; the best weights go
// to a content-addressed file (best-<hash>.bin) that the state names, written before the
// checkpoint that names it, so the run folder always holds the best epoch the state refers to.

import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from '../types.js';
import { earlyStoppingAfter, earlyStoppingStateProblem, INITIAL_EARLY_STOPPING, stopReason, type EarlyStoppingState } from './early-stopping.js';
import type { EpochMetrics } from './metrics.js';
import { readNamedFile, writeHashed } from './model-io.js';
import { flatten, totalSize, unflatten } from './parallel/flat.js';
import { restoreWeights, snapshotWeights, type WeightSnapshot } from './rollback.js';
import { afterEpoch, initialScheduleState, scheduledRate, scheduleStateProblem, type ScheduleState } from './schedules.js';

/** Why training ended before its last epoch. */
export interface EarlyStop {
  /** The last epoch trained. */
  epoch: number;
  reason: string;
}

export interface ControlsState {
  schedule: ScheduleState;
  earlyStopping?: EarlyStoppingState;
  /** The file holding the best epoch's weights (when they are restored at the end). */
  bestWeights?: string;
  /** Set once early stopping ended the run: a resume has nothing left to train. */
  stopped?: EarlyStop;
}

export function initialControls(cfg: TrainingConfig): ControlsState {
  return {
    schedule: initialScheduleState(cfg.schedule, cfg.optimizer.learningRate),
    ...(cfg.earlyStopping ? { earlyStopping: { ...INITIAL_EARLY_STOPPING } } : {}),
  };
}

/** What the end of an epoch decided. */
export interface EpochDecision {
  /** Training ends after this epoch. */
  stop?: EarlyStop;
  /** The epoch whose weights the model now holds, when early stopping keeps one. */
  keptEpoch?: number;
}

export class RunControls {
  private best: WeightSnapshot | undefined;

  private constructor(
    private readonly cfg: TrainingConfig,
    public state: ControlsState,
    private readonly dir: string | undefined,
  ) {}

  /** The controls of a new run, or of a resumed one from its checkpoint (reading its best weights back). */
  static async open(cfg: TrainingConfig, saved: ControlsState | undefined, model: tf.LayersModel, dir: string | undefined): Promise<RunControls> {
    const controls = new RunControls(cfg, saved ?? initialControls(cfg), dir);
    if (saved?.bestWeights && dir) controls.best = await readBestWeights(dir, saved.bestWeights, model);
    return controls;
  }

  /** The learning rate of epoch `epoch` (1-based). */
  rateFor(epoch: number): number {
    return scheduledRate(this.cfg.schedule, this.cfg.optimizer.learningRate, epoch - 1, this.cfg.epochs, this.state.schedule);
  }

  /**
   * After an epoch's metrics: updates the schedule and early stopping, keeps the weights of a
   * new best epoch and, when training ends here (stopped, or the last epoch), puts the best
   * epoch's weights back into the model if the spec asks for them.
   */
  async afterEpoch(model: tf.LayersModel, metrics: EpochMetrics): Promise<EpochDecision> {
    const { cfg } = this;
    const schedule = afterEpoch(cfg.schedule, this.state.schedule, metrics);
    const es = cfg.earlyStopping;
    if (!es || !this.state.earlyStopping) {
      this.state = { ...this.state, schedule };
      return {};
    }
    const decision = earlyStoppingAfter(es, this.state.earlyStopping, metrics);
    let bestWeights = this.state.bestWeights;
    if (decision.improved && es.restoreBestWeights) {
      this.best?.dispose();
      this.best = snapshotWeights(model);
      if (this.dir) bestWeights = await writeHashed(this.dir, 'best', weightBytes(this.best.weights));
    }
    const stop = decision.stop ? { epoch: metrics.epoch, reason: stopReason(es, decision.state) } : undefined;
    const last = stop !== undefined || metrics.epoch === cfg.epochs;
    let keptEpoch = metrics.epoch;
    if (last && es.restoreBestWeights && this.best && decision.state.bestEpoch !== metrics.epoch) {
      restoreWeights(model, this.best);
      keptEpoch = decision.state.bestEpoch;
    }
    this.state = {
      schedule,
      earlyStopping: decision.state,
      // Once training ends the model holds the kept weights: the file is no longer needed.
      ...(bestWeights && !last ? { bestWeights } : {}),
      ...(stop ? { stopped: stop } : {}),
    };
    return { ...(stop ? { stop } : {}), ...(last ? { keptEpoch } : {}) };
  }

  /** The file the checkpoint must keep. */
  keepFiles(): string[] {
    return this.state.bestWeights ? [this.state.bestWeights] : [];
  }

  dispose(): void {
    this.best?.dispose();
  }
}

function weightBytes(weights: readonly tf.Tensor[]): Uint8Array {
  const flat = flatten(weights);
  return new Uint8Array(flat.buffer, flat.byteOffset, flat.byteLength);
}

async function readBestWeights(dir: string, file: string, model: tf.LayersModel): Promise<WeightSnapshot> {
  const shapes = model.getWeights().map((w) => w.shape);
  const bytes = await readNamedFile(dir, file, totalSize(shapes) * 4);
  const copy = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(copy.buffer).set(bytes);
  const weights = unflatten(copy, shapes);
  return { weights, dispose: () => tf.dispose(weights) };
}

/** Why a saved controls state is not one, or undefined when it is. */
export function controlsStateProblem(raw: unknown): string | undefined {
  if (raw === null || typeof raw !== 'object') return 'the controls state is not a mapping';
  const s = raw as Record<string, unknown>;
  const problem = scheduleStateProblem(s.schedule) ?? (s.earlyStopping === undefined ? undefined : earlyStoppingStateProblem(s.earlyStopping));
  if (problem) return problem;
  if (s.bestWeights !== undefined && !(typeof s.bestWeights === 'string' && /^best-[0-9a-f]{16}\.bin$/.test(s.bestWeights)))
    return 'the best-weights file name is not one train writes';
  const stopped = s.stopped as Record<string, unknown> | undefined;
  if (
    stopped !== undefined &&
    !(stopped !== null && typeof stopped === 'object' && Number.isSafeInteger(stopped.epoch) && typeof stopped.reason === 'string')
  ) {
    return 'the early stop record is not an epoch and a reason';
  }
  return undefined;
}
