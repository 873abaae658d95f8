/**
 * Both gradients of a 3x3 stride-1 convolution by F(4x4, 3x3) (winograd4FilterGrad and
 * winograd4InputGrad in src/backend/simd/kernels.wat, simd/winograd-gradients.ts): each against a
 * float64 loop from the definition of the convolution, on odd sizes (tiles cut by the output's
 * edge, patches reaching past the input's), 'same' and 'valid' padding, more tiles than one chunk,
 * and through tf.grad with the registered kernels, where each case also checks that Winograd ran:
 * the gradient's bits equal the kernel's own and differ from the direct tiles' (--ab
 * winogradGrad's "off"). The transforms add a few terms around the products, so the tolerance is the other
 * kernels' (kernel-reference.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { convGeometry, winogradGradients } from '../src/backend/gradients/conv2d.js';
import { filterChunking, skewedPointRows, winograd4FilterGradSimd, winograd4InputGradSimd } from '../src/backend/simd/winograd-gradients.js';
import { winogradTileFor } from '../src/backend/simd/winograd.js';
import { assertClose, seededValues, type ConvCase } from './kernel-reference.js';

const cases: ConvCase[] = [
  { x: [8, 13, 13, 32], k: [3, 3], cout: 64, strides: [1, 1], pad: 'valid' }, // the target model's second layer: 72 tiles, two chunks
  { x: [13, 9, 11, 8], k: [3, 3], cout: 16, strides: [1, 1], pad: 'same' }, // odd sizes: tiles cut by both edges, patches past the input; 117 tiles, a last chunk of 21 (not whole groups of 4)
  { x: [6, 14, 10, 24], k: [3, 3], cout: 8, strides: [1, 1], pad: 'same' }, // 12 tiles a sample, 72 in all
  { x: [17, 10, 7, 16], k: [3, 3], cout: 24, strides: [1, 1], pad: 'valid' }, // an 8x5 output, 4 tiles a sample
  { x: [1, 40, 40, 8], k: [3, 3], cout: 8, strides: [1, 1], pad: 'same' }, // one sample: the threads cannot split it
];

const label = (c: ConvCase) => `x=${c.x} cout=${c.cout} ${c.pad}`;
const fShape = (c: ConvCase): [number, number, number, number] => [3, 3, c.x[3], c.cout];
const xv = (c: ConvCase) => seededValues(tf.util.sizeFromShape(c.x), 1).map((v) => 3 * v);
const wv = (c: ConvCase) => seededValues(9 * c.x[3] * c.cout, 2);
const geometry = (c: ConvCase) => convGeometry(c.x, fShape(c), { strides: 1, pad: c.pad });
const dyv = (c: ConvCase) => {
  const { outHeight, outWidth } = geometry(c);
  return seededValues(c.x[0] * outHeight * outWidth * c.cout, 3);
};

/** dL/dW and dL/dx in float64 for L = sum(conv(x, W) * dy). */
function gradientsByDefinition(c: ConvCase): { dw: Float32Array; dx: Float32Array } {
  const [n, h, w, cin] = c.x;
  const {
    outHeight: ho,
    outWidth: wo,
    padInfo: { top, left },
  } = geometry(c);
  const x = xv(c),
    f = wv(c),
    dy = dyv(c);
  const dw = new Float64Array(9 * cin * c.cout);
  const dx = new Float64Array(x.length);
  for (let s = 0; s < n; s++)
    for (let p = 0; p < ho; p++)
      for (let q = 0; q < wo; q++)
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 3; j++) {
            const r = p + i - top,
              t = q + j - left;
            if (r < 0 || r >= h || t < 0 || t >= w) continue;
            for (let ch = 0; ch < cin; ch++) {
              const xi = ((s * h + r) * w + t) * cin + ch;
              for (let o = 0; o < c.cout; o++) {
                const g = dy[((s * ho + p) * wo + q) * c.cout + o]!;
                const tap = ((i * 3 + j) * cin + ch) * c.cout + o;
                dw[tap]! += x[xi]! * g;
                dx[xi]! += f[tap]! * g;
              }
            }
          }
  return { dw: Float32Array.from(dw), dx: Float32Array.from(dx) };
}

function gradientsByTfGrad(c: ConvCase): { dw: Float32Array; dx: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv(c), c.x);
    const f = tf.tensor4d(wv(c), fShape(c));
    const { outHeight, outWidth } = geometry(c);
    const dy = tf.tensor4d(dyv(c), [c.x[0], outHeight, outWidth, c.cout]);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, c.pad))([x, f], dy);
    return { dx: gx!.dataSync() as Float32Array, dw: gw!.dataSync() as Float32Array };
  });
}

