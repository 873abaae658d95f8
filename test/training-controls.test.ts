// The training controls, each against its independent rule: the schedules' rates against the
// formulas Keras documents (ExponentialDecay, CosineDecay with warmup, ReduceLROnPlateau's
// factor/patience/min_lr/cooldown), early stopping's decisions against EarlyStopping's, the
// augmentation's pixels against hand-worked images, and class weights against the weighted
// cross-entropy formula.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { afterEpoch, initialScheduleState, scheduledRate } from '../src/train/schedules.js';
import { earlyStoppingAfter, INITIAL_EARLY_STOPPING } from '../src/train/early-stopping.js';
import { augmentationRng, augmentBatch, transformImage } from '../src/train/augment.js';
import { lossFunction, weightedLossFunction } from '../src/train/losses.js';
import type { AugmentationConfig, EarlyStoppingConfig, LearningRateSchedule } from '../src/types.js';
import type { EpochMetrics } from '../src/train/metrics.js';

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
const epoch = (n: number, val_loss: number | null, val_accuracy: number | null = null): EpochMetrics => ({
  epoch: n,
  loss: 1,
  accuracy: 0.5,
  val_loss,
  val_accuracy,
  seconds: 1,
  samples_per_sec: 1,
});

test('step: lr * factor ^ floor(epoch / every)', () => {
  const s: LearningRateSchedule = { kind: 'step', every: 3, factor: 0.5 };
  const rates = Array.from({ length: 8 }, (_, e) => scheduledRate(s, 0.1, e, 8));
  assert.deepEqual(rates, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025]);
});

test('exponential: ExponentialDecay, smooth and staircase', () => {
  const smooth: LearningRateSchedule = { kind: 'exponential', decayRate: 0.96, decayEpochs: 2, staircase: false };
  const stairs: LearningRateSchedule = { ...smooth, staircase: true };
  for (let e = 0; e < 7; e++) {
    close(scheduledRate(smooth, 0.01, e, 7), 0.01 * 0.96 ** (e / 2), `smooth epoch ${e}`);
    close(scheduledRate(stairs, 0.01, e, 7), 0.01 * 0.96 ** Math.floor(e / 2), `staircase epoch ${e}`);
  }
});

test('cosine: CosineDecay without and with warmup, alpha, and the default decay length', () => {
  // Keras: decayed = (1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha; lr * decayed.
  const plain: LearningRateSchedule = { kind: 'cosine', decayEpochs: 4, alpha: 0.1, warmupEpochs: 0, warmupStart: null };
  const expected = [1, 0.5 * (1 + Math.SQRT1_2), 0.5, 0.5 * (1 - Math.SQRT1_2), 0, 0].map((c) => 0.2 * ((1 - 0.1) * c + 0.1));
  expected.forEach((lr, e) => close(scheduledRate(plain, 0.2, e, 6), lr, `epoch ${e}`));
  // Warmup: linear from warmup_start to the peak over warmup_epochs (Keras's warmup_target is the optimizer's rate).
  const warm: LearningRateSchedule = { kind: 'cosine', decayEpochs: null, alpha: 0, warmupEpochs: 2, warmupStart: 0.01 };
  close(scheduledRate(warm, 0.1, 0, 6), 0.01, 'warmup start');
  close(scheduledRate(warm, 0.1, 1, 6), 0.055, 'warmup middle');
  close(scheduledRate(warm, 0.1, 2, 6), 0.1, 'peak');
  // decay over the 4 epochs after the warmup
  close(scheduledRate(warm, 0.1, 4, 6), 0.05, 'half way down');
  // Without warmup_start the climb is in equal steps: lr * (e + 1) / (warmup + 1).
  const even: LearningRateSchedule = { ...warm, warmupStart: null };
  close(scheduledRate(even, 0.3, 0, 6), 0.1, 'first warmup epoch');
  close(scheduledRate(even, 0.3, 1, 6), 0.2, 'second warmup epoch');
});

