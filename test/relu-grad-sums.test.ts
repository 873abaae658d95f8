/**
 * A relu convolution's gradient and its bias's gradient from one pass (reluGradSums in
 * src/backend/simd/kernels.wat, NetspecReluGradSums in src/backend/gradients/relu.ts): the
 * relu gradient must be dy * step(x) bit for bit, as the one-output kernel gives it, and the
 * sums the bits the Sum kernel gives for the same values (64-row blocks in float32, then
 * float64), on row counts that are not whole blocks, special values included; the sums must
 * also be within rounding of a float64 sum from the definition. In training the fused
 * convolution's gradient must take it, and a gradient of that gradient must match cpu.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { RELU_GRAD_SUMS_KERNEL } from '../src/backend/gradients/relu.js';
import { reluGradSimd, reluGradSumsSimd, sumRowsSimd } from '../src/backend/simd/ops.js';
import { assertClose, poolInput, seededValues } from './kernel-reference.js';

const shapes: number[][] = [
  [3, 26, 26, 32], // the target model's first layer (fewer samples): 2,028 rows, a last block of 44
  [5, 7, 12], // 35 rows: less than one block
  [130, 64], // two whole blocks and 2 rows
  [1, 4], // one row of one vector
];

const SPECIALS = [Infinity, -Infinity, Number.NaN, -0];
/** dy with an infinity, a NaN or -0 every 13th value, so that both inputs carry specials. */
const dyValues = (n: number) => seededValues(n, 31).map((v, i) => (i % 13 === 6 ? SPECIALS[((i / 13) | 0) % 4]! : v));

/** Bits, so that -0 counts; every NaN as one value (wasm leaves NaN payloads to the hardware). */
const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (b, i) => (Number.isNaN(a[i]) ? 'NaN' : b));

function read(info: tf.TensorInfo): Float32Array {
  const t = tf.engine().makeTensorFromTensorInfo(info);
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

test('setup: wasm with the fast kernels', async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
});

test('one pass gives the relu gradient and the Sum kernel its sums, bit for bit, specials included', () => {
  for (const shape of shapes) {
    const n = tf.util.sizeFromShape(shape);
    const cols = shape[shape.length - 1]!;
    for (const kind of ['random', 'special'] as const) {
      const label = `${shape} ${kind}`;
      tf.tidy(() => {
        const backend = tf.backend();
        const xv = poolInput([n], kind);
        const dyv = kind === 'special' ? dyValues(n) : seededValues(n, 32);
        const x = tf.tensor(xv, shape);
        const dy = tf.tensor(dyv, shape);
        const both = reluGradSumsSimd(backend, dy, x);
        assert.ok(both != null, `${label}: declined`);
        const [dz, sums] = both.map(read) as [Float32Array, Float32Array];
        const alone = reluGradSimd(backend, dy, x)!;
        const summed = sumRowsSimd(backend, alone, n / cols, cols, [cols])!;
        assert.deepEqual(bitsOf(dz), bitsOf(read(alone)), `${label}: the relu gradient`);
        assert.deepEqual(bitsOf(sums), bitsOf(read(summed)), `${label}: the sums`);
        // From the definition: dy where x > 0 (NaN where x is), summed in float64.
        const want = new Float32Array(dyv.map((d, i) => d * (Number.isNaN(xv[i]!) ? Number.NaN : xv[i]! > 0 ? 1 : 0)));
        assert.deepEqual(bitsOf(dz), bitsOf(want), `${label}: dy * step(x)`);
        const exact = new Float64Array(cols);
        want.forEach((v, i) => (exact[i % cols] = exact[i % cols]! + v));
        if (kind === 'random') assertClose(sums, new Float32Array(exact), `${label}: sums against float64`);
        else
          exact.forEach((v, c) =>
            assert.ok(
              Object.is(Number.isNaN(v), Number.isNaN(sums[c]!)) && (Number.isNaN(v) || v === sums[c]! || Math.abs(v - sums[c]!) <= 1e-4 * Math.abs(v) + 1e-5),
              `${label}: sum ${c}`,
            ),
          );
      });
    }
  }
});

test('a last axis the kernel does not take is declined: not whole vectors, or none', () => {
  tf.tidy(() => {
    const backend = tf.backend();
    for (const shape of [
      [4, 6],
      [2, 3, 0],
    ]) {
      const x = tf.zeros(shape);
      assert.equal(reluGradSumsSimd(backend, x, x), null, `${shape}`);
    }
  });
});

