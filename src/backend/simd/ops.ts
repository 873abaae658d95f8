/**
 * Kernel bodies that run kernels.wat on the wasm backend's heap. Each
 * returns null when it does not apply (not the wasm backend, a shape the SIMD
 * code does not cover), and the caller then takes its JS or stock path.
 */
import * as tf from '@tensorflow/tfjs';
import type { SplitKernel } from './helper.js';
import { heapOffset, simdHelperFor, simdKernelsFor, usesFusedMultiplyAdd, type SimdExports } from './module.js';

/** The parts of BackendWasm (tfjs-backend-wasm 4.x) used here. */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
  disposeData(dataId: object): boolean;
}

/** dx of a 2x2, stride-2, unpadded max pool over NHWC `input` (channels % 4 == 0). */
export function maxPoolGrad2x2Simd(backend: unknown, input: tf.TensorInfo, dy: tf.TensorInfo): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  const [n, h, w, c] = input.shape as [number, number, number, number];
  const [, ho, wo] = dy.shape as [number, number, number, number];
  if (simd == null || c % 4 !== 0) return null;
  const heap = backend as HeapBackend;
  const out = heap.makeOutput(input.shape, 'float32');
  simd.maxPoolGrad2x2(heapOffset(backend, input), heapOffset(backend, dy), heapOffset(backend, out), n, h, w, c, ho, wo);
  return out;
}

/**
 * a + b where one operand is a float32 tensor whose last axis has `c`
 * entries (c % 4 == 0) and the other holds exactly c values (shape [c] or
 * [1, ..., 1, c]): a conv or dense layer's bias add. Small tensors stay on
 * the stock kernel, where the call overhead matters more than the loop.
 */
export function addRowVectorSimd(backend: unknown, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  if (simd == null || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const sizeA = tf.util.sizeFromShape(a.shape);
  const sizeB = tf.util.sizeFromShape(b.shape);
  const [big, vec] = sizeA >= sizeB ? [a, b] : [b, a];
  const cols = big.shape[big.shape.length - 1] ?? 0;
  // A scalar (shape []) or [1] broadcasts too, but is not a row: it must not match.
  const vecIsRow = vec.shape.length >= 1 && vec.shape.length <= big.shape.length &&
    vec.shape.every((d, i) => (i === vec.shape.length - 1 ? d === cols : d === 1));
  if (!vecIsRow || cols % 4 !== 0 || cols === 0 || tf.util.sizeFromShape(big.shape) < 4096) return null;
  const heap = backend as HeapBackend;
  const out = heap.makeOutput(big.shape, 'float32');
  const rows = tf.util.sizeFromShape(big.shape) / cols;
  simd.addRowVector(heapOffset(backend, big), heapOffset(backend, vec), heapOffset(backend, out), rows, cols);
  return out;
}

/** Taps per pass of filterGrad9. */
const TAPS = 9;

/**
 * dL/dFilter of an NHWC conv, straight from the (already padded) input `xp`
 * and `dy`: nine filter taps per pass over dy, four output channels per
 * instruction. Meant for layers with few input channels, where the filter
 * has few taps and the im2col/matmul form spends its time re-packing dy.
 */
export function filterGradSimd(
  backend: unknown,
  xp: tf.TensorInfo,
  dy: tf.TensorInfo,
  filterShape: [number, number, number, number],
  strides: [number, number],
): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  const [kh, kw, cin, cout] = filterShape;
  if (simd == null || cout % 4 !== 0 || xp.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const [n, hp, wp] = xp.shape as [number, number, number, number];
  const [, ho, wo] = dy.shape as [number, number, number, number];
  const [sh, sw] = strides;
  const offsets: number[] = [];
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let c = 0; c < cin; c++) offsets.push(((i * wp + j) * cin + c) * 4);
  const heap = backend as HeapBackend;
  const out = heap.makeOutput(filterShape, 'float32');
  const scratch = heap.makeOutput([TAPS, cout], 'float32');
  try {
    const xAt = heapOffset(backend, xp);
    const dyAt = heapOffset(backend, dy);
    const scratchAt = heapOffset(backend, scratch);
    for (let first = 0; first < offsets.length; first += TAPS) {
      const group = offsets.slice(first, first + TAPS);
      const taps = group.length;
      while (group.length < TAPS) group.push(group[0]!); // rows computed and dropped
      simd.filterGrad9(xAt, dyAt, scratchAt, n, hp, wp, cin, ho, wo, cout, sh, sw, ...group);
      // Views only now: no allocation happens between here and their use.
      const rows = heap.typedArrayFromHeap(scratch) as Float32Array;
      (heap.typedArrayFromHeap(out) as Float32Array).set(rows.subarray(0, taps * cout), first * cout);
    }
    return out;
  } finally {
    heap.disposeData(scratch.dataId);
  }
}

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

/** out[j] = sum over rows of a row-major [rows, cols] float32 tensor (cols % 4 == 0). */
export function sumRowsSimd(backend: unknown, x: tf.TensorInfo, rows: number, cols: number, outShape: number[]): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  if (simd == null || x.dtype !== 'float32' || cols % 4 !== 0 || cols === 0) return null;
  const heap = backend as HeapBackend;
  const out = heap.makeOutput(outShape, 'float32');
  const acc = heap.makeOutput([2 * cols], 'float32'); // cols float64 accumulators
  try {
    simd.sumRows(heapOffset(backend, x), rows, cols, heapOffset(backend, out), heapOffset(backend, acc));
  } finally {
    heap.disposeData(acc.dataId);
  }
  return out;
}

