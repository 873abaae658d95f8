/**
 * Data-parallel replicas (src/train/parallel: each a worker thread with its own 1-thread wasm
 * backend) train the layer kinds beyond conv2d/pooling/dense: every replica starts its backend
 * through selectBackend, which installs the same kernels and gradients as the main thread.
 * One graph model holds every kind (dilated, depthwise, separable and transposed convolutions,
 * both upsamplings, padding, cropping and every stock merge); one step on 2 replicas must give
 * the weights of one step in this process, within 1e-5 relative (float rounding of the
 * gradient sum split over two shards).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend/select.js';
import { lossFunction } from '../src/train/losses.js';
import { createOptimizer } from '../src/train/optimizers.js';
import { createReplicaPool, type ReplicaPool } from '../src/train/parallel/pool.js';
import type { OptimizerConfig } from '../src/types.js';

const INPUT = [9, 10, 3];
const SAMPLES = 10;
const LOSS = 'sparse_categorical_crossentropy';
const SGD: OptimizerConfig = { name: 'sgd', learningRate: 0.1, momentum: 0, nesterov: false };

/** Every new layer kind in one seeded graph; two builds are identical. */
function everyKind(): tf.LayersModel {
  let seed = 0;
  const init = () => tf.initializers.glorotUniform({ seed: ++seed });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: INPUT });
  const h = apply(tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'relu', kernelInitializer: init() }), input);
  const a = apply(
    tf.layers.separableConv2d({ filters: 5, kernelSize: 3, dilationRate: 2, padding: 'same', depthwiseInitializer: init(), pointwiseInitializer: init() }),
    h,
  );
  const b = apply(tf.layers.conv2d({ filters: 5, kernelSize: 3, dilationRate: 2, padding: 'same', kernelInitializer: init() }), h);
  const dw = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', depthwiseInitializer: init() }), h);
  const c = apply(tf.layers.conv2d({ filters: 5, kernelSize: 1, kernelInitializer: init() }), dw);
  const merged = apply(tf.layers.concatenate({}), [
    apply(tf.layers.maximum({}), [apply(tf.layers.add({}), [a, b]), c]),
    apply(tf.layers.minimum({}), [a, c]),
    apply(tf.layers.average({}), [apply(tf.layers.multiply({}), [b, c]), a]),
  ]); // [9, 10, 15]
  const up = apply(tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }), merged);
  const deconv = apply(tf.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init() }), merged);
  const near = apply(tf.layers.upSampling2d({ size: [2, 2] }), c);
  const joined = apply(tf.layers.concatenate({}), [up, deconv, near]); // [18, 20, 23]
  const framed = apply(
    tf.layers.cropping2D({
      cropping: [
        [3, 1],
        [2, 4],
      ],
    }),
    apply(
      tf.layers.zeroPadding2d({
        padding: [
          [1, 2],
          [0, 3],
        ],
      }),
      joined,
    ),
  );
  const pooled = apply(tf.layers.maxPooling2d({ poolSize: 4 }), framed);
  const flat = apply(tf.layers.flatten(), pooled);
  const out = apply(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init() }), flat);
  return tf.model({ inputs: input, outputs: out });
}

function batch(): { x: Float32Array; y: Int32Array } {
  const size = INPUT.reduce((p, q) => p * q, 1);
  const x = new Float32Array(SAMPLES * size).map((_, i) => Math.sin(i * 0.37) * 0.5 + 0.5);
  const y = new Int32Array(SAMPLES).map((_, i) => (i * 7) % 3);
  return { x, y };
}

let pool: ReplicaPool | undefined;
before(async () => {
  await selectBackend('wasm', { threads: 1 });
});
after(async () => {
  await pool?.close();
});

test('2 replicas train every new layer kind: one step equals one step in this process', async () => {
  const { x, y } = batch();
  const reference = everyKind();
  const parallel = everyKind();
  const initial = reference.getWeights().map((w) => w.dataSync().slice());
  const refOptimizer = createOptimizer(SGD);
  const parOptimizer = createOptimizer(SGD);

  const loss = lossFunction(LOSS);
  const variables = reference.trainableWeights.map((w) => w.read() as tf.Variable);
  const refLoss = tf.tidy(() => {
    const xs = tf.tensor(x, [SAMPLES, ...INPUT]);
    const ys = tf.tensor1d(y, 'int32');
    return refOptimizer.minimize(() => loss(ys, reference.apply(xs, { training: true }) as tf.Tensor2D), true, variables)!.dataSync()[0]!;
  });

  pool = await createReplicaPool(parallel, { workers: 2, loss: LOSS });
  await pool.push(parallel, parOptimizer, SGD);
  const result = await pool.step(x, y);
  await pool.pull(parallel, parOptimizer);
  await pool.close();
  pool = undefined;

  assert.ok(Math.abs(result.loss - refLoss) <= 1e-5 * Math.abs(refLoss), `loss ${result.loss} vs ${refLoss}`);
  const got = parallel.getWeights().map((w) => w.dataSync());
  reference.getWeights().forEach((w, i) => {
    const want = w.dataSync();
    const name = reference.weights[i]!.name;
    assert.ok(
      want.some((v, k) => v !== initial[i]![k]),
      `${name} moved`,
    );
    for (let k = 0; k < want.length; k++) {
      assert.ok(Math.abs(got[i]![k]! - want[k]!) <= 1e-5 * Math.abs(want[k]!) + 1e-7, `${name}[${k}]: ${got[i]![k]} vs ${want[k]}`);
    }
  });
  refOptimizer.dispose();
  parOptimizer.dispose();
});
