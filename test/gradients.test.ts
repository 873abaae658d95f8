/**
 * Parity of the composite conv backprop kernels and the JS/heap leaf kernels
 * (MaxPoolGrad, leading-axes Sum, transposed BatchMatMul) in
 * src/backend/gradients on wasm against the cpu backend's stock kernels, the
 * gradients of a whole small conv net, plus a short training run.
 *
 * Tolerance: |fast - ref| <= 1e-4 * max|ref| + 1e-5. Both sides are float32
 * sums of at most a few hundred products in a different order (GEMM vs loop);
 * the expected rounding difference is ~sqrt(n) * 6e-8 relative (< 2e-6), so
 * 1e-4 leaves a wide margin while still catching any indexing error (those
 * give O(1) relative differences).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients, WRAPPED_KERNELS } from '../src/backend/gradients/index.js';
import { maxPoolGradInto, poolGeometry } from '../src/backend/gradients/pool.js';
import { assertClose, seededValues as values, type ConvCase } from './kernel-reference.js';

type Pad = ConvCase['pad'];

const cases: ConvCase[] = [
  { x: [2, 7, 7, 1], k: [3, 3], cout: 4, strides: [1, 1], pad: 'valid' }, // few input channels: the SIMD loop on wasm
  { x: [2, 8, 9, 3], k: [3, 2], cout: 5, strides: [2, 2], pad: 'same' },
  { x: [3, 9, 8, 6], k: [3, 3], cout: 4, strides: [1, 1], pad: 'same' }, // conv path (cin > 4)
  { x: [2, 11, 10, 5], k: [3, 3], cout: 3, strides: [2, 3], pad: 'valid' }, // leftover rows/cols
  { x: [1, 6, 5, 7], k: [1, 1], cout: 2, strides: [1, 1], pad: 'valid' },
  { x: [2, 5, 6, 8], k: [5, 4], cout: 3, strides: [2, 1], pad: 'same' },
  { x: [2, 13, 13, 2], k: [2, 2], cout: 3, strides: [2, 2], pad: 'valid' },
];

type Activation = 'linear' | 'relu';
/** Gradients of sum(r * conv(x)) wrt x, filter (and bias) on the current backend. */
function convGrads(c: ConvCase, withBias: boolean, activation: Activation | null): Float32Array[] {
  return tf.tidy(() => {
    const cin = c.x[3];
    const fShape: [number, number, number, number] = [c.k[0], c.k[1], cin, c.cout];
    const x = tf.tensor4d(values(tf.util.sizeFromShape(c.x), 1), c.x);
    const f = tf.tensor4d(values(tf.util.sizeFromShape(fShape), 2), fShape);
    const b = tf.tensor1d(values(c.cout, 3));
    const forward = (xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor): tf.Tensor => {
      if (activation == null) return tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.strides, c.pad);
      return tf.fused.conv2d({
        x: xx as tf.Tensor4D,
        filter: ff as tf.Tensor4D,
        strides: c.strides,
        pad: c.pad,
        ...(withBias ? { bias: bb } : {}),
        activation,
      });
    };
    const y = forward(x, f, b);
    const r = tf.tensor(values(y.size, 4), y.shape);
    // tf.grads rejects inputs that do not reach the output, so pass b only when used.
    const g = tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(forward(ts[0]!, ts[1]!, ts[2] ?? b), r)));
    return g(withBias ? [x, f, b] : [x, f]).map((t) => t.dataSync() as Float32Array);
  });
}

async function on<T>(backend: string, f: () => T): Promise<T> {
  await tf.setBackend(backend);
  return f();
}

test('setup: wasm backend with fast gradients, cpu stock as reference', async () => {
  assert.ok(await tf.setBackend('wasm'));
  // Stock wasm has no filter-gradient kernel, so any pass below used ours.
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
  installFastGradients('wasm');
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm')); // cpu deliberately keeps its stock kernels
  assert.deepEqual([...WRAPPED_KERNELS.wasm!].sort(), [
    'Add',
    'BatchMatMul',
    'Cast',
    'Conv2D',
    'FusedBatchNorm',
    'FusedConv2D',
    'Identity',
    'MaxPool',
    'MaxPoolGrad',
    'Mean',
    'Multiply',
    'Sub',
    'Sum',
    '_FusedMatMul',
  ]);
  assert.ok(await tf.setBackend('cpu'));
});

