/**
 * FusedAdamOptimizer (src/train/fused-adam.ts) against tfjs's own Adam: the
 * same float32 operations in the same order, so after several steps the
 * weights and the optimizer's slots must be equal bit for bit, on wasm
 * (where the fused kernel runs) and against the cpu backend's stock Adam.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { simdKernelsFor } from '../src/backend/simd/module.js';
import { FusedAdamOptimizer } from '../src/train/fused-adam.js';
import { createOptimizer } from '../src/train/optimizers.js';
import { seededValues } from './kernel-reference.js';

// Sizes that are and are not multiples of 4 (the kernel's vector and scalar parts).
const SHAPES = [[3, 3, 1, 5], [64, 37], [10], [8]];

interface Outcome {
  weights: Float32Array[];
  slots: { name: string; values: Float32Array }[];
}

/** Five optimizer steps on fixed variables with fixed, step-dependent gradients. */
async function run(make: () => tf.Optimizer, prefix: string): Promise<Outcome> {
  const vars = SHAPES.map((s, i) => tf.variable(tf.tensor(seededValues(tf.util.sizeFromShape(s), 40 + i), s), true, `${prefix}_${i}`));
  const opt = make();
  for (let step = 0; step < 5; step++) {
    tf.tidy(() => {
      const grads = vars.map((v, i) => ({ name: v.name, tensor: tf.mul(tf.tensor(seededValues(v.size, 60 + i + step), v.shape), step + 1) }));
      opt.applyGradients(grads);
    });
  }
  const weights = vars.map((v) => v.dataSync() as Float32Array);
  const slots = (await opt.getWeights()).map((w) => ({ name: w.name.replace(prefix, 'v'), values: w.tensor.dataSync() as Float32Array }));
  tf.dispose(vars);
  opt.dispose();
  return { weights, slots };
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function assertSame(got: Outcome, want: Outcome, label: string): void {
  got.weights.forEach((w, i) => assert.deepEqual(bits(w), bits(want.weights[i]!), `${label}: weights of variable ${i}`));
  assert.deepEqual(
    got.slots.map((s) => s.name),
    want.slots.map((s) => s.name),
    `${label}: slot names`,
  );
  got.slots.forEach((s, i) => assert.deepEqual(bits(s.values), bits(want.slots[i]!.values), `${label}: slot ${s.name}`));
}

const hyper = { name: 'adam' as const, learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
const stock = () => tf.train.adam(hyper.learningRate, hyper.beta1, hyper.beta2, hyper.epsilon);

test('createOptimizer gives the fused Adam', async () => {
  assert.ok(await tf.setBackend('cpu'));
  assert.ok(createOptimizer(hyper) instanceof FusedAdamOptimizer);
});

test('fused Adam on wasm equals stock Adam bit for bit (wasm and cpu)', async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
  assert.ok(simdKernelsFor(tf.backend()) != null, 'the fused kernel can run here');
  const fused = await run(() => createOptimizer(hyper), 'fused');
  const stockWasm = await run(stock, 'stockw');
  assertSame(fused, stockWasm, 'vs stock on wasm');
  assert.ok(await tf.setBackend('cpu'));
  assertSame(fused, await run(stock, 'stockc'), 'vs stock on cpu');
  // On cpu the fused class falls back to the stock update.
  assertSame(await run(() => createOptimizer(hyper), 'fusedc'), fused, 'fused class on cpu');
});

test('Adam saved after 5 steps and restored into a new optimizer continues bit for bit like the one never stopped', async () => {
  // Restoring sets beta^t; tfjs's own setWeights computes it with pow(), which differs from the
  // steps' repeated float32 products in the last bits for some t (5 for beta 0.999, 8 for 0.9).
  for (const backend of ['wasm', 'cpu']) {
    assert.ok(await tf.setBackend(backend));
    const v = tf.variable(tf.tensor1d(seededValues(9, 70)), true, `resume_${backend}`);
    const start = v.dataSync().slice();
    const step = (opt: tf.Optimizer, t: number): void => tf.tidy(() => opt.applyGradients([{ name: v.name, tensor: tf.tensor1d(seededValues(9, 71 + t)) }]));
    const whole = createOptimizer(hyper);
    for (let t = 0; t < 12; t++) step(whole, t);
    const uninterrupted = v.dataSync().slice() as Float32Array;

    v.assign(tf.tensor1d(start));
    const first = createOptimizer(hyper);
    for (let t = 0; t < 5; t++) step(first, t);
    const saved = await first.getWeights();
    const resumed = createOptimizer(hyper);
    await resumed.setWeights(saved.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
    for (let t = 5; t < 12; t++) step(resumed, t);
    assert.deepEqual(bits(v.dataSync() as Float32Array), bits(uninterrupted), `${backend}: resumed vs uninterrupted`);
    tf.dispose(v);
    [whole, first, resumed].forEach((o) => o.dispose());
  }
});
