// Learning-rate schedules, one rate per epoch, set at the start of the epoch. The formulas are
// those Keras documents for its schedules, with steps read as epochs (epoch 0 is the first):
//   step:         lr * factor ^ floor(epoch / every)
//   exponential:  lr * decay_rate ^ (epoch / decay_epochs)      (floored when staircase)
//   cosine:       CosineDecay: a linear warmup from warmup_start to lr over warmup_epochs,
//                 then lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(e, decay) / decay)) + alpha)
//                 with e the epochs since the warmup ended
//   reduce_on_plateau: ReduceLROnPlateau, a state machine fed each epoch's metrics
// The state (the current rate and the plateau's counters) is plain data, saved with every
// checkpoint, so a resumed run sets exactly the rates the uninterrupted one would.

import type { LearningRateSchedule, MonitoredMetric, MonitorMode } from '../types.js';
import type { EpochMetrics } from './metrics.js';

export interface PlateauState {
  /** Best value of the monitored metric so far; null before the first epoch. */
  best: number | null;
  /** Epochs since the last improvement (Keras's `wait`). */
  wait: number;
  /** Epochs of cooldown left after a reduction. */
  cooldown: number;
}

export interface ScheduleState {
  /** The rate of the next epoch to train. */
  lr: number;
  plateau?: PlateauState;
}

/** The schedule's state before the first epoch. */
export function initialScheduleState(schedule: LearningRateSchedule | undefined, baseLr: number): ScheduleState {
  return schedule?.kind === 'reduce_on_plateau' ? { lr: baseLr, plateau: { best: null, wait: 0, cooldown: 0 } } : { lr: baseLr };
}

/**
 * The learning rate of `epoch` (0-based) of `epochs`. Plateau schedules have no formula: their
 * rate is the one their state holds.
 */
export function scheduledRate(schedule: LearningRateSchedule | undefined, baseLr: number, epoch: number, epochs: number, state?: ScheduleState): number {
  if (!schedule) return baseLr;
  switch (schedule.kind) {
    case 'step':
      return baseLr * schedule.factor ** Math.floor(epoch / schedule.every);
    case 'exponential': {
      const p = epoch / schedule.decayEpochs;
      return baseLr * schedule.decayRate ** (schedule.staircase ? Math.floor(p) : p);
    }
    case 'cosine':
      return cosineRate(schedule, baseLr, epoch, epochs);
    case 'reduce_on_plateau':
      return state?.lr ?? baseLr;
  }
}

/** The rate warmup starts from when the spec does not say: the climb to lr is then warmup_epochs + 1 equal steps. */
export function warmupStart(schedule: Extract<LearningRateSchedule, { kind: 'cosine' }>, baseLr: number): number {
  return schedule.warmupStart ?? baseLr / (schedule.warmupEpochs + 1);
}

/** The epochs the cosine falls over: as stated, or every epoch after the warmup. */
export function cosineDecayEpochs(schedule: Extract<LearningRateSchedule, { kind: 'cosine' }>, epochs: number): number {
  return schedule.decayEpochs ?? Math.max(1, epochs - schedule.warmupEpochs);
}

function cosineRate(schedule: Extract<LearningRateSchedule, { kind: 'cosine' }>, baseLr: number, epoch: number, epochs: number): number {
  const warmup = schedule.warmupEpochs;
  if (epoch < warmup) {
    const start = warmupStart(schedule, baseLr);
    return start + (baseLr - start) * (epoch / warmup);
  }
  const decay = cosineDecayEpochs(schedule, epochs);
  const done = Math.min(epoch - warmup, decay);
  const cosine = 0.5 * (1 + Math.cos((Math.PI * done) / decay));
  return baseLr * ((1 - schedule.alpha) * cosine + schedule.alpha);
}

/** Whether higher values of `monitor` are better, as Keras's mode 'auto' decides. */
export function higherIsBetter(monitor: MonitoredMetric, mode: MonitorMode): boolean {
  return mode === 'max' || (mode === 'auto' && monitor.endsWith('accuracy'));
}

/** Whether `value` improves on `best` by more than `minDelta` in the better direction. */
export function improves(value: number, best: number | null, higher: boolean, minDelta: number): boolean {
  if (best === null) return true;
  return higher ? value > best + minDelta : value < best - minDelta;
}

/** The monitored metric of an epoch; null when it was not measured (no validation data). */
export function monitoredValue(metrics: EpochMetrics, monitor: MonitoredMetric): number | null {
  return metrics[monitor];
}

/**
 * ReduceLROnPlateau after an epoch's metrics, as Keras's on_epoch_end: a cooldown epoch resets
 * the wait; an improvement records the best; otherwise, outside cooldown, `patience` epochs
 * without improvement multiply the rate by `factor` (never below min_lr) and start the cooldown.
 */
export function afterEpoch(schedule: LearningRateSchedule | undefined, state: ScheduleState, metrics: EpochMetrics): ScheduleState {
  if (schedule?.kind !== 'reduce_on_plateau' || !state.plateau) return state;
  const value = monitoredValue(metrics, schedule.monitor);
  if (value === null) return state;
  let { best, wait, cooldown } = state.plateau;
  let lr = state.lr;
  if (cooldown > 0) {
    cooldown -= 1;
    wait = 0;
  }
  if (improves(value, best, higherIsBetter(schedule.monitor, schedule.mode), schedule.minDelta)) {
    best = value;
    wait = 0;
  } else if (cooldown === 0) {
    wait += 1;
    // Keras compares with min_lr as float32, so a rate already at min_lr is left alone.
    if (wait >= schedule.patience && lr > Math.fround(schedule.minLr)) {
      lr = Math.max(lr * schedule.factor, schedule.minLr);
      cooldown = schedule.cooldown;
      wait = 0;
    }
  }
  return { lr, plateau: { best, wait, cooldown } };
}

/** Why a saved schedule state is not one, or undefined when it is. */
export function scheduleStateProblem(raw: unknown): string | undefined {
  if (raw === null || typeof raw !== 'object') return 'the schedule state is not a mapping';
  const s = raw as Record<string, unknown>;
  if (typeof s.lr !== 'number' || !(s.lr >= 0) || !Number.isFinite(s.lr)) return 'the schedule state has no learning rate';
  if (s.plateau === undefined) return undefined;
  const p = s.plateau as Record<string, unknown> | null;
  const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
  if (p === null || typeof p !== 'object' || !(p.best === null || Number.isFinite(p.best)) || !count(p.wait) || !count(p.cooldown)) {
    return 'the plateau counters are not numbers';
  }
  return undefined;
}
