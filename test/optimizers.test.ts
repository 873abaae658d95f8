// The optimizers a spec can name, against their update rules written out in float64 from the
// documented formulas (Keras's SGD with momentum and Nesterov, TensorFlow's ApplyRMSProp, Adam
// as in Kingma and Ba): a few steps on a small weight vector with given gradients. Each
// hyperparameter is set away from its default, and the test first checks that the formula
// moves far more under that change than the tolerance, so a setting that is dropped or
// swapped on the way to tfjs cannot pass. Run on cpu (stock tfjs updates) and on wasm, where
// Adam is netspec's fused SIMD update.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend/select.js';
import { ADAM_KERNEL } from '../src/train/fused-adam.js';
import { createOptimizer } from '../src/train/optimizers.js';
import type { OptimizerConfig } from '../src/types.js';

const START = [0.5, -1.25, 2, 0.1, -0.3];
/** Step t's gradient: sizes from 0.05 to 1.3 and changing signs, so no coordinate is trivial. */
const gradient = (t: number): number[] => START.map((_, i) => Math.sin(1.7 * t + 2.3 * i) * (0.4 + 0.2 * i) + (i % 2 ? 0.05 : -0.05));
const STEPS = 6;
/** float32 updates of values around 1 against float64: rounding stays near 1e-7 per step. */
const TOLERANCE = 2e-6;

type Rule = (w: number[], g: number[], state: Record<string, number[]>, t: number) => number[];
const zeros = (): number[] => START.map(() => 0);

/** SGD, Keras: velocity = momentum * velocity - lr * g; w += velocity (Nesterov: w += momentum * velocity - lr * g). */
function sgdRule(lr: number, momentum: number, nesterov: boolean): Rule {
  return (w, g, s) => {
    const v = (s.velocity ??= zeros());
    return w.map((wi, i) => {
      v[i] = momentum * v[i]! - lr * g[i]!;
      return nesterov ? wi + momentum * v[i]! - lr * g[i]! : wi + v[i]!;
    });
  };
}

/** RMSprop, TensorFlow's ApplyRMSProp: ms = rho * ms + (1 - rho) g^2; mom = momentum * mom + lr g / sqrt(ms + eps); w -= mom. */
function rmspropRule(lr: number, rho: number, momentum: number, epsilon: number): Rule {
  return (w, g, s) => {
    const ms = (s.ms ??= zeros());
    const mom = (s.mom ??= zeros());
    return w.map((wi, i) => {
      ms[i] = rho * ms[i]! + (1 - rho) * g[i]! ** 2;
      mom[i] = momentum * mom[i]! + (lr * g[i]!) / Math.sqrt(ms[i]! + epsilon);
      return wi - mom[i]!;
    });
  };
}

/** Adam: m and v as running averages, bias-corrected by 1 - beta^t; w -= lr m^ / (sqrt(v^) + eps). */
function adamRule(lr: number, beta1: number, beta2: number, epsilon: number): Rule {
  return (w, g, s, t) => {
    const m = (s.m ??= zeros());
    const v = (s.v ??= zeros());
    return w.map((wi, i) => {
      m[i] = beta1 * m[i]! + (1 - beta1) * g[i]!;
      v[i] = beta2 * v[i]! + (1 - beta2) * g[i]! ** 2;
      const mHat = m[i]! / (1 - beta1 ** t);
      const vHat = v[i]! / (1 - beta2 ** t);
      return wi - (lr * mHat) / (Math.sqrt(vHat) + epsilon);
    });
  };
}

function byFormula(rule: Rule): number[] {
  let w = [...START];
  const state: Record<string, number[]> = {};
  for (let t = 1; t <= STEPS; t++) w = rule(w, gradient(t), state, t);
  return w;
}

let variables = 0;
/** The same steps through the optimizer netspec builds for `config`; also the kernels they ran. */
async function byOptimizer(config: OptimizerConfig): Promise<{ weights: number[]; kernels: string[] }> {
  const optimizer = createOptimizer(config);
  const w = tf.variable(tf.tensor1d(START), true, `optimizer_test_${variables++}`);
  const kernels = new Set<string>();
  for (let t = 1; t <= STEPS; t++) {
    const g = tf.tensor1d(gradient(t));
    const profile = await tf.profile(() => optimizer.applyGradients({ [w.name]: g }));
    for (const k of profile.kernels) kernels.add(k.name);
    g.dispose();
  }
  const weights = Array.from(w.dataSync());
  w.dispose();
  optimizer.dispose();
  return { weights, kernels: [...kernels] };
}

