/**
 * 3x3 stride-1 convolutions by Winograd's F(2x2, 3x3) and F(4x4, 3x3) (winogradConv and
 * winograd4Conv in src/backend/simd/kernels.wat, simd/winograd.ts): the forward pass (Conv2D,
 * FusedConv2D with bias and activations), each tile size against a float64 loop from the
 * definition, and the registered kernel against the cpu backend's stock kernels, on odd sizes
 * (border tiles cut by the output's edge, patches that reach past the input's), 'same' and
 * 'valid' padding, more tiles than one chunk (each call has the 64 tiles Winograd needs to run
 * at all), and channel counts that do not tile (which fall back). Each case checks that
 * Winograd really ran, with the tile size winogradTileFor picks: the registered kernel's bits
 * equal winogradConvSimd's with that tile. The transforms add a few terms before and after the
 * products, so the tolerance is the other kernels' (kernel-reference.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { largeWinogradTiles, winogradConvs, winogradConvSimd, winogradTileFor, winogradVariant, type WinogradTile } from '../src/backend/simd/winograd.js';
import { assertClose, seededValues, type ConvCase } from './kernel-reference.js';

const cases: ConvCase[] = [
  { x: [8, 13, 13, 32], k: [3, 3], cout: 64, strides: [1, 1], pad: 'valid' }, // the target model's second layer: 72 4x4 tiles, three chunks
  { x: [11, 9, 7, 8], k: [3, 3], cout: 16, strides: [1, 1], pad: 'same' }, // odd sizes: tiles cut by both edges
  { x: [16, 8, 10, 4], k: [3, 3], cout: 8, strides: [1, 1], pad: 'valid' },
  { x: [8, 12, 11, 16], k: [3, 3], cout: 24, strides: [1, 1], pad: 'same' }, // 9 tiles a sample: a short last group of 4
  { x: [8, 6, 6, 8], k: [3, 3], cout: 8, strides: [1, 1], pad: 'same' }, // 6x6: a tie, so F(2x2); every 4x4 tile's patch crosses an edge
  { x: [8, 8, 8, 4], k: [3, 3], cout: 16, strides: [1, 1], pad: 'valid' }, // 6x6 again, without padding
];

const label = (c: ConvCase) => `x=${c.x} cout=${c.cout} ${c.pad}`;
const fShape = (c: ConvCase): [number, number, number, number] => [3, 3, c.x[3], c.cout];
const xv = (c: ConvCase) => seededValues(tf.util.sizeFromShape(c.x), 1).map((v) => 3 * v);
const wv = (c: ConvCase) => seededValues(9 * c.x[3] * c.cout, 2);
const bv = (c: ConvCase) => seededValues(c.cout, 3);

function geometry(c: ConvCase): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(c.x, fShape(c), 1, 1, c.pad, undefined, false, 'channelsLast');
}

/** act(conv + bias) in float64. */
function forwardByDefinition(c: ConvCase, bias: boolean, activation: 'linear' | 'relu' | 'relu6'): Float32Array {
  const [n, h, w, cin] = c.x;
  const {
    outHeight: ho,
    outWidth: wo,
    padInfo: { top, left },
  } = geometry(c);
  const x = xv(c),
    f = wv(c),
    b = bv(c);
  const out = new Float32Array(n * ho * wo * c.cout);
  for (let s = 0; s < n; s++)
    for (let p = 0; p < ho; p++)
      for (let q = 0; q < wo; q++)
        for (let o = 0; o < c.cout; o++) {
          let sum = bias ? b[o]! : 0;
          for (let i = 0; i < 3; i++)
            for (let j = 0; j < 3; j++) {
              const r = p + i - top,
                t = q + j - left;
              if (r < 0 || r >= h || t < 0 || t >= w) continue;
              for (let ch = 0; ch < cin; ch++) sum += x[((s * h + r) * w + t) * cin + ch]! * f[((i * 3 + j) * cin + ch) * c.cout + o]!;
            }
          const v = activation === 'linear' ? sum : Math.max(sum, 0);
          out[((s * ho + p) * wo + q) * c.cout + o] = activation === 'relu6' ? Math.min(v, 6) : v;
        }
  return out;
}

test('setup: wasm with the fast kernels', async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
  assert.equal(winogradConvs.enabled, true);
});

