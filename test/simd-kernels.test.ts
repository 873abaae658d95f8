/**
 * The SIMD kernels of src/backend/simd (kernels.wat on the wasm backend's
 * heap) against independent references: the cpu backend's stock kernels and
 * a loop written from the definition. Max pooling and the bias add must be
 * bit-for-bit equal (they only select and add once); the filter gradient
 * sums in a different order, so it gets the same tolerance as
 * gradients.test.ts. Each case first checks that the SIMD path really ran
 * (its op returns a tensor, not null).
 *
 * This process uses the single-threaded wasm build (unshared memory); the
 * threaded build (shared memory) is checked in a child process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { simdKernelsFor } from '../src/backend/simd/module.js';
import { filterGradSimd, maxPool2x2Simd, maxPoolGrad2x2Simd, reluGradSimd, rowVectorSimd, sumRowsSimd, swapAxesSimd } from '../src/backend/simd/ops.js';
import { filterGradTilesSimd } from '../src/backend/simd/tiles.js';
import { buildKernelsModule, KERNELS_MODULE_PATH } from '../scripts/build-wasm.js';
import { assertClose, assertSmall, filterGradByDefinition, poolInput, relativeError, seededValues, type ConvCase } from './kernel-reference.js';
import { ROOT } from './helpers.js';

async function on<T>(backend: string, f: () => T): Promise<T> {
  await tf.setBackend(backend);
  return f();
}

/** Runs a SIMD op on the wasm backend and reads its result back. */
function runSimd(op: (backend: unknown) => tf.TensorInfo | null): Float32Array {
  const backend = tf.backend();
  const out = op(backend);
  assert.ok(out != null, 'the SIMD path was taken');
  const t = tf.engine().makeTensorFromTensorInfo(out);
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

test('kernels-wasm.ts is what kernels.wat assembles to (run `npm run build:wasm`)', async () => {
  assert.equal(readFileSync(KERNELS_MODULE_PATH, 'utf8'), await buildKernelsModule());
});

test('the kernels load into the wasm backend only', async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
  assert.ok(simdKernelsFor(tf.backend()) != null, 'wasm');
  assert.ok(await tf.setBackend('cpu'));
  assert.equal(simdKernelsFor(tf.backend()), null, 'cpu');
});

const poolShapes: [number, number, number, number][] = [
  [2, 6, 6, 4],
  [2, 7, 9, 8], // odd sizes: the last row/column gets zero
  [3, 26, 26, 32], // the target model's first pooling layer (smaller batch)
];

test('MaxPoolGrad 2x2: SIMD equals cpu stock bit for bit, including ties, NaN, -Infinity and -0', async () => {
  for (const shape of poolShapes) {
    for (const kind of ['random', 'relu', 'coarse', 'special'] as const) {
      const xv = poolInput(shape, kind);
      const grad = () =>
        tf.tidy(() => {
          const f = (t: tf.Tensor) => {
            const y = tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid');
            return tf.sum(tf.mul(y, tf.tensor(seededValues(y.size, 12), y.shape)));
          };
          return tf.grad(f)(tf.tensor4d(xv, shape)).dataSync() as Float32Array;
        });
      const ref = await on('cpu', grad);
      const direct = await on('wasm', () =>
        tf.tidy(() => {
          const yShape: [number, number, number, number] = [shape[0], shape[1] >> 1, shape[2] >> 1, shape[3]];
          const dy = tf.tensor4d(seededValues(tf.util.sizeFromShape(yShape), 12), yShape);
          return runSimd((b) => maxPoolGrad2x2Simd(b, tf.tensor4d(xv, shape), dy));
        }),
      );
      const label = `${shape} ${kind}`;
      assert.deepEqual(Array.from(direct), Array.from(ref), `${label}: direct`);
      assert.deepEqual(Array.from(await on('wasm', grad)), Array.from(ref), `${label}: through tf.grad`);
    }
  }
});

