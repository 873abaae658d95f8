// How predictions are written: text lines for people, CSV for table rows, JSON for programs.
import type { ImagePrediction, RowPrediction } from './run.js';

const percent = (p: number): string => `${(p * 100).toFixed(1)}%`;

/** "photos/cat.jpg: cat (91.2%)  dog (8.1%)  fox (0.7%)". */
export function imageLine(p: ImagePrediction): string {
  return `${p.file}: ${p.top.map((t) => `${t.name} (${percent(t.probability)})`).join('  ')}`;
}

/** A CSV field: quoted when it holds the delimiter, a quote or a line break (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * One row per input row: its line in the input file, the predicted class and its probability,
 * the row's own label when the input had one, then each class's probability.
 */
export function predictionsCsv(predictions: readonly RowPrediction[], classes: readonly string[]): string {
  const withActual = predictions.some((p) => p.actual !== undefined);
  const header = ['line', 'predicted', 'probability', ...(withActual ? ['actual'] : []), ...classes.map((c) => `probability_${c}`)];
  const rows = predictions.map((p) => [
    String(p.line),
    p.predicted.name,
    p.predicted.probability.toFixed(6),
    ...(withActual ? [p.actual ?? ''] : []),
    ...p.probabilities.map((v) => v.toFixed(6)),
  ]);
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

/** "accuracy 96.7% (29 of 30 rows with a known label)", or undefined without labels. */
export function rowAccuracy(predictions: readonly RowPrediction[]): string | undefined {
  const labelled = predictions.filter((p) => p.actual !== undefined && p.actual !== null);
  if (labelled.length === 0) return undefined;
  const right = labelled.filter((p) => p.actual === p.predicted.name).length;
  return `accuracy ${percent(right / labelled.length)} (${right} of ${labelled.length} rows with a known label)`;
}
