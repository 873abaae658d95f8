// Data-parallel training (src/train/parallel): N replicas in worker threads each compute the
// gradient of their shard, sum the gradients in shared memory and apply the same update. The
// update must match a single-process step on the same batch, the replicas must stay identical
// bit for bit, a pushed optimizer state must carry on as it would have in-process, and the
// replicas must not keep the process alive.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend/select.js';
import { lossFunction, accuracy } from '../src/train/losses.js';
import { createOptimizer } from '../src/train/optimizers.js';
import { createReplicaPool, shardSizes, type ReplicaPool } from '../src/train/parallel/pool.js';
import { trainModel } from '../src/train/trainer.js';
import type { Dataset } from '../src/data/datasets.js';
import type { OptimizerConfig, TrainingConfig } from '../src/types.js';

const INPUT = [10, 10, 1];
const BATCH = 12;
const LOSS = 'sparse_categorical_crossentropy';

/** A small conv net with every layer kind of the MNIST CNN; seeded, so two builds are identical. */
function smallConvNet(): tf.Sequential {
  const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: INPUT, filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: seeded(1) }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: seeded(2) }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: seeded(3) }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: seeded(4) }));
  return model;
}

function batch(samples = BATCH, seed = 0): { x: Float32Array; y: Int32Array } {
  const size = INPUT.reduce((a, b) => a * b, 1);
  const x = new Float32Array(samples * size).map((_, i) => Math.sin((i + seed * 101) * 0.37) * 0.5 + 0.5);
  const y = new Int32Array(samples).map((_, i) => (i * 7 + seed) % 3);
  return { x, y };
}

/** The single-process reference: what trainModel does for one batch. */
function referenceStep(model: tf.LayersModel, optimizer: tf.Optimizer, x: Float32Array, y: Int32Array): number {
  const loss = lossFunction(LOSS);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return tf.tidy(() => {
    const xs = tf.tensor(x, [y.length, ...INPUT]);
    const ys = tf.tensor1d(y, 'int32');
    const value = optimizer.minimize(() => loss(ys, model.apply(xs, { training: true }) as tf.Tensor2D), true, variables)!;
    return value.dataSync()[0]!;
  });
}

/** Every weight within float rounding of the reference's; at least one moved from `initial`. */
function assertSameWeights(actual: tf.LayersModel, reference: tf.LayersModel, initial?: Float32Array[]): void {
  const refWeights = reference.getWeights().map((w) => w.dataSync());
  const parWeights = actual.getWeights().map((w) => w.dataSync());
  let moved = 0;
  refWeights.forEach((ref, i) => {
    const par = parWeights[i]!;
    for (let k = 0; k < ref.length; k++) {
      const tolerance = 1e-5 * Math.abs(ref[k]!) + 1e-7;
      assert.ok(Math.abs(ref[k]! - par[k]!) <= tolerance, `weight ${i}[${k}]: ${par[k]} vs ${ref[k]}`);
      if (initial && ref[k] !== initial[i]![k]) moved++;
    }
  });
  if (initial) assert.ok(moved > 0, 'the step changed no weight');
}