test('MaxPool 2x2: SIMD equals cpu stock bit for bit, including ties, NaN, -Infinity and -0', async () => {
  for (const shape of poolShapes) {
    for (const kind of ['random', 'relu', 'coarse', 'special'] as const) {
      const xv = poolInput(shape, kind);
      const pool = () => tf.tidy(() => tf.maxPool(tf.tensor4d(xv, shape), 2, 2, 'valid').dataSync() as Float32Array);
      const ref = await on('cpu', pool);
      const yShape: [number, number, number, number] = [shape[0], shape[1] >> 1, shape[2] >> 1, shape[3]];
      const direct = await on('wasm', () => tf.tidy(() => runSimd((b) => maxPool2x2Simd(b, tf.tensor4d(xv, shape), yShape))));
      const label = `${shape} ${kind}`;
      // Bits, so that -0 and +0 differ and NaN equals NaN.
      const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
      assert.deepEqual(bits(direct), bits(ref), `${label}: direct`);
      assert.deepEqual(bits(await on('wasm', pool)), bits(ref), `${label}: through tf.maxPool`);
    }
  }
  await tf.setBackend('wasm');
  tf.tidy(() => assert.equal(maxPool2x2Simd(tf.backend(), tf.zeros([1, 4, 4, 3]), [1, 2, 2, 3]), null, '3 channels: the stock kernel'));
});

test('MaxPoolGrad 2x2: channels not a multiple of 4 are left to the JS loop', async () => {
  await tf.setBackend('wasm');
  tf.tidy(() => {
    const x = tf.zeros([1, 4, 4, 3]);
    const dy = tf.zeros([1, 2, 2, 3]);
    assert.equal(maxPoolGrad2x2Simd(tf.backend(), x, dy), null);
  });
});

const filterCases: ConvCase[] = [
  { x: [3, 28, 28, 1], k: [3, 3], cout: 32, strides: [1, 1], pad: 'valid' }, // the target model's first layer
  { x: [2, 9, 8, 3], k: [3, 2], cout: 8, strides: [2, 2], pad: 'same' }, // 18 taps: two passes, padding
  { x: [2, 10, 11, 2], k: [2, 2], cout: 4, strides: [2, 3], pad: 'valid' }, // fewer taps than a pass
  { x: [1, 12, 12, 4], k: [5, 5], cout: 12, strides: [1, 1], pad: 'same' }, // 100 taps
];

test('conv filter gradient: SIMD matches the definition and cpu stock', async () => {
  for (const c of filterCases) {
    const label = `x=${c.x} k=${c.k} cout=${c.cout} s=${c.strides} ${c.pad}`;
    const fShape: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], c.cout];
    const xv = seededValues(tf.util.sizeFromShape(c.x), 1);
    const info = tf.backend_util.computeConv2DInfo(c.x, fShape, c.strides, 1, c.pad, undefined, false, 'channelsLast');
    const dyShape: [number, number, number, number] = [c.x[0], info.outHeight, info.outWidth, c.cout];
    const dyv = seededValues(tf.util.sizeFromShape(dyShape), 2);
    // d/dW of sum(conv2d(x, W) * dy) is the filter gradient for output gradient dy.
    const viaGrad = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(xv, c.x);
        const dy = tf.tensor4d(dyv, dyShape);
        const f = (w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, c.strides, c.pad), dy));
        return tf.grad(f)(tf.zeros(fShape)).dataSync() as Float32Array;
      });
    const stock = await on('cpu', viaGrad);
    const byDefinition = filterGradByDefinition(xv, c.x, dyv, dyShape, fShape, info);
    assertClose(stock, byDefinition, `${label}: cpu stock vs definition`);
    const simd = await on('wasm', () =>
      tf.tidy(() => {
        const { top, bottom, left, right } = info.padInfo;
        const xp = tf.pad(tf.tensor4d(xv, c.x), [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ]);
        return runSimd((b) => filterGradSimd(b, xp, tf.tensor4d(dyv, dyShape), fShape, c.strides));
      }),
    );
    assertClose(simd, byDefinition, `${label}: SIMD`);
    assertClose(await on('wasm', viaGrad), byDefinition, `${label}: Conv2DBackpropFilter kernel on wasm`);
  }
});

