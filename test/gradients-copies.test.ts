/**
 * Slice, Concat, SplitV and PadV2 of the wasm backend (src/backend/gradients/copies.ts) against the cpu
 * backend's stock kernels: copies, so the results must be equal bit for bit, for every rank,
 * cuts and joins on inner, outer and several axes, long and short runs, whole tensors, empty
 * parts, and int32 and bool tensors. Also the gradients that run through them:
 * zero_padding2d's, cropping2d's and concatenate's (SplitV).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { concatRuns, copyGroup, sliceRuns } from '../src/backend/gradients/copies.js';
import { seededValues } from './kernel-reference.js';

const CASES: [number[], number[], number[]][] = [
  [
    [8, 57, 57, 16],
    [0, 0, 0, 0],
    [8, 56, 56, 16],
  ], // a 'same' conv's padded gradient, cropped (a batch of 64 only made the cpu reference slower)
  [
    [2, 9, 10, 5],
    [0, 1, 0, 0],
    [2, 6, 10, 5],
  ], // cropping rows only
  [
    [2, 9, 10, 5],
    [0, 1, 3, 0],
    [2, 6, 4, 5],
  ], // rows and columns
  [
    [2, 9, 10, 5],
    [1, 0, 0, 2],
    [1, 9, 10, 3],
  ], // channels: runs of 3
  [
    [3, 4, 5],
    [0, 0, 0],
    [3, 4, 5],
  ], // the whole tensor
  [[7], [2], [4]],
  [
    [6, 7],
    [1, 0],
    [4, 7],
  ],
  [
    [2, 3, 4, 5, 6],
    [0, 1, 1, 0, 2],
    [2, 2, 3, 5, 3],
  ],
  [
    [4, 5],
    [1, 2],
    [0, 3],
  ], // empty
];

/**
 * The same bytes, as one comparison: deepEqual over the millions of elements of the largest
 * case took half a minute. A mismatch names its first element.
 */
function assertSameBits(actual: tf.TypedArray, expected: tf.TypedArray, label: string): void {
  const bytes = (a: tf.TypedArray) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  if (actual.length === expected.length && Buffer.compare(bytes(actual), bytes(expected)) === 0) return;
  const at = Array.from(expected).findIndex((v, i) => !Object.is(v, actual[i]));
  assert.fail(`${label}: ${actual.length} values for ${expected.length}; first difference at ${at}: ${actual[at]} for ${expected[at]}`);
}

test('wasm Slice equals cpu stock Slice bit for bit', async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
  for (const [shape, begin, size] of CASES) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const values = Array.from(seededValues(tf.util.sizeFromShape(shape), 3), (v) => (dtype === 'float32' ? v : Math.round(v * 100)));
      const run = () => tf.tidy(() => tf.slice(tf.tensor(values, shape, dtype), begin, size).dataSync());
      assert.ok(await tf.setBackend('cpu'));
      const want = run();
      assert.ok(await tf.setBackend('wasm'));
      assertSameBits(run(), want, `${dtype} ${shape} begin ${begin} size ${size}`);
      if (dtype !== 'float32') continue;
      // The JS copies, for wasm without SIMD.
      const out = new Float32Array(tf.util.sizeFromShape(size));
      const src = Float32Array.from(values);
      sliceRuns(shape, begin, size, (g) => copyGroup(src, out, g));
      assertSameBits(out, want, `JS ${shape} begin ${begin} size ${size}`);
    }
  }
});

test('wasm PadV2 equals cpu stock PadV2 bit for bit', async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
  // Each slice case the other way round: its slice, padded back to the whole shape.
  for (const [shape, begin, size] of CASES) {
    const paddings = shape.map((d, i) => [begin[i]!, d - begin[i]! - size[i]!] as [number, number]);
    if (tf.util.sizeFromShape(shape) > 1e5) continue; // the runs do not depend on the size; the large case is Slice's
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      // A bool pads with 0 (false) only. The stock wasm kernel pads float32 with -3 for NaN, so NaN shows this kernel ran.
      for (const constant of dtype === 'bool' ? [0] : dtype === 'float32' ? [0, -0, -2, 1.5, NaN] : [0, -2, 1.5]) {
        const values = Array.from(seededValues(tf.util.sizeFromShape(size), 9), (v) => (dtype === 'float32' ? v : Math.round(v * 100)));
        const run = () => tf.tidy(() => Array.from(tf.pad(tf.tensor(values, size, dtype), paddings, constant).dataSync()));
        assert.ok(await tf.setBackend('cpu'));
        const want = run();
        assert.ok(await tf.setBackend('wasm'));
        assert.deepEqual(run(), want, `${dtype} ${size} padded by ${JSON.stringify(paddings)} with ${constant}`);
      }
    }
  }
});

