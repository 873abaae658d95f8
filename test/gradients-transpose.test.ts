/**
 * tf.conv2dTranspose (Conv2DBackpropInput as the forward op; Conv2D and Conv2DBackpropFilter
 * in its gradient, all netspec's conv kernels on wasm and cpu) against float64 sums from the
 * definition (gradients-reference.ts): strides, 'same' and 'valid', output sizes one larger
 * than the minimum (Keras's output_padding, which tf.conv2dTranspose expresses through its
 * output shape), odd channel counts and ones the SIMD tiles take (multiples of 16).
 * Tolerance as in assertClose: |got - want| <= 1e-4 * max|want| + 1e-5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { assertClose, seededValues } from './kernel-reference.js';
import { conv2dTransposeReference, f32, type Pair } from './gradients-reference.js';

interface Case {
  x: [number, number, number, number];
  out: [number, number, number, number];
  k: Pair;
  strides: Pair;
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { x: [2, 4, 5, 3], out: [2, 8, 10, 6], k: [3, 3], strides: [2, 2], pad: 'same' },
  { x: [2, 4, 5, 3], out: [2, 9, 11, 2], k: [3, 3], strides: [2, 2], pad: 'valid' },
  { x: [2, 4, 5, 3], out: [2, 10, 12, 2], k: [3, 3], strides: [2, 2], pad: 'valid' }, // output_padding 1
  { x: [2, 4, 5, 3], out: [2, 7, 9, 4], k: [3, 3], strides: [2, 2], pad: 'same' }, // Keras 'same' with output_padding 0
  { x: [3, 6, 5, 5], out: [3, 6, 5, 7], k: [2, 3], strides: [1, 1], pad: 'same' },
  { x: [1, 3, 4, 16], out: [1, 9, 9, 16], k: [3, 3], strides: [3, 2], pad: 'valid' },
  { x: [2, 5, 5, 16], out: [2, 10, 10, 32], k: [3, 3], strides: [2, 2], pad: 'same' },
];

const label = (c: Case) => `x=${c.x} -> ${c.out} k=${c.k} s=${c.strides} ${c.pad}`;

test('conv2dTranspose forward and gradients match the definition on wasm and cpu', async () => {
  for (const backend of ['wasm', 'cpu']) {
    assert.ok(await tf.setBackend(backend));
    installFastGradients(backend);
    for (const c of CASES) {
      const wShape = [c.k[0], c.k[1], c.out[3], c.x[3]];
      const x = seededValues(tf.util.sizeFromShape(c.x), 1);
      const w = seededValues(tf.util.sizeFromShape(wShape), 2);
      const dy = seededValues(tf.util.sizeFromShape(c.out), 3);
      const want = conv2dTransposeReference(x, c.x, w, wShape, dy, c.out, { strides: c.strides, dilations: [1, 1], pad: c.pad });
      const got = tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, c.out, c.strides, c.pad);
        const xt = tf.tensor4d(x, c.x);
        const wt = tf.tensor4d(w, wShape as never);
        const r = tf.tensor(dy, c.out);
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), r)))([xt, wt]);
        return [f(xt, wt), ...grads].map((t) => t.dataSync() as Float32Array);
      });
      assertClose(got[0]!, f32(want.y), `${backend} ${label(c)} y`);
      assertClose(got[1]!, f32(want.dx), `${backend} ${label(c)} dx`);
      assertClose(got[2]!, f32(want.dw), `${backend} ${label(c)} dW`);
    }
  }
});
