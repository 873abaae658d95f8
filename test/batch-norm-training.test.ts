/**
 * Batch normalization in training as two wasm kernels (src/backend/gradients/batch-norm-training.ts).
 * A batch_norm layer's training call on wasm must run NetspecBatchNormTraining and its gradient
 * kernel instead of tf.moments and tf.batchNorm, and give what the layer's stock method gives:
 * outputs and moving averages against float64 loops written from the definition, gradients
 * against the stock chain on tfjs's cpu backend (tfjs's own ops, none of our kernels), on odd
 * shapes: a dense layer's rank 2, a batch of one, more rows than one 64-row block, no gamma or
 * no beta (which the stock method cannot train at all). The statistics' own gradients, and a
 * gradient of a gradient, must match cpu too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { BN_TRAINING, BN_TRAINING_GRAD, fusedBatchNormTraining } from '../src/backend/gradients/batch-norm-training.js';
import { assertClose, seededValues } from './kernel-reference.js';

interface Options {
  center?: boolean;
  scale?: boolean;
  momentum?: number;
  epsilon?: number;
}
interface Case {
  name: string;
  shape: number[];
  options: Options;
}

const cases: Case[] = [
  { name: 'images, 12 channels', shape: [3, 5, 7, 12], options: {} },
  { name: 'a dense layer (rank 2), momentum 0.9, epsilon 1e-5', shape: [5, 8], options: { momentum: 0.9, epsilon: 1e-5 } },
  { name: 'a batch of one', shape: [1, 2, 3, 4], options: {} },
  { name: 'more rows than one 64-row block', shape: [2, 9, 9, 16], options: {} },
  { name: 'no beta (center: false)', shape: [2, 3, 3, 8], options: { center: false } },
  { name: 'no gamma (scale: false)', shape: [2, 3, 3, 8], options: { scale: false } },
  { name: 'neither', shape: [6, 4], options: { center: false, scale: false } },
];

/** x with a per-channel offset, so that the mean matters; gamma near 1, beta near 0. */
function inputs(shape: number[]) {
  const c = shape[shape.length - 1]!;
  const x = seededValues(tf.util.sizeFromShape(shape), 11).map((v, i) => 3 * v + 2 + (i % c));
  return { c, x, gamma: seededValues(c, 12).map((v) => 1 + v), beta: seededValues(c, 13), up: seededValues(x.length, 14) };
}

interface StepResult {
  y: Float32Array;
  grads: Float32Array[];
  moving: Float32Array[];
  kernels: string[];
}

/** One training call of a fresh layer on `backend`, with the gradients of sum(y * up). */
async function trainingCall(backend: string, { shape, options }: Case): Promise<StepResult> {
  await tf.setBackend(backend);
  const data = inputs(shape);
  const layer = tf.layers.batchNormalization({ axis: -1, ...options });
  layer.build(shape);
  const given = [...(options.scale === false ? [] : [data.gamma]), ...(options.center === false ? [] : [data.beta])];
  layer.setWeights([...given.map((v) => tf.tensor1d(v)), tf.zeros([data.c]), tf.ones([data.c])]);
  const x = tf.tensor(data.x, shape);
  const up = tf.tensor(data.up, shape);
  const trainable = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  let y: tf.Tensor | undefined;
  const loss = (xx: tf.Tensor) => {
    const out = layer.apply(xx, { training: true }) as tf.Tensor;
    y = tf.keep(out.clone());
    return tf.sum(tf.mul(out, up));
  };
  let grads: tf.Tensor[] = [];
  // One call: the gradients with respect to x and the layer's own variables, which it reads.
  const profile = await tf.profile(() => {
    grads = tf.grads((xx: tf.Tensor) => loss(xx))([x, ...trainable]);
  });
  const moving = [layer.getWeights().at(-2)!, layer.getWeights().at(-1)!].map((t) => t.dataSync() as Float32Array);
  const result = { y: y!.dataSync() as Float32Array, grads: grads.map((t) => t.dataSync() as Float32Array), moving, kernels: profile.kernelNames };
  tf.dispose([x, up, y!, ...grads]);
  return result;
}

