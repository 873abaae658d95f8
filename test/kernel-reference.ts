/** Inputs, tolerances and from-the-definition references shared by the kernel tests. */
import assert from 'node:assert/strict';
import type * as tf from '@tensorflow/tfjs';

/** A convolution to test: NHWC input shape, kernel size, output channels, strides, padding. */
export interface ConvCase {
  x: [number, number, number, number];
  k: [number, number];
  cout: number;
  strides: [number, number];
  pad: 'valid' | 'same';
}

/**
 * |actual - expected| <= 1e-4 * max|expected| + 1e-5 everywhere. Both sides are float32 sums of
 * at most a few thousand products in different orders; rounding differences stay orders of
 * magnitude below this, while an indexing error gives O(1) relative differences.
 */
export function assertClose(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const tol = 1e-4 * scale + 1e-5;
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol)) assert.fail(`${label}: index ${i}: ${actual[i]} vs ${expected[i]} (tol ${tol})`);
  }
}

/**
 * max |actual - expected| / max |expected|, or Infinity when the lengths differ or a value on
 * either side is not finite. A plain Math.max reduce turns one NaN, or the missing entries of a
 * short output, into a NaN error, and a child process's JSON turns NaN and Infinity into null,
 * which `null < bound` accepts.
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    if (!Number.isFinite(expected[i]!) || !Number.isFinite(actual[i]!)) return Infinity;
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  let error = 0;
  for (let i = 0; i < expected.length; i++) error = Math.max(error, Math.abs(actual[i]! - expected[i]!));
  return scale === 0 ? error : error / scale;
}

/** A number reported by a child process (after JSON) is finite and at most `bound`. */
export function assertSmall(value: unknown, bound: number, label: string): void {
  assert.ok(typeof value === 'number' && Number.isFinite(value), `${label}: expected a finite number, got ${JSON.stringify(value)}`);
  assert.ok(value <= bound, `${label}: ${value} is over ${bound}`);
}

/** Deterministic values in [-0.5, 0.5), so every backend gets identical inputs. */
export function seededValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/**
 * Pooling inputs: plain random; relu'd (many all-zero windows: ties);
 * coarse (values on a 0.25 grid: ties between non-zero values); special
 * (NaN, -Infinity, +Infinity and -0 sprinkled over coarse values).
 */
export function poolInput(shape: number[], kind: 'random' | 'relu' | 'coarse' | 'special'): Float32Array {
  const v = seededValues(
    shape.reduce((a, b) => a * b, 1),
    11,
  );
  if (kind === 'random') return v;
  if (kind === 'relu') return v.map((a) => Math.max(a, 0));
  const coarse = v.map((a) => Math.round(a * 4) / 4);
  if (kind === 'coarse') return coarse;
  const specials = [Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, -0];
  return coarse.map((a, i) => (i % 7 === 3 ? specials[((i / 7) % 4) | 0]! : a));
}

/**
 * dW[i,j,c,o] = sum over b,p,q of x[b, p*sh+i-top, q*sw+j-left, c] * dy[b,p,q,o]
 * (taps falling in the padding contribute 0), accumulated in float64.
 */
export function filterGradByDefinition(
  x: Float32Array,
  xShape: [number, number, number, number],
  dy: Float32Array,
  dyShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  info: tf.backend_util.Conv2DInfo,
): Float32Array {
  const [n, h, w, cin] = xShape;
  const [, ho, wo, cout] = dyShape;
  const [kh, kw] = filterShape;
  const { top, left } = info.padInfo;
  const out = new Float32Array(kh * kw * cin * cout);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let c = 0; c < cin; c++) {
        for (let o = 0; o < cout; o++) {
          let sum = 0;
          for (let b = 0; b < n; b++) {
            for (let p = 0; p < ho; p++) {
              const r = p * info.strideHeight + i - top;
              if (r < 0 || r >= h) continue;
              for (let q = 0; q < wo; q++) {
                const s = q * info.strideWidth + j - left;
                if (s < 0 || s >= w) continue;
                sum += x[((b * h + r) * w + s) * cin + c]! * dy[((b * ho + p) * wo + q) * cout + o]!;
              }
            }
          }
          out[((i * kw + j) * cin + c) * cout + o] = sum;
        }
      }
    }
  }
  return out;
}