const JOINS: [number[][], number][] = [
  [
    [
      [8, 28, 28, 16],
      [8, 28, 28, 16],
    ],
    3,
  ], // concatenate on channels: runs of 16 (the runs do not depend on the batch)
  [
    [
      [2, 5, 6, 3],
      [2, 5, 6, 7],
      [2, 5, 6, 1],
    ],
    3,
  ],
  [
    [
      [2, 5, 6, 3],
      [2, 4, 6, 3],
    ],
    1,
  ],
  [
    [
      [2, 5, 6, 3],
      [3, 5, 6, 3],
    ],
    0,
  ],
  [
    [
      [4, 70],
      [4, 90],
    ],
    1,
  ], // long runs
  [
    [
      [3, 4],
      [3, 0],
      [3, 2],
    ],
    1,
  ], // an empty part
  [[[5], [2]], 0],
];

test('wasm Concat equals cpu stock Concat bit for bit', async () => {
  for (const [shapes, axis] of JOINS) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const run = () =>
        tf.tidy(() => {
          const parts = shapes.map((s, i) =>
            tf.tensor(
              Array.from(seededValues(tf.util.sizeFromShape(s), 20 + i), (v) => (dtype === 'float32' ? v : Math.round(v * 100))),
              s,
              dtype,
            ),
          );
          const joined = tf.concat(parts, axis);
          return { shape: joined.shape, values: Array.from(joined.dataSync()) };
        });
      assert.ok(await tf.setBackend('cpu'));
      const want = run();
      assert.ok(await tf.setBackend('wasm'));
      assert.deepEqual(run(), want, `${dtype} ${JSON.stringify(shapes)} axis ${axis}`);
      if (dtype !== 'float32') continue;
      const parts = shapes.map((s, i) => seededValues(tf.util.sizeFromShape(s), 20 + i));
      const out = new Float32Array(want.values.length);
      concatRuns(shapes, axis, (i, g) => copyGroup(parts[i]!, out, g));
      assert.deepEqual(Array.from(out), want.values, `JS ${JSON.stringify(shapes)} axis ${axis}`);
    }
  }
});

test('wasm SplitV equals cpu stock SplitV bit for bit', async () => {
  const cases: [number[], number[], number][] = [
    [[8, 28, 28, 32], [16, 16], 3], // runs of 16, whatever the batch
    [[2, 5, 6, 7], [3, 1, 3], 3],
    [[2, 9, 4], [2, 7], 1],
    [[6, 5], [0, 6], 0],
  ];
  for (const [shape, sizes, axis] of cases) {
    const run = () =>
      tf.tidy(() =>
        tf
          .split(tf.tensor(seededValues(tf.util.sizeFromShape(shape), 30), shape), sizes, axis)
          .map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) })),
      );
    assert.ok(await tf.setBackend('cpu'));
    const want = run();
    assert.ok(await tf.setBackend('wasm'));
    assert.deepEqual(run(), want, `${shape} split ${sizes} on axis ${axis}`);
  }
});

test('zero_padding2d, cropping2d and concatenate gradients on wasm equal cpu', async () => {
  const x = seededValues(2 * 7 * 9 * 5, 4);
  const grads = () =>
    tf.tidy(() => {
      const r1 = tf.tensor(seededValues(2 * 10 * 12 * 5, 5), [2, 10, 12, 5]);
      const r2 = tf.tensor(seededValues(2 * 4 * 5 * 5, 6), [2, 4, 5, 5]);
      const pad = (t: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.pad(t, [
              [0, 0],
              [1, 2],
              [0, 3],
              [0, 0],
            ]),
            r1,
          ),
        );
      const crop = (t: tf.Tensor) => tf.sum(tf.mul(tf.slice(t, [0, 1, 3, 0], [2, 4, 5, 5]), r2));
      const r3 = tf.tensor(seededValues(2 * 7 * 9 * 8, 7), [2, 7, 9, 8]);
      const join = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.concat([a, b], 3), r3));
      const xt = tf.tensor4d(x, [2, 7, 9, 5]);
      const other = tf.tensor4d(seededValues(2 * 7 * 9 * 3, 8), [2, 7, 9, 3]);
      return [tf.grad(pad)(xt), tf.grad(crop)(xt), ...tf.grads(join)([xt, other])].map((g) => Array.from(g.dataSync()));
    });
  assert.ok(await tf.setBackend('cpu'));
  const want = grads();
  assert.ok(await tf.setBackend('wasm'));
  assert.deepEqual(grads(), want);
});
