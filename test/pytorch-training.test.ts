// Training in the two engines agrees: from the same weights, on the same batches, a few steps of
// the spec's optimizer and loss (Adam, SGD with Nesterov momentum, RMSprop with its epsilon under
// the square root as tfjs has it; sparse and categorical cross-entropy) leave tfjs's model and the
// generated PyTorch module with the same weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadSplit } from '../src/data/datasets.js';
import { buildModel } from '../src/emit/live.js';
import { emitPytorch, pytorchPlan } from '../src/emit/pytorch.js';
import { readPlainTensors, torchStateOf, writePlainTensors } from '../src/interop/torch-state.js';
import { lossFunction } from '../src/train/losses.js';
import { createOptimizer } from '../src/train/optimizers.js';
import { mulberry32 } from '../src/train/rng.js';
import { compileValidText, ROOT, tempDir } from './helpers.js';
import { torchForTests } from './torch-helpers.js';

const torch = torchForTests();
const STEPS = 4;
const BATCH = 24;

const spec = (optimizer: string, loss: string): string => `name: steps
input: [28, 28, 1]
layers:
  - { kind: conv2d, filters: 4, kernel: 5, strides: 2, padding: same, activation: relu }
  - { kind: max_pool2d, pool: 2 }
  - { kind: batch_norm }
  - { kind: flatten }
  - { kind: dense, units: 16, activation: tanh }
  - { kind: dense, units: 10, activation: softmax }
training:
  optimizer: ${optimizer}
  loss: ${loss}
`;

const CASES: Array<[string, string]> = [
  ['{ name: adam, learning_rate: 0.01 }', 'sparse_categorical_crossentropy'],
  ['{ name: sgd, learning_rate: 0.1, momentum: 0.9, nesterov: true }', 'sparse_categorical_crossentropy'],
  ['{ name: rmsprop, learning_rate: 0.01, momentum: 0.5 }', 'categorical_crossentropy'],
  ['{ name: sgd, learning_rate: 0.1 }', 'categorical_crossentropy'],
];

// The generated module's own optimizer and loss, STEPS times on the same batches, in training mode.
const TORCH_STEPS = `
import importlib.util, json, sys, numpy as np, torch
spec = importlib.util.spec_from_file_location("m", sys.argv[1]); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
sys.path.insert(0, sys.argv[5]); import torch_io
_, model = torch_io.model_with(sys.argv[1], sys.argv[2])
model.train()
x = torch.from_numpy(np.fromfile(sys.argv[3], dtype="<f4").reshape(-1, 28, 28, 1).copy())
y = torch.from_numpy(np.fromfile(sys.argv[4], dtype="<i4").astype(np.int64))
optimizer = m.make_optimizer(model.parameters())
for step in range(${STEPS}):
    rows = slice(step * ${BATCH}, (step + 1) * ${BATCH})
    optimizer.zero_grad()
    m.loss_fn(model(x[rows]), y[rows]).backward()
    optimizer.step()
state = model.state_dict()
with open(sys.argv[2] + "/after.bin", "wb") as out:
    for key in json.load(open(sys.argv[2] + "/tensors.json"))["tensors"]:
        out.write(state[key["key"]].detach().float().contiguous().numpy().astype("<f4").tobytes())
`;

test('a few steps of every optimizer and loss give the same weights in tfjs and in the generated module', { skip: torch.skip, timeout: 600_000 }, async (t) => {
  await tf.setBackend('cpu');
  const { split } = await loadSplit({ kind: 'mnist' }, ROOT, 'train', STEPS * BATCH);
  const report: string[] = [];
  for (const [i, [optimizer, loss]] of CASES.entries()) {
    const model = compileValidText(`steps-${i}.yaml`, spec(optimizer, loss));
    const cfg = model.ir.training!;
    const live = buildModel(model, { seed: 7 + i });
    // Batch norm's statistics away from 0 and 1, so that their layout matters too.
    const rng = mulberry32(i);
    for (const layer of live.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
      layer.setWeights(
        layer.getWeights().map((w) =>
          tf.tensor(
            Float32Array.from({ length: w.size }, () => 0.5 + rng()),
            w.shape,
          ),
        ),
      );
    }
    const dir = tempDir();
    const plan = pytorchPlan(model);
    await writePlainTensors(dir, await torchStateOf(plan, live));
    writeFileSync(join(dir, 'model.py'), emitPytorch(model, 'specs/steps.yaml'));
    writeFileSync(join(dir, 'x.bin'), split.images);
    writeFileSync(join(dir, 'y.bin'), Int32Array.from(split.labels));

    const opt = createOptimizer(cfg.optimizer);
    const computeLoss = lossFunction(cfg.loss);
    for (let step = 0; step < STEPS; step++) {
      tf.tidy(() => {
        const x = tf.tensor(split.images.subarray(step * BATCH * 784, (step + 1) * BATCH * 784), [BATCH, 28, 28, 1]);
        const y = tf.tensor1d(Int32Array.from(split.labels.subarray(step * BATCH, (step + 1) * BATCH)), 'int32');
        opt.minimize(() => computeLoss(y, live.apply(x, { training: true }) as tf.Tensor2D));
      });
    }
    const expected = await torchStateOf(plan, live);

    const r = spawnSync(torch.python!, ['-c', TORCH_STEPS, join(dir, 'model.py'), dir, join(dir, 'x.bin'), join(dir, 'y.bin'), join(ROOT, 'src', 'interop')], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const raw = readFileSync(join(dir, 'after.bin'));
    const after = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    const before = (await readPlainTensors(dir)).tensors;
    let offset = 0;
    let largest = 0;
    for (const [j, e] of expected.entries()) {
      const moved = e.data.some((v, k) => v !== before[j]!.data[k]);
      assert.ok(moved, `${optimizer}: tfjs did not change ${e.key}, so the comparison proves nothing`);
      for (let k = 0; k < e.data.length; k++) {
        const diff = Math.abs(after[offset + k]! - e.data[k]!);
        largest = Math.max(largest, diff);
        assert.ok(
          diff <= 2e-4 * Math.max(1, Math.abs(e.data[k]!)),
          `${optimizer}, ${loss}: ${e.key}[${k}] is ${after[offset + k]} in PyTorch, ${e.data[k]} in tfjs`,
        );
      }
      offset += e.data.length;
    }
    report.push(`${optimizer.padEnd(64)} ${loss.padEnd(32)} largest |difference| after ${STEPS} steps ${largest.toExponential(2)}`);
    live.dispose();
    opt.dispose();
  }
  t.diagnostic(report.join('\n'));
});
