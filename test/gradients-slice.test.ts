/**
 * The row-copying Slice of the wasm backend (src/backend/gradients/slice.ts) against the cpu
 * backend's stock Slice: a copy, so the results must be equal bit for bit, for every rank,
 * cuts on inner, outer and several axes, whole tensors, empty slices and int32 and bool
 * tensors. Also the gradients that run through it: zero_padding2d's and cropping2d's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { seededValues } from './kernel-reference.js';

const CASES: [number[], number[], number[]][] = [
  [[64, 57, 57, 16], [0, 0, 0, 0], [64, 56, 56, 16]], // a 'same' conv's padded gradient, cropped
  [[2, 9, 10, 5], [0, 1, 0, 0], [2, 6, 10, 5]], // cropping rows only
  [[2, 9, 10, 5], [0, 1, 3, 0], [2, 6, 4, 5]], // rows and columns
  [[2, 9, 10, 5], [1, 0, 0, 2], [1, 9, 10, 3]], // channels: runs of 3
  [[3, 4, 5], [0, 0, 0], [3, 4, 5]], // the whole tensor
  [[7], [2], [4]],
  [[6, 7], [1, 0], [4, 7]],
  [[2, 3, 4, 5, 6], [0, 1, 1, 0, 2], [2, 2, 3, 5, 3]],
  [[4, 5], [1, 2], [0, 3]], // empty
];

test('wasm Slice equals cpu stock Slice bit for bit', async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
  for (const [shape, begin, size] of CASES) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const values = Array.from(seededValues(tf.util.sizeFromShape(shape), 3), (v) => (dtype === 'float32' ? v : Math.round(v * 100)));
      const run = () => tf.tidy(() => Array.from(tf.slice(tf.tensor(values, shape, dtype), begin, size).dataSync()));
      assert.ok(await tf.setBackend('cpu'));
      const want = run();
      assert.ok(await tf.setBackend('wasm'));
      assert.deepEqual(run(), want, `${dtype} ${shape} begin ${begin} size ${size}`);
    }
  }
});

test('zero_padding2d and cropping2d gradients on wasm equal cpu', async () => {
  const x = seededValues(2 * 7 * 9 * 5, 4);
  const grads = () => tf.tidy(() => {
    const r1 = tf.tensor(seededValues(2 * 10 * 12 * 5, 5), [2, 10, 12, 5]);
    const r2 = tf.tensor(seededValues(2 * 4 * 5 * 5, 6), [2, 4, 5, 5]);
    const pad = (t: tf.Tensor) => tf.sum(tf.mul(tf.pad(t, [[0, 0], [1, 2], [0, 3], [0, 0]]), r1));
    const crop = (t: tf.Tensor) => tf.sum(tf.mul(tf.slice(t, [0, 1, 3, 0], [2, 4, 5, 5]), r2));
    const xt = tf.tensor4d(x, [2, 7, 9, 5]);
    return [tf.grad(pad)(xt), tf.grad(crop)(xt)].map((g) => Array.from(g.dataSync()));
  });
  assert.ok(await tf.setBackend('cpu'));
  const want = grads();
  assert.ok(await tf.setBackend('wasm'));
  assert.deepEqual(grads(), want);
});