for (const [variant, withBias, activation] of [
  ['Conv2D', false, null],
  ['fused linear, no bias', false, 'linear'],
  ['fused linear + bias', true, 'linear'],
  ['fused relu + bias (on cpu: unfused in training)', true, 'relu'],
] as const) {
  test(`conv2d gradients match cpu stock: ${variant}`, async () => {
    for (const c of cases) {
      const label = `${variant} x=${c.x} k=${c.k} s=${c.strides} ${c.pad}`;
      const ref = await on('cpu', () => convGrads(c, withBias, activation));
      const fast = await on('wasm', () => convGrads(c, withBias, activation));
      ['dx', 'dfilter', 'dbias'].slice(0, ref.length).forEach((name, i) => assertClose(fast[i]!, ref[i]!, `${label} ${name}`));
    }
  });
}

test('conv2dTranspose (Conv2DBackpropInput as a forward op) matches cpu stock', async () => {
  const run = () =>
    tf.tidy(() => {
      const dy = tf.tensor4d(values(2 * 4 * 5 * 3, 5), [2, 4, 5, 3]);
      const f = tf.tensor4d(values(3 * 3 * 6 * 3, 6), [3, 3, 6, 3]);
      return tf.conv2dTranspose(dy, f, [2, 8, 9, 6], 2, 'same').dataSync() as Float32Array;
    });
  assertClose(await on('wasm', run), await on('cpu', run), 'conv2dTranspose');
});

test('a tiny conv net trains on wasm and its loss goes down', async () => {
  await tf.setBackend('wasm');
  const model = tf.sequential();
  model.add(
    tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
  );
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 6, kernelSize: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })); // linear: fused path
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const x = tf.tensor4d(values(16 * 144, 7), [16, 12, 12, 1]);
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: 16 }, (_, i) => i % 3),
      'int32',
    ),
    3,
  );
  const losses: number[] = [];
  for (let i = 0; i < 15; i++) losses.push((await model.trainOnBatch(x, y)) as number);
  assert.ok(losses.every(Number.isFinite), `losses finite: ${losses}`);
  assert.ok(losses.at(-1)! < losses[0]! * 0.9, `loss went down: ${losses[0]} -> ${losses.at(-1)}`);
});

// --- JS/heap leaf kernels (wrapped.ts) -------------------------------------

interface PoolCase {
  x: [number, number, number, number];
  k: number | [number, number];
  s: number | [number, number];
  pad: Pad;
}
const poolCases: PoolCase[] = [
  { x: [2, 6, 6, 3], k: 2, s: 2, pad: 'valid' }, // unrolled 2x2 path
  { x: [2, 7, 9, 5], k: 2, s: 2, pad: 'valid' }, // odd sizes: last row/col unused
  { x: [2, 7, 9, 5], k: 2, s: 2, pad: 'same' }, // odd sizes: clipped edge windows
  { x: [1, 8, 7, 4], k: 3, s: 1, pad: 'valid' }, // overlapping windows accumulate
  { x: [2, 9, 8, 2], k: 3, s: 2, pad: 'same' },
  { x: [1, 5, 11, 3], k: [2, 3], s: [1, 2], pad: 'same' },
  { x: [1, 10, 10, 1], k: 4, s: 3, pad: 'valid' },
];

/** Pool inputs with many exact ties: relu zeros, and values rounded to a coarse grid. */
function poolInputs(c: PoolCase, kind: 'random' | 'relu' | 'coarse'): Float32Array {
  const v = values(tf.util.sizeFromShape(c.x), 11);
  if (kind === 'relu') return v.map((a) => Math.max(a, 0));
  if (kind === 'coarse') return v.map((a) => Math.round(a * 4) / 4);
  return v;
}