/** The layer's training output and moving averages in float64, from the definition. */
function byDefinition({ shape, options }: Case): { y: Float32Array; moving: Float32Array[] } {
  const { c, x, gamma, beta } = inputs(shape);
  const rows = x.length / c;
  const momentum = options.momentum ?? 0.99;
  const epsilon = options.epsilon ?? 0.001;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let i = 0; i < x.length; i++) mean[i % c] = mean[i % c]! + x[i]! / rows;
  for (let i = 0; i < x.length; i++) variance[i % c] = variance[i % c]! + (x[i]! - mean[i % c]!) ** 2 / rows;
  const y = x.map((v, i) => {
    const j = i % c;
    const normed = (v - mean[j]!) / Math.sqrt(variance[j]! + epsilon);
    return normed * (options.scale === false ? 1 : gamma[j]!) + (options.center === false ? 0 : beta[j]!);
  });
  const average = (old: number, value: number) => old - (old - value) * (1 - momentum);
  return { y, moving: [Float32Array.from(mean, (m) => average(0, m)), Float32Array.from(variance, (v) => average(1, v))] };
}

test('setup: wasm and cpu with the fast kernels and gradients', async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
  installFastGradients('cpu');
  assert.ok(tf.getKernel(BN_TRAINING, 'wasm') != null && tf.getKernel(BN_TRAINING_GRAD, 'wasm') != null);
});

for (const c of cases) {
  test(`batch norm in training, ${c.name}: two kernels on wasm, the definition's outputs and cpu's gradients`, async () => {
    const wasm = await trainingCall('wasm', c);
    assert.ok(wasm.kernels.includes(BN_TRAINING) && wasm.kernels.includes(BN_TRAINING_GRAD), `kernels: ${wasm.kernels.join(' ')}`);
    for (const chain of ['Square', 'FusedBatchNorm', 'Mean']) assert.ok(!wasm.kernels.includes(chain), `${chain} ran: ${wasm.kernels.join(' ')}`);
    const expected = byDefinition(c);
    assertClose(wasm.y, expected.y, `${c.name}: y`);
    assertClose(wasm.moving[0]!, expected.moving[0]!, `${c.name}: moving mean`);
    assertClose(wasm.moving[1]!, expected.moving[1]!, `${c.name}: moving variance`);
    const cpu = await trainingCall('cpu', c);
    assert.ok(!cpu.kernels.includes(BN_TRAINING), 'cpu keeps the stock chain');
    assertClose(cpu.y, expected.y, `${c.name}: y on cpu`);
    assert.equal(wasm.grads.length, cpu.grads.length);
    const names = ['dx', ...(c.options.scale === false ? [] : ['dgamma']), ...(c.options.center === false ? [] : ['dbeta'])];
    wasm.grads.forEach((g, i) => assertClose(g, cpu.grads[i]!, `${c.name}: ${names[i]} against cpu`));
  });
}

test('the stock chain still runs where the kernels do not apply: 6 channels, inference, the switch off', async () => {
  const six: Case = { name: '6 channels', shape: [2, 3, 6], options: {} };
  const wasm = await trainingCall('wasm', six);
  assert.ok(!wasm.kernels.includes(BN_TRAINING));
  const cpu = await trainingCall('cpu', six);
  wasm.grads.forEach((g, i) => assertClose(g, cpu.grads[i]!, `6 channels: gradient ${i}`));
  assertClose(wasm.y, byDefinition(six).y, '6 channels: y');
  fusedBatchNormTraining.enabled = false;
  try {
    const off = await trainingCall('wasm', cases[0]!);
    assert.ok(!off.kernels.includes(BN_TRAINING) && off.kernels.includes('FusedBatchNorm'));
  } finally {
    fusedBatchNormTraining.enabled = true;
  }
  await tf.setBackend('wasm');
  const layer = tf.layers.batchNormalization({});
  const { kernelNames } = await tf.profile(() => layer.apply(tf.ones([2, 4]), { training: false }) as tf.Tensor);
  assert.ok(!kernelNames.includes(BN_TRAINING), 'inference uses the moving averages');
});

/** sum(y * u) + sum(mean * a) + sum(variance * b) from the kernel (wasm) or tf.moments and tf.batchNorm (cpu). */
function withStatistics(backend: 'wasm' | 'cpu', shape: number[]): Float32Array[] {
  const data = inputs(shape);
  const [a, b] = [tf.tensor1d(seededValues(data.c, 21)), tf.tensor1d(seededValues(data.c, 22))];
  const [x, gamma, beta, up] = [tf.tensor(data.x, shape), tf.tensor1d(data.gamma), tf.tensor1d(data.beta), tf.tensor(data.up, shape)];
  const f = (xx: tf.Tensor, g: tf.Tensor, o: tf.Tensor): tf.Scalar => {
    let y: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor;
    if (backend === 'wasm')
      [y, mean, variance] = tf.engine().runKernel(BN_TRAINING, { x: xx, scale: g, offset: o }, { varianceEpsilon: 0.001 }) as [tf.Tensor, tf.Tensor, tf.Tensor];
    else {
      ({ mean, variance } = tf.moments(
        xx,
        shape.slice(0, -1).map((_, i) => i),
      ));
      y = tf.batchNorm(xx, mean, variance, o, g, 0.001);
    }
    return tf.addN([tf.sum(tf.mul(y!, up)), tf.sum(tf.mul(mean!, a)), tf.sum(tf.mul(variance!, b))]) as tf.Scalar;
  };
  const grads = tf.grads(f as (...args: tf.Tensor[]) => tf.Tensor)([x, gamma, beta]);
  const out = grads.map((t) => t.dataSync() as Float32Array);
  tf.dispose([a, b, x, gamma, beta, up, ...grads]);
  return out;
}