test('reduce_on_plateau: ReduceLROnPlateau, with patience, factor, min_lr and cooldown', () => {
  const s: LearningRateSchedule = {
    kind: 'reduce_on_plateau',
    monitor: 'val_loss',
    mode: 'auto',
    factor: 0.5,
    patience: 2,
    minDelta: 0.01,
    cooldown: 1,
    minLr: 0.02,
  };
  let state = initialScheduleState(s, 0.1);
  const losses = [1.0, 0.995, 0.99, 0.98, 0.98, 0.98, 0.98, 0.98, 0.98, 0.98];
  const rates: number[] = [];
  losses.forEach((loss, i) => {
    rates.push(scheduledRate(s, 0.1, i, losses.length, state));
    state = afterEpoch(s, state, epoch(i + 1, loss));
  });
  // Worked by hand from Keras's on_epoch_end: 0.995 and 0.99 are not better than 1.0 - 0.01,
  // so epoch 3 ends a wait of 2 and halves the rate; epoch 4 spends the cooldown and improves
  // (0.98); epochs 5 and 6 wait and 6 halves again; epoch 7 spends the cooldown, which then is
  // over, so it already waits (wait 1), and epoch 8 reduces a third time, to min_lr rather than
  // 0.0125. Each rate applies from the epoch after the decision.
  assert.deepEqual(rates, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02]);
});

test('reduce_on_plateau never goes below min_lr and stops reducing there', () => {
  const s: LearningRateSchedule = {
    kind: 'reduce_on_plateau',
    monitor: 'val_accuracy',
    mode: 'auto',
    factor: 0.1,
    patience: 0,
    minDelta: 0,
    cooldown: 0,
    minLr: 0.003,
  };
  let state = initialScheduleState(s, 0.1);
  for (let i = 1; i <= 5; i++) state = afterEpoch(s, state, epoch(i, 1, 0.5));
  // Epoch 1 sets the best; 2 reduces to 0.01; 3 to max(0.001, 0.003); then it stays.
  assert.equal(state.lr, 0.003);
});

const es = (patience: number, extra: Partial<EarlyStoppingConfig> = {}): EarlyStoppingConfig => ({
  monitor: 'val_loss',
  mode: 'auto',
  patience,
  minDelta: 0,
  restoreBestWeights: true,
  ...extra,
});

function runStopper(cfg: EarlyStoppingConfig, values: number[]): { stoppedAt: number | null; best: number } {
  let state = INITIAL_EARLY_STOPPING;
  for (let i = 0; i < values.length; i++) {
    const d = earlyStoppingAfter(cfg, state, epoch(i + 1, values[i]!, values[i]!));
    state = d.state;
    if (d.stop) return { stoppedAt: i + 1, best: state.bestEpoch };
  }
  return { stoppedAt: null, best: state.bestEpoch };
}

test('early stopping: patience epochs without improvement stop training; the best epoch is the one kept', () => {
  assert.deepEqual(runStopper(es(2), [0.9, 0.7, 0.8, 0.75, 0.6]), { stoppedAt: 4, best: 2 });
  assert.deepEqual(runStopper(es(0), [0.9, 0.95]), { stoppedAt: 2, best: 1 });
  assert.deepEqual(runStopper(es(3), [0.9, 0.8, 0.7, 0.6]), { stoppedAt: null, best: 4 });
  // min_delta: 0.79 is not an improvement on 0.8 by more than 0.05
  assert.deepEqual(runStopper(es(1, { minDelta: 0.05 }), [0.8, 0.79]), { stoppedAt: 2, best: 1 });
  // accuracies: higher is better in mode auto
  assert.deepEqual(runStopper(es(1, { monitor: 'val_accuracy' }), [0.5, 0.6, 0.55]), { stoppedAt: 3, best: 2 });
});

const NONE: AugmentationConfig = { shift: 0, rotation: 0, zoom: 0, horizontalFlip: false, verticalFlip: false, fill: 'constant' };
const image = (h: number, w: number): Float32Array => Float32Array.from({ length: h * w }, (_, i) => i + 1);

test('augmentation with every range 0 leaves images unchanged', () => {
  const pixels = Float32Array.from({ length: 3 * 5 * 4 * 2 }, (_, i) => Math.sin(i));
  const before = pixels.slice();
  augmentBatch(pixels, 3, [5, 4, 2], NONE, augmentationRng(7, 1, 1));
  assert.deepEqual(pixels, before);
});