/** A relu convolution with a bias, trained one step: its kernels and its weights' gradients. */
async function convStep(): Promise<{ kernels: string[]; grads: Float32Array[] }> {
  const x = tf.tensor4d(seededValues(3 * 9 * 8 * 4, 33), [3, 9, 8, 4]);
  const filter = tf.variable(tf.tensor4d(seededValues(3 * 3 * 4 * 8, 34), [3, 3, 4, 8]));
  const bias = tf.variable(tf.tensor1d(seededValues(8, 35)));
  const w = tf.tensor4d(seededValues(3 * 7 * 6 * 8, 36), [3, 7, 6, 8]);
  let grads: Float32Array[] = [];
  const profile = await tf.profile(() => {
    const { grads: g } = tf.variableGrads(
      () => tf.sum(tf.mul(tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'valid', activation: 'relu' }), w)),
      [filter, bias],
    );
    grads = [g[filter.name]!.dataSync() as Float32Array, g[bias.name]!.dataSync() as Float32Array];
    tf.dispose(Object.values(g));
  });
  tf.dispose([x, filter, bias, w]);
  return { kernels: profile.kernels.map((k) => k.name), grads };
}

test("training takes it for a relu convolution's gradient and its bias's, and matches cpu", async () => {
  await tf.setBackend('wasm');
  const wasm = await convStep();
  assert.ok(wasm.kernels.includes(RELU_GRAD_SUMS_KERNEL), `the one-pass kernel ran: ${wasm.kernels}`);
  assert.equal(wasm.kernels.filter((k) => k === 'Sum').length, 1, `the loss's Sum only, none for the bias: ${wasm.kernels}`);
  await tf.setBackend('cpu');
  const cpu = await convStep();
  await tf.setBackend('wasm');
  assertClose(wasm.grads[0]!, cpu.grads[0]!, 'filter gradient');
  assertClose(wasm.grads[1]!, cpu.grads[1]!, 'bias gradient');
});

test('a gradient of that gradient (a penalty on the first bias gradient, by the second filter) matches cpu', async () => {
  const penalty = () =>
    tf.tidy(() => {
      const x = tf.tensor4d(seededValues(2 * 9 * 8 * 4, 41), [2, 9, 8, 4]);
      const f1 = tf.tensor4d(seededValues(3 * 3 * 4 * 8, 42), [3, 3, 4, 8]);
      const b2 = tf.tensor1d(seededValues(8, 45).map((v) => v + 0.5));
      const w = tf.tensor4d(seededValues(2 * 5 * 4 * 8, 43), [2, 5, 4, 8]);
      // cpu: the stock ops unfused (tfjs's own fused op has no second-order gradient); wasm: the fused op training takes.
      const relu = (input: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D =>
        tf.getBackend() === 'cpu'
          ? tf.relu(tf.add(tf.conv2d(input, filter, 1, 'valid'), bias) as tf.Tensor4D)
          : tf.fused.conv2d({ x: input, filter, bias, strides: 1, pad: 'valid', activation: 'relu' });
      // The first bias's gradient reaches back through the second convolution's input gradient,
      // so it depends on the second filter: d/df2 of its squared norm.
      const firstBiasGrad = (f2: tf.Tensor4D) =>
        tf.grad((b1: tf.Tensor) => tf.sum(tf.mul(relu(relu(x, f1, b1 as tf.Tensor1D), f2, b2), w)))(tf.tensor1d(seededValues(8, 44)));
      return tf
        .grad((f2: tf.Tensor) => tf.sum(tf.square(firstBiasGrad(f2 as tf.Tensor4D))))(tf.tensor4d(seededValues(3 * 3 * 8 * 8, 46), [3, 3, 8, 8]))
        .dataSync() as Float32Array;
    });
  await tf.setBackend('cpu');
  const ref = penalty();
  assert.ok(
    ref.some((v) => v !== 0),
    'a non-zero reference',
  );
  await tf.setBackend('wasm');
  const kernels = (await tf.profile(penalty)).kernels.map((k) => k.name);
  assert.ok(kernels.includes(RELU_GRAD_SUMS_KERNEL), `the one-pass kernel ran: ${kernels}`);
  assertClose(penalty(), ref, 'second-order gradient');
});
