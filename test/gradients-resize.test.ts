/**
 * The resize gradients behind tf.layers.upSampling2d (src/backend/gradients/resize.ts: SIMD on
 * wasm, loops on cpu) against float64 sums written from the documented sampling rules: nearest and bilinear; default, align_corners and half_pixel_centers (the sampling of
 * Keras's and PyTorch's bilinear upsampling); integer and fractional scales, batch > 1,
 * non-square images, odd channel counts, a one-pixel image. The forward kernels are checked
 * against the same rules. Tolerance as in assertClose: |got - want| <= 1e-4 * max|want| + 1e-5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installFastGradients } from '../src/backend/gradients/index.js';
import { assertClose, seededValues } from './kernel-reference.js';
import { f32 } from './gradients-reference.js';
import { layerSimdFor } from '../src/backend/gradients/layer-simd.js';

type Method = 'nearest' | 'bilinear';
interface Sampling {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}
const SAMPLINGS: Sampling[] = [
  { alignCorners: false, halfPixelCenters: false }, // tf.layers.upSampling2d
  { alignCorners: false, halfPixelCenters: true },
  { alignCorners: true, halfPixelCenters: false },
];
const SHAPES: [[number, number, number, number], [number, number]][] = [
  [
    [2, 7, 9, 5],
    [14, 27],
  ], // upsampling by 2 x 3
  [
    [3, 6, 5, 4],
    [12, 10],
  ],
  [
    [2, 7, 9, 3],
    [10, 20],
  ], // fractional scales
  [
    [1, 1, 1, 2],
    [3, 3],
  ],
  [
    [2, 4, 6, 1],
    [4, 6],
  ],
];

/**
 * Which input positions (and weights) output position o reads along one axis, from the
 * documented rules: the source coordinate is o * in/out (align_corners: o * (in-1)/(out-1);
 * half_pixel_centers: (o + 0.5) * in/out - 0.5, not below 0, for bilinear; nearest takes
 * (o + 0.5) * in/out). Nearest rounds down (align_corners: to nearest); bilinear blends the
 * two neighbours.
 */
function taps(method: Method, inSize: number, outSize: number, s: Sampling, o: number): [number, number][] {
  const scale = s.alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  if (method === 'nearest') {
    const src = s.halfPixelCenters ? (o + 0.5) * scale : o * scale;
    return [[Math.min(inSize - 1, s.alignCorners ? Math.round(src) : Math.floor(src)), 1]];
  }
  const src = s.halfPixelCenters ? Math.max((o + 0.5) * scale - 0.5, 0) : o * scale;
  const lo = Math.min(Math.floor(src), inSize - 1);
  const hi = Math.min(lo + 1, inSize - 1);
  const f = src - lo;
  return [
    [lo, 1 - f],
    [hi, f],
  ];
}

/** y = resize(x) and dx = the gradient of sum(y * dy), in float64. */
function reference(method: Method, xShape: number[], size: [number, number], s: Sampling, x: Float32Array, dy: Float32Array) {
  const [n, h, w, c] = xShape as [number, number, number, number];
  const [oh, ow] = size;
  const y = new Float64Array(n * oh * ow * c);
  const dx = new Float64Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      for (const [sr, wr] of taps(method, h, oh, s, r)) {
        for (let q = 0; q < ow; q++) {
          for (const [sq, wq] of taps(method, w, ow, s, q)) {
            for (let k = 0; k < c; k++) {
              const yi = ((b * oh + r) * ow + q) * c + k;
              const xi = ((b * h + sr) * w + sq) * c + k;
              y[yi]! += wr * wq * x[xi]!;
              dx[xi]! += wr * wq * dy[yi]!;
            }
          }
        }
      }
    }
  }
  return { y, dx };
}

function onBackend(method: Method, xShape: [number, number, number, number], size: [number, number], s: Sampling, x: Float32Array, dy: Float32Array) {
  return tf.tidy(() => {
    const f = (t: tf.Tensor) =>
      method === 'nearest'
        ? tf.image.resizeNearestNeighbor(t as tf.Tensor4D, size, s.alignCorners, s.halfPixelCenters)
        : tf.image.resizeBilinear(t as tf.Tensor4D, size, s.alignCorners, s.halfPixelCenters);
    const xt = tf.tensor4d(x, xShape);
    const r = tf.tensor(dy, [xShape[0], ...size, xShape[3]]);
    return {
      y: f(xt).dataSync() as Float32Array,
      dx: tf
        .grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), r)))(xt)
        .dataSync() as Float32Array,
    };
  });
}

test('stock cpu gets batch > 1 nearest and non-square bilinear gradients wrong', async () => {
  assert.ok(await tf.setBackend('cpu'));
  const s = SAMPLINGS[0]!;
  const [xShape, size] = SHAPES[0]!;
  const x = seededValues(tf.util.sizeFromShape(xShape), 1);
  const dy = seededValues(xShape[0] * size[0] * size[1] * xShape[3], 2);
  const want = reference('nearest', xShape, size, s, x, dy);
  const got = onBackend('nearest', xShape, size, s, x, dy);
  assert.throws(() => assertClose(got.dx, f32(want.dx), 'stock cpu nearest'), /stock cpu nearest/);
  assert.throws(() => onBackend('bilinear', xShape, size, s, x, dy), /does not match the shape/);
  installFastGradients('cpu');
  installFastGradients('wasm');
  assert.ok(await tf.setBackend('wasm'));
  assert.ok(layerSimdFor(tf.backend()) != null, 'wasm runs the SIMD gradients');
});

for (const backend of ['wasm', 'cpu']) {
  for (const method of ['nearest', 'bilinear'] as const) {
    test(`${method} resize forward and gradient match the documented sampling on ${backend}`, async () => {
      assert.ok(await tf.setBackend(backend));
      for (const s of SAMPLINGS) {
        for (const [xShape, size] of SHAPES) {
          const x = seededValues(tf.util.sizeFromShape(xShape), 1);
          const dy = seededValues(xShape[0] * size[0] * size[1] * xShape[3], 2);
          const want = reference(method, xShape, size, s, x, dy);
          const got = onBackend(method, xShape, size, s, x, dy);
          const what = `${backend} ${method} ${JSON.stringify(s)} ${xShape} -> ${size}`;
          assertClose(got.y, f32(want.y), `${what} y`);
          assertClose(got.dx, f32(want.dx), `${what} dx`);
        }
      }
    });
  }
}
