/**
 * Strided 'same' convolutions on wasm against a float64 loop written from the definition, with
 * the padding Keras documents (total max((out - 1) * stride + kernel - size, 0), the odd pixel at
 * the bottom and right). The stock wasm kernels, which netspec's tiles leave these calls to
 * (output channels that do not tile by 8, activations the tiles do not fuse, depthwise),
 * returned zeros wherever the last window ends before the input does; same-padding.ts gives them
 * the padding as numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { assertClose, seededValues } from './kernel-reference.js';

interface Case {
  x: [number, number, number, number];
  k: [number, number];
  strides: [number, number];
  /** Output channels of a convolution, or the channel multiplier of a depthwise one. */
  out: number;
  depthwise: boolean;
  /** The fused call's activation (relu unless given). */
  activation?: 'relu' | 'elu';
}

/** Keras's 'same': out = ceil(size / stride), padding before = floor(total / 2). */
function samePads(size: number, k: number, s: number): { out: number; before: number } {
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + k - size, 0);
  return { out, before: Math.floor(total / 2) };
}

/** act(conv(x, w) + bias) (or without bias and activation), in float64; the filter is HWIO, or HWCM for depthwise. */
function byDefinition(c: Case, x: Float32Array, w: Float32Array, bias: Float32Array | null): Float32Array {
  const [n, h, wd, cin] = c.x;
  const [kh, kw] = c.k;
  const rows = samePads(h, kh, c.strides[0]);
  const cols = samePads(wd, kw, c.strides[1]);
  const cout = c.depthwise ? cin * c.out : c.out;
  const y = new Float32Array(n * rows.out * cols.out * cout);
  for (let b = 0; b < n; b++)
    for (let p = 0; p < rows.out; p++)
      for (let q = 0; q < cols.out; q++)
        for (let o = 0; o < cout; o++) {
          let sum = bias ? bias[o]! : 0;
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++) {
              const r = p * c.strides[0] + i - rows.before;
              const s = q * c.strides[1] + j - cols.before;
              if (r < 0 || r >= h || s < 0 || s >= wd) continue;
              const at = ((b * h + r) * wd + s) * cin;
              if (c.depthwise) {
                const ch = Math.floor(o / c.out);
                sum += x[at + ch]! * w[((i * kw + j) * cin + ch) * c.out + (o % c.out)]!;
              } else {
                for (let ch = 0; ch < cin; ch++) sum += x[at + ch]! * w[((i * kw + j) * cin + ch) * cout + o]!;
              }
            }
          const act = c.activation === 'elu' ? (sum > 0 ? sum : Math.expm1(sum)) : Math.max(sum, 0);
          y[((b * rows.out + p) * cols.out + q) * cout + o] = bias ? act : sum;
        }
  return y;
}

const CASES: Case[] = [
  // The last window ends before the input does: stock wasm gave zeros for each of these.
  { x: [2, 3, 6, 3], k: [2, 2], strides: [3, 3], out: 3, depthwise: false },
  { x: [1, 4, 5, 1], k: [1, 3], strides: [2, 4], out: 5, depthwise: false },
  { x: [3, 8, 8, 5], k: [3, 3], strides: [4, 4], out: 9, depthwise: false },
  { x: [2, 9, 7, 4], k: [2, 2], strides: [3, 2], out: 12, depthwise: false },
  { x: [2, 6, 6, 3], k: [2, 2], strides: [3, 3], out: 1, depthwise: true },
  { x: [1, 8, 4, 5], k: [3, 3], strides: [4, 4], out: 2, depthwise: true },
  // Channels that tile by 8 but an activation netspec's tiles do not fuse: the stock kernel too.
  { x: [2, 6, 6, 4], k: [2, 2], strides: [3, 3], out: 8, depthwise: false, activation: 'elu' },
  { x: [2, 4, 7, 3], k: [1, 3], strides: [2, 2], out: 16, depthwise: false, activation: 'elu' },
  // Where the windows reach the end, and a tiling channel count (netspec's own tiles): unchanged.
  { x: [2, 7, 9, 3], k: [3, 3], strides: [2, 2], out: 5, depthwise: false },
  { x: [2, 6, 6, 4], k: [2, 2], strides: [3, 3], out: 8, depthwise: false },
  { x: [2, 7, 7, 6], k: [3, 3], strides: [2, 2], out: 1, depthwise: true },
];

const label = (c: Case) =>
  `${c.depthwise ? 'depthwise' : 'conv'} x ${c.x.join('x')}, kernel ${c.k.join('x')}, strides ${c.strides.join('x')}, out ${c.out}${c.activation ? `, ${c.activation}` : ''}`;

test("strided 'same' convolutions on wasm, plain and fused with bias and an activation, match the definition", async () => {
  assert.ok(await tf.setBackend('wasm'));
  installFastGradients('wasm');
  for (const c of CASES) {
    const cin = c.x[3];
    const wShape: [number, number, number, number] = [...c.k, cin, c.out];
    const cout = c.depthwise ? cin * c.out : c.out;
    const xv = seededValues(
      c.x.reduce((a, b) => a * b),
      3,
    );
    const wv = seededValues(
      wShape.reduce((a, b) => a * b),
      5,
    );
    const bv = seededValues(cout, 7);
    for (const fused of [false, true]) {
      const got = tf.tidy(() => {
        const x = tf.tensor4d(xv, c.x);
        const w = tf.tensor4d(wv, wShape);
        const bias = tf.tensor1d(bv);
        const y = c.depthwise
          ? fused
            ? tf.fused.depthwiseConv2d({ x, filter: w, strides: c.strides, pad: 'same', bias, activation: c.activation ?? 'relu' })
            : tf.depthwiseConv2d(x, w, c.strides, 'same')
          : fused
            ? tf.fused.conv2d({ x, filter: w, strides: c.strides, pad: 'same', bias, activation: c.activation ?? 'relu' })
            : tf.conv2d(x, w, c.strides, 'same');
        return y.dataSync() as Float32Array;
      });
      const expected = byDefinition(c, xv, wv, fused ? bv : null);
      assert.ok(
        expected.some((v) => v !== 0),
        `${label(c)}: a reference of all zeros would not tell`,
      );
      assertClose(got, expected, `${label(c)}${fused ? ', fused' : ''}`);
    }
  }
});
