/**
 * The register-tiled products on the wasm backend's heap (kernels.wat): the forward
 * convolution (convTiles, also the dense layers' products), the filter gradient (filterGradTiles,
 * filterGradRows) and the input gradient (inputGradTiles). Each checks shapes before any
 * pointer is used and returns null when it does not apply (the caller then takes another path),
 * and on the threaded build hands half of its range to the helper thread (runSplit).
 */
import * as tf from '@tensorflow/tfjs';
import type { SplitKernel } from './helper.js';
import { heapOffset, simdHelperFor, simdKernelsFor, usesFusedMultiplyAdd, type SimdExports } from './module.js';
import type { HeapBackend } from './ops.js';

/**
 * Bytes of dy rows and the x rows under them per block of filterGradTiles: the block stays in
 * L1 (48 KiB and up on current x64 cores) while every tile runs over it. Blocks of whole
 * samples sized for L2 left the tiles streaming x and dy from L2, one new line per multiply-add pair.
 */
const TILE_BLOCK_BYTES = 24 * 1024;

/**
 * dL/dFilter of an NHWC conv as a register-tiled product read in place from
 * the (already padded) input `xp` and `dy` (filterGradTiles in kernels.wat):
 * no transposed or packed copy of either. Needs cin % 4 == 0 and
 * cout % 8 == 0. On the threaded build a helper thread computes half of the
 * input channels (helper.ts) unless `split` is false.
 */
export function filterGradTilesSimd(
  backend: unknown,
  xp: tf.TensorInfo,
  dy: tf.TensorInfo,
  filterShape: [number, number, number, number],
  strides: [number, number],
  split = true,
): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  const [kh, kw, cin, cout] = filterShape;
  if (simd == null || cin % 4 !== 0 || cout % 8 !== 0 || xp.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const [n, hp, wp] = xp.shape as [number, number, number, number];
  const [, ho, wo] = dy.shape as [number, number, number, number];
  if (ho === 0 || wo === 0) return null;
  const out = (backend as HeapBackend).makeOutput(filterShape, 'float32');
  const block = Math.max(1, Math.floor(TILE_BLOCK_BYTES / ((strides[0] * wp * cin + wo * cout) * 4)));
  const args = [heapOffset(backend, xp), heapOffset(backend, dy), heapOffset(backend, out), n, hp, wp, cin, ho, wo, cout, kh, kw, strides[0], strides[1]];
  // Split by input channels, in whole tiles of 4: each thread writes only its own rows of out.
  runSplit(simd, backend, split, 'filterGradTiles', (c0, c1) => [...args, c0, c1, block], Math.floor(cin / 8) * 4, cin);
  return out;
}

/**
 * dL/dFilter like filterGradTilesSimd for any number of input channels (filterGradRows in
 * kernels.wat): tiles of 4 consecutive taps-and-channels of a filter row. Where
 * cin % 4 == 0 filterGradTilesSimd is a little faster. Needs cout % 8 == 0. On the threaded
 * build a helper thread takes half of the tiles unless `split` is false.
 */
export function filterGradRowsSimd(
  backend: unknown,
  xp: tf.TensorInfo,
  dy: tf.TensorInfo,
  filterShape: [number, number, number, number],
  strides: [number, number],
  split = true,
): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  const [kh, kw, cin, cout] = filterShape;
  if (simd == null || cout % 8 !== 0 || cin === 0 || xp.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const [n, hp, wp] = xp.shape as [number, number, number, number];
  const [, ho, wo] = dy.shape as [number, number, number, number];
  if (ho === 0 || wo === 0 || xp.shape[3] !== cin) return null;
  const out = (backend as HeapBackend).makeOutput(filterShape, 'float32');
  const block = Math.max(1, Math.floor(TILE_BLOCK_BYTES / ((strides[0] * wp * cin + wo * cout) * 4)));
  const tiles = kh * Math.ceil((kw * cin) / 4);
  const args = [heapOffset(backend, xp), heapOffset(backend, dy), heapOffset(backend, out), n, hp, wp, cin, ho, wo, cout, kh, kw, strides[0], strides[1]];
  // Each thread writes only its own tiles' rows of out.
  runSplit(simd, backend, split, 'filterGradRows', (u0, u1) => [...args, u0, u1, block], tiles >> 1, tiles);
  return out;
}

/**
 * Runs `kernel` over the range [0, whole): [0, half) here while the helper thread (if any,
 * and if `split`) runs [half, whole); without a helper, all of it here. `argsFor` places the
 * range among the kernel's arguments.
 */
