// Static costs against hand counts: multiply-adds from the convolution and dense formulas,
// memory from the rules in docs/costs.md applied by hand to each tensor, for the seed spec and
// every graph in test/fixtures/good/. PyTorch's own counts of the same models are compared in
// costs-torch.test.ts; the optimizer state here is counted on TensorFlow.js's optimizers, the
// ones netspec trains with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { optimizerSlots } from '../src/compile/costs.js';
import { compileSpecFile } from '../src/compile/index.js';
import { renderSummary } from '../src/emit/summary.js';
import { createOptimizer } from '../src/train/optimizers.js';
import type { InferredModel, OptimizerConfig } from '../src/types.js';
import { kerasBytes, megabytes, scaledCount } from '../src/units.js';
import { compileValid, compileValidText, ROOT } from './helpers.js';

const GOOD = join(ROOT, 'test', 'fixtures', 'good');
const byName = (model: InferredModel, name: string) => model.layers.find((l) => l.node.name === name)!;
const layerOf = (model: InferredModel, id: string) => model.layers.find((l) => l.node.id === id)!;

interface Hand {
  /** Multiply-adds per layer, by name: products summed into outputs, biases left out. */
  multAdds: Record<string, number>;
  /** Values backprop keeps per sample, each tensor once, the input left out. */
  kept: number;
  /** The most values alive at once while one sample is inferred, in the order the layers run, and the layer running then. */
  peak: number;
  peakDuring: string;
}

