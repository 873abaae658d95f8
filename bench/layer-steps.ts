/**
 * Milliseconds per training step of one small model per layer kind beyond conv2d/pooling/dense
 * (the kernels of src/backend/gradients/depthwise*.ts, dilated.ts, resize.ts at work).
 *
 *   node --import tsx bench/layer-steps.ts [--backend wasm|cpu] [--threads N] [--steps 20]
 *        [--warmup 5] [--batch 64] [--only substring] [--json]
 *
 * Every model is input [28, 28, 16] -> 1x1 conv (16, relu) -> the layer -> global average
 * pool -> dense 10 (softmax), trained with Adam on one random batch; merges join a 3x3 conv
 * branch with the 1x1 conv's output. Prints the median wall-clock and CPU time of a step and
 * the CPU time minus its baseline's (the model without the layer: the 1x1 conv model, or the
 * 3x3 conv one for merges), which is the layer's own forward and backward. On a shared machine
 * the CPU time of a 1-thread run (--threads 1) is the steadier figure: it leaves out the time
 * the process waited for a core. bench/layer_steps_torch.py times the same models in PyTorch.
 */
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { selectBackend, type BackendPreference } from '../src/backend/select.js';
import { createOptimizer } from '../src/train/optimizers.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const BATCH = Number(arg('batch') ?? 64);
const INPUT = [28, 28, 16];

type Sym = tf.SymbolicTensor;
interface Kind {
  name: string;
  baseline?: string;
  /** The layer(s) under test, applied to the 1x1 conv's output. */
  body: (h: Sym) => Sym;
}

const L = tf.layers;
const on = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;
const conv3 = (h: Sym) => on(L.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }), h);
const merge = (name: string, make: () => tf.layers.Layer): Kind => ({ name, baseline: 'conv2d 3x3', body: (h) => on(make(), [conv3(h), h]) });

export const KINDS: Kind[] = [
  { name: 'baseline: 1x1 conv only', body: (h) => h },
  { name: 'conv2d 3x3', body: conv3 },
  { name: 'conv2d 3x3, dilation 2', body: (h) => on(L.conv2d({ filters: 16, kernelSize: 3, padding: 'same', dilationRate: 2, activation: 'relu' }), h) },
  { name: 'conv2d 3x3, dilation 2, linear', body: (h) => on(L.conv2d({ filters: 16, kernelSize: 3, padding: 'same', dilationRate: 2 }), h) },
  { name: 'depthwise_conv2d 3x3', body: (h) => on(L.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu' }), h) },
  { name: 'depthwise_conv2d 3x3, stride 2', body: (h) => on(L.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), h) },
  {
    name: 'depthwise_conv2d 3x3, multiplier 2',
    body: (h) => on(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu' }), h),
  },
  { name: 'separable_conv2d 3x3', body: (h) => on(L.separableConv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }), h) },
  {
    name: 'separable_conv2d 3x3, dilation 2',
    body: (h) => on(L.separableConv2d({ filters: 16, kernelSize: 3, padding: 'same', dilationRate: 2, activation: 'relu' }), h),
  },
  {
    name: 'conv2d_transpose 3x3, stride 2',
    body: (h) => on(L.conv2dTranspose({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), h),
  },
  { name: 'upsampling2d nearest 2x', body: (h) => on(L.upSampling2d({ size: [2, 2] }), h) },
  { name: 'upsampling2d bilinear 2x', body: (h) => on(L.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }), h) },
  { name: 'zero_padding2d 2', body: (h) => on(L.zeroPadding2d({ padding: 2 }), h) },
  { name: 'cropping2d 2', body: (h) => on(L.cropping2D({ cropping: 2 }), h) },
  merge('add', () => L.add({})),
  merge('multiply', () => L.multiply({})),
  merge('maximum', () => L.maximum({})),
  merge('concatenate', () => L.concatenate({})),
];

function build(kind: Kind): tf.LayersModel {
  const input = tf.input({ shape: INPUT });
  const h = on(L.conv2d({ filters: 16, kernelSize: 1, activation: 'relu' }), input);
  const pooled = on(L.globalAveragePooling2d({}), kind.body(h));
  const model = tf.model({ inputs: input, outputs: on(L.dense({ units: 10, activation: 'softmax' }), pooled) });
  model.compile({ optimizer: createOptimizer({ name: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }), loss: 'categoricalCrossentropy' });
  return model;
}

interface StepTimes {
  /** Median wall-clock ms per step. */
  wall: number;
  /** Median CPU ms per step (all of this process's threads): what the step costs, whatever else runs. */
  cpu: number;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

async function stepTimes(kind: Kind, steps: number, warmup: number): Promise<StepTimes> {
  const model = build(kind);
  const x = tf.randomUniform([BATCH, ...INPUT]);
  const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32') as tf.Tensor1D, 10);
  for (let i = 0; i < warmup; i++) await model.trainOnBatch(x, y);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await model.trainOnBatch(x, y);
    const c = process.cpuUsage(c0);
    wall.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  tf.dispose([x, y]);
  model.dispose();
  return { wall: median(wall), cpu: median(cpu) };
}

const backend = (arg('backend') ?? 'wasm') as BackendPreference;
const threads = arg('threads');
const selected = await selectBackend(backend, threads != null ? { threads: Number(threads) } : {});
const steps = Number(arg('steps') ?? (backend === 'cpu' ? 3 : 20));
const warmup = Number(arg('warmup') ?? (backend === 'cpu' ? 1 : 5));
const only = arg('only');
const results = new Map<string, StepTimes>();
for (const kind of KINDS) {
  const needed = only == null || kind.name.includes(only) || KINDS.some((k) => k.name.includes(only) && (k.baseline ?? KINDS[0]!.name) === kind.name);
  if (needed) results.set(kind.name, await stepTimes(kind, steps, warmup));
}
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ backend: selected.name, reason: selected.reason, batch: BATCH, steps, results: Object.fromEntries(results) }));
} else {
  const [load1] = os.loadavg();
  console.log(
    `backend: ${selected.reason}; batch ${BATCH}, input ${INPUT.join('x')}, median of ${steps} steps after ${warmup} warm-up; load average ${load1!.toFixed(1)}`,
  );
  console.log(`${'model'.padEnd(40)} ${'wall ms'.padStart(9)} ${'cpu ms'.padStart(9)} ${'layer cpu ms'.padStart(13)}`);
  for (const [name, t] of results) {
    const kind = KINDS.find((k) => k.name === name)!;
    const base = results.get(kind.baseline ?? KINDS[0]!.name);
    const own = base == null || kind === KINDS[0] ? '' : (t.cpu - base.cpu).toFixed(1);
    console.log(`${name.padEnd(40)} ${t.wall.toFixed(1).padStart(9)} ${t.cpu.toFixed(1).padStart(9)} ${own.padStart(13)}`);
  }
}
