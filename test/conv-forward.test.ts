/**
 * The tiled SIMD forward convolution (convTiles in src/backend/simd/kernels.wat, registered
 * for Conv2D and FusedConv2D on wasm by src/backend/gradients/conv-forward.ts) against a
 * float64 loop written from the definition, and against the cpu backend's stock kernels, on
 * odd sizes, strides, 'same' padding, one input channel, a short last tile, bias and the
 * activations it fuses. Each case checks that the tiles really ran. Tolerance as for the
 * gradients (kernel-reference.ts): sums of the same products in another order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { ownForwardConv } from '../src/backend/gradients/conv-forward.js';
import { winogradConvs } from '../src/backend/simd/winograd.js';
import { convTilesSimd } from '../src/backend/simd/tiles.js';
import { assertClose, seededValues, type ConvCase } from './kernel-reference.js';

type Activation = 'linear' | 'relu' | 'relu6';

/** act(conv(x, w) + bias) from the definition, in float64, NHWC and HWIO. */
function convByDefinition(x: Float32Array, c: ConvCase, w: Float32Array, bias: Float32Array | null, activation: Activation): Float32Array {
  const [n, h, wd, cin] = c.x;
  const [kh, kw] = c.k;
  const info = tf.backend_util.computeConv2DInfo(c.x, [kh, kw, cin, c.cout], c.strides, 1, c.pad, undefined, false, 'channelsLast');
  const { outHeight: ho, outWidth: wo } = info;
  const { top, left } = info.padInfo;
  const out = new Float32Array(n * ho * wo * c.cout);
  for (let b = 0; b < n; b++)
    for (let p = 0; p < ho; p++)
      for (let q = 0; q < wo; q++)
        for (let o = 0; o < c.cout; o++) {
          let sum = bias ? bias[o]! : 0;
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++) {
              const r = p * c.strides[0] + i - top;
              const s = q * c.strides[1] + j - left;
              if (r < 0 || r >= h || s < 0 || s >= wd) continue;
              for (let ch = 0; ch < cin; ch++) sum += x[((b * h + r) * wd + s) * cin + ch]! * w[((i * kw + j) * cin + ch) * c.cout + o]!;
            }
          const v = activation === 'linear' ? sum : Math.max(sum, 0);
          out[((b * ho + p) * wo + q) * c.cout + o] = activation === 'relu6' ? Math.min(v, 6) : v;
        }
  return out;
}

const cases: ConvCase[] = [
  { x: [3, 28, 28, 1], k: [3, 3], cout: 32, strides: [1, 1], pad: 'valid' }, // the first layer
  { x: [2, 13, 13, 32], k: [3, 3], cout: 64, strides: [1, 1], pad: 'valid' }, // the second
  { x: [3, 5, 5, 64], k: [3, 3], cout: 64, strides: [1, 1], pad: 'valid' }, // the third: 27 pixels, a short last tile
  { x: [2, 9, 7, 3], k: [3, 2], cout: 8, strides: [2, 2], pad: 'same' },
  { x: [1, 11, 10, 5], k: [5, 3], cout: 16, strides: [2, 3], pad: 'valid' }, // leftover rows and columns
  { x: [2, 6, 6, 7], k: [1, 1], cout: 24, strides: [1, 1], pad: 'same' },
  { x: [1, 4, 4, 2], k: [4, 4], cout: 8, strides: [1, 1], pad: 'same' }, // padding larger than the image
  { x: [1, 1, 1, 4], k: [1, 1], cout: 8, strides: [1, 1], pad: 'valid' }, // one pixel
];

function label(c: ConvCase): string {
  return `x=${c.x} k=${c.k} cout=${c.cout} s=${c.strides} ${c.pad}`;
}

const xValues = (c: ConvCase) => seededValues(tf.util.sizeFromShape(c.x), 1).map((v) => 4 * v);
const fShapeOf = (c: ConvCase): [number, number, number, number] => [c.k[0], c.k[1], c.x[3], c.cout];
const wValues = (c: ConvCase) => seededValues(tf.util.sizeFromShape(fShapeOf(c)), 2);
const bValues = (c: ConvCase) => seededValues(c.cout, 3).map((v) => 2 * v);

/** tf.conv2d (what training runs) or tf.fused.conv2d (inference) on the current backend. */
function forward(c: ConvCase, bias: boolean, activation: Activation | null): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(xValues(c), c.x);
    const w = tf.tensor4d(wValues(c), fShapeOf(c));
    const y =
      activation == null
        ? tf.conv2d(x, w, c.strides, c.pad)
        : tf.fused.conv2d({ x, filter: w, strides: c.strides, pad: c.pad, ...(bias ? { bias: tf.tensor1d(bValues(c)) } : {}), activation });
    return y.dataSync() as Float32Array;
  });
}

