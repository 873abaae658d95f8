/**
 * Convolutions kept fused during training (src/backend/gradients/fused-training.ts). On wasm a
 * training step must run one FusedConv2D per relu or linear convolution, with or without a
 * bias, instead of Conv2D, Add and Relu, and must not compute the input gradient of the model's
 * first layer (tfjs's own fused linear convolution does). Its gradients must match the unfused
 * path's, and those of tfjs's stock cpu backend (its own loops, none of ours), on odd shapes:
 * channel counts the tiles do not take, strides, `same` padding, a batch of one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { fusedTraining } from '../src/backend/gradients/fused-training.js';
import { assertClose, seededValues } from './kernel-reference.js';

interface Case {
  name: string;
  input: [number, number, number];
  batch: number;
  convs: { filters: number; kernel: number; strides?: number; padding?: 'same' | 'valid'; activation?: 'relu' | 'linear'; bias?: boolean }[];
}

const cases: Case[] = [
  {
    name: 'the tiles (8 and 16 filters), valid',
    input: [9, 7, 1],
    batch: 3,
    convs: [
      { filters: 8, kernel: 3 },
      { filters: 16, kernel: 3 },
    ],
  },
  {
    name: 'odd channels (stock kernel), same padding, stride 2',
    input: [8, 9, 3],
    batch: 2,
    convs: [
      { filters: 5, kernel: 3, strides: 2, padding: 'same' },
      { filters: 7, kernel: 2 },
    ],
  },
  {
    name: 'no activation first (tfjs keeps it fused itself), no bias',
    input: [7, 8, 2],
    batch: 2,
    convs: [
      { filters: 8, kernel: 3, activation: 'linear', padding: 'same' },
      { filters: 8, kernel: 3, bias: false },
      { filters: 6, kernel: 2, activation: 'linear', bias: false },
    ],
  },
  {
    name: 'a batch of one, 1x1 and 5x5 windows',
    input: [11, 6, 4],
    batch: 1,
    convs: [
      { filters: 12, kernel: 5, padding: 'same' },
      { filters: 8, kernel: 1 },
    ],
  },
];

/** relu convolutions, then a dense layer without activation: the loss below reaches every weight. */
function buildModel(c: Case): tf.LayersModel {
  const layers: tf.layers.Layer[] = c.convs.map((conv, i) =>
    tf.layers.conv2d({
      ...(i === 0 ? { inputShape: c.input } : {}),
      filters: conv.filters,
      kernelSize: conv.kernel,
      strides: conv.strides ?? 1,
      padding: conv.padding ?? 'valid',
      activation: conv.activation ?? 'relu',
      useBias: conv.bias ?? true,
    }),
  );
  const model = tf.sequential({ layers: [...layers, tf.layers.flatten(), tf.layers.dense({ units: 3 })] });
  // Weights of both signs, and biases away from zero, so that relu cuts some outputs and not others.
  model.setWeights(
    model.getWeights().map((w, i) =>
      tf.tensor(
        seededValues(w.size, 100 + i).map((v) => 0.6 * v + (w.rank === 1 ? 0.05 : 0)),
        w.shape,
      ),
    ),
  );
  return model;
}

interface Step {
  grads: Float32Array[];
  inputGrad: Float32Array;
  kernels: string[];
}

/** Gradients of a weighted sum of the outputs for every weight, and for the input; the kernels a weight step ran. */
async function step(model: tf.LayersModel, c: Case): Promise<Step> {
  const x = tf.tensor(seededValues(c.batch * c.input.reduce((a, b) => a * b, 1), 7), [c.batch, ...c.input]);
  const loss = (input: tf.Tensor) => tf.sum(tf.mul(model.apply(input, { training: true }) as tf.Tensor, tf.linspace(-1, 1, 3)));
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let grads: Float32Array[] = [];
  const profile = await tf.profile(() => {
    const { grads: g } = tf.variableGrads(() => loss(x) as tf.Scalar, variables);
    grads = variables.map((v) => g[v.name]!.dataSync() as Float32Array);
    tf.dispose(Object.values(g));
  });
  const inputGrad = tf.tidy(() => tf.grad(loss)(x).dataSync() as Float32Array);
  x.dispose();
  return { grads, inputGrad, kernels: profile.kernels.map((k) => k.name) };
}

const count = (names: string[], name: string) => names.filter((n) => n === name).length;

test('setup: wasm with the fast kernels and gradients', async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
});