export function runSplit(
  simd: SimdExports,
  backend: unknown,
  split: boolean,
  kernel: SplitKernel,
  argsFor: (from: number, to: number) => number[],
  half: number,
  whole: number,
): void {
  const run = simd[kernel] as (...args: number[]) => void;
  const helper = split && half > 0 ? simdHelperFor(backend) : null;
  if (helper?.run(kernel, argsFor(half, whole), () => run(...argsFor(0, half)), usesFusedMultiplyAdd(backend))) return;
  run(...argsFor(0, whole));
}

/**
 * dL/dx of an NHWC conv on the padded input grid `paddedShape` [n, hp, wp, cin]
 * (inputGradTiles in kernels.wat): dy times the filter, added straight onto
 * the grid with no columns buffer. `wt` is the filter as [kh, kw, cout, cin].
 * Needs cin % 16 == 0. On the threaded build a helper thread takes half of
 * the samples unless `split` is false.
 */
export function inputGradTilesSimd(
  backend: unknown,
  dy: tf.TensorInfo,
  wt: tf.TensorInfo,
  paddedShape: [number, number, number, number],
  strides: [number, number],
  split = true,
): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  const [n, hp, wp, cin] = paddedShape;
  const [kh, kw, cout, wcin] = wt.shape as [number, number, number, number];
  const [dn, ho, wo, dcout] = dy.shape as [number, number, number, number];
  if (simd == null || cin % 16 !== 0 || wcin !== cin || dcout !== cout || dn !== n || dy.dtype !== 'float32' || wt.dtype !== 'float32') return null;
  if (ho === 0 || wo === 0 || cout === 0 || (ho - 1) * strides[0] + kh > hp || (wo - 1) * strides[1] + kw > wp) return null;
  const out = (backend as HeapBackend).makeOutput(paddedShape, 'float32');
  const at = [heapOffset(backend, dy), heapOffset(backend, wt), heapOffset(backend, out)];
  const rest = [ho, wo, cout, hp, wp, cin, kh, kw, strides[0], strides[1]];
  // Split by samples: each thread zeroes and writes only its own samples of dx.
  runSplit(simd, backend, split, 'inputGradTiles', (b0, b1) => [...at, b0, b1, ...rest], n >> 1, n);
  return out;
}

/** What convTiles applies after the bias: its flag bits (kernels.wat). */
export const CONV_ACTIVATIONS = { linear: 0, relu: 2, relu6: 6 } as const;
export type ConvActivation = keyof typeof CONV_ACTIVATIONS;

/** Output pixels per block of convTiles: a block's rows of out stay in cache while every 8 channels are added. */
const CONV_BLOCK = 64;

/**
 * act(conv(xp, filter) + bias) for an NHWC input `xp` that is already padded (convTiles in
 * kernels.wat): a register-tiled product read in place, no im2col or packed filter. Needs
 * cout % 8 == 0; `bias` (float32, cout values) may be null. On the threaded build a helper
 * thread takes half of the output pixels unless `split` is false.
 */
export function convTilesSimd(
  backend: unknown,
  xp: tf.TensorInfo,
  filter: tf.TensorInfo,
  bias: tf.TensorInfo | null,
  strides: [number, number],
  activation: ConvActivation,
  split = true,
): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
  const [n, hp, wp, xcin] = xp.shape as [number, number, number, number];
  if (simd == null || cout % 8 !== 0 || xcin !== cin || xp.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  if (bias != null && (bias.dtype !== 'float32' || tf.util.sizeFromShape(bias.shape) !== cout)) return null;
  const [sh, sw] = strides;
  const ho = Math.floor((hp - kh) / sh) + 1;
  const wo = Math.floor((wp - kw) / sw) + 1;
  if (n === 0 || ho <= 0 || wo <= 0 || cin === 0) return null;
  const out = (backend as HeapBackend).makeOutput([n, ho, wo, cout], 'float32');
  const flags = (bias != null ? 1 : 0) | CONV_ACTIVATIONS[activation];
  const at = [heapOffset(backend, xp), heapOffset(backend, filter), bias != null ? heapOffset(backend, bias) : 0, heapOffset(backend, out)];
  const rest = [n, hp, wp, cin, ho, wo, cout, kh, kw, sh, sw, flags];
  const pixels = n * ho * wo;
  // Split by output pixels, in whole tiles of 4: each thread writes only its own pixels.
  runSplit(simd, backend, split, 'convTiles', (t0, t1) => [...at, ...rest, t0, t1, CONV_BLOCK], Math.floor(pixels / 8) * 4, pixels);
  return out;
}