const HAND: Record<string, Hand> = {
  // conv: out_h*out_w*filters * kh*kw*in; dense: in*units.
  'mnist-cnn': {
    multAdds: {
      conv2d: 26 * 26 * 32 * 3 * 3 * 1,
      max_pooling2d: 0,
      conv2d_1: 11 * 11 * 64 * 3 * 3 * 32,
      max_pooling2d_1: 0,
      conv2d_2: 3 * 3 * 64 * 3 * 3 * 64,
      flatten: 0,
      dense: 576 * 64,
      dense_1: 64 * 10,
    },
    // Each relu output, each pool output (the pool keeps its input, the relu output, too),
    // the flattened 576 (the same tensor as conv2d_2's output), dense's relu and the softmax.
    kept: 26 * 26 * 32 + 13 * 13 * 32 + 11 * 11 * 64 + 5 * 5 * 64 + 3 * 3 * 64 + 64 + 10,
    // While the first pool runs: its input and its output.
    peak: 26 * 26 * 32 + 13 * 13 * 32,
    peakDuring: 'max_pooling2d',
  },
  'dilated-depthwise': {
    multAdds: {
      conv2d: 25 * 19 * 8 * 3 * 3 * 3, // dilation 2: 29 - 4 by 23 - 4
      depthwise_conv2d: 13 * 10 * 16 * 3 * 2, // stride 2, same: ceil(25/2) by ceil(19/2), 8*2 channels
      separable_conv2d: 13 * 10 * 32 * 3 * 3 + 13 * 10 * 32 * 12, // depthwise to 16*2 channels, then 1x1 to 12
      separable_conv2d_1: 6 * 4 * 12 * 3 * 3 + 6 * 4 * 12 * 10, // stride 2, valid: (13-3)/2+1 by (10-3)/2+1
      global_max_pooling2d: 0,
    },
    // conv relu output; depthwise relu output; separable: its depthwise result and the values
    // relu6 was given; the second separable's input (the first one's output) and its depthwise
    // result; the global max pool's input and output.
    kept: 25 * 19 * 8 + 13 * 10 * 16 + (13 * 10 * 32 + 13 * 10 * 12) + 13 * 10 * 12 + 6 * 4 * 12 + 6 * 4 * 10 + 10,
    // While the first separable runs: its input, its output and its depthwise result.
    peak: 13 * 10 * 16 + 13 * 10 * 12 + 13 * 10 * 32,
    peakDuring: 'separable_conv2d',
  },
  'inception-block': {
    multAdds: {
      stem: 26 * 26 * 16 * 3 * 3,
      branch1: 26 * 26 * 8 * 16,
      branch3_reduce: 26 * 26 * 8 * 16,
      branch3: 26 * 26 * 12 * 3 * 3 * 8,
      branch5_reduce: 26 * 26 * 4 * 16,
      branch5: 26 * 26 * 6 * 5 * 5 * 4,
      branch_pool_max: 0,
      branch_pool: 26 * 26 * 6 * 16,
      mixed: 0,
      max_pooling2d: 0,
      flatten: 0,
      dense: 13 * 13 * 32 * 10,
    },
    // Every relu output and both pools' outputs; the concatenation (kept by the pool after it).
    kept: 26 * 26 * (16 + 8 + 8 + 12 + 4 + 6 + 16 + 6) + 26 * 26 * 32 + 13 * 13 * 32 + 10,
    // While the concatenation runs: its four inputs and its output.
    peak: 26 * 26 * 32 * 2,
    peakDuring: 'mixed',
  },
  merges: {
    multAdds: { a: 16 * 8, b: 16 * 8, c: 16 * 8, d: 0, product: 0, mean: 0, high: 0, low: 0, sum: 0, difference: 0, joined: 0, result: 24 * 3 },
    // tanh and relu outputs a and b; c and d, which multiply and minimum read; product, which
    // maximum reads; joined, which the dense layer reads, and the softmax.
    kept: 8 + 8 + 8 + 8 + 8 + 24 + 3,
    // While mean runs: a, b, c, d and product (all read later), mean and its running sum a + b.
    peak: 8 * 7,
    peakDuring: 'mean',
  },
  'residual-block': {
    multAdds: {
      stem: 28 * 28 * 16 * 3 * 3,
      conv1: 28 * 28 * 16 * 3 * 3 * 16,
      conv2: 28 * 28 * 16 * 3 * 3 * 16,
      block: 0,
      activation: 0,
      global_average_pooling2d: 0,
      dense: 16 * 10,
    },
    // stem and conv1 relu outputs, the block's relu output, the dense layer's input and softmax.
    kept: 3 * 28 * 28 * 16 + 16 + 10,
    // While conv2 runs: stem (the shortcut), conv1 and conv2.
    peak: 3 * 28 * 28 * 16,
    peakDuring: 'conv2',
  },
  'squeeze-excite': {
    multAdds: {
      features: 26 * 26 * 16 * 3 * 3,
      squeeze: 0,
      dense: 16 * 4,
      dense_1: 4 * 16,
      channel_weights: 0,
      excite: 0,
      flatten: 0,
      dense_2: 26 * 26 * 16 * 10,
    },
    // features; the squeeze (dense's input); dense's relu; the sigmoid (which multiply also
    // reads, through the reshape); multiply's output, which the last dense layer reads; softmax.
    kept: 26 * 26 * 16 + 16 + 4 + 16 + 26 * 26 * 16 + 10,
    // While excite runs: features, the channel weights and its output.
    peak: 26 * 26 * 16 + 16 + 26 * 26 * 16,
    peakDuring: 'excite',
  },
  'unet-mini': {
    multAdds: {
      pad: 0,
      enc1: 32 * 32 * 8 * 3 * 3 * 1,
      down1: 0,
      enc2: 16 * 16 * 16 * 3 * 3 * 8,
      down2: 0,
      bottom: 8 * 8 * 32 * 3 * 3 * 16,
      up2: 8 * 8 * 32 * 2 * 2 * 16, // each input value times a 2x2x16 patch
      skip2: 0,
      dec2: 16 * 16 * 16 * 3 * 3 * 32,
      up1: 0,
      skip1: 0,
      dec1: 32 * 32 * 8 * 3 * 3 * 24,
      crop: 0,
      mask: 28 * 28 * 1 * 8,
    },
    // The padded input, every relu output, both pools' outputs, the two concatenations (read
    // by convolutions), the crop (read by the last convolution) and the sigmoid.
    kept:
      32 * 32 +
      32 * 32 * 8 +
      16 * 16 * 8 +
      16 * 16 * 16 +
      8 * 8 * 16 +
      8 * 8 * 32 +
      16 * 16 * 32 +
      16 * 16 * 16 +
      32 * 32 * 24 +
      32 * 32 * 8 +
      28 * 28 * 8 +
      28 * 28,
    // While skip1 runs: enc1, the upsampled map and the concatenation.
    peak: 32 * 32 * 8 + 32 * 32 * 16 + 32 * 32 * 24,
    peakDuring: 'skip1',
  },
};

const models: Record<string, InferredModel> = Object.fromEntries(
  Object.keys(HAND).map((name) => [name, compileValid(name === 'mnist-cnn' ? join(ROOT, 'specs', 'mnist-cnn.yaml') : join(GOOD, `${name}.yaml`))]),
);

