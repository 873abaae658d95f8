// The training controls in words, for the report's training details.
import type { TrainingConfig } from '../types.js';

const pct = (v: number): string => `${Number((v * 100).toFixed(1))}%`;

export function describeSchedule(s: NonNullable<TrainingConfig['schedule']>): string {
  switch (s.kind) {
    case 'step':
      return `step: × ${s.factor} every ${s.every} epoch(s)`;
    case 'exponential':
      return `exponential: × ${s.decayRate} per ${s.decayEpochs} epoch(s)${s.staircase ? ', in steps' : ''}`;
    case 'cosine': {
      const warmup = s.warmupEpochs > 0 ? `${s.warmupEpochs} warmup epoch(s), then ` : '';
      const over = s.decayEpochs === null ? 'the remaining epochs' : `${s.decayEpochs} epoch(s)`;
      return `cosine: ${warmup}down to ${s.alpha} × the rate over ${over}`;
    }
    case 'reduce_on_plateau':
      return (
        `reduce on plateau of ${s.monitor}: × ${s.factor} after ${s.patience} epoch(s) without improvement, ` + `cooldown ${s.cooldown}, at least ${s.minLr}`
      );
  }
}

/** One [label, text] row per control the run used. */
export function controlRows(cfg: TrainingConfig): [string, string][] {
  const rows: [string, string][] = [];
  if (cfg.schedule) rows.push(['Schedule', describeSchedule(cfg.schedule)]);
  const e = cfg.earlyStopping;
  if (e) {
    rows.push([
      'Early stopping',
      `${e.monitor}, patience ${e.patience}, min_delta ${e.minDelta}, ${e.restoreBestWeights ? 'best epoch kept' : 'last epoch kept'}`,
    ]);
  }
  const a = cfg.augmentation;
  if (a) {
    const parts = [
      a.shift > 0 ? `shift ±${pct(a.shift)}` : '',
      a.rotation > 0 ? `rotation ±${a.rotation}°` : '',
      a.zoom > 0 ? `zoom ±${pct(a.zoom)}` : '',
      a.horizontalFlip ? 'left-right flips' : '',
      a.verticalFlip ? 'top-bottom flips' : '',
    ].filter(Boolean);
    rows.push(['Augmentation', `${parts.join(', ')}; ${a.fill} fill`]);
  }
  if (cfg.classWeights)
    rows.push([
      'Class weights',
      Object.entries(cfg.classWeights)
        .map(([k, w]) => `${k}: ${w}`)
        .join(', '),
    ]);
  return rows;
}
