// Shape rules and parameter counts of every layer kind, against formulas written out here
// (independently of the layer modules) and numbers Keras prints for the same layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerKind, layerKinds } from '../src/layers/registry.js';
import type { Shape } from '../src/types.js';
import { withDefaults } from '../src/compile/defaults.js';

function run(kind: string, raw: Record<string, unknown>, input: Shape) {
  const def = layerKind(kind);
  const params = def.normalize(withDefaults(def.params, raw));
  const out = def.outputShape([input], params, ['input']);
  if ('error' in out) return { error: out.error };
  const count = def.countParams([input], params);
  return { shape: [...out.shape], trainable: count.trainable, nonTrainable: count.nonTrainable };
}

test('every kind the spec language names is registered', () => {
  assert.deepEqual(layerKinds().sort(), [
    'activation', 'avg_pool2d', 'batch_norm', 'conv2d', 'dense', 'dropout', 'flatten',
    'global_avg_pool2d', 'global_max_pool2d', 'max_pool2d', 'reshape',
  ]);
});

test('conv2d: valid padding shrinks by kernel-1; params = kh*kw*cin*f + f', () => {
  // Keras: Conv2D(32, (3,3)) on (28,28,1) -> (None, 26, 26, 32), 320 params.
  assert.deepEqual(run('conv2d', { filters: 32, kernel: 3 }, [28, 28, 1]), { shape: [26, 26, 32], trainable: 320, nonTrainable: 0 });
  // Keras: Conv2D(64, (3,3)) on (13,13,32) -> (None, 11, 11, 64), 18,496 params.
  assert.deepEqual(run('conv2d', { filters: 64, kernel: [3, 3] }, [13, 13, 32]), { shape: [11, 11, 64], trainable: 18496, nonTrainable: 0 });
  const [h, w, c, f, kh, kw, s] = [31, 20, 3, 8, 5, 3, 2];
  assert.deepEqual(run('conv2d', { filters: f, kernel: [kh, kw], strides: s, use_bias: false }, [h, w, c]), {
    shape: [Math.floor((h - kh) / s) + 1, Math.floor((w - kw) / s) + 1, f], trainable: kh * kw * c * f, nonTrainable: 0,
  });
  assert.deepEqual(run('conv2d', { filters: f, kernel: 5, strides: s, padding: 'same' }, [h, w, c]).shape, [Math.ceil(h / s), Math.ceil(w / s), f]);
});

test('conv2d: a kernel larger than its input, or a rank-2 input, is an error that says what to do', () => {
  const big = run('conv2d', { filters: 4, kernel: 5 }, [3, 3, 1]);
  assert.match(big.error ?? '', /kernel 5x5 is larger than its 3x3 input, so the output would be \(-1, -1, 4\)/);
  assert.match(run('conv2d', { filters: 4, kernel: 3 }, [28, 28]).error ?? '', /rank 3.*target_shape: \[28, 28, 1\]/);
});

test('pools: strides default to the pool size; odd sizes round down like Keras', () => {
  assert.deepEqual(run('max_pool2d', {}, [26, 26, 32]), { shape: [13, 13, 32], trainable: 0, nonTrainable: 0 });
  assert.deepEqual(run('max_pool2d', { pool: 2 }, [11, 11, 64]).shape, [5, 5, 64]);
  assert.deepEqual(run('avg_pool2d', { pool: 3, strides: 1 }, [7, 7, 2]).shape, [5, 5, 2]);
  assert.deepEqual(run('avg_pool2d', { pool: 2, padding: 'same' }, [7, 7, 2]).shape, [4, 4, 2]);
  assert.match(run('max_pool2d', { pool: 4 }, [3, 3, 1]).error ?? '', /pool 4x4 is larger than its 3x3 input/);
});

test('global pools keep one value per channel', () => {
  assert.deepEqual(run('global_avg_pool2d', {}, [5, 5, 64]).shape, [64]);
  assert.deepEqual(run('global_max_pool2d', {}, [3, 7, 10]).shape, [10]);
  assert.ok(run('global_max_pool2d', {}, [10]).error);
});

test('flatten multiplies out; dense acts on the last axis', () => {
  assert.deepEqual(run('flatten', {}, [3, 3, 64]).shape, [576]);
  // Keras: Dense(64) on 576 features -> 36,928 params; Dense(10) on 64 -> 650.
  assert.deepEqual(run('dense', { units: 64 }, [576]), { shape: [64], trainable: 576 * 64 + 64, nonTrainable: 0 });
  assert.equal(run('dense', { units: 10 }, [64]).trainable, 650);
  assert.deepEqual(run('dense', { units: 7, use_bias: false }, [5, 5, 3]), { shape: [5, 5, 7], trainable: 21, nonTrainable: 0 });
});

test('batch_norm: gamma and beta trainable, moving mean and variance not (Keras counts 4 per channel)', () => {
  assert.deepEqual(run('batch_norm', {}, [256]), { shape: [256], trainable: 512, nonTrainable: 512 });
  assert.deepEqual(run('batch_norm', { center: false }, [4, 4, 8]), { shape: [4, 4, 8], trainable: 8, nonTrainable: 16 });
});

test('dropout and activation change nothing', () => {
  assert.deepEqual(run('dropout', { rate: 0.5 }, [10]), { shape: [10], trainable: 0, nonTrainable: 0 });
  assert.deepEqual(run('activation', { activation: 'relu' }, [2, 3]), { shape: [2, 3], trainable: 0, nonTrainable: 0 });
});

test('reshape: sizes must multiply out; one -1 is worked out', () => {
  assert.deepEqual(run('reshape', { target_shape: [28, 28, 1] }, [784]).shape, [28, 28, 1]);
  assert.deepEqual(run('reshape', { target_shape: [-1, 4] }, [6, 2]).shape, [3, 4]);
  assert.match(run('reshape', { target_shape: [10, 10] }, [784]).error ?? '', /holds 100 values but the input \(784,\) holds 784/);
  assert.match(run('reshape', { target_shape: [-1, 5] }, [784]).error ?? '', /784 is not a multiple of 5/);
});
