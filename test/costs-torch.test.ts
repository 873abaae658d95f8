// netspec's static costs against PyTorch's own counting, on PyTorch models that
// test/fixtures/scripts/torch_costs.py builds from each spec's text (every spec in specs/ and
// every graph in test/fixtures/good/): torch.profiler's FLOPs for convolutions and matrix
// products (2 per multiply-add), the tensors autograd saves for backward, parameter counts and
// torch.optim's state. Needs Debian's python3-torch; without it the test is skipped locally
// and fails in CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { optimizerSlots } from '../src/compile/costs.js';
import type { InferredModel } from '../src/types.js';
import { compileValidText, ROOT } from './helpers.js';

const SCRIPT = join(ROOT, 'test', 'fixtures', 'scripts', 'torch_costs.py');

function findTorchPython(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
    if (probe.status === 0) return python;
  }
  return undefined;
}

const python = findTorchPython();
const skip = python === undefined && !process.env.CI ? 'no python3 with torch (apt-get install -y python3-torch); skipped outside CI' : false;

const files = [
  ...readdirSync(join(ROOT, 'specs'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(ROOT, 'specs', f)),
  ...readdirSync(join(ROOT, 'test', 'fixtures', 'good'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(ROOT, 'test', 'fixtures', 'good', f)),
];

/**
 * Small specs where each rule shows on its own: the layer under test reads the output of a
 * layer without activation, which nothing else keeps, so whatever it keeps adds to the total.
 */
const ISOLATED: Record<string, string> = {
  'avg-pool': `input: [8, 8, 3]
layers:
  - { kind: conv2d, filters: 4, kernel: 1 }
  - { kind: avg_pool2d, pool: 2 }
  - { kind: max_pool2d, pool: 3, strides: 1, padding: same }
  - { kind: flatten }
  - { kind: dense, units: 2 }`,
  'global-pools': `input: [6, 6, 2]
layers:
  - { kind: conv2d, name: x, filters: 3, kernel: 1 }
  - { kind: conv2d, name: y, inputs: input, filters: 3, kernel: 3, strides: 2 }
  - { kind: global_max_pool2d, name: gmax, inputs: x }
  - { kind: global_avg_pool2d, name: gavg, inputs: y }
  - { kind: concatenate, inputs: [gmax, gavg] }
  - { kind: dense, units: 2 }`,
  'merges-of-three': `input: [6]
output: out
layers:
  - { kind: dense, name: a, units: 4 }
  - { kind: dense, name: b, inputs: input, units: 4 }
  - { kind: dense, name: c, inputs: input, units: 4 }
  - { kind: multiply, name: product, inputs: [a, b, c] }
  - { kind: maximum, name: high, inputs: [a, b, c] }
  - { kind: minimum, name: low, inputs: [b, c] }
  - { kind: average, name: mean, inputs: [a, b, c] }
  - { kind: subtract, name: diff, inputs: [a, c] }
  - { kind: add, name: sum, inputs: [product, high, low, mean, diff] }
  - { kind: dense, name: out, units: 2 }`,
  'norm-dropout-activations': `input: [12]
layers:
  - { kind: dense, units: 8 }
  - { kind: batch_norm }
  - { kind: activation, activation: gelu }
  - { kind: dropout, rate: 0.3 }
  - { kind: dense, units: 8, activation: elu }
  - { kind: activation, activation: softplus }
  - { kind: dense, units: 8, activation: swish }
  - { kind: activation, activation: mish }
  - { kind: dense, units: 8, activation: selu }
  - { kind: activation, activation: tanh }
  - { kind: dense, units: 8, activation: relu6 }
  - { kind: activation, activation: sigmoid }
  - { kind: dense, units: 3, activation: log_softmax }`,
  images: `input: [6, 6, 2]
layers:
  - { kind: dense, units: 2 }
  - { kind: upsampling2d, size: [2, 3] }
  - { kind: zero_padding2d, padding: [[1, 0], [2, 1]] }
  - { kind: cropping2d, cropping: 1 }
  - { kind: conv2d_transpose, filters: 3, kernel: 3, strides: 2, activation: relu }
  - { kind: batch_norm }
  - { kind: depthwise_conv2d, kernel: 3, depth_multiplier: 2 }
  - { kind: separable_conv2d, filters: 4, kernel: [3, 1], strides: [2, 1], padding: same, use_bias: false, activation: gelu }
  - { kind: flatten }
  - { kind: dense, units: 2 }`,
};

interface TorchLayer {
  index: number;
  kind: string;
  shape: number[];
  params: number;
  trainable: number;
  flops: number;
}

interface TorchResult {
  name: string;
  error?: string;
  layers: TorchLayer[];
  saved_int64: number;
  saved_other: number;
  optimizer: Record<'adam' | 'sgd' | 'sgd_momentum' | 'rmsprop' | 'rmsprop_momentum', number>;
}

test('PyTorch counts the same multiply-adds, kept activations, parameters and optimizer state', { skip }, () => {
  assert.ok(python, 'CI must have python3-torch (.ci/run installs it)');
  // The spec text as plain data, read by the YAML library alone: nothing netspec computed.
  const texts = [
    ...files.map((f): [string, string] => [f, readFileSync(f, 'utf8')]),
    ...Object.entries(ISOLATED).map(([name, body]): [string, string] => [`${name}.yaml`, `name: ${name}\n${body}\n`]),
  ];
  const documents = texts.map(([, text]) => YAML.parse(text));
  const run = spawnSync(python, [SCRIPT], {
    input: JSON.stringify(documents),
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  assert.equal(run.status, 0, run.stderr);
  const { results } = JSON.parse(run.stdout) as { torch: string; results: TorchResult[] };
  assert.equal(results.length, texts.length);

  texts.forEach(([file, text], i) => {
    const torch = results[i]!;
    const model: InferredModel = compileValidText(file, text);
    const what = `${model.ir.name}`;
    assert.equal(torch.error, undefined, `${what}: ${torch.error}`);
    for (const t of torch.layers) {
      const layer = model.layers.find((l) => l.node.index === t.index)!;
      const at = `${what}, layer ${t.index + 1} '${layer.node.name}'`;
      assert.deepEqual(layer.outputShape, t.shape, `${at}: shape`);
      assert.equal(layer.params.trainable + layer.params.nonTrainable, t.params, `${at}: parameters`);
      assert.equal(layer.params.trainable, t.trainable, `${at}: trainable parameters`);
      if (t.flops > 0) {
        // The profiler counts 2 FLOPs per multiply-add of a convolution or matrix product, biases left out.
        assert.equal(layer.multAdds * 2, t.flops, `${at}: profiler FLOPs`);
      } else if (layer.node.kind !== 'batch_norm') {
        // No convolution or matrix product in the layer: netspec counts no multiply-adds.
        // (Batch norm's folded scale, one per value, is checked by hand in costs.test.ts.)
        assert.equal(layer.multAdds, 0, `${at}: no multiply-adds`);
      }
    }
    // Max pooling: PyTorch keeps the argmax indices (int64), beside the pooled values the
    // next layer keeps; TensorFlow.js's gradient reads the pooled values themselves, and netspec
    // counts them once. Every other tensor PyTorch keeps, netspec keeps too.
    assert.equal(model.costs.keptBytes / 4, torch.saved_other, `${what}: kept activations`);
    const pooled = model.layers.filter((l) => l.node.kind === 'max_pool2d').reduce((n, l) => n + l.outputShape.reduce((a, b) => a * b, 1), 0);
    assert.equal(torch.saved_int64, pooled, `${what}: PyTorch's argmax indices, one per max-pooled value`);
    const trainable = model.totals.trainable;
    const slots = (cfg: Parameters<typeof optimizerSlots>[0]) => optimizerSlots(cfg) * trainable;
    assert.equal(torch.optimizer.adam, slots({ name: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }), `${what}: Adam`);
    assert.equal(torch.optimizer.sgd, slots({ name: 'sgd', learningRate: 1e-2, momentum: 0, nesterov: false }), `${what}: SGD`);
    assert.equal(torch.optimizer.sgd_momentum, slots({ name: 'sgd', learningRate: 1e-2, momentum: 0.9, nesterov: false }), `${what}: SGD with momentum`);
    assert.equal(
      torch.optimizer.rmsprop_momentum,
      slots({ name: 'rmsprop', learningRate: 1e-3, rho: 0.9, momentum: 0.9, epsilon: 1e-7 }),
      `${what}: RMSprop with momentum`,
    );
    // Without momentum PyTorch's RMSprop keeps one value per weight; TensorFlow.js's, which
    // netspec trains with, keeps its moment all the same (costs.test.ts counts it there).
    assert.equal(torch.optimizer.rmsprop, trainable, `${what}: PyTorch's RMSprop without momentum`);
  });
});
