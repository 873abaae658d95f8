// Per-epoch training metrics and their two on-disk forms: metrics.json for programs and
// metrics.csv for spreadsheets and plotting. Keys use Keras' snake_case names on purpose,
// so the files read like a Keras History and compare directly with Keras runs.

import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../lib/atomic-write.js';

export interface EpochMetrics {
  /** 1-based, as printed. */
  epoch: number;
  /** Mean training loss over the epoch's batches (weighted by batch size). */
  loss: number;
  accuracy: number;
  /** Null when validation_split is 0. */
  val_loss: number | null;
  val_accuracy: number | null;
  /** Wall time of the whole epoch, validation included. */
  seconds: number;
  /** Training samples per second, validation excluded. */
  samples_per_sec: number;
  /** The learning rate the epoch trained with (a schedule's); absent in runs recorded before it was. */
  learning_rate?: number;
}

const isNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const isNumberOrNull = (v: unknown): boolean => v === null || isNumber(v);

/** True when `m` is the metrics of epoch `epoch` as written here (records read back are checked with it). */
export function isEpochMetrics(m: unknown, epoch: number): m is EpochMetrics {
  if (m === null || typeof m !== 'object') return false;
  const e = m as Record<string, unknown>;
  return (
    e.epoch === epoch &&
    isNumber(e.loss) &&
    isNumber(e.accuracy) &&
    isNumberOrNull(e.val_loss) &&
    isNumberOrNull(e.val_accuracy) &&
    isNumber(e.seconds) &&
    isNumber(e.samples_per_sec) &&
    (e.learning_rate === undefined || isNumber(e.learning_rate))
  );
}

export const METRICS_JSON = 'metrics.json';
export const METRICS_CSV = 'metrics.csv';

const CSV_COLUMNS: (keyof EpochMetrics)[] = ['epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'learning_rate', 'seconds', 'samples_per_sec'];

/** The history as CSV with a header row; missing validation values are empty cells. */
export function metricsToCsv(history: readonly EpochMetrics[]): string {
  const rows = history.map((m) => CSV_COLUMNS.map((c) => (m[c] === null || m[c] === undefined ? '' : String(m[c]))).join(','));
  return [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}

export interface MetricsFile {
  epochs: EpochMetrics[];
  /** True when training stopped early (Ctrl-C or a diverging loss). */
  interrupted: boolean;
  /** With early stopping: the epoch whose weights the run kept, once training has ended. */
  kept_epoch?: number;
  /** Set when early stopping ended training: after which epoch, and why. */
  stopped_early?: { epoch: number; reason: string };
}

/** How training ended, as metrics.json records it. */
export type MetricsOutcome = Pick<MetricsFile, 'kept_epoch' | 'stopped_early'>;

/** Writes metrics.json and metrics.csv into `dir`, each atomically. */
export async function writeMetrics(dir: string, history: readonly EpochMetrics[], interrupted = false, outcome: MetricsOutcome = {}): Promise<void> {
  const file: MetricsFile = { epochs: [...history], interrupted, ...outcome };
  await writeJsonAtomic(path.join(dir, METRICS_JSON), file);
  await writeFileAtomic(path.join(dir, METRICS_CSV), metricsToCsv(history));
}