const tileCases: ConvCase[] = [
  { x: [3, 13, 13, 32], k: [3, 3], cout: 64, strides: [1, 1], pad: 'valid' }, // the target model's second layer
  { x: [2, 5, 5, 64], k: [3, 3], cout: 64, strides: [1, 1], pad: 'valid' }, // its third: 3x3 outputs
  { x: [2, 9, 8, 8], k: [3, 2], cout: 16, strides: [2, 2], pad: 'same' }, // padding and strides
  { x: [5, 7, 11, 4], k: [2, 4], cout: 8, strides: [1, 3], pad: 'valid' }, // one channel tile, several sample blocks
];

test('conv filter gradient by register tiles matches the definition; the wasm kernel takes it for cin % 4 == 0', async () => {
  for (const c of tileCases) {
    const label = `x=${c.x} k=${c.k} cout=${c.cout} s=${c.strides} ${c.pad}`;
    const fShape: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], c.cout];
    const xv = seededValues(tf.util.sizeFromShape(c.x), 3);
    const info = tf.backend_util.computeConv2DInfo(c.x, fShape, c.strides, 1, c.pad, undefined, false, 'channelsLast');
    const dyShape: [number, number, number, number] = [c.x[0], info.outHeight, info.outWidth, c.cout];
    const dyv = seededValues(tf.util.sizeFromShape(dyShape), 4);
    const byDefinition = filterGradByDefinition(xv, c.x, dyv, dyShape, fShape, info);
    const tiles = await on('wasm', () =>
      tf.tidy(() => {
        const { top, bottom, left, right } = info.padInfo;
        const xp = tf.pad(tf.tensor4d(xv, c.x), [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ]);
        return runSimd((b) => filterGradTilesSimd(b, xp, tf.tensor4d(dyv, dyShape), fShape, c.strides));
      }),
    );
    assertClose(tiles, byDefinition, `${label}: tiles`);
    // This test's backend is the single-threaded build: no helper, so the gradient takes the tiles.
    const viaKernel = await on('wasm', () =>
      tf.tidy(() => {
        const x = tf.tensor4d(xv, c.x);
        const dy = tf.tensor4d(dyv, dyShape);
        return tf
          .grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, c.strides, c.pad), dy)))(tf.zeros(fShape))
          .dataSync() as Float32Array;
      }),
    );
    assert.deepEqual(viaKernel, tiles, `${label}: Conv2DBackpropFilter on wasm is the tiles kernel`);
  }
});

test('conv filter gradient by register tiles refuses channel counts it does not tile', async () => {
  await tf.setBackend('wasm');
  tf.tidy(() => {
    const b = tf.backend();
    assert.equal(filterGradTilesSimd(b, tf.zeros([1, 5, 5, 6]), tf.zeros([1, 3, 3, 8]), [3, 3, 6, 8], [1, 1]), null, 'cin 6');
    assert.equal(filterGradTilesSimd(b, tf.zeros([1, 5, 5, 4]), tf.zeros([1, 3, 3, 12]), [3, 3, 4, 12], [1, 1]), null, 'cout 12');
  });
});

test('axis swaps: SIMD equals tf.transpose exactly', async () => {
  await tf.setBackend('wasm');
  for (const [shape, perm, kind] of [
    [[8, 5, 3, 12], [3, 1, 2, 0], 'outer'], // NHWC -> CHWN
    [[64, 13, 13, 32], [3, 1, 2, 0], 'outer'],
    [[6, 11, 11, 7], [1, 2, 0, 3], 'leading'], // NHWC -> HWNC
    [[32, 3, 3, 64], [1, 2, 0, 3], 'leading'],
  ] as const) {
    tf.tidy(() => {
      const x = tf.tensor(seededValues(tf.util.sizeFromShape([...shape]), 21), [...shape]);
      const want = tf.transpose(x, [...perm]);
      // Both swaps view NHWC as [N, H*W, C].
      const dims: [number, number, number] = [shape[0], shape[1] * shape[2], shape[3]];
      const got = runSimd((b) => swapAxesSimd(b, x, kind, dims, want.shape));
      assert.deepEqual(Array.from(got), Array.from(want.dataSync()), `${shape} ${perm}`);
    });
  }
  tf.tidy(() => assert.equal(swapAxesSimd(tf.backend(), tf.zeros([6, 2, 2, 4]), 'outer', [6, 4, 4], [4, 2, 2, 6]), null, 'a not a multiple of 4'));
});

