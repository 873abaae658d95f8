/**
 * The depthwise convolution gradients (src/backend/gradients/depthwise*.ts) on wasm and cpu
 * against float64 sums written from the definition (gradients-reference.ts): strides, dilation,
 * 'same', 'valid' and explicit padding, depth multipliers 1-4, batch > 1, channel counts that
 * are and are not multiples of 4 (the SIMD path's blocks and its tail), a filter wider than the
 * image. The forward kernels are checked against the same sums, so a model's forward and
 * backward agree with one definition.
 *
 * On wasm the SIMD module (layer-kernels.wat) computes them, with multipliers above 1 spread over
 * channels; on cpu the loops of depthwise-loops.ts do.
 *
 * Tolerance (assertClose): |got - want| <= 1e-4 * max|want| + 1e-5; float32 sums of at most a
 * few hundred products in another order stay orders of magnitude below it, an indexing error
 * does not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { layerSimdFor } from '../src/backend/gradients/layer-simd.js';
import { buildLayerKernelsModule, LAYER_KERNELS_MODULE_PATH } from '../scripts/build-layer-kernels.js';
import { assertClose, seededValues } from './kernel-reference.js';
import { depthwiseReference, f32, outShape, type Geometry, type Pair } from './gradients-reference.js';

interface Case {
  x: [number, number, number, number];
  k: Pair;
  m: number;
  strides?: Pair;
  dilations?: Pair;
  pad: Geometry['pad'];
}

const CASES: Case[] = [
  { x: [2, 7, 9, 5], k: [3, 3], m: 1, pad: 'valid' },
  { x: [3, 8, 7, 6], k: [3, 2], m: 2, strides: [2, 2], pad: 'same' },
  { x: [2, 9, 10, 3], k: [3, 3], m: 3, strides: [2, 3], pad: 'valid' }, // rows and columns no output reads
  { x: [1, 11, 9, 4], k: [3, 3], m: 1, dilations: [2, 2], pad: 'same' },
  { x: [2, 10, 12, 5], k: [2, 3], m: 2, dilations: [2, 3], pad: 'valid' },
  { x: [2, 6, 6, 16], k: [3, 3], m: 1, pad: 'same' },
  { x: [2, 13, 11, 20], k: [5, 5], m: 1, strides: [2, 2], pad: 'same' },
  { x: [2, 12, 12, 18], k: [3, 3], m: 1, dilations: [3, 3], pad: 'same' },
  {
    x: [2, 9, 8, 7],
    k: [3, 3],
    m: 1,
    dilations: [2, 1],
    pad: [
      [2, 1],
      [0, 3],
    ],
  },
  { x: [3, 5, 6, 1], k: [1, 1], m: 4, pad: 'valid' },
  { x: [2, 4, 5, 3], k: [5, 5], m: 1, pad: 'same' }, // filter larger than the image
];

const label = (c: Case) => `x=${c.x} k=${c.k} m=${c.m} s=${c.strides ?? [1, 1]} d=${c.dilations ?? [1, 1]} pad=${JSON.stringify(c.pad)}`;

function inputs(c: Case) {
  const wShape = [c.k[0], c.k[1], c.x[3], c.m];
  const g: Geometry = { strides: c.strides ?? [1, 1], dilations: c.dilations ?? [1, 1], pad: c.pad };
  const yShape = outShape(c.x, wShape, c.x[3] * c.m, g);
  const x = seededValues(tf.util.sizeFromShape(c.x), 1);
  const w = seededValues(tf.util.sizeFromShape(wShape), 2);
  const dy = seededValues(tf.util.sizeFromShape(yShape), 3);
  return { wShape, g, yShape, x, w, dy };
}

/** tfjs pad argument for a reference padding. */
function tfPad(pad: Geometry['pad']): 'valid' | 'same' | tf.backend_util.ExplicitPadding {
  return typeof pad === 'string' ? pad : [[0, 0], pad[0], pad[1], [0, 0]];
}

/** Forward output and the gradients of sum(y * dy) on the current backend. */
function depthwiseOnBackend(c: Case) {
  const { wShape, g, yShape, x, w, dy } = inputs(c);
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.x);
    const wt = tf.tensor4d(w, wShape as [number, number, number, number]);
    const r = tf.tensor(dy, yShape);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, g.strides, tfPad(g.pad), 'NHWC', g.dilations);
    const y = f(xt, wt);
    assert.deepEqual(y.shape, yShape, `${label(c)}: output shape`);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), r)))([xt, wt]);
    return { y: y.dataSync() as Float32Array, dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array };
  });
}