function maxPoolGrad(c: PoolCase, xv: Float32Array): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x);
    const f = (t: tf.Tensor) => {
      const y = tf.maxPool(t as tf.Tensor4D, c.k, c.s, c.pad);
      return tf.sum(tf.mul(y, tf.tensor(values(y.size, 12), y.shape)));
    };
    return tf.grad(f)(x).dataSync() as Float32Array;
  });
}

test('MaxPoolGrad (JS kernel) matches cpu stock, ties to the first maximum', async () => {
  for (const c of poolCases) {
    for (const kind of ['random', 'relu', 'coarse'] as const) {
      const xv = poolInputs(c, kind);
      const label = `maxPool x=${c.x} k=${c.k} s=${c.s} ${c.pad} ${kind}`;
      const ref = await on('cpu', () => maxPoolGrad(c, xv));
      assertClose(await on('wasm', () => maxPoolGrad(c, xv)), ref, label);
      // The same loop serves the cpu backend when installed there.
      const dy = await on('cpu', () =>
        tf.tidy(() => {
          const y = tf.maxPool(tf.tensor4d(xv, c.x), c.k, c.s, c.pad);
          return values(y.size, 12);
        }),
      );
      const dx = new Float32Array(xv.length);
      maxPoolGradInto(xv, dy, dx, poolGeometry(c.x, { filterSize: c.k, strides: c.s, pad: c.pad }));
      assertClose(dx, ref, `${label} (direct)`);
    }
  }
});

test('MaxPoolGrad: negative maxima and all-equal windows keep their gradient', async () => {
  // The stock wasm kernel drops these; cpu/TensorFlow route to the first max.
  const c: PoolCase = { x: [1, 4, 4, 1], k: 2, s: 2, pad: 'valid' };
  const xv = new Float32Array([-1, -2, 0, 0, -3, -4, 0, 0, 5, 5, -7, -6, 5, 5, -8, -9]);
  const got = await on('wasm', () => maxPoolGrad(c, xv));
  const dy = values(4, 12);
  const want = new Float32Array(16);
  [0, 2, 8, 11].forEach((at, i) => (want[at] = dy[i]!));
  assert.deepEqual(Array.from(got), Array.from(want));
});

test('Sum over leading axes (JS kernel) matches cpu stock', async () => {
  const cases: [number[], number | number[], boolean][] = [
    [[5, 4, 3, 7], [0, 1, 2], false], // conv bias gradient
    [[5, 4, 3, 7], [2, 0, 1], true],
    [[6, 9], 0, false],
    [[6, 9], [-2], true],
    [[3, 4, 5], [0, 1], false],
    [[3, 4, 5], [1, 2], false], // innermost: stock path
    [[3, 4, 5], [0, 2], true], // not leading: stock path
  ];
  for (const [shape, axis, keepDims] of cases) {
    const run = () =>
      tf.tidy(() => {
        const r = tf.sum(tf.tensor(values(tf.util.sizeFromShape(shape), 13), shape), axis, keepDims);
        return { shape: r.shape, v: r.dataSync() as Float32Array };
      });
    const ref = await on('cpu', run);
    const got = await on('wasm', run);
    assert.deepEqual(got.shape, ref.shape, `sum ${shape} ${axis} shape`);
    assertClose(got.v, ref.v, `sum ${shape} axis=${axis} keepDims=${keepDims}`);
  }
});

