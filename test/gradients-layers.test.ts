/**
 * Every layer kind beyond conv2d/pooling/dense, built with the stock tf.layers factories as
 * netspec builds them, trains on the default backend: per kind, a tiny seeded model's loss
 * gradients on wasm equal the same model's on cpu, and a few Adam steps on wasm lower its loss.
 * The kernels underneath are proven against definitions in the other gradients-*.test.ts files;
 * this checks that each layer reaches them and that nothing on the way throws.
 *
 * Tolerance per weight tensor: |wasm - cpu| <= 1e-4 * max|cpu| + 1e-5 (assertClose). The two
 * backends sum in different orders; float32 rounding stays far below that, a wrong kernel not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { assertClose, seededValues } from './kernel-reference.js';
import { LAYER_CASES, type LayerCase } from './gradients-layer-cases.js';

const BATCH = 6;
const CLASSES = 3;

function batch(inputShape: number[]) {
  const x = tf.tensor(seededValues(BATCH * tf.util.sizeFromShape(inputShape), 7), [BATCH, ...inputShape]);
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: BATCH }, (_, i) => i % CLASSES),
      'int32',
    ),
    CLASSES,
  );
  return { x, y };
}

/** Loss and its gradient for every trainable weight, on the current backend. */
function lossGradients(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): { loss: number; grads: Float32Array[] } {
  return tf.tidy(() => {
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, variables);
    return { loss: value.dataSync()[0]!, grads: variables.map((v) => grads[v.name]!.dataSync() as Float32Array) };
  });
}

test('setup: netspec kernels on wasm and cpu', async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
  installFastGradients('cpu');
});

for (const c of LAYER_CASES) {
  test(`${c.name}: gradients on wasm equal cpu's, and a few steps on wasm lower the loss`, async () => {
    await checkLayer(c);
  });
}

async function checkLayer(c: LayerCase): Promise<void> {
  assert.ok(await tf.setBackend('wasm'));
  const model = c.build();
  const { x, y } = batch(c.inputShape);
  const onWasm = lossGradients(model, x, y);
  assert.ok(await tf.setBackend('cpu'));
  const onCpu = lossGradients(model, x, y);
  assert.ok(Math.abs(onWasm.loss - onCpu.loss) <= 1e-5 * Math.abs(onCpu.loss), `${c.name}: loss ${onWasm.loss} vs ${onCpu.loss}`);
  assert.equal(onWasm.grads.length, model.trainableWeights.length);
  onCpu.grads.forEach((ref, i) => {
    const name = model.trainableWeights[i]!.name;
    assert.ok(
      ref.some((v) => v !== 0),
      `${c.name}: ${name} has a non-zero gradient`,
    );
    assertClose(onWasm.grads[i]!, ref, `${c.name}: ${name}`);
  });

  assert.ok(await tf.setBackend('wasm'));
  const optimizer = tf.train.adam(0.01);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const losses: number[] = [];
  for (let step = 0; step < 8; step++) {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true, variables)!;
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
  }
  assert.ok(losses.every(Number.isFinite), `${c.name}: losses ${losses}`);
  assert.ok(losses.at(-1)! < losses[0]! * 0.9, `${c.name}: loss ${losses[0]} -> ${losses.at(-1)}`);
  optimizer.dispose();
  tf.dispose([x, y]);
  model.dispose();
}
