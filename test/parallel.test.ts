// Data-parallel training steps (src/train/parallel): N worker threads each compute the
// gradient of their shard, the main thread averages and applies one update. The update must
// match a single-process step on the same batch, and the workers must not keep the process alive.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend/select.js';
import { lossFunction, accuracy } from '../src/train/losses.js';
import { createParallelStepper, shardSizes, type ParallelStepper } from '../src/train/parallel/pool.js';

const INPUT = [10, 10, 1];
const BATCH = 12;

/** A small conv net with every layer kind of the MNIST CNN; seeded, so two builds are identical. */
function smallConvNet(): tf.Sequential {
  const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: INPUT, filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: seeded(1) }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', kernelInitializer: seeded(2) }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: seeded(3) }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: seeded(4) }));
  return model;
}

function batch(): { x: Float32Array; y: Int32Array } {
  const size = INPUT.reduce((a, b) => a * b, 1);
  const x = new Float32Array(BATCH * size).map((_, i) => Math.sin(i * 0.37) * 0.5 + 0.5);
  const y = new Int32Array(BATCH).map((_, i) => (i * 7) % 3);
  return { x, y };
}

/** The single-process reference: what trainModel does for one batch. */
function referenceStep(model: tf.LayersModel, optimizer: tf.Optimizer, x: Float32Array, y: Int32Array): number {
  const loss = lossFunction('sparse_categorical_crossentropy');
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return tf.tidy(() => {
    const xs = tf.tensor(x, [y.length, ...INPUT]);
    const ys = tf.tensor1d(y, 'int32');
    const value = optimizer.minimize(() => loss(ys, model.apply(xs, { training: true }) as tf.Tensor2D), true, variables)!;
    return value.dataSync()[0]!;
  });
}

let stepper: ParallelStepper | undefined;
before(async () => {
  await selectBackend('wasm', { threads: 1 });
});
after(async () => {
  await stepper?.close();
});

test('shard sizes are near-equal, sum to the batch and skip empty shards', () => {
  assert.deepEqual(shardSizes(64, 2), [32, 32]);
  assert.deepEqual(shardSizes(9, 2), [5, 4]);
  assert.deepEqual(shardSizes(10, 3), [4, 3, 3]);
  assert.deepEqual(shardSizes(1, 2), [1]);
});

// Adam's first update is nearly g / |g|, blind to a wrong scale of the averaged gradient;
// SGD is not, and 3 workers on 11 samples give unequal shards (4, 4, 3) to weight.
const EQUALITY_CASES = [
  { name: 'adam, 2 workers', workers: 2, samples: 12, optimizer: () => tf.train.adam(1e-3) },
  { name: 'sgd, 3 workers, unequal shards', workers: 3, samples: 11, optimizer: () => tf.train.sgd(0.5) },
];

for (const c of EQUALITY_CASES) {
  test(`one data-parallel step gives the same weights as one single-process step (${c.name})`, async () => {
    const full = batch();
    const pixels = INPUT.reduce((a, b) => a * b, 1);
    const x = full.x.slice(0, c.samples * pixels);
    const y = full.y.slice(0, c.samples);
    const reference = smallConvNet();
    const parallel = smallConvNet();
    const initial = reference.getWeights().map((w) => w.dataSync().slice());
    const refAccuracy = tf.tidy(() => accuracy(tf.tensor1d(y, 'int32'), reference.predict(tf.tensor(x, [c.samples, ...INPUT])) as tf.Tensor2D).dataSync()[0]!);
    const refOptimizer = c.optimizer();
    stepper = await createParallelStepper(parallel, c.optimizer(), { workers: c.workers, loss: 'sparse_categorical_crossentropy' });
    assert.equal(stepper.backends.length, c.workers);
    assert.match(stepper.backends[0]!, /1 thread/);

    const refLoss = referenceStep(reference, refOptimizer, x, y);
    const result = await stepper.step(x, y);
    await stepper.close();
    stepper = undefined;
    assert.ok(Math.abs(result.loss - refLoss) <= 1e-5 * Math.abs(refLoss), `loss ${result.loss} vs ${refLoss}`);
    assert.ok(Math.abs(result.accuracy - refAccuracy) <= 1e-6, `accuracy ${result.accuracy} vs ${refAccuracy}`);

    const refWeights = reference.getWeights().map((w) => w.dataSync());
    const parWeights = parallel.getWeights().map((w) => w.dataSync());
    let moved = 0;
    refWeights.forEach((ref, i) => {
      const par = parWeights[i]!;
      for (let k = 0; k < ref.length; k++) {
        const tolerance = 1e-5 * Math.abs(ref[k]!) + 1e-7;
        assert.ok(Math.abs(ref[k]! - par[k]!) <= tolerance, `weight ${i}[${k}]: ${par[k]} vs ${ref[k]}`);
        if (ref[k] !== initial[i]![k]) moved++;
      }
    });
    assert.ok(moved > 0, 'the step changed no weight');
    refOptimizer.dispose();
  });
}

test('a few data-parallel steps reduce the loss, then the workers shut down', async () => {
  const { x, y } = batch();
  const model = smallConvNet();
  const optimizer = tf.train.adam(1e-2);
  const local = await createParallelStepper(model, optimizer, { workers: 2, loss: 'sparse_categorical_crossentropy' });
  const losses: number[] = [];
  try {
    for (let i = 0; i < 6; i++) losses.push((await local.step(x, y)).loss);
  } finally {
    await local.close();
  }
  assert.ok(losses.at(-1)! < losses[0]!, `loss went ${losses.join(' -> ')}`);
  await assert.rejects(local.step(x, y), /exited|crashed/);
});
