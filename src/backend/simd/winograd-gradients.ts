/**
 * The two gradients of a 3x3 stride-1 convolution by Winograd's F(4x4, 3x3), for training
 * (winograd4FilterGrad and winograd4InputGrad in kernels.wat). They tile the convolution's
 * output as the forward does (winograd.ts): 36 products per 4x4 tile and channel pair against
 * 144 for the direct sums of filterGradTiles and inputGradTiles.
 *
 * The input gradient is the forward run backwards: each tile's output gradient carried to the
 * 36 points, multiplied by the transformed filter with its channel axes swapped, and carried
 * back onto the tile's 6x6 input patch, where neighbouring patches overlap. (Running the
 * forward kernel on the padded gradient instead needs a tile per 4x4 block of the *input*,
 * 16 for a 13x13 input against 9 for its 11x11 output, which is why that was measured no
 * faster than the direct tiles.) The filter gradient sums, over every tile of the batch, the
 * products of the input's and the output gradient's transforms point by point, and carries
 * the 36 sums back to the 9 taps once.
 *
 * Hostile values, as in the forward: a NaN or an infinity in dy spreads to the rest of its tile's
 * 6x6 patch of dx and to every tap of the filter gradient's channel pair, and the transforms,
 * which scale by up to a few hundred, overflow float32 about a thousand times earlier than the
 * direct sums (dy around 1e35 on the target's second layer).
 *
 * Measured on alternate steps of one process (bench/train-step.ts --ab winogradGrad, CPU time):
 * a replica's step of the target spec 1.28x faster (its second layer's filter gradient 5.34 ->
 * 2.82 ms, input gradient 4.99 -> 3.19 ms), resnet-mini's 1.13x. Results differ from the direct
 * sums by rounding only (about 3e-6 of the largest value against 7e-7), as the forward's do;
 * both are tested against a float64 loop (test/winograd-gradients.test.ts), and training was
 * studied over seeds before it took them (docs/runs.md).
 */
import * as tf from '@tensorflow/tfjs';
import { heapOffset, simdHelperFor, simdKernelsFor } from './module.js';
import type { HeapBackend } from './ops.js';
import { runSplit } from './tiles.js';

/** Tiles per chunk of the input gradient (a multiple of 4, the tiles its products keep in registers). */
const INPUT_CHUNK = 32;
/** Scratch floats both kernels take beside their chunk's rows: a transform's 36 vectors of 4. */
const TMP_FLOATS = 144;

/**
 * Bytes added after each point's rows of a chunk (V, Z, the input gradient's D). Unpadded, the
 * rows of consecutive points lie a multiple of 4 KiB apart (64 tiles x 64 channels x 4 bytes),
 * so the 36 values a transform writes for one vector all fall in the same L1 cache set and
 * evict one another. One cache line more per point spreads them over 36 sets. The layout
 * changes, not the arithmetic: the same bits either way. bench/train-step.ts --ab skew turns
 * it off.
 */
export const skewedPointRows = { enabled: true };
const SKEW_BYTES = 64;
const SKEW_FLOATS = (36 * SKEW_BYTES) / 4;
const skew = (): number => (skewedPointRows.enabled ? SKEW_BYTES : 0);

/**
 * The filter gradient's chunk: as many tiles (a multiple of 4, at least 16) as keep one point's
 * rows of V and Z, chunk x (cin + cout) floats, near `rowFloats` (32 KiB, within L1). Each chunk
 * stores and reloads the point's sums, so fewer channels take more tiles: 256 for 16 + 16
 * channels, 84 for the target's 32 + 64. Against a fixed 64 (the kernels alone, alternating in
 * one process): resnet-mini's 16-channel layer 2.13 -> 1.80 ms, its 32-channel one 1.89 -> 1.67,
 * the target's second layer 1.84 -> 1.69-1.83. The sums run over the tiles in the same order
 * whatever the chunk: the same bits (tested).
 */
export const filterChunking = { rowFloats: 8192 };
const filterChunk = (channels: number): number => Math.max(16, Math.floor(filterChunking.rowFloats / channels / 4) * 4);

type Shape4 = [number, number, number, number];

/** Whether the shapes are ones both kernels take: channels in whole vectors (and some), a non-empty batch. */
function fits(simd: unknown, x: Shape4, dy: Shape4, cin: number, cout: number): boolean {
  // The kernels' loops run at least once: zero channels would write past a zero-size output.
  return (
    simd != null &&
    cin > 0 &&
    cout > 0 &&
    cin % 8 === 0 &&
    cout % 8 === 0 &&
    x[3] === cin &&
    dy[3] === cout &&
    x[0] === dy[0] &&
    x[0] > 0 &&
    dy[1] > 0 &&
    dy[2] > 0
  );
}

