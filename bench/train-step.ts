/**
 * Training-step benchmark for the target MNIST conv net.
 *
 *   node --import tsx bench/train-step.ts [--backend wasm|cpu] [--steps 30]
 *        [--stock | --composites-only] [--threads N] [--no-profile]
 *        [--profile-steps 5] [--tf-profile] [--warmup 50] [--ab | --ab-tiles] [--batch 64]
 *
 * Prints median samples/s after warm-up and a per-kernel breakdown of a
 * training step: each kernel's own time (nested kernels excluded), from a
 * timer wrapped around every kernel the backend has, averaged over
 * --profile-steps steps, plus the time spent outside kernels. --tf-profile
 * uses tf.profile instead (median per kernel): its per-kernel bookkeeping
 * inflated some kernels here (Conv2D of layer 3: 2.2 ms under tf.profile,
 * 0.9 ms by the wrapped timer in the same kind of step).
 * --composites-only installs only the conv backprop composites and keeps the
 * stock MaxPoolGrad/Sum/BatchMatMul (the state before wrapped.ts; use it for
 * before/after comparisons). --ab runs both in ONE process on alternating
 * steps (wrapped kernels on, then off, ...) and reports each median: on a
 * busy machine that is the only fair comparison. --ab-tiles does the same with
 * the tiled SIMD conv gradients on and off (off: XNNPACK's conv forms). --stock skips installFastGradients (on wasm
 * this throws: there is no Conv2DBackpropFilter kernel; on cpu one step takes
 * about a minute).
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend/select.js';
import { COMPOSITE_KERNELS, WRAPPED_KERNELS, installFastGradients, installWrappedKernels } from '../src/backend/gradients/index.js';
import { tiledGradients } from '../src/backend/gradients/conv2d.js';
import { createOptimizer } from '../src/train/optimizers.js';


function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);
/** 64 is the spec's batch; 32 is one replica's shard of it on 2 cores. */
const BATCH = Number(arg('batch') ?? 64);

function buildModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 64, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  // The trainer's Adam (fused on wasm), except with --stock.
  const optimizer = flag('stock') ? tf.train.adam(1e-3) : createOptimizer({ name: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return model;
}

/**
 * Per-kernel time of a training step, as the MEDIAN over `steps` profiled
 * steps of each kernel's per-step total: a single profiled step on a busy
 * machine attributes GC pauses and preemption to whichever kernel was running.
 */
async function profileSteps(model: tf.Sequential, x: tf.Tensor, y: tf.Tensor, steps: number): Promise<void> {
  const perStep: Map<string, number>[] = [];
  const calls: number[] = [];
  for (let i = 0; i < steps; i++) {
    const info = await tf.profile(async () => {
      await model.trainOnBatch(x, y);
    });
    const byName = new Map<string, number>();
    for (const k of info.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + (k.kernelTimeMs as number));
    perStep.push(byName);
    calls.push(info.kernels.length);
  }
  const names = new Set(perStep.flatMap((m) => [...m.keys()]));
  const median = (name: string): number => {
    const v = perStep.map((m) => m.get(name) ?? 0).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)]!;
  };
  const byName = new Map([...names].map((n) => [n, median(n)] as const));
  // Composite kernels run other kernels inside themselves; tf.profile lists
  // both, so keep the composites out of the leaf total and show them apart.
  const composite = flag('stock') ? [] : COMPOSITE_KERNELS;
  const rows = [...byName].filter(([n]) => !composite.includes(n)).sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((s, [, ms]) => s + ms, 0);
  console.log(`\nper-kernel time per step, median of ${steps} profiled steps (sum of leaf kernels ${total.toFixed(1)} ms, ${calls.sort((a, b) => a - b)[calls.length >> 1]} kernel calls):`);
  console.log('kernel'.padEnd(24) + 'ms'.padStart(10) + 'share'.padStart(8));
  for (const [name, ms] of rows) {
    if (ms / total < 0.002) continue;
    console.log(name.padEnd(24) + ms.toFixed(2).padStart(10) + `${((100 * ms) / total).toFixed(1)}%`.padStart(8));
  }
  for (const [name, ms] of byName) {
    if (composite.includes(name)) console.log(`  (composite ${name}: ${ms.toFixed(2)} ms in all: the kernels it runs, listed above, and its own SIMD loops)`);
  }
  const wrapped = flag('stock') || flag('composites-only') ? [] : (WRAPPED_KERNELS[tf.getBackend()] ?? []);
  if (wrapped.length > 0) console.log(`  (replaced by JS/heap kernels on this backend: ${wrapped.join(', ')})`);
}

/**
 * Each kernel's own time per step: every kernel registered for the backend is re-registered
 * with a timer around it for `steps` steps (then restored); a kernel that runs others inside
 * (the conv gradient composites) is charged only for the time outside them.
 */