for (const [name, hand] of Object.entries(HAND)) {
  test(`${name}: multiply-adds, kept activations and the forward peak match the hand count`, () => {
    const model = models[name]!;
    assert.deepEqual(Object.fromEntries(model.layers.map((l) => [l.node.name, l.multAdds])), hand.multAdds);
    const total = Object.values(hand.multAdds).reduce((a, b) => a + b, 0);
    assert.equal(model.costs.multAdds, total);
    assert.equal(model.costs.keptBytes, hand.kept * 4);
    assert.equal(
      model.layers.reduce((sum, l) => sum + l.keptBytes, 0),
      hand.kept * 4,
      'each layer is charged its share once',
    );
    assert.equal(model.costs.forwardBytes, hand.peak * 4);
    assert.equal(layerOf(model, model.costs.forwardPeak.during).node.name, hand.peakDuring);
  });
}

test('the seed summary prints its costs in Keras 3 and torchinfo terms', () => {
  const model = models['mnist-cnn']!;
  const params = 93322;
  const kept = HAND['mnist-cnn']!.kept * 4;
  const input = 28 * 28 * 4;
  // Adam keeps two values per weight; training at the spec's batch of 64 holds the weights,
  // their gradients, Adam's state, and 64 inputs with their kept activations.
  const training = params * 4 + params * 4 + 2 * params * 4 + 64 * (input + kept);
  assert.equal(model.costs.trainingBytes, training);
  assert.equal(training, 11_174_560);
  const text = renderSummary(model);
  const footer = text
    .slice(text.lastIndexOf('='.repeat(10)) + 10)
    .split('\n')
    .filter((l) => l && !/^[=_]+$/.test(l));
  assert.deepEqual(footer, [
    'Total params: 93,322 (364.54 KB)', // 373,288 bytes / 1024
    'Trainable params: 93,322 (364.54 KB)',
    'Non-trainable params: 0 (0.00 B)',
    'Optimizer params: 186,644 (729.08 KB)',
    'For a batch of one:',
    'Total mult-adds (M): 2.79', // 2,794,240
    'Input size (MB): 0.0031', // 3,136 bytes
    'Forward pass size (MB): 0.11', // 108,160
    'Forward/backward pass size (MB): 0.15', // 148,136
    'Params size (MB): 0.37', // 373,288
    'Estimated Total Size (MB): 0.52', // 3,136 + 148,136 + 373,288
    'Training memory at batch 64 (MB): 11.17',
  ]);
  assert.match(text, /^ conv2d_1 \(Conv2D\) +\(None, 11, 11, 64\) +18,496 +2,230,272$/m);
});

test('sizes are written as Keras 3 and torchinfo write them', () => {
  // Keras 3's MNIST convnet example prints "Total params: 34,826 (136.04 KB)".
  assert.equal(kerasBytes(34826 * 4), '136.04 KB');
  assert.equal(kerasBytes(0), '0.00 B');
  assert.equal(kerasBytes(1024 * 1024 * 3), '3.00 MB');
  // torchinfo: millions with two decimals, whole numbers without.
  assert.deepEqual(scaledCount(2_794_240), { unit: 'M', text: '2.79' });
  assert.deepEqual(scaledCount(1_500_000_000), { unit: 'G', text: '1.50' });
  assert.deepEqual(scaledCount(456), { unit: '', text: '456' });
  assert.equal(megabytes(373_288), '0.37');
  assert.equal(megabytes(2_048), '0.0020', 'small sizes keep two significant digits');
});

test('layers that pass their input on take no memory, at inference or in training', () => {
  // flatten and reshape reuse their input; dropout does at inference, and keeps a mask in training.
  const spec = (layers: string) => `name: views\ninput: [8, 8, 4]\nlayers:\n${layers}`;
  const plain = compileValidText('v.yaml', spec('  - { kind: conv2d, filters: 4, kernel: 1, activation: relu }\n  - { kind: dense, units: 3 }\n'));
  const views = compileValidText(
    'v.yaml',
    spec(
      '  - { kind: conv2d, filters: 4, kernel: 1, activation: relu }\n  - { kind: flatten }\n  - { kind: reshape, target_shape: [8, 8, 4] }\n' +
        '  - { kind: activation, activation: linear }\n  - { kind: dense, units: 3 }\n',
    ),
  );
  assert.equal(views.costs.forwardBytes, plain.costs.forwardBytes);
  assert.equal(views.costs.keptBytes, plain.costs.keptBytes);
  const dropout = compileValidText(
    'v.yaml',
    spec('  - { kind: conv2d, filters: 4, kernel: 1, activation: relu }\n  - { kind: dropout, rate: 0.5 }\n  - { kind: dense, units: 3 }\n'),
  );
  assert.equal(dropout.costs.forwardBytes, plain.costs.forwardBytes);
  // The mask and the dropped-out values (which dense reads) are two tensors of 8*8*4.
  assert.equal(dropout.costs.keptBytes, plain.costs.keptBytes + 2 * 8 * 8 * 4 * 4);
  assert.equal(byName(dropout, 'dropout').keptBytes, 2 * 8 * 8 * 4 * 4);
});