/** convTilesSimd itself on the (padded) input: proves the kernel, whatever the registration does. */
function tilesDirect(c: ConvCase, bias: boolean, activation: Activation): Float32Array {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(c.x, fShapeOf(c), c.strides, 1, c.pad, undefined, false, 'channelsLast');
    const { top, bottom, left, right } = info.padInfo;
    const xp = tf.pad(tf.tensor4d(xValues(c), c.x), [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]);
    const out = convTilesSimd(tf.backend(), xp, tf.tensor4d(wValues(c), fShapeOf(c)), bias ? tf.tensor1d(bValues(c)) : null, c.strides, activation);
    assert.ok(out != null, `${label(c)}: the tiles took it`);
    return tf.engine().makeTensorFromTensorInfo(out).dataSync() as Float32Array;
  });
}

test('setup: wasm with the fast kernels', async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
});

for (const [variant, bias, activation] of [
  ['Conv2D (training)', false, null],
  ['FusedConv2D + bias', true, 'linear'],
  ['FusedConv2D + bias + relu', true, 'relu'],
  ['FusedConv2D + relu6, no bias', false, 'relu6'],
] as const) {
  test(`forward conv tiles match the definition and cpu stock: ${variant}`, async () => {
    for (const c of cases) {
      const want = convByDefinition(xValues(c), c, wValues(c), bias ? bValues(c) : null, activation ?? 'linear');
      await tf.setBackend('wasm');
      assertClose(tilesDirect(c, bias, activation ?? 'linear'), want, `${variant} ${label(c)}: the tiles against the definition`);
      const registered = forward(c, bias, activation);
      assertClose(registered, want, `${variant} ${label(c)}: tf.${activation == null ? 'conv2d' : 'fused.conv2d'} on wasm against the definition`);
      await tf.setBackend('cpu');
      assertClose(registered, forward(c, bias, activation), `${variant} ${label(c)}: against cpu stock`);
    }
  });
}

test('Conv2D and FusedConv2D on wasm run the tiles, and XNNPACK when switched off', async () => {
  await tf.setBackend('wasm');
  const c = cases[1]!; // 288-term sums: XNNPACK adds them in another order, so the bits differ
  winogradConvs.enabled = false; // 3x3 stride 1 would go by Winograd (winograd.test.ts)
  for (const activation of [null, 'relu'] as const) {
    const ours = forward(c, true, activation);
    ownForwardConv.enabled = false;
    const stock = forward(c, true, activation);
    ownForwardConv.enabled = true;
    assert.deepEqual(ours, tilesDirect(c, activation != null, activation ?? 'linear'), `${activation ?? 'Conv2D'}: the registered kernel is the tiles`);
    assert.ok(
      ours.some((v, i) => v !== stock[i]),
      `${activation ?? 'Conv2D'}: switched off, XNNPACK ran`,
    );
    assertClose(ours, stock, `${activation ?? 'Conv2D'}: both agree`);
  }
  winogradConvs.enabled = true;
});

test('the tiles run for channel counts they tile and decline the rest', async () => {
  await tf.setBackend('wasm');
  const backend = tf.backend();
  const x = tf.tensor4d(seededValues(2 * 6 * 6 * 3, 1), [2, 6, 6, 3]);
  for (const [cout, runs] of [
    [8, true],
    [16, true],
    [12, false],
    [4, false],
  ] as const) {
    const w = tf.tensor4d(seededValues(3 * 3 * 3 * cout, 2), [3, 3, 3, cout]);
    const out = convTilesSimd(backend, x, w, null, [1, 1], 'linear');
    assert.equal(out != null, runs, `cout ${cout}`);
    if (out) tf.engine().makeTensorFromTensorInfo(out).dispose();
    w.dispose();
  }
  // cout % 8 != 0 goes to XNNPACK and still gives the right answer.
  const c: ConvCase = { x: [2, 6, 6, 3], k: [3, 3], cout: 12, strides: [1, 1], pad: 'same' };
  const w = seededValues(3 * 3 * 3 * 12, 2);
  const got = tf.tidy(() => tf.conv2d(x, tf.tensor4d(w, [3, 3, 3, 12]), 1, 'same').dataSync() as Float32Array);
  assertClose(got, convByDefinition(seededValues(2 * 6 * 6 * 3, 1), c, w, null, 'linear'), 'cout 12 (stock)');
  x.dispose();
});

test('NaN and infinities pass through the fused relu as the stock kernels do', async () => {
  await tf.setBackend('wasm');
  const xs = seededValues(1 * 4 * 4 * 2, 5);
  xs[3] = Number.NaN;
  xs[10] = Number.POSITIVE_INFINITY;
  const f = () =>
    tf.tidy(
      () =>
        tf.fused
          .conv2d({
            x: tf.tensor4d(xs, [1, 4, 4, 2]),
            filter: tf.tensor4d(seededValues(2 * 2 * 2 * 8, 6), [2, 2, 2, 8]),
            strides: 1,
            pad: 'valid',
            bias: tf.tensor1d(seededValues(8, 7)),
            activation: 'relu',
          })
          .dataSync() as Float32Array,
    );
  const ours = f();
  await tf.setBackend('cpu');
  const cpu = f();
  assert.deepEqual(
    ours.map((v) => (Number.isNaN(v) ? -1 : Number.isFinite(v) ? 0 : 1)),
    cpu.map((v) => (Number.isNaN(v) ? -1 : Number.isFinite(v) ? 0 : 1)),
    'NaN and infinity positions',
  );
});