for (const activation of [null, 'relu', 'relu6'] as const) {
  test(`forward by Winograd (${activation ?? 'Conv2D, training'}), both tile sizes, matches the definition and cpu stock, and is what runs`, async () => {
    for (const c of cases) {
      const bias = activation != null;
      const run = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(xv(c), c.x);
          const w = tf.tensor4d(wv(c), fShape(c));
          const y =
            activation == null ? tf.conv2d(x, w, 1, c.pad) : tf.fused.conv2d({ x, filter: w, strides: 1, pad: c.pad, bias: tf.tensor1d(bv(c)), activation });
          return y.dataSync() as Float32Array;
        });
      await tf.setBackend('wasm');
      const ours = run();
      const info = geometry(c);
      const byTile = (tile: WinogradTile) =>
        tf.tidy(() => {
          const out = winogradConvSimd(
            tf.backend(),
            tf.tensor4d(xv(c), c.x),
            tf.tensor4d(wv(c), fShape(c)),
            bias ? tf.tensor1d(bv(c)) : null,
            [c.x[0], info.outHeight, info.outWidth, c.cout],
            info.padInfo,
            activation ?? 'linear',
            true,
            tile,
          );
          assert.ok(out != null, `${label(c)}: Winograd took it`);
          return tf.engine().makeTensorFromTensorInfo(out).dataSync() as Float32Array;
        });
      const expected = forwardByDefinition(c, bias, activation ?? 'linear');
      for (const tile of [2, 4] as const) assertClose(byTile(tile), expected, `${label(c)}: F(${tile}x${tile}, 3x3), definition`);
      const chosen = winogradTileFor(c.x[0], info.outHeight, info.outWidth, false);
      assert.ok(chosen != null, `${label(c)}: enough tiles for Winograd`);
      assert.deepEqual(ours, byTile(chosen), `${label(c)}: the registered kernel ran Winograd F(${chosen}x${chosen}, 3x3)`);
      // Recording a gradient (training), the tile winogradTileFor gives for training.
      const trainingTile = winogradTileFor(c.x[0], info.outHeight, info.outWidth, true);
      assert.ok(trainingTile != null, `${label(c)}: enough pixels for Winograd in training`);
      let recorded: Float32Array | undefined;
      tf.tidy(() =>
        tf.grad((x: tf.Tensor) => {
          const w = tf.tensor4d(wv(c), fShape(c));
          const y =
            activation == null
              ? tf.conv2d(x as tf.Tensor4D, w, 1, c.pad)
              : tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w, strides: 1, pad: c.pad, bias: tf.tensor1d(bv(c)), activation });
          recorded = y.dataSync() as Float32Array;
          return tf.sum(y);
        })(tf.tensor4d(xv(c), c.x)),
      );
      assert.deepEqual(recorded, byTile(trainingTile), `${label(c)}: in training the kernel ran F(${trainingTile}x${trainingTile}, 3x3)`);
      await tf.setBackend('cpu');
      assertClose(ours, run(), `${label(c)}: cpu stock`);
    }
  });
}