test('an activation that reads its input keeps the values it was given, a tensor of its own', () => {
  const spec = (activation: string) => `name: act\ninput: [10]\nlayers:\n  - { kind: dense, units: 6, activation: ${activation} }\n`;
  // relu's gradient reads its output; gelu's its input, the values before the activation.
  assert.equal(compileValidText('a.yaml', spec('relu')).costs.keptBytes, 6 * 4);
  assert.equal(compileValidText('a.yaml', spec('gelu')).costs.keptBytes, 6 * 4);
  assert.equal(compileValidText('a.yaml', spec('linear')).costs.keptBytes, 0);
  const stacked = (activation: string) =>
    `name: act\ninput: [10]\nlayers:\n  - { kind: dense, units: 6, activation: relu }\n  - { kind: activation, activation: ${activation} }\n`;
  // After a relu, a standalone sigmoid keeps its own output; a swish keeps its input, the relu output already kept.
  assert.equal(compileValidText('a.yaml', stacked('sigmoid')).costs.keptBytes, (6 + 6) * 4);
  assert.equal(compileValidText('a.yaml', stacked('swish')).costs.keptBytes, 6 * 4);
});

test('a merge of three inputs holds a running result, and keeps it when its gradient reads its operands', () => {
  const spec = (kind: string) =>
    `name: m\ninput: [5]\nlayers:\n  - { kind: dense, name: a, units: 4 }\n  - { kind: dense, name: b, inputs: input, units: 4 }\n` +
    `  - { kind: dense, name: c, inputs: input, units: 4 }\n  - { kind: ${kind}, inputs: [a, b, c] }\n`;
  const add = compileValidText('m.yaml', spec('add'));
  const multiply = compileValidText('m.yaml', spec('multiply'));
  // add: nothing kept; multiply: a, b, c and the running product a*b.
  assert.equal(add.costs.keptBytes, 0);
  assert.equal(multiply.costs.keptBytes, (4 + 4 + 4 + 4) * 4);
  // While the merge runs: a, b, c, its output and one running result.
  assert.equal(add.costs.forwardBytes, 5 * 4 * 4);
});

test('optimizer params are the values TensorFlow.js optimizers keep, counted after a step', async () => {
  await tf.setBackend('cpu');
  const configs: OptimizerConfig[] = [
    { name: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    { name: 'sgd', learningRate: 1e-2, momentum: 0, nesterov: false },
    { name: 'sgd', learningRate: 1e-2, momentum: 0.9, nesterov: false },
    { name: 'sgd', learningRate: 1e-2, momentum: 0.9, nesterov: true },
    { name: 'rmsprop', learningRate: 1e-3, rho: 0.9, momentum: 0, epsilon: 1e-7 },
    { name: 'rmsprop', learningRate: 1e-3, rho: 0.9, momentum: 0.9, epsilon: 1e-7 },
  ];
  const weights = [tf.variable(tf.ones([3, 4])), tf.variable(tf.ones([4]))];
  for (const cfg of configs) {
    const optimizer = createOptimizer(cfg);
    optimizer.minimize(() => tf.sum(tf.add(tf.matMul(tf.ones([2, 3]), weights[0]!), weights[1]!)) as tf.Scalar, false, weights);
    // Slots have the weights' shapes; scalars (the step count, Adam's powers of beta) are not per weight.
    const state = (await optimizer.getWeights()).filter((w) => w.tensor.size > 1).reduce((n, w) => n + w.tensor.size, 0);
    assert.equal(state, optimizerSlots(cfg) * (12 + 4), `${cfg.name} with momentum ${'momentum' in cfg ? cfg.momentum : '-'}`);
    optimizer.dispose();
  }
  tf.dispose(weights);
});

test('a batch size from the command line (train --batch-size) is the one the training memory is for', () => {
  const file = join(ROOT, 'specs', 'mnist-cnn.yaml');
  const spec = compileValid(file);
  const result = compileSpecFile(file, { batchSize: 256 });
  assert.ok(result.ok);
  const perSample = spec.costs.inputBytes + spec.costs.keptBytes;
  assert.equal(result.model.costs.batchSize, 256);
  assert.equal(result.model.costs.trainingBytes - spec.costs.trainingBytes, (256 - 64) * perSample);
  assert.match(renderSummary(result.model), /^Training memory at batch 256 \(MB\): /m);
});
