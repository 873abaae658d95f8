// Data-parallel replicas with batch norm and dropout (src/train/parallel): each replica does
// what one process of PyTorch's DistributedDataParallel does by default, so the reference is
// one process computing each shard's gradient alone, batch norm normalizing that shard by its
// own statistics and dropout drawing from that replica's seeded stream (randomness.ts), then
// applying the shards' share-weighted sum with the same optimizer. After several steps every
// weight must match within float rounding, replica 0's moving statistics must be the ones its
// own shards give, the other replica's must differ (per-replica statistics), and the same seed
// must give the same run while another seed gives other masks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend/select.js';
import { lossFunction } from '../src/train/losses.js';
import { createOptimizer } from '../src/train/optimizers.js';
import { mulberry32 } from '../src/train/rng.js';
import { createReplicaPool, shardSizes, type ReplicaPool } from '../src/train/parallel/pool.js';
import { replicaSeed } from '../src/train/parallel/randomness.js';
import { unflatten } from '../src/train/parallel/flat.js';
import type { OptimizerConfig } from '../src/types.js';

const INPUT = [10, 10, 1];
const BATCH = 12;
const STEPS = 3;
const SEED = 7;
const LOSS = 'sparse_categorical_crossentropy';
const ADAM: OptimizerConfig = { name: 'adam', learningRate: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/** Conv, batch norm, pooling, dense, dropout: seeded, so two builds are identical. */
function stochasticNet(): tf.Sequential {
  const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: INPUT, filters: 4, kernelSize: 3, kernelInitializer: seeded(1) }));
  model.add(tf.layers.batchNormalization({ momentum: 0.9 }));
  model.add(tf.layers.activation({ activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 12, activation: 'relu', kernelInitializer: seeded(2) }));
  model.add(tf.layers.dropout({ rate: 0.4 }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: seeded(3) }));
  return model;
}

function batch(step: number): { x: Float32Array; y: Int32Array } {
  const size = INPUT.reduce((a, b) => a * b, 1);
  const x = new Float32Array(BATCH * size).map((_, i) => Math.sin((i + step * 131) * 0.37) * 0.5 + 0.5);
  const y = new Int32Array(BATCH).map((_, i) => (i * 7 + step) % 3);
  return { x, y };
}

/**
 * The one-process reference for `STEPS` steps on 2 shards: each shard's gradient alone, with
 * that replica's random stream as Math.random; batch norm's moving statistics kept from shard
 * 0 only (replica 0's); the share-weighted sum applied once per step.
 */
function reference(model: tf.LayersModel): number[] {
  const loss = lossFunction(LOSS);
  const optimizer = createOptimizer(ADAM);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const streams = [0, 1].map((i) => mulberry32(replicaSeed(SEED, i)));
  const sizes = shardSizes(BATCH, 2);
  const losses: number[] = [];
  const systemRandom = Math.random;
  try {
    for (let step = 0; step < STEPS; step++) {
      const { x, y } = batch(step);
      const scaled: tf.Tensor[][] = [];
      let stepLoss = 0;
      let offset = 0;
      sizes.forEach((n, i) => {
        const pixels = INPUT.reduce((a, b) => a * b, 1);
        Math.random = streams[i]!;
        const kept = i === 0 ? null : model.nonTrainableWeights.map((w) => w.read().clone());
        const { value, grads } = tf.tidy(() => {
          const xs = tf.tensor(x.subarray(offset * pixels, (offset + n) * pixels), [n, ...INPUT]);
          const ys = tf.tensor1d(y.subarray(offset, offset + n), 'int32');
          return tf.variableGrads(() => loss(ys, model.apply(xs, { training: true }) as tf.Tensor2D), variables);
        });
        if (kept)
          model.nonTrainableWeights.forEach((w, k) => {
            w.write(kept[k]!);
          });
        stepLoss += (n / BATCH) * value.dataSync()[0]!;
        scaled.push(variables.map((v) => tf.mul(grads[v.name]!, n / BATCH)));
        tf.dispose([value, ...Object.values(grads), ...(kept ?? [])]);
        offset += n;
      });
      const summed = variables.map((_, k) => tf.add(scaled[0]![k]!, scaled[1]![k]!));
      optimizer.applyGradients(Object.fromEntries(variables.map((v, k) => [v.name, summed[k]!])));
      tf.dispose([...scaled.flat(), ...summed]);
      losses.push(stepLoss);
    }
  } finally {
    Math.random = systemRandom;
    optimizer.dispose();
  }
  return losses;
}

