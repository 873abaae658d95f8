/**
 * Matrix products on wasm (src/backend/gradients/matmul.ts: transposes first, then the
 * SIMD tiles where the output's columns tile by 8) against a float64 loop from the
 * definition and the cpu backend's stock kernels: all four transpose combinations, odd
 * sizes, a batch of matrices (stock), _FusedMatMul with bias and the activations it fuses,
 * and the dense layers' own shapes. Tolerance as for the other kernels (kernel-reference.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { assertClose, seededValues } from './kernel-reference.js';

interface Case {
  m: number;
  k: number;
  n: number;
  batch?: number;
}

/** act(op(a) op(b) + bias) in float64; a is [batch, m, k] (or [batch, k, m] when transposed), likewise b. */
function byDefinition(c: Case, a: Float32Array, b: Float32Array, ta: boolean, tb: boolean, bias: Float32Array | null, act: string): Float32Array {
  const batch = c.batch ?? 1;
  const out = new Float32Array(batch * c.m * c.n);
  for (let s = 0; s < batch; s++)
    for (let i = 0; i < c.m; i++)
      for (let j = 0; j < c.n; j++) {
        let sum = bias ? bias[j]! : 0;
        for (let p = 0; p < c.k; p++) {
          const av = a[s * c.m * c.k + (ta ? p * c.m + i : i * c.k + p)]!;
          const bv = b[s * c.k * c.n + (tb ? j * c.k + p : p * c.n + j)]!;
          sum += av * bv;
        }
        const v = act === 'linear' ? sum : Math.max(sum, 0);
        out[(s * c.m + i) * c.n + j] = act === 'relu6' ? Math.min(v, 6) : v;
      }
  return out;
}

const cases: Case[] = [
  { m: 32, k: 576, n: 64 }, // the dense layer's forward
  { m: 576, k: 32, n: 64 }, // its filter gradient X^T dY
  { m: 32, k: 64, n: 576 }, // its input gradient dY W^T
  { m: 7, k: 13, n: 24 }, // a short last tile of rows
  { m: 5, k: 3, n: 10 }, // columns that do not tile: stock
  { m: 3, k: 9, n: 16, batch: 2 }, // a batch of matrices: stock
];

test('setup: wasm with the fast kernels', async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
});

test('matMul with every transpose combination matches the definition and cpu stock', async () => {
  for (const c of cases)
    for (const ta of [false, true])
      for (const tb of [false, true]) {
        const batch = c.batch ?? 1;
        const av = seededValues(batch * c.m * c.k, 1);
        const bv = seededValues(batch * c.k * c.n, 2);
        const aShape = [...(c.batch ? [batch] : []), ...(ta ? [c.k, c.m] : [c.m, c.k])];
        const bShape = [...(c.batch ? [batch] : []), ...(tb ? [c.n, c.k] : [c.k, c.n])];
        const product = () => tf.tidy(() => tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), ta, tb).dataSync() as Float32Array);
        const label = `m=${c.m} k=${c.k} n=${c.n}${c.batch ? ` batch=${c.batch}` : ''} ta=${ta} tb=${tb}`;
        await tf.setBackend('wasm');
        const ours = product();
        assertClose(ours, byDefinition(c, av, bv, ta, tb, null, 'linear'), `${label}: definition`);
        await tf.setBackend('cpu');
        assertClose(ours, product(), `${label}: cpu stock`);
      }
});

test('fused matMul (inference dense layers): bias and relu/relu6 applied as the definition says', async () => {
  for (const c of cases.filter((x) => !x.batch))
    for (const activation of ['linear', 'relu', 'relu6'] as const) {
      const av = seededValues(c.m * c.k, 3).map((v) => 8 * v);
      const bv = seededValues(c.k * c.n, 4);
      const biasv = seededValues(c.n, 5);
      const product = () =>
        tf.tidy(
          () =>
            tf.fused
              .matMul({ a: tf.tensor2d(av, [c.m, c.k]), b: tf.tensor2d(bv, [c.k, c.n]), bias: tf.tensor1d(biasv), activation })
              .dataSync() as Float32Array,
        );
      await tf.setBackend('wasm');
      const ours = product();
      const label = `m=${c.m} k=${c.k} n=${c.n} ${activation}`;
      assertClose(ours, byDefinition(c, av, bv, false, false, biasv, activation), `${label}: definition`);
      await tf.setBackend('cpu');
      assertClose(ours, product(), `${label}: cpu stock`);
    }
});

test('a dense layer trains to the same gradients on wasm as on cpu', async () => {
  const grads = () =>
    tf.tidy(() => {
      const x = tf.tensor2d(seededValues(32 * 40, 6), [32, 40]);
      const w = tf.tensor2d(seededValues(40 * 16, 7), [40, 16]);
      const r = tf.tensor2d(seededValues(32 * 16, 8), [32, 16]);
      const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D)), r)));
      return g([x, w]).map((t) => t.dataSync() as Float32Array);
    });
  await tf.setBackend('wasm');
  const ours = grads();
  await tf.setBackend('cpu');
  const ref = grads();
  assertClose(ours[0]!, ref[0]!, 'dx');
  assertClose(ours[1]!, ref[1]!, 'dw');
});