const maxDifference = (a: number[], b: number[]): number =>
  a.length === b.length ? a.reduce((m, v, i) => (Number.isFinite(v - b[i]!) ? Math.max(m, Math.abs(v - b[i]!)) : Infinity), 0) : Infinity;

interface Case {
  label: string;
  config: OptimizerConfig;
  rule: Rule;
  /** The rule with the setting under test at its default (or off): must differ clearly. */
  without: Rule;
}

const CASES: Case[] = [
  { label: 'sgd', config: { name: 'sgd', learningRate: 0.1, momentum: 0, nesterov: false }, rule: sgdRule(0.1, 0, false), without: sgdRule(0.01, 0, false) },
  {
    label: 'sgd momentum 0.8',
    config: { name: 'sgd', learningRate: 0.1, momentum: 0.8, nesterov: false },
    rule: sgdRule(0.1, 0.8, false),
    without: sgdRule(0.1, 0, false),
  },
  // A small momentum too: a threshold on the way to tfjs (plain SGD below some value) must show.
  {
    label: 'sgd momentum 0.2',
    config: { name: 'sgd', learningRate: 0.1, momentum: 0.2, nesterov: false },
    rule: sgdRule(0.1, 0.2, false),
    without: sgdRule(0.1, 0, false),
  },
  {
    label: 'sgd momentum 0.8, nesterov',
    config: { name: 'sgd', learningRate: 0.1, momentum: 0.8, nesterov: true },
    rule: sgdRule(0.1, 0.8, true),
    without: sgdRule(0.1, 0.8, false),
  },
  {
    label: 'rmsprop rho 0.5',
    config: { name: 'rmsprop', learningRate: 0.05, rho: 0.5, momentum: 0, epsilon: 1e-7 },
    rule: rmspropRule(0.05, 0.5, 0, 1e-7),
    without: rmspropRule(0.05, 0.9, 0, 1e-7),
  },
  {
    label: 'rmsprop rho 0.5, momentum 0.7',
    config: { name: 'rmsprop', learningRate: 0.05, rho: 0.5, momentum: 0.7, epsilon: 1e-7 },
    rule: rmspropRule(0.05, 0.5, 0.7, 1e-7),
    without: rmspropRule(0.05, 0.5, 0, 1e-7),
  },
  {
    label: 'rmsprop epsilon 0.5',
    config: { name: 'rmsprop', learningRate: 0.05, rho: 0.9, momentum: 0, epsilon: 0.5 },
    rule: rmspropRule(0.05, 0.9, 0, 0.5),
    without: rmspropRule(0.05, 0.9, 0, 1e-7),
  },
  {
    label: 'adam beta1 0.5',
    config: { name: 'adam', learningRate: 0.05, beta1: 0.5, beta2: 0.999, epsilon: 1e-7 },
    rule: adamRule(0.05, 0.5, 0.999, 1e-7),
    without: adamRule(0.05, 0.9, 0.999, 1e-7),
  },
  {
    label: 'adam beta2 0.6',
    config: { name: 'adam', learningRate: 0.05, beta1: 0.9, beta2: 0.6, epsilon: 1e-7 },
    rule: adamRule(0.05, 0.9, 0.6, 1e-7),
    without: adamRule(0.05, 0.9, 0.999, 1e-7),
  },
  {
    label: 'adam epsilon 0.3',
    config: { name: 'adam', learningRate: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 0.3 },
    rule: adamRule(0.05, 0.9, 0.999, 0.3),
    without: adamRule(0.05, 0.9, 0.999, 1e-7),
  },
];

test('the formulas tell each setting apart by far more than the tolerance', () => {
  for (const c of CASES) {
    const gap = maxDifference(byFormula(c.rule), byFormula(c.without));
    assert.ok(gap > 1000 * TOLERANCE, `${c.label}: the setting moves the weights by only ${gap}`);
  }
});

for (const backend of ['cpu', 'wasm'] as const) {
  test(`on ${backend}, every optimizer follows its formula over ${STEPS} steps`, async () => {
    await selectBackend(backend, { threads: 1 });
    for (const c of CASES) {
      const { weights, kernels } = await byOptimizer(c.config);
      const want = byFormula(c.rule);
      const error = maxDifference(weights, want);
      assert.ok(error <= TOLERANCE, `${c.label} on ${backend}: got ${weights}, formula ${want} (difference ${error})`);
      // On wasm, Adam is the fused kernel: the formula checks it, not only the stock update.
      if (c.config.name === 'adam') assert.equal(kernels.includes(ADAM_KERNEL), backend === 'wasm', `${c.label}: ${kernels}`);
    }
  });
}
