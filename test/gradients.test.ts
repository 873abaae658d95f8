/**
 * Parity of the composite conv backprop kernels (src/backend/gradients) on
 * wasm against the cpu backend's stock kernels, plus a short training run.
 *
 * Tolerance: |fast - ref| <= 1e-4 * max|ref| + 1e-5. Both sides are float32
 * sums of at most a few hundred products in a different order (GEMM vs loop);
 * the expected rounding difference is ~sqrt(n) * 6e-8 relative (< 2e-6), so
 * 1e-4 leaves a wide margin while still catching any indexing error (those
 * give O(1) relative differences).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';

type Pad = 'valid' | 'same';
interface Case {
  x: [number, number, number, number];
  k: [number, number];
  cout: number;
  strides: [number, number];
  pad: Pad;
}

const cases: Case[] = [
  { x: [2, 7, 7, 1], k: [3, 3], cout: 4, strides: [1, 1], pad: 'valid' }, // im2col path (cin 1)
  { x: [2, 8, 9, 3], k: [3, 2], cout: 5, strides: [2, 2], pad: 'same' },
  { x: [3, 9, 8, 6], k: [3, 3], cout: 4, strides: [1, 1], pad: 'same' }, // conv path (cin > 4)
  { x: [2, 11, 10, 5], k: [3, 3], cout: 3, strides: [2, 3], pad: 'valid' }, // leftover rows/cols
  { x: [1, 6, 5, 7], k: [1, 1], cout: 2, strides: [1, 1], pad: 'valid' },
  { x: [2, 5, 6, 8], k: [5, 4], cout: 3, strides: [2, 1], pad: 'same' },
  { x: [2, 13, 13, 2], k: [2, 2], cout: 3, strides: [2, 2], pad: 'valid' },
];

/** Deterministic pseudo-random values so cpu and wasm get identical inputs. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function assertClose(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const tol = 1e-4 * scale + 1e-5;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    if (!(diff <= tol)) assert.fail(`${label}: index ${i}: ${actual[i]} vs ${expected[i]} (tol ${tol})`);
  }
}

type Activation = 'linear' | 'relu';
/** Gradients of sum(r * conv(x)) wrt x, filter (and bias) on the current backend. */
function convGrads(c: Case, withBias: boolean, activation: Activation | null): Float32Array[] {
  return tf.tidy(() => {
    const cin = c.x[3];
    const fShape: [number, number, number, number] = [c.k[0], c.k[1], cin, c.cout];
    const x = tf.tensor4d(values(tf.util.sizeFromShape(c.x), 1), c.x);
    const f = tf.tensor4d(values(tf.util.sizeFromShape(fShape), 2), fShape);
    const b = tf.tensor1d(values(c.cout, 3));
    const forward = (xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor): tf.Tensor => {
      if (activation == null) return tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.strides, c.pad);
      return tf.fused.conv2d({
        x: xx as tf.Tensor4D, filter: ff as tf.Tensor4D, strides: c.strides, pad: c.pad,
        ...(withBias ? { bias: bb } : {}), activation,
      });
    };
    const y = forward(x, f, b);
    const r = tf.tensor(values(y.size, 4), y.shape);
    // tf.grads rejects inputs that do not reach the output, so pass b only when used.
    const g = tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(forward(ts[0]!, ts[1]!, ts[2] ?? b), r)));
    return g(withBias ? [x, f, b] : [x, f]).map((t) => t.dataSync() as Float32Array);
  });
}

async function on<T>(backend: string, f: () => T): Promise<T> {
  await tf.setBackend(backend);
  return f();
}

test('setup: wasm backend with fast gradients, cpu stock as reference', async () => {
  assert.ok(await tf.setBackend('wasm'));
  // Stock wasm has no filter-gradient kernel, so any pass below used ours.
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
  installFastGradients('wasm');
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm')); // cpu deliberately keeps its stock kernels
  assert.ok(await tf.setBackend('cpu'));
});

for (const [variant, withBias, activation] of [
  ['Conv2D', false, null],
  ['fused linear (customGrad path)', false, 'linear'],
  ['fused linear + bias', true, 'linear'],
  ['fused relu + bias (unfused in training)', true, 'relu'],
] as const) {
  test(`conv2d gradients match cpu stock: ${variant}`, async () => {
    for (const c of cases) {
      const label = `${variant} x=${c.x} k=${c.k} s=${c.strides} ${c.pad}`;
      const ref = await on('cpu', () => convGrads(c, withBias, activation));
      const fast = await on('wasm', () => convGrads(c, withBias, activation));
      ['dx', 'dfilter', 'dbias'].slice(0, ref.length).forEach((name, i) => assertClose(fast[i]!, ref[i]!, `${label} ${name}`));
    }
  });
}

test('conv2dTranspose (Conv2DBackpropInput as a forward op) matches cpu stock', async () => {
  const run = () => tf.tidy(() => {
    const dy = tf.tensor4d(values(2 * 4 * 5 * 3, 5), [2, 4, 5, 3]);
    const f = tf.tensor4d(values(3 * 3 * 6 * 3, 6), [3, 3, 6, 3]);
    return tf.conv2dTranspose(dy, f, [2, 8, 9, 6], 2, 'same').dataSync() as Float32Array;
  });
  assertClose(await on('wasm', run), await on('cpu', run), 'conv2dTranspose');
});

test('a tiny conv net trains on wasm and its loss goes down', async () => {
  await tf.setBackend('wasm');
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 6, kernelSize: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })); // linear: fused path
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const x = tf.tensor4d(values(16 * 144, 7), [16, 12, 12, 1]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3), 'int32'), 3);
  const losses: number[] = [];
  for (let i = 0; i < 15; i++) losses.push((await model.trainOnBatch(x, y)) as number);
  assert.ok(losses.every(Number.isFinite), `losses finite: ${losses}`);
  assert.ok(losses.at(-1)! < losses[0]! * 0.9, `loss went down: ${losses[0]} -> ${losses.at(-1)}`);
});