test('conv filter gradient through the conv path (SIMD transposes) matches cpu stock', async () => {
  for (const c of [
    { x: [4, 13, 13, 32], k: [3, 3], cout: 64, strides: [1, 1], pad: 'valid' }, // the target model's second layer
    { x: [4, 9, 8, 8], k: [3, 3], cout: 12, strides: [2, 2], pad: 'same' },
  ] as ConvCase[]) {
    const fShape: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], c.cout];
    const info = tf.backend_util.computeConv2DInfo(c.x, fShape, c.strides, 1, c.pad, undefined, false, 'channelsLast');
    const dyShape: [number, number, number, number] = [c.x[0], info.outHeight, info.outWidth, c.cout];
    const xv = seededValues(tf.util.sizeFromShape(c.x), 22);
    const dyv = seededValues(tf.util.sizeFromShape(dyShape), 23);
    const viaGrad = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(xv, c.x);
        const dy = tf.tensor4d(dyv, dyShape);
        return tf
          .grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, c.strides, c.pad), dy)))(tf.zeros(fShape))
          .dataSync() as Float32Array;
      });
    const ref = await on('cpu', viaGrad);
    await tf.setBackend('wasm');
    const profile = await tf.profile(viaGrad);
    assert.ok(!profile.kernels.some((k) => k.name === 'Transpose'), `${c.x}: no stock Transpose ran`);
    assertClose(await on('wasm', viaGrad), ref, `${c.x} k=${c.k} s=${c.strides} ${c.pad}`);
  }
});

test('row-vector add, multiply and subtract: SIMD equals cpu stock bit for bit, either operand order; small or unaligned ones use the stock kernel', async () => {
  const big = seededValues(4 * 13 * 13 * 32, 5);
  const row = seededValues(32, 6);
  const shapes: [number[], number[]][] = [
    [[4, 13, 13, 32], [32]],
    [[32], [4, 13, 13, 32]],
    [
      [4, 13, 13, 32],
      [1, 1, 1, 32],
    ],
    [
      [1, 1, 1, 32],
      [4, 13, 13, 32],
    ],
  ];
  const ops = { add: tf.add, mul: tf.mul, sub: tf.sub } as const;
  for (const [name, op] of Object.entries(ops) as [keyof typeof ops, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][]) {
    for (const [sa, sb] of shapes) {
      const [va, vb] = tf.util.sizeFromShape(sa) === 32 ? [row, big] : [big, row];
      const run = () => tf.tidy(() => op(tf.tensor(va, sa), tf.tensor(vb, sb)).dataSync() as Float32Array);
      const ref = await on('cpu', run);
      const direct = await on('wasm', () => tf.tidy(() => runSimd((b) => rowVectorSimd(b, tf.tensor(va, sa), tf.tensor(vb, sb), name))));
      assert.deepEqual(Array.from(direct), Array.from(ref), `${sa} ${name} ${sb}: direct`);
      assert.deepEqual(Array.from(await on('wasm', run)), Array.from(ref), `${sa} ${name} ${sb}: the tf op`);
    }
  }
  await tf.setBackend('wasm');
  tf.tidy(() => {
    for (const name of ['add', 'mul', 'sub'] as const) {
      assert.equal(rowVectorSimd(tf.backend(), tf.zeros([4, 6]), tf.zeros([6]), name), null, `${name}: small`);
      assert.equal(rowVectorSimd(tf.backend(), tf.zeros([1000, 6]), tf.zeros([6]), name), null, `${name}: channels not a multiple of 4`);
      assert.equal(rowVectorSimd(tf.backend(), tf.zeros([1000, 8]), tf.zeros([1000, 8]), name), null, `${name}: not a row vector`);
      assert.equal(rowVectorSimd(tf.backend(), tf.zeros([1000, 8]), tf.scalar(1), name), null, `${name}: a scalar`);
      assert.equal(rowVectorSimd(tf.backend(), tf.tensor1d([1]), tf.zeros([1000, 8]), name), null, `${name}: a one-element vector`);
    }
  });
  // The optimizer adds and multiplies scalars (epsilon, rates) into whole weight tensors: those stay exact.
  for (const op of [tf.add, tf.mul, tf.sub]) {
    const run = () => tf.tidy(() => op(tf.tensor(big, [4, 13, 13, 32]), tf.scalar(0.25)).dataSync() as Float32Array);
    assert.deepEqual(Array.from(await on('wasm', run)), Array.from(await on('cpu', run)), 'tensor and scalar');
  }
});