/**
 * dL/dFilter [3, 3, cin, cout] of a 3x3 stride-1 convolution of x [n, h, w, cin] (read unpadded:
 * output pixel (p, q) sees input rows p - top .. p - top + 2) whose output gradient is dy
 * [n, ho, wo, cout]. Needs cin % 8 == 0 and cout % 8 == 0; null otherwise. On the threaded build
 * a helper thread takes half of the input channels unless `split` is false.
 */
export function winograd4FilterGradSimd(
  backend: unknown,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  pads: { top: number; left: number },
  cout: number,
  split: boolean,
): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  const [n, h, w, cin] = x.shape as Shape4;
  const [, ho, wo] = dy.shape as Shape4;
  if (!fits(simd, x.shape as Shape4, dy.shape as Shape4, cin, cout) || x.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const heap = backend as HeapBackend;
  const half = Math.floor(cin / 8) * 4;
  const threads = split && simdHelperFor(backend) != null ? 2 : 1;
  const widest = threads > 1 ? cin - half : cin;
  const chunk = filterChunk(widest + cout);
  const perThread = 36 * chunk * (widest + cout) + 2 * SKEW_FLOATS + TMP_FLOATS + 36 * widest + 16 * cout;
  const out = heap.makeOutput([3, 3, cin, cout], 'float32');
  const sums = heap.makeOutput([36, cin, cout], 'float32');
  const scratch = heap.makeOutput([threads * perThread], 'float32');
  try {
    const at = [
      heapOffset(backend, x),
      heapOffset(backend, dy),
      heapOffset(backend, sums),
      heapOffset(backend, out),
      n,
      h,
      w,
      cin,
      ho,
      wo,
      cout,
      pads.top,
      pads.left,
    ];
    const scratchAt = heapOffset(backend, scratch);
    runSplit(
      simd!,
      backend,
      threads > 1,
      'winograd4FilterGrad',
      (c0, c1) => [...at, c0, c1, scratchAt + (c0 === 0 ? 0 : perThread * 4), chunk, skew()],
      half,
      cin,
    );
    return out;
  } finally {
    heap.disposeData(sums.dataId);
    heap.disposeData(scratch.dataId);
  }
}

/**
 * dL/dx [n, h, w, cin] of the same convolution, from dy [n, ho, wo, cout] and the filter with its
 * channel axes swapped, `wt` [3, 3, cout, cin]. Needs cin % 8 == 0 and cout % 8 == 0; null
 * otherwise. On the threaded build a helper thread takes half of the samples unless `split` is
 * false.
 */
export function winograd4InputGradSimd(
  backend: unknown,
  dy: tf.TensorInfo,
  wt: tf.TensorInfo,
  xShape: Shape4,
  pads: { top: number; left: number },
  split: boolean,
): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  const [n, h, w, cin] = xShape;
  const [, ho, wo, cout] = dy.shape as Shape4;
  const [kh, kw, wo2, wi] = wt.shape as Shape4;
  if (kh !== 3 || kw !== 3 || wo2 !== cout || wi !== cin || wt.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  if (!fits(simd, xShape, dy.shape as Shape4, cin, cout) || h === 0 || w === 0) return null;
  const heap = backend as HeapBackend;
  const threads = split && n > 1 && simdHelperFor(backend) != null ? 2 : 1;
  const perThread = 36 * INPUT_CHUNK * (cout + cin) + 2 * SKEW_FLOATS + TMP_FLOATS + 36 * cin + 16 * cout;
  const dx = heap.makeOutput(xShape, 'float32');
  const ut = heap.makeOutput([36, cout, cin], 'float32');
  const scratch = heap.makeOutput([threads * perThread], 'float32');
  try {
    simd!.winograd4Filter(heapOffset(backend, wt), heapOffset(backend, ut), cout, cin);
    const at = [heapOffset(backend, dy), heapOffset(backend, ut), heapOffset(backend, dx), h, w, cin, ho, wo, cout, pads.top, pads.left];
    const scratchAt = heapOffset(backend, scratch);
    runSplit(
      simd!,
      backend,
      threads > 1,
      'winograd4InputGrad',
      (s0, s1) => [...at, s0, s1, scratchAt + (s0 === 0 ? 0 : perThread * 4), INPUT_CHUNK, skew()],
      n >> 1,
      n,
    );
    return dx;
  } finally {
    heap.disposeData(ut.dataId);
    heap.disposeData(scratch.dataId);
  }
}
