/**
 * Gradients of dilated convolutions (src/backend/gradients/dilated.ts), which stock tfjs 4.22
 * refuses on every backend, against float64 sums from the definition (gradients-reference.ts):
 * conv2d through each path tfjs takes (the Conv2D op, tf.fused.conv2d with a linear activation
 * with and without bias, fused relu, which tfjs unfuses while recording), and the separable
 * convolution (depthwise then 1x1), on wasm and cpu. Tolerance as in assertClose:
 * |got - want| <= 1e-4 * max|want| + 1e-5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { assertClose, seededValues } from './kernel-reference.js';
import { conv2dReference, depthwiseReference, f32, outShape, type Geometry, type Pair } from './gradients-reference.js';

interface Case {
  x: [number, number, number, number];
  k: Pair;
  cout: number;
  dilations: Pair;
  pad: Geometry['pad'];
}

const CASES: Case[] = [
  { x: [2, 9, 10, 3], k: [3, 3], cout: 4, dilations: [2, 2], pad: 'same' },
  { x: [2, 11, 9, 5], k: [3, 2], cout: 3, dilations: [2, 3], pad: 'valid' },
  { x: [1, 12, 10, 16], k: [3, 3], cout: 8, dilations: [3, 3], pad: 'same' },
  {
    x: [2, 9, 8, 2],
    k: [3, 3],
    cout: 3,
    dilations: [2, 1],
    pad: [
      [2, 1],
      [0, 3],
    ],
  },
  { x: [3, 7, 7, 1], k: [2, 2], cout: 1, dilations: [4, 4], pad: 'same' },
  {
    x: [1, 6, 6, 2],
    k: [2, 2],
    cout: 2,
    dilations: [2, 2],
    pad: [
      [4, 0],
      [0, 5],
    ],
  }, // pads wider than the filter
];

const label = (c: Case) => `x=${c.x} k=${c.k} cout=${c.cout} d=${c.dilations} pad=${JSON.stringify(c.pad)}`;

function tfPad(pad: Geometry['pad']): 'valid' | 'same' | tf.backend_util.ExplicitPadding {
  return typeof pad === 'string' ? pad : [[0, 0], pad[0], pad[1], [0, 0]];
}

type Variant = 'Conv2D' | 'fused linear' | 'fused linear + bias' | 'fused relu + bias';
const VARIANTS: Variant[] = ['Conv2D', 'fused linear', 'fused linear + bias', 'fused relu + bias'];

function convInputs(c: Case) {
  const wShape = [c.k[0], c.k[1], c.x[3], c.cout];
  const g: Geometry = { strides: [1, 1], dilations: c.dilations, pad: c.pad };
  const yShape = outShape(c.x, wShape, c.cout, g);
  return {
    wShape,
    g,
    yShape,
    x: seededValues(tf.util.sizeFromShape(c.x), 1),
    w: seededValues(tf.util.sizeFromShape(wShape), 2),
    bias: seededValues(c.cout, 3),
    dy: seededValues(tf.util.sizeFromShape(yShape), 4),
  };
}

/** Gradients of sum(layer(x) * dy) with respect to x, W (and the bias) on the current backend. */
function convGrads(c: Case, variant: Variant): Float32Array[] {
  const { wShape, g, yShape, x, w, bias, dy } = convInputs(c);
  return tf.tidy(() => {
    const r = tf.tensor(dy, yShape);
    const withBias = variant.endsWith('bias');
    const forward = (a: tf.Tensor, f: tf.Tensor, b?: tf.Tensor): tf.Tensor => {
      if (variant === 'Conv2D') return tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, tfPad(g.pad), 'NHWC', g.dilations);
      return tf.fused.conv2d({
        x: a as tf.Tensor4D,
        filter: f as tf.Tensor4D,
        strides: 1,
        pad: tfPad(g.pad),
        dilations: g.dilations,
        activation: variant === 'fused relu + bias' ? 'relu' : 'linear',
        ...(b ? { bias: b } : {}),
      });
    };
    const args = [tf.tensor4d(x, c.x), tf.tensor4d(w, wShape as [number, number, number, number]), ...(withBias ? [tf.tensor1d(bias)] : [])];
    const grads = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(forward(t[0]!, t[1]!, t[2]), r)))(args);
    return grads.map((t) => t.dataSync() as Float32Array);
  });
}

test('stock tfjs refuses dilated gradients; installFastGradients lifts that', async () => {
  assert.ok(await tf.setBackend('cpu'));
  const c = CASES[0]!;
  assert.throws(() => convGrads(c, 'Conv2D'), /dilation rates greater than 1/);
  assert.throws(() => convGrads(c, 'fused linear'), /dilation rates greater than 1/);
  installFastGradients('cpu');
  installFastGradients('wasm');
  assert.doesNotThrow(() => convGrads(c, 'Conv2D'));
});