test('sum over rows (conv bias gradient): SIMD is within a 64-term float32 sum of the exact value', async () => {
  await tf.setBackend('wasm');
  // 64*26*26 rows: many 64-row blocks; 130 rows: a partial last block.
  for (const [rows, cols] of [
    [64 * 26 * 26, 32],
    [130, 8],
    [3, 4],
  ] as const) {
    const xv = seededValues(rows * cols, 9).map((v, i) => v + (i % cols) * 0.01); // per-column offsets
    const got = tf.tidy(() => runSimd((b) => sumRowsSimd(b, tf.tensor2d(xv, [rows, cols]), rows, cols, [cols])));
    for (let j = 0; j < cols; j++) {
      let exact = 0;
      let magnitude = 0;
      for (let r = 0; r < rows; r++) {
        exact += xv[r * cols + j]!;
        magnitude += Math.abs(xv[r * cols + j]!);
      }
      const bound = 64 * 2 ** -24 * magnitude + Math.abs(exact) * 2 ** -24;
      assert.ok(Math.abs(got[j]! - exact) <= bound, `[${rows}, ${cols}] column ${j}: ${got[j]} vs ${exact} (bound ${bound})`);
    }
    // Through tf.sum over the leading axes, as the bias gradient calls it.
    const viaSum = tf.tidy(() => tf.sum(tf.tensor2d(xv, [rows, cols]), 0).dataSync() as Float32Array);
    assert.deepEqual(Array.from(viaSum), Array.from(got), `[${rows}, ${cols}] via tf.sum`);
  }
});

const inputCases: ConvCase[] = [
  { x: [3, 13, 13, 32], k: [3, 3], cout: 64, strides: [1, 1], pad: 'valid' }, // the target model's second layer
  { x: [2, 5, 5, 8], k: [3, 3], cout: 12, strides: [1, 1], pad: 'valid' },
  { x: [2, 9, 8, 4], k: [3, 2], cout: 5, strides: [2, 2], pad: 'same' }, // stride and padding
  { x: [2, 11, 10, 8], k: [3, 3], cout: 3, strides: [2, 3], pad: 'valid' }, // pixels no output reads
  { x: [1, 8, 8, 4], k: [5, 5], cout: 6, strides: [1, 1], pad: 'same' },
  { x: [2, 5, 5, 64], k: [3, 3], cout: 64, strides: [1, 1], pad: 'valid' }, // the third layer
  { x: [2, 9, 8, 16], k: [3, 2], cout: 8, strides: [2, 2], pad: 'same' }, // tiles with padding to crop
  { x: [3, 7, 11, 16], k: [2, 4], cout: 12, strides: [1, 3], pad: 'valid' }, // an odd pixel per row
];