test('the tile size with fewer products (edge tiles counted; F(2x2) on a tie or switched off): in inference where it halves the products over enough tiles, in training from 36 output pixels (F(4x4) from 64 tiles)', () => {
  // Products per channel pair: ceil(ho / f) * ceil(wo / f) tiles of (f + 2)^2.
  const cases: Array<[number, number, WinogradTile]> = [
    [11, 11, 4], // 9 x 36 = 324 against 36 x 16 = 576
    [3, 3, 4], // 36 against 64
    [26, 26, 4], // 49 x 36 against 169 x 16
    [6, 6, 2], // 144 each
    [5, 5, 2], // 144 each
    [2, 2, 2], // 36 against 16
    [1, 40, 2], // 10 x 36 against 20 x 16
  ];
  for (const [ho, wo, tile] of cases) assert.equal(winogradVariant(ho, wo), tile, `${ho}x${wo}`);
  // In inference Winograd runs only where its products are at most half the direct product's
  // 9 per pixel, with at least 64 tiles in the call.
  const inference: Array<[number, number, number, WinogradTile | null]> = [
    [64, 3, 3, 4], // 36 against 81, 64 tiles
    [63, 3, 3, null], // 63 tiles
    [8, 11, 11, 4], // 324 against 1089, 72 tiles
    [7, 11, 11, null], // 63 tiles
    [100, 5, 5, null], // 144 against 225
    [4, 6, 6, null], // 144 against 324, but 36 tiles
    [8, 6, 6, 2], // 72 tiles
    [64, 2, 2, 2], // 16 against 36, 64 tiles
    [100, 1, 40, null], // 320 against 360
  ];
  for (const [n, ho, wo, tile] of inference) assert.equal(winogradTileFor(n, ho, wo, false), tile, `inference, ${n} x ${ho}x${wo}`);
  // In training, the tile with fewer products from 36 output pixels; F(2x2) where F(4x4) would
  // have fewer than 64 tiles.
  const training: Array<[number, number, number, WinogradTile | null]> = [
    [8, 11, 11, 4], // 72 tiles
    [7, 11, 11, 2], // 63
    [32, 26, 26, 4],
    [1, 26, 26, 2], // 49
    [1, 6, 6, 2], // a tie
    [1, 1, 40, 2],
    [1000, 5, 7, null], // 35 pixels
    [1000, 3, 3, null],
  ];
  for (const [n, ho, wo, tile] of training) assert.equal(winogradTileFor(n, ho, wo, true), tile, `training, ${n} x ${ho}x${wo}`);
  largeWinogradTiles.enabled = false;
  try {
    assert.equal(winogradVariant(11, 11), 2);
    assert.equal(winogradTileFor(64, 3, 3, false), null, 'F(2x2) on a 3x3 output: 64 against 81');
    assert.equal(winogradTileFor(32, 11, 11, true), 2, 'training: F(2x2) when F(4x4) is switched off');
  } finally {
    largeWinogradTiles.enabled = true;
  }
});

test('Winograd declines what it does not cover, and the fallback is still right', async () => {
  await tf.setBackend('wasm');
  const backend = tf.backend();
  tf.tidy(() => {
    const x = tf.zeros([1, 8, 8, 6]);
    assert.equal(winogradConvSimd(backend, x, tf.zeros([3, 3, 6, 8]), null, [1, 6, 6, 8], { top: 0, left: 0 }, 'linear', true, 2), null, 'cin 6');
    assert.equal(
      winogradConvSimd(backend, tf.zeros([1, 8, 8, 4]), tf.zeros([3, 3, 4, 12]), null, [1, 6, 6, 12], { top: 0, left: 0 }, 'linear', true, 2),
      null,
      'cout 12',
    );
    assert.equal(
      winogradConvSimd(backend, tf.zeros([1, 8, 8, 4]), tf.zeros([5, 5, 4, 8]), null, [1, 4, 4, 8], { top: 0, left: 0 }, 'linear', true, 2),
      null,
      '5x5',
    );
  });
  // A 5x5 filter and a stride of 2 take the direct tiles; switched off, 3x3 does too.
  for (const [c, k, s] of [
    [{ x: [2, 9, 9, 4], k: [5, 5], cout: 8, strides: [1, 1], pad: 'same' }, 5, 1],
    [{ x: [2, 9, 9, 4], k: [3, 3], cout: 8, strides: [2, 2], pad: 'same' }, 3, 2],
  ] as const) {
    const run = () =>
      tf.tidy(
        () =>
          tf
            .conv2d(
              tf.tensor4d(seededValues(2 * 81 * 4, 5), c.x as [number, number, number, number]),
              tf.tensor4d(seededValues(k * k * 32, 6), [k, k, 4, 8]),
              s,
              'same',
            )
            .dataSync() as Float32Array,
      );
    await tf.setBackend('wasm');
    const ours = run();
    await tf.setBackend('cpu');
    assertClose(ours, run(), `${k}x${k} stride ${s}`);
  }
  await tf.setBackend('wasm');
  winogradConvs.enabled = false;
  const c = cases[1]!;
  const off = tf.tidy(() => tf.conv2d(tf.tensor4d(xv(c), c.x), tf.tensor4d(wv(c), fShape(c)), 1, c.pad).dataSync() as Float32Array);
  winogradConvs.enabled = true;
  assertClose(off, forwardByDefinition(c, false, 'linear'), 'switched off');
});