for (const backend of ['wasm', 'cpu']) {
  test(`dilated conv2d gradients match the definition on ${backend}, through every tfjs path`, async () => {
    assert.ok(await tf.setBackend(backend));
    for (const c of CASES) {
      const { wShape, g, x, w, bias, dy } = convInputs(c);
      const plain = conv2dReference(x, c.x, w, wShape, dy, g);
      for (const variant of VARIANTS) {
        let want = plain;
        let dBias: Float64Array | undefined;
        if (variant === 'fused relu + bias') {
          // dy only flows where the pre-activation y + b is positive.
          const y = plain.y;
          const masked = Float32Array.from(dy, (v, i) => (y[i]! + bias[i % c.cout]! > 0 ? v : 0));
          want = conv2dReference(x, c.x, w, wShape, masked, g);
          dBias = sumChannels(masked, c.cout);
        } else if (variant === 'fused linear + bias') {
          dBias = sumChannels(dy, c.cout);
        }
        const got = convGrads(c, variant);
        const what = `${backend} ${variant} ${label(c)}`;
        assertClose(got[0]!, f32(want.dx), `${what} dx`);
        assertClose(got[1]!, f32(want.dw), `${what} dW`);
        if (dBias) assertClose(got[2]!, f32(dBias), `${what} dbias`);
      }
    }
  });
}

function sumChannels(v: Float32Array, channels: number): Float64Array {
  const out = new Float64Array(channels);
  v.forEach((a, i) => (out[i % channels]! += a));
  return out;
}

test('dilated separable conv2d: all three gradients match the definition on wasm and cpu', async () => {
  const xShape = [2, 11, 10, 3];
  const dShape = [3, 3, 3, 2];
  const pShape = [1, 1, 6, 5];
  for (const [dilations, pad] of [
    [[2, 2], 'same'],
    [[2, 3], 'valid'],
  ] as [Pair, 'same' | 'valid'][]) {
    const g: Geometry = { strides: [1, 1], dilations, pad };
    const x = seededValues(tf.util.sizeFromShape(xShape), 5);
    const dw = seededValues(tf.util.sizeFromShape(dShape), 6);
    const pw = seededValues(tf.util.sizeFromShape(pShape), 7);
    const yShape = outShape(xShape, dShape, 5, g);
    const dy = seededValues(tf.util.sizeFromShape(yShape), 8);
    // Chain rule by hand: y1 = depthwise(x), y = pointwise(y1).
    const midShape = outShape(xShape, dShape, 6, g);
    const y1 = f32(depthwiseReference(x, xShape, dw, dShape, new Float32Array(tf.util.sizeFromShape(midShape)), g).y);
    const point = conv2dReference(y1, midShape, pw, pShape, dy, { strides: [1, 1], dilations: [1, 1], pad: 'valid' });
    const depth = depthwiseReference(x, xShape, dw, dShape, f32(point.dx), g);
    for (const backend of ['wasm', 'cpu']) {
      assert.ok(await tf.setBackend(backend));
      const got = tf.tidy(() => {
        const r = tf.tensor(dy, yShape);
        const f = (a: tf.Tensor, b: tf.Tensor, p: tf.Tensor) => tf.separableConv2d(a as tf.Tensor4D, b as tf.Tensor4D, p as tf.Tensor4D, 1, pad, dilations);
        const args = [tf.tensor4d(x, xShape as never), tf.tensor4d(dw, dShape as never), tf.tensor4d(pw, pShape as never)];
        return tf
          .grads((a: tf.Tensor, b: tf.Tensor, p: tf.Tensor) => tf.sum(tf.mul(f(a, b, p), r)))(args)
          .map((t) => t.dataSync() as Float32Array);
      });
      const what = `${backend} separable d=${dilations} ${pad}`;
      assertClose(got[0]!, f32(depth.dx), `${what} dx`);
      assertClose(got[1]!, f32(depth.dw), `${what} depthwise dW`);
      assertClose(got[2]!, f32(point.dw), `${what} pointwise dW`);
    }
  }
});

test('inference with a dilated linear conv2d keeps the fused kernel', async () => {
  assert.ok(await tf.setBackend('wasm'));
  const c = CASES[0]!;
  const { wShape, x, w, bias } = convInputs(c);
  const profile = await tf.profile(() =>
    tf.tidy(() =>
      tf.fused
        .conv2d({ x: tf.tensor4d(x, c.x), filter: tf.tensor4d(w, wShape as never), strides: 1, pad: 'same', dilations: c.dilations, bias: tf.tensor1d(bias) })
        .dataSync(),
    ),
  );
  assert.ok(profile.kernelNames.includes('FusedConv2D'), `kernels: ${profile.kernelNames}`);
});