for (const c of cases) {
  test(`fused training convolution: ${c.name}`, async () => {
    await tf.setBackend('wasm');
    const model = buildModel(c);
    fusedTraining.enabled = false;
    let unfused: Step;
    try {
      unfused = await step(model, c);
    } finally {
      fusedTraining.enabled = true;
    }
    const fused = await step(model, c);
    const weights = model.getWeights().map((w) => ({ values: w.dataSync().slice(), shape: w.shape }));
    model.dispose();

    const layers = c.convs.length;
    const relus = c.convs.filter((conv) => (conv.activation ?? 'relu') === 'relu').length;
    assert.equal(count(fused.kernels, 'FusedConv2D'), layers, 'one FusedConv2D per convolution');
    assert.equal(count(fused.kernels, 'Relu'), 0, 'relu applied inside the convolution');
    assert.equal(count(unfused.kernels, 'Relu'), relus, 'the switch turns the fused path off: one Relu per relu convolution');
    assert.equal(count(fused.kernels, 'Conv2DBackpropInput'), layers - 1, 'no input gradient for the first layer in a weight step');
    // tfjs's own fused linear convolution computes its input's gradient even where nothing needs it.
    const firstLinear = c.convs[0]!.activation === 'linear';
    assert.equal(count(unfused.kernels, 'Conv2DBackpropInput'), firstLinear ? layers : layers - 1, 'unfused: the input gradient of a linear first layer');

    await tf.setBackend('cpu');
    const reference = buildModel(c);
    reference.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
    const stock = await step(reference, c);
    reference.dispose();

    fused.grads.forEach((g, i) => {
      assertClose(g, unfused.grads[i]!, `${c.name}: weight ${i} against the unfused path`);
      assertClose(g, stock.grads[i]!, `${c.name}: weight ${i} against the cpu backend`);
    });
    assertClose(fused.inputGrad, stock.inputGrad, `${c.name}: input gradient against the cpu backend`);
    await tf.setBackend('wasm');
  });
}

test('what the stock op refuses is still refused while training: mismatched channels, a rounding mode with same padding', async () => {
  await tf.setBackend('wasm');
  const filter = tf.ones([3, 3, 4, 8]) as tf.Tensor4D;
  const bias = tf.zeros([8]) as tf.Tensor1D;
  for (const channels of [3, 6]) {
    const x = tf.ones([2, 7, 8, channels]) as tf.Tensor4D;
    const train = () =>
      tf.grad((f: tf.Tensor) => tf.sum(tf.fused.conv2d({ x, filter: f as tf.Tensor4D, bias, strides: 1, pad: 'valid', activation: 'relu' })))(filter);
    assert.throws(train, /depth of input \(\d\) must match input depth for filter 4/, `${channels} channels against 4`);
    x.dispose();
  }
  const x = tf.ones([2, 7, 8, 4]) as tf.Tensor4D;
  const rounded = () =>
    tf.grad((f: tf.Tensor) =>
      tf.sum(tf.fused.conv2d({ x, filter: f as tf.Tensor4D, bias, strides: 1, pad: 'same', dimRoundingMode: 'floor', activation: 'relu' })),
    )(filter);
  assert.throws(rounded, /pad must be an integer/);
  // The backend still works after the refusals.
  assert.equal(tf.sum(tf.ones([256, 256])).dataSync()[0], 65536);
  tf.dispose([x, filter, bias]);
});

test('other activations and inference keep the stock op', async () => {
  await tf.setBackend('wasm');
  const x = tf.randomNormal([2, 6, 6, 8], 0, 1, 'float32', 3);
  const run = async (layer: tf.layers.Layer, training: boolean) => {
    tf.dispose(layer.apply(x) as tf.Tensor); // builds its weights before the profiled call
    const kernels = await tf.profile(() => {
      if (training) tf.variableGrads(() => tf.sum(layer.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
      else layer.apply(x);
    });
    layer.dispose();
    return kernels.kernels.map((k) => k.name);
  };
  // elu is an activation tfjs-layers hands to fused.conv2d too.
  const elu = await run(tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'elu' }), true);
  assert.deepEqual([count(elu, 'FusedConv2D'), count(elu, 'Elu')], [0, 1], 'elu: stock Conv2D, Add, Elu');
  const inference = await run(tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu' }), false);
  assert.equal(count(inference, 'FusedConv2D'), 1, 'inference: tfjs fuses by itself');
  x.dispose();
});