test("the statistics' own gradients (dmean, dvariance) reach x as through tf.moments", async () => {
  for (const shape of [
    [3, 4, 5, 8],
    [7, 12],
  ]) {
    await tf.setBackend('wasm');
    const wasm = withStatistics('wasm', shape);
    await tf.setBackend('cpu');
    const cpu = withStatistics('cpu', shape);
    ['dx', 'dgamma', 'dbeta'].forEach((name, i) => assertClose(wasm[i]!, cpu[i]!, `${shape}: ${name}`));
  }
});

test('a gradient of a gradient through a batch_norm layer (a gradient penalty) matches cpu', async () => {
  const shape = [2, 3, 3, 8];
  const penalty = async (backend: string): Promise<Float32Array> => {
    await tf.setBackend(backend);
    const data = inputs(shape);
    const layer = tf.layers.batchNormalization({});
    layer.build(shape);
    layer.setWeights([tf.tensor1d(data.gamma), tf.tensor1d(data.beta), tf.zeros([data.c]), tf.ones([data.c])]);
    const [x, up] = [tf.tensor(data.x, shape), tf.tensor(data.up, shape)];
    // d/dx of |d/dx sum(bn(x)^2 * up)|^2: the inner gradient is taken while the outer one records.
    const inner = (xx: tf.Tensor) => tf.sum(tf.mul(tf.square(layer.apply(xx, { training: true }) as tf.Tensor), up)) as tf.Scalar;
    const outer = tf.grad((xx: tf.Tensor) => tf.sum(tf.square(tf.grad(inner)(xx))) as tf.Scalar)(x);
    const out = outer.dataSync() as Float32Array;
    tf.dispose([x, up, outer]);
    return out;
  };
  const wasm = await penalty('wasm');
  assertClose(wasm, await penalty('cpu'), 'second-order gradient');
});

test('a layer built on cpu trains on wasm even when bringing its weights over grows the heap', async () => {
  await tf.setBackend('cpu');
  const shape = [64, 16];
  const layer = tf.layers.batchNormalization({});
  layer.build(shape); // gamma and beta live on cpu until the first wasm kernel reads them
  await tf.setBackend('wasm');
  const wasm = (tf.backend() as unknown as { wasm: { _malloc(n: number): number; _free(p: number): void; HEAPU8: Uint8Array } }).wasm;
  wasm._free(wasm._malloc(16)); // the first call replaces a lazy stub
  const malloc = wasm._malloc;
  let grown = 0;
  // Every copy onto the heap first asks for more than the heap has: the memory grows, which
  // detaches every view of it taken before.
  wasm._malloc = (n: number) => {
    if (new Error().stack!.includes('moveData')) {
      wasm._free(malloc(wasm.HEAPU8.byteLength));
      grown++;
    }
    return malloc(n);
  };
  try {
    const data = seededValues(64 * 16, 31).map((v) => v + 3);
    const y = tf.tidy(() => layer.apply(tf.tensor(data, shape), { training: true }) as tf.Tensor);
    assert.ok(grown > 0, 'the weights were copied over');
    // gamma 1 and beta 0: y is x normalized per channel, as the definition gives for these inputs.
    const normalized = data.map((v, i) => {
      const c = i % 16;
      let mean = 0;
      let variance = 0;
      for (let r = 0; r < 64; r++) mean += data[r * 16 + c]! / 64;
      for (let r = 0; r < 64; r++) variance += (data[r * 16 + c]! - mean) ** 2 / 64;
      return (v - mean) / Math.sqrt(variance + 0.001);
    });
    assertClose(y.dataSync() as Float32Array, normalized, 'y');
    y.dispose();
  } finally {
    wasm._malloc = malloc;
  }
});