test('conv input gradient: tiles (cin % 16 == 0) or columns (1x1 conv + SIMD col2im) match cpu stock', async () => {
  for (const c of inputCases) {
    const label = `x=${c.x} k=${c.k} cout=${c.cout} s=${c.strides} ${c.pad}`;
    const fShape: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], c.cout];
    const fv = seededValues(tf.util.sizeFromShape(fShape), 3);
    const info = tf.backend_util.computeConv2DInfo(c.x, fShape, c.strides, 1, c.pad, undefined, false, 'channelsLast');
    const dyShape: [number, number, number, number] = [c.x[0], info.outHeight, info.outWidth, c.cout];
    const dyv = seededValues(tf.util.sizeFromShape(dyShape), 4);
    // d/dx of sum(conv2d(x, W) * dy) is the input gradient for output gradient dy.
    const viaGrad = () =>
      tf.tidy(() => {
        const dy = tf.tensor4d(dyv, dyShape);
        const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, tf.tensor4d(fv, fShape), c.strides, c.pad), dy));
        return tf.grad(f)(tf.zeros(c.x)).dataSync() as Float32Array;
      });
    const ref = await on('cpu', viaGrad);
    await tf.setBackend('wasm');
    const profile = await tf.profile(viaGrad);
    const columnConv = profile.kernels.some((k) => k.name === 'Conv2D' && String(k.inputShapes[1]) === String([1, 1, c.cout, c.k[0] * c.k[1] * c.x[3]]));
    const tiles = c.x[3] % 16 === 0;
    assert.equal(columnConv, !tiles, `${label}: the ${tiles ? 'tiles' : 'column'} path ran`);
    assertClose(await on('wasm', viaGrad), ref, label);
    // The same kernel serves tf.conv2dTranspose as a forward op.
    const transposed = () =>
      tf.tidy(() => tf.conv2dTranspose(tf.tensor4d(dyv, dyShape), tf.tensor4d(fv, fShape), c.x, c.strides, c.pad).dataSync() as Float32Array);
    assertClose(await on('wasm', transposed), await on('cpu', transposed), `${label}: conv2dTranspose`);
  }
});

test('relu gradient: one SIMD kernel equals stock mul(dy, step(x)) bit for bit, -0 and NaN included', async () => {
  const n = 4 * 26 * 26 * 32 + 3; // a scalar tail too
  const xv = poolInput([n], 'special');
  const dyv = seededValues(n, 8).map((v, i) => (i % 11 === 5 ? [Infinity, -Infinity, Number.NaN, -0][((i / 11) % 4) | 0]! : v));
  const grad = () =>
    tf.tidy(() => {
      const dy = tf.tensor1d(dyv);
      return tf
        .grad((x: tf.Tensor) => tf.sum(tf.mul(tf.relu(x), dy)))(tf.tensor1d(xv))
        .dataSync() as Float32Array;
    });
  const ref = await on('cpu', grad);
  const direct = await on('wasm', () => tf.tidy(() => runSimd((b) => reluGradSimd(b, tf.tensor1d(dyv), tf.tensor1d(xv)))));
  // Bits, so -0 counts; every NaN as one value (wasm leaves NaN payloads to the hardware).
  const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (b, i) => (Number.isNaN(a[i]) ? 'NaN' : b));
  const want = bitsOf(new Float32Array(dyv.map((d, i) => d * (Number.isNaN(xv[i]!) ? Number.NaN : xv[i]! > 0 ? 1 : 0))));
  assert.deepEqual(bitsOf(ref), want, 'cpu stock is dy * step(x)');
  assert.deepEqual(bitsOf(direct), want, 'SIMD kernel');
  await tf.setBackend('wasm');
  const profile = await tf.profile(grad);
  assert.ok(
    profile.kernels.some((k) => k.name === 'NetspecReluGrad'),
    'the fused kernel ran',
  );
  assert.deepEqual(bitsOf(grad()), want, 'through tf.grad on wasm');
});

test('relu gradient of a gradient (a gradient penalty) on wasm matches cpu stock', async () => {
  const xv = seededValues(6 * 5 * 4, 21).map((v) => v - 0.5);
  const wv = seededValues(6 * 5 * 4, 22);
  // d/dx of the squared norm of d(sum(w * relu(x * x)))/dx: a relu gradient differentiated again.
  const penalty = () =>
    tf.tidy(() => {
      const w = tf.tensor1d(wv);
      const inner = (x: tf.Tensor) => tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.mul(z, z)), w)))(x);
      return tf
        .grad((x: tf.Tensor) => tf.sum(tf.square(inner(x))))(tf.tensor1d(xv))
        .dataSync() as Float32Array;
    });
  const ref = await on('cpu', penalty);
  assert.ok(
    ref.some((v) => v !== 0),
    'a non-zero reference',
  );
  assertClose(await on('wasm', penalty), ref, 'second-order relu gradient');
});

