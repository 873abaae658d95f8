/**
 * Training-step benchmark of a spec's model (default specs/mnist-cnn.yaml) on a random batch.
 *
 *   node --import tsx bench/train-step.ts [--spec FILE] [--backend wasm|cpu] [--threads N]
 *        [--batch 64] [--steps 30] [--warmup 50] [--profile-steps 10] [--no-profile]
 *        [--ab wrapped|tiles|fma|...] [--predict]
 *
 * Prints the median step after warm-up, then where a step goes: each kernel's time per step
 * (per layer geometry), its GFLOP/s and how close that is to the SIMD ceiling measured in the
 * same process (src/bench/kernel-profile.ts, ceiling.ts). `--batch 32 --threads 1` is one
 * replica's step in the default data-parallel training on 2 cores. --predict times inference
 * instead: model.predict on a random batch of --batch samples, read back.
 *
 * --ab NAME runs one switch on and off on alternating steps of ONE process and reports each
 * median: on a shared machine that is the only fair comparison. The switches (AB_SWITCHES)
 * turn one fast path off, so "off" is the code without it. Then it profiles alternate steps
 * and prints each kernel's time without and with it.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend/select.js';
import { installFastGradients, installWrappedKernels } from '../src/backend/gradients/index.js';
import { AB_SWITCHES } from '../src/bench/switches.js';
import { CeilingSampler, measureCeiling } from '../src/bench/ceiling.js';
import { profileAlternating, profileSteps } from '../src/bench/kernel-profile.js';
import { formatComparison, formatKernelTable } from '../src/bench/kernel-table.js';
import { specStep } from '../src/bench/spec-step.js';
import { modelInputShape } from '../src/train/batches.js';

/** --predict: model.predict on a random batch, its output read back, instead of a training step. */
function predictStep(model: tf.LayersModel, batch: number): () => Promise<unknown> {
  const x = tf.randomUniform([batch, ...modelInputShape(model)], 0, 1, 'float32', 1);
  return async () => {
    const out = model.predict(x, { batchSize: batch }) as tf.Tensor;
    await out.data();
    out.dispose();
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

async function main(): Promise<void> {
  const backend = (arg('backend') ?? 'wasm') as 'wasm' | 'cpu';
  const batch = Number(arg('batch') ?? 64);
  const steps = Number(arg('steps') ?? (backend === 'cpu' ? 3 : 30));
  const threads = arg('threads');
  const ab = arg('ab');
  if (ab !== undefined && ab !== 'wrapped' && !(ab in AB_SWITCHES)) {
    throw new Error(`--ab: unknown switch '${ab}'; one of wrapped, ${Object.keys(AB_SWITCHES).join(', ')}`);
  }
  const chosen = await selectBackend(backend, { fastGradients: ab !== 'wrapped', ...(threads != null ? { threads: Number(threads) } : {}) });
  if (ab === 'wrapped') installFastGradients(chosen.name, { wrapped: false });
  console.log(`backend: ${chosen.name} (${chosen.reason})`);

  const training = specStep(arg('spec') ?? 'specs/mnist-cnn.yaml', batch);
  const step = flag('predict') ? predictStep(training.model, batch) : training.step;
  const dispose = training.dispose;
  // The first ~50 steps of a process run slower while the wasm heap grows to its working size
  // and V8 moves hot wasm functions to its optimising compiler.
  const warmup = Number(arg('warmup') ?? (backend === 'cpu' ? 1 : 50));
  const median = (ts: number[]) => [...ts].sort((a, b) => a - b)[Math.floor(ts.length / 2)] ?? NaN;
  const rate = (ms: number) => ((batch * 1000) / ms).toFixed(0);
  if (ab !== undefined) {
    // Paired comparison: both variants see the same machine load.
    const times = { on: [] as number[], off: [] as number[] };
    const set =
      ab === 'wrapped'
        ? (() => {
            let restore = () => {};
            return (on: boolean) => {
              restore();
              restore = on ? installWrappedKernels(chosen.name) : () => {};
            };
          })()
        : AB_SWITCHES[ab]!.set;
    for (let i = 0; i < warmup + 2 * steps; i++) {
      const variant = i % 2 === 0 ? 'on' : 'off';
      set(variant === 'on');
      const t0 = performance.now();
      await step();
      if (i >= warmup) times[variant].push(performance.now() - t0);
    }
    set(true);
    const what = ab === 'wrapped' ? 'the wrapped kernels' : AB_SWITCHES[ab]!.what;
    for (const v of ['off', 'on'] as const) {
      const m = median(times[v]);
      console.log(`${v.padEnd(3)} (${v === 'on' ? 'with' : 'without'} ${what}): ${times[v].length} steps, median ${m.toFixed(1)} ms, ${rate(m)} samples/s`);
    }
    console.log(`on/off: ${(median(times.off) / median(times.on)).toFixed(3)}x the speed`);
    if (!flag('no-profile')) {
      const { on, off } = await profileAlternating(step, Number(arg('profile-steps') ?? 10), set);
      console.log(`\n${formatComparison(off, on, what)}`);
    }
    return;
  }
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    await step();
    if (i >= warmup) times.push(performance.now() - t0);
  }
  const m = median(times);
  console.log(`steps: ${steps} (+${warmup} warm-up), median step ${m.toFixed(1)} ms, ${rate(m)} samples/s, tensors alive ${tf.memory().numTensors}`);
  if (!flag('no-profile')) {
    const sampler = new CeilingSampler();
    const profile = await profileSteps(step, Number(arg('profile-steps') ?? 10), 'cpu', () => sampler.sample());
    const used = chosen.name === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : 1;
    const ceiling = await measureCeiling(Math.max(used, 2), sampler.samples);
    console.log(`\n${formatKernelTable(profile, ceiling, { what: `a step (${chosen.name}, ${used} thread(s), batch ${batch})`, threads: used })}`);
  }
  dispose();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
