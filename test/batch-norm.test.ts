/**
 * Batch normalization in training (src/backend/gradients/batch-norm.ts): the forward kernel and
 * the Mean over leading axes on wasm against float64 loops written from the definition, and
 * the replacement gradients of FusedBatchNorm, Mean and Sum against tfjs-core's own, captured
 * before they were replaced: same float32 operations, so the same bits, on wasm and cpu. A
 * training step's gradient must also no longer run Tile or build its ones in JavaScript.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { batchNormSimd } from '../src/backend/simd/ops.js';
import { assertClose, seededValues } from './kernel-reference.js';

// tfjs-core's gradients, before installFastGradients replaces them.
const stock = {
  FusedBatchNorm: tf.getGradient('FusedBatchNorm')!,
  Mean: tf.getGradient('Mean')!,
  Sum: tf.getGradient('Sum')!,
};

/** Channel counts the SIMD pass takes (multiples of 4) and odd ones it leaves to JavaScript, one channel, a single pixel. */
const shapes: [number, number, number, number][] = [
  [3, 5, 7, 8],
  [2, 3, 3, 32],
  [1, 1, 1, 4],
  [3, 5, 7, 6],
  [2, 4, 4, 1],
  [1, 1, 1, 3],
  [4, 3, 5, 13],
];

function values(shape: number[], seed: number, scale = 1, shift = 0): Float32Array {
  return seededValues(tf.util.sizeFromShape(shape), seed).map((v) => scale * v + shift);
}

/** offset + (x - mean) * scale / sqrt(variance + eps) per channel, in float64. */
function batchNormByDefinition(
  x: Float32Array,
  c: number,
  mean: Float32Array,
  variance: Float32Array,
  scale: Float32Array | null,
  offset: Float32Array | null,
  eps: number,
): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const j = i % c;
    out[i] = (offset ? offset[j]! : 0) + ((x[i]! - mean[j]!) * (scale ? scale[j]! : 1)) / Math.sqrt(variance[j]! + eps);
  }
  return out;
}

test('setup: wasm with the fast kernels and gradients', async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
  assert.notEqual(tf.getGradient('FusedBatchNorm')!.gradFunc, stock.FusedBatchNorm.gradFunc, 'the gradient was replaced');
});

test('FusedBatchNorm on wasm matches the definition and cpu stock, with and without scale and offset', async () => {
  for (const shape of shapes) {
    const c = shape[3];
    const x = values(shape, 1, 3, 0.5);
    const mean = values([c], 2);
    const variance = values([c], 3).map((v) => Math.abs(v) + 0.01);
    for (const withParams of [true, false]) {
      const scale = withParams ? values([c], 4, 2) : null;
      const offset = withParams ? values([c], 5) : null;
      const run = () =>
        tf.tidy(
          () =>
            tf
              .batchNorm(
                tf.tensor4d(x, shape),
                tf.tensor1d(mean),
                tf.tensor1d(variance),
                offset ? tf.tensor1d(offset) : undefined,
                scale ? tf.tensor1d(scale) : undefined,
                0.001,
              )
              .dataSync() as Float32Array,
        );
      await tf.setBackend('wasm');
      const ours = run();
      const label = `${shape} ${withParams ? 'with' : 'without'} scale and offset`;
      assertClose(ours, batchNormByDefinition(x, c, mean, variance, scale, offset, 0.001), `${label}: against the definition`);
      await tf.setBackend('cpu');
      assertClose(ours, run(), `${label}: against cpu stock`);
    }
  }
});

test('the SIMD pass takes channel counts that are multiples of 4 and declines the rest', async () => {
  await tf.setBackend('wasm');
  for (const [c, taken] of [
    [8, true],
    [4, true],
    [6, false],
    [1, false],
  ] as const) {
    const x = tf.fill([2, 3, c], 3);
    const out = batchNormSimd(tf.backend(), x, c, (into) => into.fill(1));
    assert.equal(out != null, taken, `c=${c}`);
    if (out) {
      // (3 - 1) * 1 + 1 everywhere: every element was written.
      assert.deepEqual([...(tf.engine().makeTensorFromTensorInfo(out).dataSync() as Float32Array)], new Array<number>(6 * c).fill(3));
    }
    x.dispose();
  }
});

