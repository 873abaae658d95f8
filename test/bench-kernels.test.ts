/**
 * The bench's kernel-level figures: the work each profiled kernel call is charged (from the
 * definition of a convolution and a matrix product), the per-kernel table, the SIMD ceiling,
 * the data-parallel step breakdown, the plain spelling of the fused multiply-adds, and one
 * small real profile (no speed thresholds: only shapes, counts and consistency).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { expandRelaxedMadd } from '../scripts/build-wasm.js';
import { describeCall, profileAlternating, profileSteps, type StepProfile } from '../src/bench/kernel-profile.js';
import { ceilingFor, formatComparison, formatKernelTable } from '../src/bench/kernel-table.js';
import { measureCeiling, type Ceiling } from '../src/bench/ceiling.js';
import { formatCpuWork, formatReplicaSteps } from '../src/bench/table.js';
import { summarise } from '../src/bench/stats.js';
import { fusedMultiplyAddAvailable } from '../src/backend/simd/module.js';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { runCli } from './helpers.js';

const info = (shape: number[]): tf.TensorInfo => ({ dataId: {}, shape, dtype: 'float32' });

test('work per call: 2 flops per multiply-add of the convolution or product, from shapes and attributes', () => {
  // 11x11 outputs of 64 channels, each a 3x3x32 window: 121 * 64 * 288 multiply-adds per sample.
  const conv = describeCall('Conv2D', { inputs: { x: info([2, 13, 13, 32]), filter: info([3, 3, 32, 64]) }, attrs: { strides: 1, pad: 'valid' } });
  assert.deepEqual(conv, { label: 'Conv2D 13x13x32 -> 11x11x64, 3x3', flops: 2 * 2 * 121 * 64 * 288 });
  const strided = describeCall('FusedConv2D', { inputs: { x: info([1, 9, 8, 3]), filter: info([3, 2, 3, 8]) }, attrs: { strides: [2, 2], pad: 'same' } });
  assert.deepEqual(strided, { label: 'FusedConv2D 9x8x3 -> 5x4x8, 3x2', flops: 2 * 5 * 4 * 8 * 18 });
  const filter = describeCall('Conv2DBackpropFilter', {
    inputs: { x: info([4, 28, 28, 1]), dy: info([4, 26, 26, 32]) },
    attrs: { filterShape: [3, 3, 1, 32], strides: 1, pad: 'valid' },
  });
  assert.deepEqual(filter, { label: 'Conv2DBackpropFilter 28x28x1 -> 26x26x32, 3x3', flops: 2 * 4 * 676 * 32 * 9 });
  const input = describeCall('Conv2DBackpropInput', {
    inputs: { dy: info([4, 3, 3, 64]), filter: info([3, 3, 64, 64]) },
    attrs: { inputShape: [4, 5, 5, 64], strides: 1, pad: 'valid' },
  });
  assert.deepEqual(input, { label: 'Conv2DBackpropInput 5x5x64 -> 3x3x64, 3x3', flops: 2 * 4 * 9 * 64 * 576 });
  const matmul = describeCall('BatchMatMul', { inputs: { a: info([1, 576, 32]), b: info([1, 32, 64]) }, attrs: { transposeA: false, transposeB: false } });
  assert.deepEqual(matmul, { label: 'BatchMatMul 576x32 . 32x64', flops: 2 * 576 * 32 * 64 });
  const transposed = describeCall('BatchMatMul', { inputs: { a: info([1, 32, 576]), b: info([1, 32, 64]) }, attrs: { transposeA: true, transposeB: false } });
  assert.equal(transposed?.flops, 2 * 576 * 32 * 64);
  assert.equal(describeCall('Relu', { inputs: { x: info([2, 3]) }, attrs: {} }), null);
});

const ceiling: Ceiling = { used: { oneThread: 40, oneThreadBest: 44, allThreads: 76, threads: 2 }, fused: true, plainOneThread: 30 };

function profile(rows: [string, number, number][], stepMs: number): StepProfile {
  const kernelRows = rows.map(([label, ms, flops]) => ({ kernel: label.split(' ')[0]!, label, callsPerStep: 1, msPerStep: ms, flopsPerStep: flops }));
  const kernelMs = kernelRows.reduce((s, r) => s + r.msPerStep, 0);
  return {
    steps: 10,
    clock: 'cpu',
    stepMs,
    wallStepMs: stepMs + 1,
    kernelMs,
    outsideMs: stepMs - kernelMs,
    callsPerStep: 12,
    flopsPerStep: kernelRows.reduce((s, r) => s + r.flopsPerStep, 0),
    rows: kernelRows,
  };
}

test('kernel table: GFLOP/s and % of the right ceiling per product, small rows summed, outside and whole step', () => {
  const p = profile(
    [
      ['Conv2D 13x13x32 -> 11x11x64, 3x3', 4, 120e6],
      ['MaxPool', 1, 0],
      ['Tiny', 0.05, 0],
    ],
    10,
  );
  const text = formatKernelTable(p, ceiling, { what: 'a step', threads: 1 });
  const line = (start: string) => text.split('\n').find((l) => l.startsWith(start)) ?? '';
  assert.match(line('Conv2D'), /4\.00\s+30\.0\s+75%$/); // 120 MFLOP in 4 ms against 40 GFLOP/s
  assert.match(line('MaxPool'), /1\.00$/);
  assert.match(line('1 other kernels'), /0\.05$/);
  assert.match(line('outside kernels'), /4\.95$/);
  assert.match(line('whole step'), /12\s+10\.00\s+12\.0\s+30%$/);
  assert.match(text, /40\.0 GFLOP\/s on one thread \(best sample 44\.0; plain multiply and add: 30\.0\), 76\.0 on 2 threads at once/);
  assert.equal(ceilingFor(ceiling, 1), 40);
  assert.equal(ceilingFor(ceiling, 2), 76);
  const two = formatKernelTable(p, ceiling, { what: 'a step', threads: 2 });
  assert.match(two, /Conv2D.*\s39%$/m); // 30 of 76
});

test('comparison table: each kernel off and on, the difference signed', () => {
  const off = profile(
    [
      ['Conv2D a', 6, 1],
      ['Relu', 1, 0],
    ],
    10,
  );
  const on = profile(
    [
      ['Conv2D a', 4, 1],
      ['Relu', 1.5, 0],
    ],
    8,
  );
  const text = formatComparison(off, on, 'the thing');
  assert.match(text, /Conv2D a\s+6\.00\s+4\.00\s+\+2\.00$/m);
  assert.match(text, /Relu\s+1\.00\s+1\.50\s+-0\.50$/m);
  assert.match(text, /whole step\s+10\.00\s+8\.00\s+\+2\.00$/m);
});

test('replica step line: the parts of a data-parallel step', () => {
  const lines = formatReplicaSteps([
    { id: 'wasm-dp2', status: 'ok', reason: '', batchSize: 64, reps: [], steps: { step: 20, compute: 15, exchange: 1.5, update: 1, other: 2.5 } },
    { id: 'wasm-2', status: 'ok', reason: '', reps: [] },
  ]);
  assert.equal(lines.length, 1);
  assert.match(
    lines[0]!,
    /2 replicas x 1 thread, one step \(64 samples\): 20\.0 ms at the median; the median of each part, ms: 15\.0 computing .*, 1\.5 at the exchange .*, 1\.0 applying the sum .*, 2\.5 outside the replicas/,
  );
});

test('the plain binary spells each fused multiply-add as an add of a product, operands intact', () => {
  assert.equal(
    expandRelaxedMadd('(local.set $a (f32x4.relaxed_madd (local.get $s) (v128.load (i32.add (local.get $p) (i32.const 4))) (local.get $a)))'),
    '(local.set $a (f32x4.add (f32x4.mul (local.get $s) (v128.load (i32.add (local.get $p) (i32.const 4)))) (local.get $a)))',
  );
  assert.equal(
    expandRelaxedMadd('(f32x4.relaxed_madd (f32x4.relaxed_madd $x $y $z) $b\n  $c)'),
    '(f32x4.add (f32x4.mul (f32x4.add (f32x4.mul $x $y) $z) $b) $c)',
  );
  assert.equal(expandRelaxedMadd(';; no madds here'), ';; no madds here');
  assert.throws(() => expandRelaxedMadd('(f32x4.relaxed_madd $a $b)'), /exactly three operands|unbalanced/);
});

test('the ceiling: positive figures of the binary in use, the plain one beside the fused one', async () => {
  const c = await measureCeiling(2);
  assert.equal(c.fused, fusedMultiplyAddAvailable());
  for (const v of [c.used.oneThread, c.used.oneThreadBest, c.used.allThreads]) assert.ok(Number.isFinite(v) && v > 0, String(v));
  assert.ok(c.used.oneThreadBest >= c.used.oneThread);
  assert.equal(c.used.threads, 2);
  assert.equal(c.plainOneThread !== undefined, c.fused);
});

test('a real profile: one row per conv layer and direction, work from the shapes, rows within the step', async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [9, 9, 1], filters: 8, kernelSize: 3, activation: 'relu' }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  const x = tf.randomUniform([4, 9, 9, 1]);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
  const optimizer = tf.train.sgd(0.01);
  const step = async () => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor), true);
    await loss!.data();
    loss!.dispose();
  };
  await step();
  const p = await profileSteps(step, 3);
  const row = (label: string) => p.rows.find((r) => r.label === label);
  // Relu with a bias: kept fused while training (fused-training.ts).
  assert.equal(row('FusedConv2D 9x9x1 -> 7x7x8, 3x3')?.flopsPerStep, 2 * 4 * 49 * 8 * 9);
  // Linear with a bias: tfjs keeps it fused by itself.
  assert.equal(row('FusedConv2D 7x7x8 -> 5x5x8, 3x3')?.flopsPerStep, 2 * 4 * 25 * 8 * 72);
  assert.ok(row('Conv2DBackpropFilter 9x9x1 -> 7x7x8, 3x3'));
  assert.ok(row('Conv2DBackpropInput 7x7x8 -> 5x5x8, 3x3'));
  assert.equal(row('Conv2DBackpropInput 9x9x1 -> 7x7x8, 3x3'), undefined, 'no gradient for the input data');
  assert.equal(p.steps, 3);
  assert.ok(p.callsPerStep >= p.rows.reduce((s, r) => s + r.callsPerStep, 0), 'nested calls are counted in the step');
  assert.ok(p.kernelMs > 0 && p.outsideMs >= 0);
  let switched = 0;
  const both = await profileAlternating(step, 2, () => {
    switched++;
  });
  assert.equal(both.on.steps, 2);
  assert.equal(both.off.steps, 2);
  assert.equal(switched, 5, 'set before each of the 4 steps, then back on');
  assert.ok(tf.getKernel('Conv2D', 'wasm')?.kernelFunc !== undefined, 'kernels are back');
  tf.dispose([x, y]);
  model.dispose();
});

test('bench --worker kernels: the ceiling and a profiled replica step of the spec', () => {
  const run = runCli(['bench', '--worker', 'kernels', '--batches', '2', '--warmup', '1']);
  assert.equal(run.status, 0, run.stderr);
  const line = run.stdout.split('\n').find((l) => l.startsWith('NETSPEC_BENCH_RESULT '));
  assert.ok(line, run.stdout);
  const report = JSON.parse(line.slice('NETSPEC_BENCH_RESULT '.length)) as {
    status: string;
    batch: number;
    threads: number;
    profile: StepProfile;
    ceiling: Ceiling;
  };
  assert.equal(report.status, 'ok');
  assert.equal(report.batch, 32, 'half the spec batch of 64: one of 2 replicas');
  assert.equal(report.threads, 1);
  const labels = report.profile.rows.map((r) => r.label);
  for (const l of ['FusedConv2D 28x28x1 -> 26x26x32, 3x3', 'FusedConv2D 13x13x32 -> 11x11x64, 3x3', 'FusedConv2D 5x5x64 -> 3x3x64, 3x3'])
    assert.ok(labels.includes(l), l);
  // 3 convs forward, 3 filter gradients, 2 input gradients and the dense products: ~16.8 MFLOP per sample.
  assert.ok(Math.abs(report.profile.flopsPerStep / 32 / 16.8e6 - 1) < 0.05, String(report.profile.flopsPerStep));
  assert.ok(report.ceiling.used.oneThread > 0);
});

test('work per sample: CPU ms of all threads over samples, and its ratio to PyTorch', () => {
  const rep = (samples: number, cpu: number) => ({
    trainSamples: samples,
    trainSeconds: 1,
    trainSamplesPerSec: samples,
    trainCpuSeconds: cpu,
    inferSamples: 1,
    inferSeconds: 1,
    inferSamplesPerSec: 1,
  });
  const summaries = summarise([
    { id: 'wasm-dp2', status: 'ok', reason: '', reps: [rep(1280, 1.6), rep(1280, 1.28), rep(1280, 1.92)] },
    { id: 'torch-2', status: 'ok', reason: '', reps: [rep(1280, 1.28), rep(1280, 1.28), rep(1280, 1.28)] },
    { id: 'wasm-1', status: 'ok', reason: '', reps: [{ ...rep(1280, 0), trainCpuSeconds: undefined }] },
  ]);
  assert.equal(summaries[0]!.trainCpuMsPerSample, 1.25); // median of 1.0, 1.25, 1.5 ms
  assert.equal(summaries[0]!.trainCpuRatio, 0.8); // PyTorch's 1.0 ms / 1.25 ms
  assert.equal(summaries[2]!.trainCpuMsPerSample, undefined, 'no CPU figure, no row');
  const text = formatCpuWork(summaries);
  assert.match(text, /netspec wasm, 2 replicas x 1 thread\s+1\.25\s+0\.80×$/m);
  assert.match(text, /PyTorch, 2 threads\s+1\.00\s+1\.00×$/m);
  assert.doesNotMatch(text, /netspec wasm, 1 thread/);
});