test('wasm 4.22 lacks both depthwise gradient kernels until installFastGradients adds them', async () => {
  assert.ok(await tf.setBackend('wasm'));
  assert.equal(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm'), undefined);
  assert.equal(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm'), undefined);
  installFastGradients('wasm');
  installFastGradients('cpu');
  assert.ok(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm'));
  assert.ok(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm'));
  assert.ok(layerSimdFor(tf.backend()) != null, 'the SIMD module loads into the wasm backend');
  assert.ok(await tf.setBackend('cpu'));
  assert.equal(layerSimdFor(tf.backend()), null, 'and not into the cpu backend');
});

test('layer-kernels-wasm.ts is what layer-kernels.wat assembles to (run `npm run build:wasm:layers`)', async () => {
  assert.equal(readFileSync(LAYER_KERNELS_MODULE_PATH, 'utf8'), await buildLayerKernelsModule());
});

for (const backend of ['wasm', 'cpu']) {
  test(`depthwise conv2d forward and both gradients match the definition on ${backend}`, async () => {
    assert.ok(await tf.setBackend(backend));
    for (const c of CASES) {
      const { wShape, g, x, w, dy } = inputs(c);
      const want = depthwiseReference(x, c.x, w, wShape, dy, g);
      const got = depthwiseOnBackend(c);
      assertClose(got.y, f32(want.y), `${backend} ${label(c)} y`);
      assertClose(got.dx, f32(want.dx), `${backend} ${label(c)} dx`);
      assertClose(got.dw, f32(want.dw), `${backend} ${label(c)} dW`);
    }
  });
}

test('dimRoundingMode with a numeric pad reaches the kernels unchanged', async () => {
  // pad 1 on a 6x7 input with stride 2: the output size is rounded; 'ceil' adds a row and a column.
  for (const backend of ['wasm', 'cpu']) {
    assert.ok(await tf.setBackend(backend));
    const [dx, dw] = tf.tidy(() => {
      const x = tf.tensor4d(seededValues(2 * 6 * 7 * 3, 4), [2, 6, 7, 3]);
      const w = tf.tensor4d(seededValues(3 * 3 * 3 * 2, 5), [3, 3, 3, 2]);
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 1, 'NHWC', 1, 'ceil');
      const y = f(x, w);
      assert.deepEqual(y.shape, [2, 4, 4, 6]);
      const r = tf.tensor(seededValues(y.size, 6), y.shape);
      return tf
        .grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), r)))([x, w])
        .map((t) => t.dataSync() as Float32Array);
    });
    // ceil(6 + 2 - 3) / 2 + 1 = 4 rows: the same sums as explicit padding [1, 2] x [1, 1].
    const g: Geometry = {
      strides: [2, 2],
      dilations: [1, 1],
      pad: [
        [1, 2],
        [1, 1],
      ],
    };
    const want = depthwiseReference(seededValues(2 * 6 * 7 * 3, 4), [2, 6, 7, 3], seededValues(54, 5), [3, 3, 3, 2], seededValues(2 * 4 * 4 * 6, 6), g);
    assertClose(dx!, f32(want.dx), `${backend} ceil dx`);
    assertClose(dw!, f32(want.dw), `${backend} ceil dW`);
  }
});

test('the threaded wasm build (shared memory) runs the same SIMD gradients and copies', () => {
  const script = fileURLToPath(new URL('./fixtures/scripts/layer-kernels-threaded.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `child failed:\n${r.stdout}\n${r.stderr}`);
  const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
    threads: number;
    shared: boolean;
    simd: boolean;
    maxRelativeError: number;
    copiesExact: boolean;
  };
  assert.equal(result.copiesExact, true, 'concatenation and crop copied exactly');
  assert.equal(result.threads, 2);
  assert.equal(result.shared, true);
  assert.equal(result.simd, true);
  // The relative form of assertClose's tolerance.
  assert.ok(result.maxRelativeError < 1e-4, `max error relative to the largest gradient: ${result.maxRelativeError}`);
});

test('the gradients leave their inputs usable and leak no tensor or buffer', async () => {
  for (const backend of ['wasm', 'cpu']) {
    assert.ok(await tf.setBackend(backend));
    for (const m of [1, 3]) {
      const x = tf.tensor4d(seededValues(2 * 9 * 8 * 5, 9), [2, 9, 8, 5]);
      const w = tf.tensor4d(seededValues(3 * 3 * 5 * m, 10), [3, 3, 5, m]);
      const step = () =>
        tf.tidy(() => {
          const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same', 'NHWC', 2));
          return tf
            .grads(f)([x, w])
            .map((t) => t.dataSync() as Float32Array);
        });
      const first = step();
      const before = tf.memory();
      const second = step(); // the same inputs again: a gradient that freed them would fail here
      const after = tf.memory();
      assert.deepEqual([after.numTensors, after.numDataBuffers], [before.numTensors, before.numDataBuffers], `${backend} m=${m}`);
      first.forEach((g, i) => assert.deepEqual(Array.from(second[i]!), Array.from(g)));
      tf.dispose([x, w]);
    }
  }
});