const ADAM: OptimizerConfig = { name: 'adam', learningRate: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

let pool: ReplicaPool | undefined;
before(async () => {
  await selectBackend('wasm', { threads: 1 });
});
after(async () => {
  await pool?.close();
});

test('shard sizes are near-equal, one per replica, and sum to the batch', () => {
  assert.deepEqual(shardSizes(64, 2), [32, 32]);
  assert.deepEqual(shardSizes(9, 2), [5, 4]);
  assert.deepEqual(shardSizes(10, 3), [4, 3, 3]);
  assert.deepEqual(shardSizes(1, 2), [1, 0]);
});

// Adam's first update is nearly g / |g|, blind to a wrong scale of the summed gradient;
// SGD is not, and 3 replicas on 11 samples give unequal shards (4, 4, 3) to weight.
const EQUALITY_CASES: { name: string; workers: number; samples: number; optimizer: OptimizerConfig }[] = [
  { name: 'adam, 2 replicas', workers: 2, samples: 12, optimizer: { ...ADAM, learningRate: 1e-3 } },
  { name: 'sgd, 3 replicas, unequal shards', workers: 3, samples: 11, optimizer: { name: 'sgd', learningRate: 0.5, momentum: 0, nesterov: false } },
];

for (const c of EQUALITY_CASES) {
  test(`one data-parallel step gives the same weights as one single-process step (${c.name})`, async () => {
    const { x, y } = batch(c.samples);
    const reference = smallConvNet();
    const parallel = smallConvNet();
    const initial = reference.getWeights().map((w) => w.dataSync().slice() as Float32Array);
    const refAccuracy = tf.tidy(() => accuracy(tf.tensor1d(y, 'int32'), reference.predict(tf.tensor(x, [c.samples, ...INPUT])) as tf.Tensor2D).dataSync()[0]!);
    const refOptimizer = createOptimizer(c.optimizer);
    const parOptimizer = createOptimizer(c.optimizer);
    pool = await createReplicaPool(parallel, { workers: c.workers, loss: LOSS });
    assert.equal(pool.backends.length, c.workers);
    assert.match(pool.backends[0]!, /1 thread/);

    const refLoss = referenceStep(reference, refOptimizer, x, y);
    await pool.push(parallel, parOptimizer, c.optimizer);
    const started = performance.now();
    const result = await pool.step(x, y);
    const wall = performance.now() - started;
    // The step's timings: the longest replica's whole share holds each longest part, and fits in the step.
    assert.ok(result.replicaMs >= Math.max(result.workerMs, result.exchangeMs, result.updateMs), JSON.stringify(result));
    assert.ok(result.replicaMs <= result.workerMs + result.exchangeMs + result.updateMs, JSON.stringify(result));
    assert.ok(result.replicaMs <= wall, `${result.replicaMs} ms of replica time in a ${wall} ms step`);
    // The main thread's model is untouched until it pulls the replicas' state.
    assert.deepEqual(
      parallel.getWeights().map((w) => Array.from(w.dataSync())),
      initial.map((w) => Array.from(w)),
    );
    await pool.pull(parallel, parOptimizer);
    await pool.close();
    pool = undefined;
    assert.ok(Math.abs(result.loss - refLoss) <= 1e-5 * Math.abs(refLoss), `loss ${result.loss} vs ${refLoss}`);
    assert.ok(Math.abs(result.accuracy - refAccuracy) <= 1e-6, `accuracy ${result.accuracy} vs ${refAccuracy}`);
    assertSameWeights(parallel, reference, initial);
    refOptimizer.dispose();
    parOptimizer.dispose();
  });
}

test('replicas stay bit-identical over several steps, a short last batch with an empty shard included', async () => {
  const model = smallConvNet();
  const optimizer = createOptimizer(ADAM);
  pool = await createReplicaPool(model, { workers: 2, loss: LOSS });
  await pool.push(model, optimizer, ADAM);
  for (let i = 0; i < 3; i++) {
    const { x, y } = batch(BATCH, i);
    await pool.step(x, y);
  }
  const { x, y } = batch(1, 3); // shards [1, 0]: replica 1 has no samples but must apply the same update
  const last = await pool.step(x, y);
  assert.ok(Number.isFinite(last.loss), `loss of the 1-sample batch: ${last.loss}`);
  const [a, b] = await Promise.all([pool.read(0), pool.read(1)]);
  await pool.close();
  pool = undefined;
  const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  assert.ok(bytes(a.weights).equals(bytes(b.weights)), 'replica weights differ');
  assert.deepEqual(a.optimizerState.names, b.optimizerState.names);
  assert.ok(bytes(a.optimizerState.data).equals(bytes(b.optimizerState.data)), 'replica optimizer states differ');
  assert.equal(a.optimizerState.data[0], 4, 'iteration count after 4 steps');
  optimizer.dispose();
});

test('a pushed optimizer state carries on: 2 steps here, then 1 on the replicas, equal 3 steps here', async () => {
  const reference = smallConvNet();
  const resumed = smallConvNet();
  const refOptimizer = createOptimizer(ADAM);
  const resOptimizer = createOptimizer(ADAM);
  for (let i = 0; i < 2; i++) {
    const { x, y } = batch(BATCH, i);
    referenceStep(reference, refOptimizer, x, y);
    referenceStep(resumed, resOptimizer, x, y);
  }
  const { x, y } = batch(BATCH, 2);
  referenceStep(reference, refOptimizer, x, y);
  pool = await createReplicaPool(resumed, { workers: 2, loss: LOSS });
  await pool.push(resumed, resOptimizer, ADAM);
  await pool.step(x, y);
  await pool.pull(resumed, resOptimizer);
  await pool.close();
  pool = undefined;
  // Adam's third step depends on both moments and on t = 3: a lost state shows here.
  assertSameWeights(resumed, reference);
  const refState = (await refOptimizer.getWeights()).map((w) => w.tensor.dataSync());
  const resState = (await resOptimizer.getWeights()).map((w) => w.tensor.dataSync());
  assert.equal(resState[0]![0], 3, 'iteration count');
  refState.forEach((ref, i) => {
    for (let k = 0; k < ref.length; k++) {
      assert.ok(Math.abs(ref[k]! - resState[i]![k]!) <= 1e-5 * Math.abs(ref[k]!) + 1e-9, `optimizer slot ${i}[${k}]: ${resState[i]![k]} vs ${ref[k]}`);
    }
  });
  refOptimizer.dispose();
  resOptimizer.dispose();
});

test('trainModel with 2 replicas matches in-process training, the epoch-end model included', async () => {
  const samples = 96;
  const size = INPUT.reduce((a, b) => a * b, 1);
  const { x, y } = batch(samples, 5);
  const images = new Float32Array(samples * size);
  images.set(x);
  const split = { images, labels: Uint8Array.from(y), count: samples };
  const data = {
    train: split,
    test: split,
    imageShape: INPUT as [number, number, number],
    numClasses: 3,
    classNames: ['0', '1', '2'],
    exactClassCount: false,
    sampleShape: INPUT,
    source: 'test batch',
  } as unknown as Dataset;
  const cfg: TrainingConfig = {
    dataset: { kind: 'mnist' },
    optimizer: ADAM,
    loss: LOSS,
    metrics: ['accuracy'],
    batchSize: 20,
    epochs: 2,
    validationSplit: 0.25,
    seed: 3,
  };
  const local = smallConvNet();
  const parallel = smallConvNet();
  const a = await trainModel(local, data, cfg);
  const b = await trainModel(parallel, data, cfg, { workers: 2 });
  assert.equal(b.history.length, 2);
  b.history.forEach((m, i) => {
    const r = a.history[i]!;
    for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const) {
      assert.ok(Math.abs(m[key]! - r[key]!) <= 1e-4 * Math.abs(r[key]!) + 1e-6, `epoch ${i + 1} ${key}: ${m[key]} vs ${r[key]}`);
    }
  });
  // Validation ran on the main thread's model: it must have been pulled from the replicas.
  assertSameWeights(parallel, local);
});

test('a few data-parallel steps reduce the loss, then the replicas shut down', async () => {
  const { x, y } = batch();
  const model = smallConvNet();
  const local = await createReplicaPool(model, { workers: 2, loss: LOSS });
  await local.push(model, createOptimizer(ADAM), ADAM);
  const losses: number[] = [];
  try {
    for (let i = 0; i < 6; i++) losses.push((await local.step(x, y)).loss);
  } finally {
    await local.close();
  }
  assert.ok(losses.at(-1)! < losses[0]!, `loss went ${losses.join(' -> ')}`);
  await assert.rejects(local.step(x, y), /exited|crashed/);
});