async function selfTimes(model: tf.Sequential, x: tf.Tensor, y: tf.Tensor, steps: number): Promise<void> {
  const backendName = tf.getBackend();
  const originals = tf.getKernelsForBackend(backendName);
  const own = new Map<string, number>();
  const calls = new Map<string, number>();
  const inner: number[] = []; // time of nested kernels, per open kernel
  for (const k of originals) {
    tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        const t0 = performance.now();
        inner.push(0);
        try {
          return k.kernelFunc(args);
        } finally {
          const total = performance.now() - t0;
          const nested = inner.pop()!;
          if (inner.length > 0) inner[inner.length - 1]! += total;
          own.set(k.kernelName, (own.get(k.kernelName) ?? 0) + total - nested);
          calls.set(k.kernelName, (calls.get(k.kernelName) ?? 0) + 1);
        }
      },
    });
  }
  let wall = 0;
  try {
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      await model.trainOnBatch(x, y);
      wall += performance.now() - t0;
    }
  } finally {
    for (const k of originals) {
      tf.unregisterKernel(k.kernelName, backendName);
      tf.registerKernel(k);
    }
  }
  const rows = [...own].sort((a, b) => b[1] - a[1]);
  const inKernels = rows.reduce((sum, [, ms]) => sum + ms, 0);
  const callCount = [...calls.values()].reduce((a, b) => a + b, 0);
  console.log(`\nper-kernel own time per step, mean of ${steps} timed steps (step ${(wall / steps).toFixed(1)} ms: ` +
    `${(inKernels / steps).toFixed(1)} ms in kernels, ${((wall - inKernels) / steps).toFixed(1)} ms outside; ${callCount / steps} kernel calls):`);
  console.log('kernel'.padEnd(28) + 'ms'.padStart(8) + 'calls'.padStart(7) + 'share'.padStart(8));
  for (const [name, ms] of rows) {
    if (ms / wall < 0.002) continue;
    console.log(name.padEnd(28) + (ms / steps).toFixed(2).padStart(8) + String(calls.get(name)! / steps).padStart(7) + `${((100 * ms) / wall).toFixed(1)}%`.padStart(8));
  }
}

async function main(): Promise<void> {
  const backend = (arg('backend') ?? 'wasm') as 'wasm' | 'cpu';
  const steps = Number(arg('steps') ?? (backend === 'cpu' ? 3 : 30));
  const threads = arg('threads');
  const chosen = await selectBackend(backend, {
    fastGradients: !flag('stock') && !flag('composites-only') && !flag('ab'),
    ...(threads != null ? { threads: Number(threads) } : {}),
  });
  console.log(`backend: ${chosen.name} (${chosen.reason})`);
  if (flag('composites-only') || flag('ab')) installFastGradients(chosen.name, { wrapped: false });
  const mode = flag('stock') ? 'off (stock kernels)' : flag('composites-only') ? 'conv composites only'
    : flag('ab') ? 'conv composites; wrapped kernels on alternate steps' : 'on';
  console.log(`fast gradients: ${mode}`);

  const model = buildModel();
  const x = tf.randomNormal([BATCH, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32'), 10).toFloat();
  // The first ~50 steps of a process run slower while the wasm heap grows to its working size.
  const warmup = Number(arg('warmup') ?? (backend === 'cpu' ? 1 : 50));
  const median = (ts: number[]) => [...ts].sort((a, b) => a - b)[Math.floor(ts.length / 2)] ?? NaN;
  const rate = (ms: number) => ((BATCH * 1000) / ms).toFixed(0);
  if (flag('ab') || flag('ab-tiles')) {
    // Paired comparison: both variants see the same machine load.
    const times = { after: [] as number[], before: [] as number[] };
    const what = flag('ab') ? 'wrapped kernels' : 'tiled conv gradients';
    for (let i = 0; i < warmup + 2 * steps; i++) {
      const variant = i % 2 === 0 ? 'after' : 'before';
      tiledGradients.enabled = !flag('ab-tiles') || variant === 'after';
      const restore = variant === 'after' && flag('ab') ? installWrappedKernels(chosen.name) : () => {};
      const t0 = performance.now();
      await model.trainOnBatch(x, y);
      if (i >= warmup) times[variant].push(performance.now() - t0);
      restore();
    }
    for (const v of ['before', 'after'] as const) {
      const m = median(times[v]);
      console.log(`${v.padEnd(6)} (${v === 'after' ? 'with' : 'without'} ${what}): ${times[v].length} steps, median ${m.toFixed(1)} ms, ${rate(m)} samples/s`);
    }
    return;
  }
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    await model.trainOnBatch(x, y); // awaits the loss value, so the step is finished
    if (i >= warmup) times.push(performance.now() - t0);
  }
  const m = median(times);
  console.log(`steps: ${steps} (+${warmup} warm-up), median step ${m.toFixed(1)} ms, ` +
    `${rate(m)} samples/s, tensors alive ${tf.memory().numTensors}`);
  if (!flag('no-profile')) {
    const profiled = Number(arg('profile-steps') ?? 5);
    await (flag('tf-profile') ? profileSteps(model, x, y, profiled) : selfTimes(model, x, y, profiled));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