test('a shift by one pixel moves every pixel one column right, with a zero column entering', () => {
  const src = image(3, 4);
  const dst = new Float32Array(12);
  transformImage(src, dst, 3, 4, 1, { angle: 0, scale: 1, shiftX: 1, shiftY: 0, flipX: false, flipY: false }, 'constant');
  assert.deepEqual([...dst], [0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11]);
  transformImage(src, dst, 3, 4, 1, { angle: 0, scale: 1, shiftX: 0, shiftY: -1, flipX: false, flipY: false }, 'nearest');
  assert.deepEqual([...dst], [5, 6, 7, 8, 9, 10, 11, 12, 9, 10, 11, 12]);
});

test('a flip mirrors, a quarter turn rotates, and half-pixel shifts interpolate', () => {
  const src = image(2, 3);
  const dst = new Float32Array(6);
  transformImage(src, dst, 2, 3, 1, { angle: 0, scale: 1, shiftX: 0, shiftY: 0, flipX: true, flipY: false }, 'constant');
  assert.deepEqual([...dst], [3, 2, 1, 6, 5, 4]);
  const square = image(3, 3);
  const turned = new Float32Array(9);
  transformImage(square, turned, 3, 3, 1, { angle: Math.PI / 2, scale: 1, shiftX: 0, shiftY: 0, flipX: false, flipY: false }, 'constant');
  // A quarter turn about the centre (y down): each value lands on a rotated position; the centre stays.
  assert.deepEqual(
    [...turned].map((v) => Math.round(v * 1e6) / 1e6),
    [7, 4, 1, 8, 5, 2, 9, 6, 3],
  );
  const half = new Float32Array(6);
  transformImage(src, half, 2, 3, 1, { angle: 0, scale: 1, shiftX: 0.5, shiftY: 0, flipX: false, flipY: false }, 'constant');
  assert.deepEqual([...half], [0.5, 1.5, 2.5, 2, 4.5, 5.5]);
});

test('augmentation is reproducible with the seed and differs between batches and seeds', () => {
  const cfg: AugmentationConfig = { shift: 0.2, rotation: 15, zoom: 0.1, horizontalFlip: true, verticalFlip: false, fill: 'constant' };
  const make = (seed: number, ep: number, batch: number): Float32Array => {
    const pixels = Float32Array.from({ length: 4 * 28 * 28 }, (_, i) => (i % 28) / 28);
    augmentBatch(pixels, 4, [28, 28, 1], cfg, augmentationRng(seed, ep, batch));
    return pixels;
  };
  assert.deepEqual(make(42, 3, 5), make(42, 3, 5));
  assert.notDeepEqual(make(42, 3, 5), make(42, 3, 6));
  assert.notDeepEqual(make(42, 3, 5), make(42, 4, 5));
  assert.notDeepEqual(make(42, 3, 5), make(43, 3, 5));
});

test('class weights: the loss is the mean over samples of weight[label] * -log p[label]', async () => {
  await tf.setBackend('cpu');
  const probs = tf.tensor2d([
    [0.7, 0.2, 0.1],
    [0.1, 0.6, 0.3],
    [0.25, 0.25, 0.5],
    [0.3, 0.3, 0.4],
  ]);
  const labels = tf.tensor1d([0, 1, 2, 0], 'int32');
  const weights = Float32Array.from([2, 1, 0.5]);
  const expected = (2 * -Math.log(0.7) + 1 * -Math.log(0.6) + 0.5 * -Math.log(0.5) + 2 * -Math.log(0.3)) / 4;
  for (const name of ['sparse_categorical_crossentropy', 'categorical_crossentropy'] as const) {
    const weighted = weightedLossFunction(name, weights)(labels, probs).dataSync()[0]!;
    assert.ok(Math.abs(weighted - expected) < 1e-6, `${name}: ${weighted} vs ${expected}`);
    // All weights 1 is the plain loss.
    const ones = weightedLossFunction(name, Float32Array.from([1, 1, 1]))(labels, probs).dataSync()[0]!;
    assert.ok(Math.abs(ones - lossFunction(name)(labels, probs).dataSync()[0]!) < 1e-6);
  }
  tf.dispose([probs, labels]);
});