test('Mean over the leading axes on wasm matches the definition, and other axes still work', async () => {
  await tf.setBackend('wasm');
  for (const shape of shapes) {
    const c = shape[3];
    const x = values(shape, 6, 5, 1);
    const rows = x.length / c;
    const want = new Float32Array(c);
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += x[r * c + j]!;
      want[j] = s / rows;
    }
    const [got, kept] = tf.tidy(() => {
      const t = tf.tensor4d(x, shape);
      return [tf.mean(t, [0, 1, 2]).dataSync() as Float32Array, tf.mean(t, [0, 1, 2], true).shape];
    });
    assertClose(got, want, `mean of ${shape} over [0, 1, 2]`);
    assert.deepEqual(kept, [1, 1, 1, c]);
    // Innermost axes go to the stock kernel: compare with cpu.
    const inner = tf.tidy(() => tf.mean(tf.tensor4d(x, shape), [3]).dataSync() as Float32Array);
    await tf.setBackend('cpu');
    assertClose(
      inner,
      tf.tidy(() => tf.mean(tf.tensor4d(x, shape), [3]).dataSync() as Float32Array),
      `mean of ${shape} over [3]`,
    );
    await tf.setBackend('wasm');
  }
});

/** Every derivative a gradient config returns, evaluated. */
function derivatives(config: tf.GradConfig, dy: tf.Tensor, saved: tf.Tensor[], attrs: tf.NamedAttrMap): Record<string, Float32Array> {
  const funcs = config.gradFunc(dy, saved, attrs) as Record<string, () => tf.Tensor>;
  return Object.fromEntries(Object.entries(funcs).map(([name, f]) => [name, tf.tidy(() => f().dataSync() as Float32Array)]));
}

for (const backend of ['wasm', 'cpu']) {
  test(`the gradients of FusedBatchNorm, Mean and Sum are tfjs-core's, bit for bit, on ${backend}`, async () => {
    await tf.setBackend(backend);
    for (const shape of shapes) {
      const c = shape[3];
      tf.tidy(() => {
        const x = tf.tensor4d(values(shape, 7, 2), shape);
        const dy = tf.tensor4d(values(shape, 8), shape);
        const mean = tf.tensor1d(values([c], 9));
        const variance = tf.tensor1d(values([c], 10).map((v) => Math.abs(v) + 0.01));
        for (const scale of [tf.tensor1d(values([c], 11, 2)), undefined]) {
          const saved = [x, mean, variance, ...(scale ? [scale] : [])];
          const attrs = { varianceEpsilon: 0.001 };
          const want = derivatives(stock.FusedBatchNorm, dy, saved, attrs);
          const got = derivatives(tf.getGradient('FusedBatchNorm')!, dy, saved, attrs);
          assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
          for (const name of Object.keys(want)) assert.deepEqual(got[name], want[name], `FusedBatchNorm d${name}, ${shape}, ${scale ? 'scaled' : 'no scale'}`);
        }
        // One mean and variance for every channel, broadcast along every axis (tf.batchNorm allows it).
        const single = [x, tf.tensor1d([0.25]), tf.tensor1d([1.5]), tf.tensor1d([2])];
        const wantSingle = derivatives(stock.FusedBatchNorm, dy, single, { varianceEpsilon: 0.001 });
        const gotSingle = derivatives(tf.getGradient('FusedBatchNorm')!, dy, single, { varianceEpsilon: 0.001 });
        for (const name of Object.keys(wantSingle)) assert.deepEqual(gotSingle[name], wantSingle[name], `FusedBatchNorm d${name}, ${shape}, one mean for all`);
        for (const axis of [[0, 1, 2], [1, 2], [3], [0], [-1]]) {
          const axes = axis.map((a) => (a < 0 ? a + shape.length : a));
          const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
          const dyReduced = tf.tensor(
            values(kept, 12),
            shape.filter((_, i) => !axes.includes(i)),
          );
          for (const kind of ['Mean', 'Sum'] as const) {
            const want = derivatives(stock[kind], dyReduced, [x], { axis, keepDims: false });
            const got = derivatives(tf.getGradient(kind)!, dyReduced, [x], { axis, keepDims: false });
            assert.deepEqual(got, want, `${kind} dx, ${shape} over ${axis}`);
          }
        }
      });
    }
  });
}

test('a batch-normalized layer trains without Tile and without ones made in JavaScript', async () => {
  await tf.setBackend('wasm');
  const x = tf.tensor4d(values([4, 6, 6, 8], 13), [4, 6, 6, 8]);
  const gamma = tf.variable(tf.ones([8]));
  const beta = tf.variable(tf.zeros([8]));
  const kernels: string[] = [];
  const profile = await tf.profile(() => {
    const { grads } = tf.variableGrads(() => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.mean(tf.square(tf.batchNorm(x, mean, variance, beta, gamma, 0.001)));
    });
    Object.values(grads).forEach((g) => g.dispose());
  });
  kernels.push(...profile.kernelNames);
  assert.ok(kernels.includes('FusedBatchNorm'), 'the step ran a batch normalization');
  assert.ok(!kernels.includes('Tile'), `no Tile: ${kernels.join(', ')}`);
  // tf.ones makes its values in JavaScript and uploads them; the gradients fill on the backend.
  assert.ok(kernels.includes('Fill'), 'ones are filled by a kernel');
});
