// Cross-engine equivalence: for every spec in specs/, every good spec of the test corpus and the
// layout traps in test/fixtures/equivalence/, the live tfjs model and the generated PyTorch
// module, given the same (random, non-trivial) weights, compute the same outputs: on real MNIST
// test images where the input is MNIST's, on seeded values elsewhere. PyTorch is the independent
// engine; the weights reach it through the same conversion `netspec export-torch` uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadSplit } from '../src/data/datasets.js';
import { buildModel } from '../src/emit/live.js';
import { emitPytorch, pytorchPlan } from '../src/emit/pytorch.js';
import { TORCH_IO } from '../src/interop/python.js';
import { torchStateOf, writePlainTensors } from '../src/interop/torch-state.js';
import { allLayerKinds } from '../src/layers/registry.js';
import { mulberry32 } from '../src/train/rng.js';
import type { InferredModel } from '../src/types.js';
import { compileValid, ROOT, tempDir } from './helpers.js';
import { torchForTests } from './torch-helpers.js';

/**
 * The largest difference allowed between an output of tfjs and of PyTorch, relative to the
 * output's magnitude (below 1, absolute). Both compute in float32 but sum in different orders
 * and use different approximations of erf, exp and log; seen differences are below 2e-6.
 */
const TOLERANCE = 1e-4;
const SAMPLES = 64;

const folders = ['specs', 'test/fixtures/good', 'test/fixtures/equivalence'];
const specFiles = folders.flatMap((f) =>
  readdirSync(join(ROOT, f))
    .filter((n) => n.endsWith('.yaml'))
    .sort()
    .map((n) => join(ROOT, f, n)),
);

/** Weights far from their initial values, so a transposed kernel or a swapped bias shows: biases, batch norm's statistics and all. */
function randomizeWeights(live: tf.LayersModel, seed: number): void {
  const rng = mulberry32(seed);
  for (const layer of live.layers) {
    const values = layer.weights.map((w) => {
      const name = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      const shape = w.shape as number[];
      const size = shape.reduce((a, b) => a * b, 1);
      const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
      const limit = name.endsWith('kernel') ? Math.sqrt(6 / (receptive * (shape.at(-2)! + shape.at(-1)!))) * 1.5 : 0.3;
      const positive = name === 'gamma' || name === 'moving_variance';
      const data = Float32Array.from({ length: size }, () => (positive ? 0.5 + rng() : (2 * rng() - 1) * limit));
      return tf.tensor(data, shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

async function inputsFor(model: InferredModel, seed: number): Promise<{ data: Float32Array; what: string }> {
  const shape = model.ir.inputShape;
  const size = shape.reduce((a, b) => a * b, 1);
  if (size === 784) {
    const { split } = await loadSplit({ kind: 'mnist' }, ROOT, 'test', SAMPLES);
    return { data: split.images, what: `${SAMPLES} MNIST test images` };
  }
  const rng = mulberry32(seed);
  return { data: Float32Array.from({ length: SAMPLES * size }, () => rng()), what: `${SAMPLES} seeded inputs` };
}

interface Case {
  file: string;
  model: InferredModel;
  expected: Float32Array;
  what: string;
  output: string;
}

const torch = torchForTests();

test('every layer kind appears in the equivalence corpus', () => {
  const used = new Set(specFiles.flatMap((f) => compileValid(f).layers.map((l) => l.node.kind)));
  const missing = allLayerKinds()
    .map((k) => k.kind)
    .filter((k) => !used.has(k));
  assert.deepEqual(missing, [], `kinds no equivalence spec uses: ${missing.join(', ')}`);
});

test('tfjs and the generated PyTorch module compute the same outputs from the same weights', { skip: torch.skip, timeout: 600_000 }, async (t) => {
  await tf.setBackend('cpu');
  const dir = tempDir();
  const cases: Case[] = [];
  const jobs = [];
  for (const [i, file] of specFiles.entries()) {
    const model = compileValid(file);
    const live = buildModel(model, { seed: 1 });
    randomizeWeights(live, 100 + i);
    const { data, what } = await inputsFor(model, 200 + i);
    const x = tf.tensor(data, [SAMPLES, ...model.ir.inputShape]);
    const y = live.predict(x) as tf.Tensor;
    const expected = (await y.data()) as Float32Array;
    const folder = join(dir, `case${i}`);
    await writePlainTensors(folder, await torchStateOf(pytorchPlan(model), live));
    const module = join(folder, 'model.py');
    writeFileSync(module, emitPytorch(model, `specs/${model.ir.name}.yaml`));
    writeFileSync(join(folder, 'input.bin'), data);
    const output = join(folder, 'output.bin');
    jobs.push({ module, tensors: folder, input: join(folder, 'input.bin'), output });
    cases.push({ file, model, expected, what, output });
    tf.dispose([x, y]);
    live.dispose();
  }
  writeFileSync(join(dir, 'jobs.json'), JSON.stringify(jobs));
  const run = spawnSync(torch.python!, [TORCH_IO, 'forward', join(dir, 'jobs.json')], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(run.status, 0, run.stderr);

  const report: string[] = [];
  for (const c of cases) {
    const raw = readFileSync(c.output);
    const actual = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    const label = c.file.slice(ROOT.length + 1);
    assert.equal(actual.length, c.expected.length, `${label}: PyTorch gave ${actual.length} outputs, tfjs ${c.expected.length}`);
    // Outputs that do not vary with the input (a dead ReLU chain) would agree and prove nothing.
    const perSample = actual.length / SAMPLES;
    const varies = c.expected.some((v, j) => j >= perSample && v !== c.expected[j - perSample]);
    assert.ok(varies, `${label}: every sample gives the same output, so the comparison would prove nothing`);
    let largest = 0;
    let worst = 0;
    for (let j = 0; j < actual.length; j++) {
      const diff = Math.abs(actual[j]! - c.expected[j]!);
      assert.ok(Number.isFinite(actual[j]!) && Number.isFinite(c.expected[j]!), `${label}: output ${j} is not finite`);
      largest = Math.max(largest, diff);
      worst = Math.max(worst, diff / Math.max(1, Math.abs(c.expected[j]!)));
    }
    report.push(`${label.padEnd(44)} ${c.what.padEnd(24)} outputs ${String(actual.length).padStart(6)}  largest |difference| ${largest.toExponential(2)}`);
    assert.ok(worst <= TOLERANCE, `${label}: tfjs and PyTorch differ by ${worst.toExponential(2)} (relative), above the tolerance ${TOLERANCE}`);
  }
  t.diagnostic(`tolerance ${TOLERANCE} (relative to outputs above 1)\n${report.join('\n')}`);
});