async function parallelRun(seed: number): Promise<{ pool: ReplicaPool; losses: number[]; mirror: tf.LayersModel }> {
  const mirror = stochasticNet();
  const optimizer = createOptimizer(ADAM);
  const pool = await createReplicaPool(mirror, { workers: 2, loss: LOSS, seed });
  await pool.push(mirror, optimizer, ADAM);
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const { x, y } = batch(step);
    losses.push((await pool.step(x, y)).loss);
  }
  await pool.pull(mirror, optimizer);
  optimizer.dispose();
  return { pool, losses, mirror };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  assert.equal(actual.length, expected.length, label);
  for (let k = 0; k < expected.length; k++) {
    const tolerance = 1e-5 * Math.abs(expected[k]!) + 1e-6;
    assert.ok(Math.abs(actual[k]! - expected[k]!) <= tolerance, `${label}[${k}]: ${actual[k]} vs ${expected[k]}`);
  }
}

const pools: ReplicaPool[] = [];
before(async () => {
  await selectBackend('wasm', { threads: 1 });
});
after(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

test('replicas with batch norm and dropout: each shard as one process would compute it alone, averaged', async () => {
  const ref = stochasticNet();
  const refLosses = reference(ref);
  const { pool, losses, mirror } = await parallelRun(SEED);
  pools.push(pool);
  assertClose(losses, refLosses, 'step losses');
  // Every weight, batch norm's moving statistics included (the mirror holds replica 0's).
  const names = mirror.weights.map((w) => w.originalName);
  mirror.getWeights().forEach((w, i) => assertClose(w.dataSync(), ref.getWeights()[i]!.dataSync(), names[i]!));
  assert.ok(
    names.some((n) => /moving_mean/.test(n)),
    'the model has moving statistics',
  );

  // Replica 1 applied the same updates but kept moving statistics of its own shards.
  const [zero, one] = await Promise.all([pool.read(0), pool.read(1)]);
  const shapes = mirror.getWeights().map((w) => w.shape);
  const w0 = unflatten(zero.weights, shapes);
  const w1 = unflatten(one.weights, shapes);
  mirror.weights.forEach((w, i) => {
    const same = w0[i]!.dataSync().every((v, k) => v === w1[i]!.dataSync()[k]);
    if (w.trainable) assert.ok(same, `${names[i]}: trainable weights stay identical across replicas`);
    else assert.ok(!same, `${names[i]}: each replica keeps its own moving statistics`);
  });
  tf.dispose([...w0, ...w1]);
  ref.dispose();
  mirror.dispose();
});

test('the seed makes a replica run reproducible, and another seed draws other dropout masks', async () => {
  const first = await parallelRun(SEED);
  const again = await parallelRun(SEED);
  const other = await parallelRun(SEED + 1);
  pools.push(first.pool, again.pool, other.pool);
  assert.deepEqual(again.losses, first.losses, 'same seed, same run, bit for bit');
  assert.deepEqual(
    again.mirror.getWeights().map((w) => Array.from(w.dataSync())),
    first.mirror.getWeights().map((w) => Array.from(w.dataSync())),
  );
  assert.ok(
    other.losses.some((l, i) => Math.abs(l - first.losses[i]!) > 1e-4),
    `another seed, other masks: ${other.losses} vs ${first.losses}`,
  );
  for (const run of [first, again, other]) run.mirror.dispose();
});
