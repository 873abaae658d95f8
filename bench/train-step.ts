/**
 * Training-step benchmark for the target MNIST conv net.
 *
 *   node --import tsx bench/train-step.ts [--backend wasm|cpu] [--steps 30]
 *        [--stock] [--threads N] [--no-profile]
 *
 * Prints median samples/s after warm-up and a per-kernel breakdown of one
 * training step from tf.profile. --stock skips installFastGradients (on wasm
 * this throws: there is no Conv2DBackpropFilter kernel; on cpu one step takes
 * about a minute).
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend/select.js';
import { COMPOSITE_KERNELS } from '../src/backend/gradients/index.js';

const BATCH = 64;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

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
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return model;
}

async function profileStep(model: tf.Sequential, x: tf.Tensor, y: tf.Tensor): Promise<void> {
  const info = await tf.profile(async () => {
    await model.trainOnBatch(x, y);
  });
  // Composite kernels run other kernels inside themselves; tf.profile lists
  // both, so keep the composites out of the leaf total and show them apart.
  const byName = new Map<string, number>();
  for (const k of info.kernels) {
    byName.set(k.name, (byName.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  }
  const composite = flag('stock') ? [] : COMPOSITE_KERNELS;
  const rows = [...byName].filter(([n]) => !composite.includes(n)).sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((s, [, ms]) => s + ms, 0);
  console.log(`\nper-kernel time, one step (sum of leaf kernels ${total.toFixed(1)} ms):`);
  console.log('kernel'.padEnd(24) + 'ms'.padStart(10) + 'share'.padStart(8));
  for (const [name, ms] of rows) {
    if (ms / total < 0.002) continue;
    console.log(name.padEnd(24) + ms.toFixed(2).padStart(10) + `${((100 * ms) / total).toFixed(1)}%`.padStart(8));
  }
  for (const [name, ms] of byName) {
    if (composite.includes(name)) console.log(`  (composite ${name}: ${ms.toFixed(2)} ms, already counted in its leaf kernels)`);
  }
}

async function main(): Promise<void> {
  const backend = (arg('backend') ?? 'wasm') as 'wasm' | 'cpu';
  const steps = Number(arg('steps') ?? (backend === 'cpu' ? 3 : 30));
  const threads = arg('threads');
  const chosen = await selectBackend(backend, {
    fastGradients: !flag('stock'),
    ...(threads != null ? { threads: Number(threads) } : {}),
  });
  console.log(`backend: ${chosen.name} (${chosen.reason})`);
  console.log(`fast gradients: ${flag('stock') ? 'off (stock kernels)' : 'on'}`);

  const model = buildModel();
  const x = tf.randomNormal([BATCH, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32'), 10).toFloat();
  const warmup = Math.min(3, steps);
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    await model.trainOnBatch(x, y); // awaits the loss value, so the step is finished
    if (i >= warmup) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? NaN;
  console.log(`steps: ${steps} (+${warmup} warm-up), median step ${median.toFixed(1)} ms, ` +
    `${((BATCH * 1000) / median).toFixed(0)} samples/s, tensors alive ${tf.memory().numTensors}`);
  if (!flag('no-profile')) await profileStep(model, x, y);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