test('Identity and same-dtype Cast share data on wasm; each tensor still lives and dies on its own', async () => {
  await tf.setBackend('wasm');
  installFastGradients('wasm');
  const buffers = () => (tf.memory() as tf.MemoryInfo & { numDataBuffers: number }).numDataBuffers;
  const before = buffers();
  const x = tf.tensor1d([1.5, -2, 3]);
  const copy = tf.clone(x);
  const same = tf.cast(x, 'float32');
  const ints = tf.cast(x, 'int32');
  assert.equal(copy.dataId, x.dataId);
  assert.equal(buffers() - before, 2, 'only x and the int32 cast have buffers of their own');
  x.dispose();
  assert.deepEqual(Array.from(copy.dataSync()), [1.5, -2, 3]);
  assert.deepEqual(Array.from(same.dataSync()), [1.5, -2, 3]);
  assert.deepEqual(Array.from(ints.dataSync()), [1, -2, 3]);
  tf.dispose([copy, same, ints]);
  assert.equal(buffers(), before, 'all buffers released');
});

test('the error measure the child reports refuses NaN, Infinity and short outputs, also after JSON', () => {
  const ref = new Float32Array([1, -2, 4]);
  assert.ok(Math.abs(relativeError([1, -2, 4.0004], [1, -2, 4]) - 1e-4) < 1e-12);
  for (const bad of [
    [1, Number.NaN, 4],
    [1, -2, Infinity],
    [1, -2],
  ]) {
    const error = relativeError(new Float32Array(bad), ref);
    assert.equal(error, Infinity, JSON.stringify(bad));
    const reported = (JSON.parse(JSON.stringify({ error })) as { error: unknown }).error;
    assert.throws(() => assertSmall(reported, 1e-4, 'reported'), /expected a finite number, got null/);
  }
  assert.throws(() => assertSmall(2e-4, 1e-4, 'over'), /over/);
  assertSmall(0, 1e-4, 'zero');
});

test('the threaded wasm build (shared memory) runs the same kernels, and --threads 2 gradients match cpu stock', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'fixtures', 'scripts', 'simd-threaded.ts')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `child failed:\n${r.stdout}\n${r.stderr}`);
  const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.equal(result.threads, 2);
  assert.equal(result.shared, true);
  assert.equal(result.maxPoolExact, true);
  assert.equal(result.maxPoolForwardExact, true, 'the forward pool split over the helper thread');
  // Errors arrive through JSON, where NaN and Infinity become null: assertSmall requires a finite number.
  assertSmall(result.filterMaxError, 1e-4, 'filter gradient relative error');
  // Split over the helper thread by input channels, every output element is still one
  // thread's identical sum: the bits must equal the one-thread result.
  assert.equal(result.helper, true, 'the shared heap has a helper thread');
  assert.equal(result.tilesSplitExact, true, 'split tiles equal one-thread tiles bit for bit');
  assertSmall(result.tilesMaxError, 1e-4, 'tiles relative error');
  // The input gradient splits by samples: again one thread's identical sums per element.
  assert.equal(result.inputSplitExact, true, 'split input-gradient tiles equal one-thread tiles bit for bit');
  assertSmall(result.inputMaxError, 1e-4, 'input-gradient tiles relative error');
  // Winograd's gradients split the same ways (filter: input channels; input: samples).
  assert.equal(result.winogradSplitExact, true, 'split Winograd gradients equal one-thread ones bit for bit');
  assertSmall(result.winogradFilterError, 1e-4, 'Winograd filter gradient relative error');
  assertSmall(result.winogradInputError, 1e-4, 'Winograd input gradient relative error');
  // A whole CNN's gradients through tf.grad, one error per weight (conv kernels and biases, dense).
  const errors = result.trainingGradientErrors as unknown[];
  assert.ok(Array.isArray(errors) && errors.length === 10, `10 gradient errors, got ${JSON.stringify(errors)}`);
  errors.forEach((e, i) => assertSmall(e, 1e-4, `--threads 2 gradient of weight ${i} vs cpu stock`));
  for (const kernel of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'NetspecReluGrad']) {
    assert.ok((result.trainingKernels as string[]).includes(kernel), `the gradient ran ${kernel} on the threaded build`);
  }
});