/** The kernels called directly (one thread), outside any registered kernel. */
function gradientsBySimd(c: ConvCase): { dw: Float32Array; dx: Float32Array } {
  return tf.tidy(() => {
    const backend = tf.backend();
    const x = tf.tensor4d(xv(c), c.x);
    const wt = tf.transpose(tf.tensor4d(wv(c), fShape(c)), [0, 1, 3, 2]);
    const info = geometry(c);
    const dy = tf.tensor4d(dyv(c), [c.x[0], info.outHeight, info.outWidth, c.cout]);
    const dw = winograd4FilterGradSimd(backend, x, dy, info.padInfo, c.cout, false);
    const dx = winograd4InputGradSimd(backend, dy, wt, c.x, info.padInfo, false);
    assert.ok(dw != null && dx != null, `${label(c)}: the kernels declined`);
    const read = (i: tf.TensorInfo) => tf.engine().makeTensorFromTensorInfo(i).dataSync() as Float32Array;
    return { dw: read(dw), dx: read(dx) };
  });
}

test('setup: wasm with the fast kernels', async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
  assert.equal(winogradGradients.enabled, true);
});

test('the cases are ones training takes F(4x4) for (at least 64 tiles, 36 output pixels)', () => {
  for (const c of cases) {
    const { batchSize, outHeight, outWidth } = geometry(c);
    assert.equal(winogradTileFor(batchSize, outHeight, outWidth, true), 4, label(c));
  }
});

test('both gradients by F(4x4, 3x3) match the definition, called directly and through tf.grad', () => {
  for (const c of cases) {
    const expected = gradientsByDefinition(c);
    const direct = gradientsBySimd(c);
    assertClose(direct.dw, expected.dw, `${label(c)} filter gradient`);
    assertClose(direct.dx, expected.dx, `${label(c)} input gradient`);
    // Whatever the threads' split, each output's sums run in one order: the same bits.
    const viaGrad = gradientsByTfGrad(c);
    assert.deepEqual(viaGrad.dw, direct.dw, `${label(c)}: tf.grad's filter gradient is not the kernel's`);
    assert.deepEqual(viaGrad.dx, direct.dx, `${label(c)}: tf.grad's input gradient is not the kernel's`);
  }
});

test('tf.grad runs the Winograd gradients, and the direct tiles without them', () => {
  for (const c of cases) {
    const viaGrad = gradientsByTfGrad(c);
    winogradGradients.enabled = false;
    let direct: { dw: Float32Array; dx: Float32Array };
    try {
      direct = gradientsByTfGrad(c);
    } finally {
      winogradGradients.enabled = true;
    }
    const expected = gradientsByDefinition(c);
    assertClose(direct.dw, expected.dw, `${label(c)} filter gradient, direct tiles`);
    assertClose(direct.dx, expected.dx, `${label(c)} input gradient, direct tiles`);
    // Rounding differs between the two, so identical bits would mean Winograd did not run.
    assert.notDeepEqual(viaGrad.dw, direct.dw, `${label(c)}: the filter gradient did not change with the switch`);
    assert.notDeepEqual(viaGrad.dx, direct.dx, `${label(c)}: the input gradient did not change with the switch`);
  }
});

test("the chunks' layout (skewed point rows, the filter gradient's chunk size) changes where values lie, not a bit of either gradient", () => {
  assert.equal(skewedPointRows.enabled, true);
  const rowFloats = filterChunking.rowFloats;
  for (const c of cases) {
    const skewed = gradientsBySimd(c);
    let packed: { dw: Float32Array; dx: Float32Array };
    let smallChunks: { dw: Float32Array; dx: Float32Array };
    try {
      skewedPointRows.enabled = false;
      packed = gradientsBySimd(c);
      skewedPointRows.enabled = true;
      // 16-tile chunks: several chunks for every case, so the sums are stored and reloaded between them.
      filterChunking.rowFloats = 1;
      smallChunks = gradientsBySimd(c);
    } finally {
      skewedPointRows.enabled = true;
      filterChunking.rowFloats = rowFloats;
    }
    assert.deepEqual(skewed.dw, packed.dw, `${label(c)}: the filter gradient depends on the skew`);
    assert.deepEqual(skewed.dx, packed.dx, `${label(c)}: the input gradient depends on the skew`);
    assert.deepEqual(skewed.dw, smallChunks.dw, `${label(c)}: the filter gradient depends on the chunk size`);
  }
});

test('zero channels are declined (the kernels would write past an empty output), and tf.grad still answers', () => {
  tf.tidy(() => {
    const backend = tf.backend();
    const pads = { top: 1, left: 1 };
    const dy = tf.ones([8, 12, 12, 8]);
    assert.equal(winograd4InputGradSimd(backend, dy, tf.zeros([3, 3, 8, 0]), [8, 12, 12, 0], pads, false), null);
    assert.equal(winograd4FilterGradSimd(backend, tf.zeros([8, 12, 12, 0]), dy, pads, 8, false), null);
    assert.equal(winograd4InputGradSimd(backend, tf.zeros([8, 12, 12, 0]), tf.zeros([3, 3, 0, 8]), [8, 12, 12, 8], pads, false), null);
    const conv = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'));
    const [gx, gw] = tf.grads(conv)([tf.ones([8, 12, 12, 0]), tf.ones([3, 3, 0, 8])]);
    assert.deepEqual(gx!.shape, [8, 12, 12, 0]);
    assert.deepEqual(gw!.shape, [3, 3, 0, 8]);
  });
});