test('BatchMatMul with transposes (explicit-transpose kernel) matches cpu stock', async () => {
  const shapes: [number[], number[]][] = [
    [
      [7, 5],
      [5, 3],
    ],
    [
      [2, 7, 5],
      [2, 5, 3],
    ],
    [
      [1, 7, 5],
      [3, 5, 4],
    ], // broadcast batch
  ];
  for (const [sa, sb] of shapes) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const shapeA = ta ? [...sa.slice(0, -2), sa.at(-1)!, sa.at(-2)!] : sa;
        const shapeB = tb ? [...sb.slice(0, -2), sb.at(-1)!, sb.at(-2)!] : sb;
        const run = () =>
          tf.tidy(() => {
            const a = tf.tensor(values(tf.util.sizeFromShape(shapeA), 14), shapeA);
            const b = tf.tensor(values(tf.util.sizeFromShape(shapeB), 15), shapeB);
            return tf.matMul(a, b, ta, tb).dataSync() as Float32Array;
          });
        assertClose(await on('wasm', run), await on('cpu', run), `matMul ${shapeA} x ${shapeB} tA=${ta} tB=${tb}`);
      }
    }
  }
});

/** Loss gradients of a small conv net (every replaced kernel on its path). */
function netGrads(): Float32Array[] {
  return tf.tidy(() => {
    let seed = 20;
    const param = (shape: number[]) => tf.mul(tf.tensor(values(tf.util.sizeFromShape(shape), seed++), shape), 0.8);
    const params = [param([3, 3, 1, 4]), param([4]), param([3, 3, 4, 6]), param([6]), param([24, 8]), param([8]), param([8, 3]), param([3])];
    const x = tf.tensor4d(values(5 * 14 * 14, 30), [5, 14, 14, 1]);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 1, 0], 'int32'), 3);
    const loss = (...p: tf.Tensor[]) => {
      const [w1, b1, w2, b2, w3, b3, w4, b4] = p as [tf.Tensor4D, tf.Tensor, tf.Tensor4D, tf.Tensor, tf.Tensor2D, tf.Tensor, tf.Tensor2D, tf.Tensor];
      let h: tf.Tensor = tf.relu(tf.add(tf.conv2d(x, w1, 1, 'valid'), b1)); // 12x12 (relu zeros: pool ties)
      h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid'); // 6x6
      h = tf.relu(tf.add(tf.conv2d(h as tf.Tensor4D, w2, 1, 'same'), b2));
      h = tf.maxPool(h as tf.Tensor4D, 3, 3, 'valid'); // 2x2
      h = tf.relu(tf.add(tf.matMul(tf.reshape(h, [5, 24]), w3), b3));
      return tf.losses.softmaxCrossEntropy(labels, tf.add(tf.matMul(h, w4), b4));
    };
    return tf
      .grads(loss)(params)
      .map((g) => g.dataSync() as Float32Array);
  });
}

test('a small conv net: all loss gradients on wasm match cpu stock', async () => {
  const ref = await on('cpu', netGrads);
  const got = await on('wasm', netGrads);
  ref.forEach((r, i) => {
    assert.ok(
      r.some((v) => v !== 0),
      `param ${i} has a non-zero gradient`,
    );
    assertClose(got[i]!, r, `net param ${i}`);
  });
});

test('an empty batch: zero filter and bias gradients and zero sums on wasm, as on cpu', async () => {
  const run = () =>
    tf.tidy(() => {
      const x = tf.zeros([0, 7, 8, 4]) as tf.Tensor4D;
      const f = tf.tensor4d(values(3 * 3 * 4 * 8, 40), [3, 3, 4, 8]);
      const b = tf.tensor1d(values(8, 41));
      const fused = tf.grads((ff: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.fused.conv2d({ x, filter: ff as tf.Tensor4D, bias: bb as tf.Tensor1D, strides: 1, pad: 'valid', activation: 'relu' })),
      )([f, b]);
      const same = tf.grad((ff: tf.Tensor) => tf.sum(tf.conv2d(x, ff as tf.Tensor4D, 2, 'same')))(f);
      const sums = [tf.sum(x), tf.sum(x, [0, 1]), tf.sum(x, [0, 1, 2], true), tf.sum(x, 3)];
      return [...fused, same, ...sums].map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
    });
  const ref = await on('cpu', run);
  assert.ok(
    ref.slice(0, 3).every((r) => r.values.length > 0 && r.values.every((v) => v === 0)),
    'cpu: zero gradients',
  );
  assert.deepEqual(await on('wasm', run), ref);
});
