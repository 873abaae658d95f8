// Building splits from decoded samples: seeded, stratified test splits, a shuffled training
// order (so that the validation rows taken from its end are a fair sample), and limits.
import { mulberry32, shuffleInPlace } from '../train/rng.js';
import { DataError } from './errors.js';
import type { DataSplit } from './kind.js';

/** Positive whole numbers only; a limit of 0 or 2.5 samples is a mistake worth naming. */
export function checkLimit(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new DataError(`dataset ${name} must be a positive whole number of samples, got ${value}`);
  }
}

/**
 * Splits sample indices into training and test sets: within each class, a seeded shuffle
 * and the first round(n * fraction) samples go to the test set (at least one when the class
 * has two or more). The training indices come back in one seeded random order; the test
 * indices in their original order.
 */
export function stratifiedSplit(labels: ArrayLike<number>, fraction: number, seed: number): { train: number[]; test: number[] } {
  const rng = mulberry32(seed >>> 0);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]!) ?? [];
    list.push(i);
    byClass.set(labels[i]!, list);
  }
  const train: number[] = [];
  const test: number[] = [];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(label)!;
    shuffleInPlace(members, rng);
    const n = members.length;
    const held = n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
    // One at a time: spreading a class of a few hundred thousand samples into push() as
    // arguments overflows the stack.
    for (let k = 0; k < n; k++) (k < held ? test : train).push(members[k]!);
  }
  shuffleInPlace(train, rng);
  test.sort((a, b) => a - b);
  return { train, test };
}

/** The indices 0..n-1 in a seeded random order. */
export function shuffledOrder(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, mulberry32(seed >>> 0));
  return order;
}

/** A split of the chosen samples (at most `limit`), each value multiplied by `scale`. */
export function gatherSplit(
  values: Uint8Array | Float64Array | Float32Array,
  labels: ArrayLike<number>,
  indices: readonly number[],
  sampleSize: number,
  limit: number | undefined,
  scale = 1,
): DataSplit {
  const count = limit === undefined ? indices.length : Math.min(indices.length, limit);
  const images = new Float32Array(count * sampleSize);
  const out = new Uint8Array(count);
  for (let k = 0; k < count; k++) out[k] = labels[indices[k]!]!;
  if (values instanceof Uint8Array) {
    // Bytes (pixels) through a 256-entry table: one monomorphic loop, no per-sample views.
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = v * scale;
    for (let k = 0; k < count; k++) {
      const from = indices[k]! * sampleSize;
      const to = k * sampleSize;
      for (let j = 0; j < sampleSize; j++) images[to + j] = table[values[from + j]!]!;
    }
  } else {
    for (let k = 0; k < count; k++) {
      const i = indices[k]!;
      images.set(values.subarray(i * sampleSize, (i + 1) * sampleSize), k * sampleSize);
    }
    if (scale !== 1) for (let j = 0; j < images.length; j++) images[j]! *= scale;
  }
  return { images, labels: out, count };
}
