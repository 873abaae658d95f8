/**
 * The filter gradient by tiles over a filter row's taps and channels (filterGradRows in
 * src/backend/simd/kernels.wat): any number of input channels, so the first layer (one
 * channel) and odd channel counts get register tiles too. Against the float64 definition
 * (kernel-reference.ts) on odd sizes, strides and padding, directly and through tf.grad on
 * wasm; and, in a child process on the threaded build, split over the helper thread: every
 * output element is one thread's sum, so the split must equal the one-thread result bit for
 * bit (the forward tiles are checked the same way there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { filterGradRowsSimd } from '../src/backend/simd/tiles.js';
import { assertClose, filterGradByDefinition, seededValues, type ConvCase } from './kernel-reference.js';
import { ROOT } from './helpers.js';

const cases: ConvCase[] = [
  { x: [3, 28, 28, 1], k: [3, 3], cout: 32, strides: [1, 1], pad: 'valid' }, // the first layer
  { x: [2, 9, 8, 2], k: [3, 3], cout: 8, strides: [2, 2], pad: 'same' },
  { x: [2, 11, 10, 3], k: [5, 3], cout: 16, strides: [2, 3], pad: 'valid' }, // leftover rows and columns
  { x: [1, 7, 9, 5], k: [2, 4], cout: 24, strides: [1, 1], pad: 'same' }, // tiles straddle taps
  { x: [2, 6, 6, 7], k: [1, 1], cout: 8, strides: [1, 1], pad: 'valid' }, // a row of 7: one short tile
  { x: [2, 5, 5, 8], k: [3, 3], cout: 16, strides: [1, 1], pad: 'valid' }, // cin % 4 == 0 works too
];

const label = (c: ConvCase) => `x=${c.x} k=${c.k} cout=${c.cout} s=${c.strides} ${c.pad}`;

test('setup: wasm with the fast kernels', async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
});

test('filterGradRows matches the definition, directly and as the Conv2DBackpropFilter kernel', () => {
  for (const c of cases) {
    const fShape: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], c.cout];
    const info = tf.backend_util.computeConv2DInfo(c.x, fShape, c.strides, 1, c.pad, undefined, false, 'channelsLast');
    const dyShape: [number, number, number, number] = [c.x[0], info.outHeight, info.outWidth, c.cout];
    const xv = seededValues(tf.util.sizeFromShape(c.x), 1);
    const dyv = seededValues(tf.util.sizeFromShape(dyShape), 2);
    const want = filterGradByDefinition(xv, c.x, dyv, dyShape, fShape, info);
    const direct = tf.tidy(() => {
      const { top, bottom, left, right } = info.padInfo;
      const xp = tf.pad(tf.tensor4d(xv, c.x), [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ]);
      const out = filterGradRowsSimd(tf.backend(), xp, tf.tensor4d(dyv, dyShape), fShape, c.strides);
      assert.ok(out != null, `${label(c)}: the rows kernel took it`);
      return tf.engine().makeTensorFromTensorInfo(out).dataSync() as Float32Array;
    });
    assertClose(direct, want, `${label(c)}: direct`);
    // d/dW of sum(conv2d(x, W) * dy) is the filter gradient for output gradient dy.
    const viaKernel = tf.tidy(() => {
      const f = (w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(tf.tensor4d(xv, c.x), w as tf.Tensor4D, c.strides, c.pad), tf.tensor4d(dyv, dyShape)));
      return tf.grad(f)(tf.zeros(fShape)).dataSync() as Float32Array;
    });
    assertClose(viaKernel, want, `${label(c)}: through tf.grad`);
  }
});

test('filterGradRows declines output channels it does not tile', () => {
  tf.tidy(() => {
    assert.equal(filterGradRowsSimd(tf.backend(), tf.zeros([1, 5, 5, 3]), tf.zeros([1, 3, 3, 12]), [3, 3, 3, 12], [1, 1]), null, 'cout 12');
    assert.equal(filterGradRowsSimd(tf.backend(), tf.zeros([1, 5, 5, 3]), tf.zeros([1, 3, 3, 4]), [3, 3, 3, 4], [1, 1]), null, 'cout 4');
  });
});

test('the threaded build: forward tiles, Winograd and filter-gradient rows split over the helper equal one thread bit for bit', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'fixtures', 'scripts', 'simd-threaded-tiles.ts')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `child failed:\n${r.stdout}\n${r.stderr}`);
  const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.equal(result.helper, true, 'the shared heap has a helper thread');
  for (const key of ['convSplitExact', 'rowsSplitExact', 'matmulSplitExact']) assert.equal(result[key], true, key);
  for (const key of ['convError', 'rowsError', 'matmulError']) assert.ok((result[key] as number) < 1e-4, `${key} ${result[key]}`);
  // Winograd splits by tiles: each output pixel is still one thread's identical arithmetic.
  const winograd = result.winograd as Array<{ tile: number; splitExact: boolean; error: number }>;
  assert.deepEqual(
    winograd.map((w) => w.tile),
    [2, 4],
  );
  for (const w of winograd) {
    assert.equal(w.splitExact, true, `F(${w.tile}x${w.tile}, 3x3) split equals one thread bit for bit`);
    assert.ok(w.error < 1e-4, `F(${w.tile}x${w.tile}, 3x3) relative error ${w.error}`);
  }
});