/** Adam's hyperparameters for one step, as the float32 values tfjs's AdamOptimizer uses. */
export interface AdamStep {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  /** 1 - beta1^t and 1 - beta2^t, as tfjs computes them (float32 tensors). */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
}

/** New [value, m, v] of one variable after one Adam step (adamUpdate in kernels.wat). */
export function adamUpdateSimd(
  backend: unknown,
  value: tf.TensorInfo,
  m: tf.TensorInfo,
  v: tf.TensorInfo,
  gradient: tf.TensorInfo,
  step: AdamStep,
): [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo] | null {
  const simd = simdKernelsFor(backend);
  if (simd == null || ![value, m, v, gradient].every((t) => t.dtype === 'float32')) return null;
  const n = tf.util.sizeFromShape(value.shape);
  if (![m, v, gradient].every((t) => tf.util.sizeFromShape(t.shape) === n)) return null;
  const heap = backend as HeapBackend;
  const outs = [value, m, v].map((t) => heap.makeOutput(t.shape, 'float32')) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  // Scalars tfjs builds from JS numbers (scalar(1 - beta1) etc.) are those numbers rounded
  // to float32; the wasm call rounds each f32 parameter the same way.
  simd.adamUpdate(
    at(value), at(m), at(v), at(gradient), at(outs[0]), at(outs[1]), at(outs[2]), n,
    step.beta1, 1 - step.beta1, step.beta2, 1 - step.beta2,
    step.oneMinusAccBeta1, step.oneMinusAccBeta2, step.epsilon, -step.learningRate,
  );
  return outs;
}

/**
 * Adds the columns of a conv's input gradient back onto the input grid
 * (col2im in kernels.wat): `cols` is [n, ho, wo, kh*kw*cin] with taps in
 * filter order; the result is dx of `xShape` (cin % 4 == 0).
 */
export function col2imSimd(
  backend: unknown,
  cols: tf.TensorInfo,
  xShape: [number, number, number, number],
  kernel: [number, number],
  strides: [number, number],
  pads: { top: number; left: number },
): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  const [n, h, w, cin] = xShape;
  const [, ho, wo, t] = cols.shape as [number, number, number, number];
  if (simd == null || cols.dtype !== 'float32' || cin % 4 !== 0 || t !== kernel[0] * kernel[1] * cin) return null;
  const out = (backend as HeapBackend).makeOutput(xShape, 'float32');
  simd.col2im(heapOffset(backend, cols), heapOffset(backend, out), n, h, w, cin, ho, wo, kernel[0], kernel[1], strides[0], strides[1], pads.top, pads.left);
  return out;
}

/** dy * step(x), the relu gradient (reluGrad in kernels.wat); same shapes, float32. */
export function reluGradSimd(backend: unknown, dy: tf.TensorInfo, x: tf.TensorInfo): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  const n = tf.util.sizeFromShape(x.shape);
  if (simd == null || dy.dtype !== 'float32' || x.dtype !== 'float32' || tf.util.sizeFromShape(dy.shape) !== n) return null;
  const out = (backend as HeapBackend).makeOutput(x.shape, 'float32');
  simd.reluGrad(heapOffset(backend, dy), heapOffset(backend, x), heapOffset(backend, out), n);
  return out;
}

/** x [n, hp, wp, c] cropped to [n, h, w, c] from pixel (top, left) (cropRows in kernels.wat); float32. */
export function cropSimd(backend: unknown, x: tf.TensorInfo, outShape: [number, number, number, number], top: number, left: number): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  const [n, hp, wp, c] = x.shape as [number, number, number, number];
  const [on, h, w, oc] = outShape;
  if (simd == null || x.dtype !== 'float32' || on !== n || oc !== c || top < 0 || left < 0 || top + h > hp || left + w > wp) return null;
  const out = (backend as HeapBackend).makeOutput(outShape, 'float32');
  simd.cropRows(heapOffset(backend, x), heapOffset(backend, out), n, hp, wp, c, top, left, h, w);
  return out;
}

/**
 * Transposes that move whole axes groups, viewing `x` as [a, m, b]:
 * 'leading' gives [m, a, b] (rows of b floats move as blocks), 'outer' gives
 * [b, m, a] (4x4 tiles; a and b multiples of 4). `outShape` is the caller's.
 */
export function swapAxesSimd(
  backend: unknown,
  x: tf.TensorInfo,
  kind: 'leading' | 'outer',
  [a, m, b]: [number, number, number],
  outShape: number[],
): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  if (simd == null || x.dtype !== 'float32' || a * m * b !== tf.util.sizeFromShape(x.shape)) return null;
  if (kind === 'outer' && (a % 4 !== 0 || b % 4 !== 0)) return null;
  const out = (backend as HeapBackend).makeOutput(outShape, 'float32');
  const run = kind === 'leading' ? simd.swapLeadingAxes : simd.swapOuterAxes;
  run(heapOffset(backend, x), heapOffset(backend, out), a, m, b);
  return out;
}
