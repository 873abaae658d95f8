// Early stopping, as Keras's EarlyStopping callback decides it: after each epoch the monitored
// metric either improves on the best so far by more than min_delta (the epoch becomes the one
// kept) or counts one more epoch of waiting; `patience` epochs of waiting stop training
// (never after the first epoch). The state is plain data saved with every checkpoint.

import type { EarlyStoppingConfig } from '../types.js';
import type { EpochMetrics } from './metrics.js';
import { higherIsBetter, improves, monitoredValue } from './schedules.js';

export interface EarlyStoppingState {
  /** Best value of the monitored metric; null before it was first measured. */
  best: number | null;
  /** The epoch (1-based) that reached `best`; 0 before any. */
  bestEpoch: number;
  /** Epochs since the best one. */
  wait: number;
}

export const INITIAL_EARLY_STOPPING: EarlyStoppingState = { best: null, bestEpoch: 0, wait: 0 };

export interface EarlyStoppingDecision {
  state: EarlyStoppingState;
  /** This epoch is the new best. */
  improved: boolean;
  /** Training ends after this epoch. */
  stop: boolean;
}

export function earlyStoppingAfter(cfg: EarlyStoppingConfig, state: EarlyStoppingState, metrics: EpochMetrics): EarlyStoppingDecision {
  const value = monitoredValue(metrics, cfg.monitor);
  if (value === null) return { state, improved: false, stop: false };
  const wait = state.wait + 1;
  if (improves(value, state.best, higherIsBetter(cfg.monitor, cfg.mode), cfg.minDelta)) {
    return { state: { best: value, bestEpoch: metrics.epoch, wait: 0 }, improved: true, stop: false };
  }
  return { state: { ...state, wait }, improved: false, stop: wait >= cfg.patience && metrics.epoch > 1 };
}

/** The sentence a run folder records for why training stopped early. */
export function stopReason(cfg: EarlyStoppingConfig, state: EarlyStoppingState): string {
  const best = state.best === null ? 'its best' : `its best ${Number(state.best.toPrecision(6))}`;
  return (
    `${cfg.monitor} did not improve on ${best} (epoch ${state.bestEpoch}) by more than ${cfg.minDelta} ` +
    `for ${state.wait} epoch${state.wait === 1 ? '' : 's'} (patience ${cfg.patience})`
  );
}

export function earlyStoppingStateProblem(raw: unknown): string | undefined {
  if (raw === null || typeof raw !== 'object') return 'the early-stopping state is not a mapping';
  const s = raw as Record<string, unknown>;
  const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!(s.best === null || Number.isFinite(s.best)) || !count(s.bestEpoch) || !count(s.wait)) return 'the early-stopping counters are not numbers';
  return undefined;
}
