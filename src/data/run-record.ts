// What a run folder records about its data, read back by `evaluate`, `predict` and reports.
// Runs saved before preparation records existed (MNIST-style data only) get one rebuilt from
// the model's own shapes.
import { DataError } from './errors.js';
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

const isCount = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0 && (v as number) <= 1 << 24;

/** The recorded preparation, or one rebuilt for a run that predates the record; a damaged record is a DataError. */
export function recordedPreparation(record: { prepared?: Prepared }, inputShape: readonly number[], outputUnits: number): Prepared {
  const prepared = record.prepared as unknown;
  if (prepared === undefined) return { classes: classNamesFor(undefined, outputUnits), sampleShape: imageShapeFor(inputShape) };
  const p = prepared as Partial<Prepared> | null;
  const valid =
    p !== null && typeof p === 'object' &&
    Array.isArray(p.classes) && p.classes.every((c) => typeof c === 'string') &&
    Array.isArray(p.sampleShape) && p.sampleShape.length >= 1 && p.sampleShape.length <= 3 && p.sampleShape.every(isCount);
  if (!valid) {
    throw new DataError("the run's dataset.json has a damaged 'prepared' record (class names and sample shape); it was not written by `netspec train`, or was edited");
  }
  return p as Prepared;
}
