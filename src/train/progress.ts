// Training progress for humans. On a terminal: one live bar per epoch, redrawn in place
// (batch i/N, samples/s, loss, accuracy, ETA), then replaced by the epoch's summary line.
// Elsewhere (CI logs, pipes): only the summary line per epoch, since carriage-return
// redraws turn into thousands of lines in a log file. Hand-written because it is ~100 lines
// and needs nothing a library would add.

import type { EpochMetrics } from './metrics.js';
import type { BatchProgress } from './trainer.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressDisplay {
  onProgress(progress: BatchProgress): void;
  onEpochEnd(metrics: EpochMetrics, epochs: number): void;
  /** Clears a half-drawn bar (e.g. after Ctrl-C) so following output starts on a clean line. */
  stop(): void;
}

export interface ProgressDisplayOptions {
  stream?: ProgressStream;
  /** Overrides the stream's own TTY detection. */
  live?: boolean;
  /** Minimum time between redraws; redrawing per batch would cost more than small batches take. */
  redrawMs?: number;
}

/** 75 -> "1:15", 3725 -> "1:02:05". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** `width` pads the number so that the live line keeps its length and the bar does not jitter. */
function formatRate(samplesPerSec: number, width = 0): string {
  return `${Math.round(samplesPerSec).toLocaleString('en-US').padStart(width)} samples/s`;
}

/** The line printed once per epoch, in both live and plain modes. */
export function formatEpochLine(m: EpochMetrics, epochs: number): string {
  const width = String(epochs).length;
  const parts = [`Epoch ${String(m.epoch).padStart(width)}/${epochs}`, `loss ${m.loss.toFixed(4)}`, `accuracy ${m.accuracy.toFixed(4)}`];
  if (m.val_loss !== null && m.val_accuracy !== null) {
    parts.push(`val_loss ${m.val_loss.toFixed(4)}`, `val_accuracy ${m.val_accuracy.toFixed(4)}`);
  }
  if (m.learning_rate !== undefined) parts.push(`lr ${Number(m.learning_rate.toPrecision(3))}`);
  parts.push(`${m.seconds.toFixed(1)}s`, formatRate(m.samples_per_sec));
  return parts.join('  ');
}

/** The live bar: a text part that always fits and a bar that takes whatever width is left. */
export function formatBarLine(p: BatchProgress, columns: number): string {
  const width = String(p.epochs).length;
  const batchWidth = String(p.batches).length;
  const head = `Epoch ${String(p.epoch).padStart(width)}/${p.epochs} `;
  const tail =
    ` ${String(p.batch).padStart(batchWidth)}/${p.batches}  ${formatRate(p.samplesPerSec, 7)}` +
    `  loss ${p.loss.toFixed(4)}  accuracy ${p.accuracy.toFixed(4)}  ETA ${formatDuration(p.etaSeconds)}`;
  const barWidth = Math.min(30, columns - 1 - head.length - tail.length - 2);
  if (barWidth < 5) return (head + tail.trimStart()).slice(0, Math.max(0, columns - 1));
  const filled = Math.round((barWidth * p.batch) / p.batches);
  const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? (filled === barWidth ? '=' : '>') : '') + ' '.repeat(barWidth - filled);
  return `${head}[${bar}]${tail}`;
}

const CLEAR_LINE = '\r\x1b[2K';

export function createProgressDisplay(opts: ProgressDisplayOptions = {}): ProgressDisplay {
  const stream = opts.stream ?? process.stdout;
  const live = opts.live ?? stream.isTTY === true;
  const redrawMs = opts.redrawMs ?? 100;
  let lastDraw = -Infinity;
  let barShown = false;

  return {
    onProgress(p) {
      if (!live) return;
      const now = performance.now();
      // Always draw the last batch so the bar visibly reaches the end before validation runs.
      if (now - lastDraw < redrawMs && p.batch !== p.batches) return;
      lastDraw = now;
      // A pseudo-terminal without a size reports 0 columns: treat it like an unknown width.
      stream.write(CLEAR_LINE + formatBarLine(p, stream.columns || 100));
      barShown = true;
    },
    onEpochEnd(metrics, epochs) {
      stream.write((barShown ? CLEAR_LINE : '') + formatEpochLine(metrics, epochs) + '\n');
      barShown = false;
      lastDraw = -Infinity;
    },
    stop() {
      if (barShown) stream.write(CLEAR_LINE);
      barShown = false;
    },
  };
}
