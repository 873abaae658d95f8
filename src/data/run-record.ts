// What a run folder records about its data, read back by `evaluate`, `predict` and reports.
// Runs saved before preparation records existed (MNIST-style data only) get one rebuilt from
// the model's own shapes.
import type { Prepared } from './kind.js';

/** Names for `n` output units: the recorded class names, numbered where none is recorded. */
export function classNamesFor(classes: readonly string[] | undefined, n: number): string[] {
  return Array.from({ length: n }, (_, i) => classes?.[i] ?? String(i));
}

/** The sample shape an MNIST-style model input stands for: [h, w, c], [h, w] or a flat square. */
function imageShapeFor(inputShape: readonly number[]): number[] {
  if (inputShape.length === 3) return [...inputShape];
  if (inputShape.length === 2) return [inputShape[0]!, inputShape[1]!, 1];
  const side = Math.round(Math.sqrt(inputShape[0] ?? 0));
  return side * side === inputShape[0] ? [side, side, 1] : [...inputShape];
}

/** The recorded preparation, or one rebuilt for a run that predates the record. */
export function recordedPreparation(record: { prepared?: Prepared }, inputShape: readonly number[], outputUnits: number): Prepared {
  if (record.prepared && Array.isArray(record.prepared.classes) && Array.isArray(record.prepared.sampleShape)) return record.prepared;
  return { classes: classNamesFor(undefined, outputUnits), sampleShape: imageShapeFor(inputShape) };
}
