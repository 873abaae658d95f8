/**
 * Conv2D gradients expressed with ops the wasm backend runs fast (XNNPACK
 * Conv2D and MatMul, plus cheap Transpose/StridedSlice/Concat/PadV2), and a
 * JS loop for the small rotated filter.
 *
 * Why: stock tfjs computes the filter gradient with the Conv2DBackpropFilter
 * kernel, which the wasm backend does not implement at all (training throws)
 * and the cpu backend implements as a naive 7-deep loop (~43 s per batch of
 * 64 for the target model). Both gradients below are plain tensor algebra, so
 * they run on any backend; they are just much faster where MatMul/Conv2D are
 * the only well-optimised kernels.
 *
 * Layout: NHWC input, HWIO filter, dilation 1. Callers must check
 * `fastConvSupported` first and otherwise use the stock gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { col2imSimd, cropSimd, filterGradSimd, swapAxesSimd } from '../simd/ops.js';
import { filterGradRowsSimd, filterGradTilesSimd, inputGradTilesSimd } from '../simd/tiles.js';
import { simdHelperFor, simdKernelsFor } from '../simd/module.js';
import { winogradGeometry, winogradTileFor } from '../simd/winograd.js';
import { winograd4FilterGradSimd, winograd4InputGradSimd } from '../simd/winograd-gradients.js';

export type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
export type Rounding = 'floor' | 'round' | 'ceil' | undefined;

/** The attributes shared by Conv2D, FusedConv2D and the two backprop kernels. */
export interface ConvAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: Rounding;
}

function pair(v: number | [number, number] | undefined): [number, number] {
  if (v == null) return [1, 1];
  return typeof v === 'number' ? [v, v] : v;
}

/**
 * Whether the tiled SIMD gradients (filterGradTiles, inputGradTiles) may run. Only
 * bench/train-step.ts --ab-tiles turns them off, to time steps with and without them
 * alternately in one process.
 */
export const tiledGradients = { enabled: true };

/** Both gradients by F(4x4, 3x3) where the forward takes it; bench/train-step.ts --ab winogradGrad turns them off. */
export const winogradGradients = { enabled: true };

/**
 * Whether both gradients go by Winograd's F(4x4, 3x3) (simd/winograd-gradients.ts): a 3x3
 * stride-1 convolution whose forward in training takes F(4x4) too (winogradTileFor: an output of
 * 36 pixels and more, at least 64 tiles), on a backend with netspec's SIMD kernels.
 */
function winogradGradientsFor(info: tf.backend_util.Conv2DInfo): boolean {
  const on = winogradGradients.enabled && simdKernelsFor(tf.backend()) != null;
  return on && winogradGeometry(info) && winogradTileFor(info.batchSize, info.outHeight, info.outWidth, true) === 4;
}

/** NHWC with dilation 1 is all these formulations handle. */
export function fastConvSupported(attrs: ConvAttrs): boolean {
  const [dh, dw] = pair(attrs.dilations);
  return (attrs.dataFormat ?? 'NHWC') === 'NHWC' && dh === 1 && dw === 1;
}

/** Output size and the exact padding tfjs/TensorFlow use for this conv. */
export function convGeometry(xShape: number[], filterShape: number[], attrs: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/**
 * dL/dFilter. dW[i,j,c,o] = sum_{n,p,q} xpad[n, p*sh+i, q*sw+j, c] * dy[n,p,q,o].
 *
 * Six equivalent formulations; measured on wasm (batch 64, target model):
 *  - a 3x3 stride-1 conv whose forward in training goes by F(4x4, 3x3): the same
 *    tiling (simd/winograd-gradients.ts; winogradGradientsFor says where).
 *  - cin % 4 == 0 and cout % 8 == 0 on wasm: a register-tiled product read
 *    in place from x and dy (simd/kernels.wat, filterGradTiles), split over a
 *    helper thread on the threaded build (see useTiles for when); other cin
 *    with cout % 8 == 0: the same tiles over a filter row's taps and channels
 *    together (filterGradRows: for the first layer, 22 against 17 GFLOP/s for
 *    filterGrad9 below, one thread, CPU time).
 *  - otherwise few input channels (cin <= 4) on wasm: a SIMD loop over x
 *    and dy in place (simd/kernels.wat, filterGrad9), nine taps per pass.
 *    XNNPACK's matmul would re-pack all of dy as its "weights" every step and
 *    runs on one thread in tfjs, so the direct loop wins (see simd/ops.ts).
 *  - few input channels elsewhere (cpu, or no wasm SIMD): im2col in channel-first
 *    layout: one StridedSlice per filter tap of x^T [cin,n,h,w], stacked into
 *    cols^T [kh*kw*cin, n*ho*wo], then one plain MatMul with dy [n*ho*wo, cout]
 *    (2 ms vs 7 ms for the conv form). The natural [m, k] im2col layout would
 *    need MatMul(transposeA), which the wasm backend runs ~15x slower.
 *  - otherwise: a Conv2D that treats the batch as channels: x^T [cin,h,w,n]
 *    convolved with dy^T [ho,wo,n,cout] as the filter, dilated by the stride
 *    (14 ms vs 20 ms for layer 2, 2 ms vs 7 ms for layer 3, against the
 *    matmul form).
 */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], attrs: ConvAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convGeometry(x.shape, filterShape, attrs);
    if (winogradGradientsFor(info)) {
      const viaWinograd = asTensor4D(winograd4FilterGradSimd(tf.backend(), x, dy, info.padInfo, filterShape[3], true));
      if (viaWinograd != null) return viaWinograd;
    }
    const { top, bottom, left, right } = info.padInfo;
    const pads: [number, number][] = [
      [0, 0],
      [Math.max(top, 0), Math.max(bottom, 0)],
      [Math.max(left, 0), Math.max(right, 0)],
      [0, 0],
    ];
    const xp = pads.flat().some((v) => v > 0) ? tf.pad(x, pads) : x;
    const strides: [number, number] = [info.strideHeight, info.strideWidth];
    const tiled = filterShape[2] % 4 === 0 ? filterGradTilesSimd : filterGradRowsSimd;
    const tiles = useTiles(dy.shape) ? asTensor4D(tiled(tf.backend(), xp, dy, filterShape, strides)) : null;
    if (tiles != null) return tiles;
    if (filterShape[2] > 4) return filterGradConv(xp, dy, filterShape, info);
    return asTensor4D(filterGradSimd(tf.backend(), xp, dy, filterShape, strides)) ?? filterGradIm2col(xp, dy, filterShape, info);
  });
}

/**
 * filterGradTiles beats the conv form (below) wherever it runs on one thread
 * (7.4 vs 12.7 ms for layer 2 at batch 64) and, split over two threads, for
 * layer 2 (4.6 vs 7.7 ms): XNNPACK spends ~2 ms of each conv-form call
 * transposing and re-packing dy on one thread. With two threads and a small
 * output (layer 3, 3x3 positions per sample) the tiles' short rows make it
 * slower than XNNPACK's two threads (1.4 vs 1.2 ms), so the conv form stays.
 */
function useTiles(dyShape: number[]): boolean {
  const [, ho = 0, wo = 0] = dyShape;
  return tiledGradients.enabled && (simdHelperFor(tf.backend()) == null || ho * wo >= 16);
}

function filterGradIm2col(xp: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const [kh, kw, cin, cout] = filterShape;
  const [n] = xp.shape;
  const { outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw } = info;
  const m = n * ho * wo;
  const xt = tf.transpose(xp, [3, 0, 1, 2]);
  const taps: tf.Tensor[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const tap = tf.stridedSlice(xt, [0, 0, i, j], [cin, n, i + (ho - 1) * sh + 1, j + (wo - 1) * sw + 1], [1, 1, sh, sw]);
      taps.push(tf.reshape(tap, [cin, m]));
    }
  }
  const colsT = taps.length === 1 ? taps[0]! : tf.concat(taps, 0);
  return tf.reshape(tf.matMul(colsT, tf.reshape(dy, [m, cout])), filterShape);
}

function filterGradConv(xp: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const [kh, kw, cin, cout] = filterShape;
  const [n, hp, wp] = xp.shape;
  const [, ho, wo] = dy.shape;
  // The transposes move whole channel rows or 4x4 tiles: SIMD where it runs.
  const xt = swapAxes(xp, 'outer', [n, hp * wp, cin], [cin, hp, wp, n]) ?? (tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D);
  const dyt = swapAxes(dy, 'leading', [n, ho * wo, cout], [ho, wo, n, cout]) ?? (tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D);
  const dilations: [number, number] = [info.strideHeight, info.strideWidth];
  let out = tf.conv2d(xt, dyt, 1, 'valid', 'NHWC', dilations);
  // Extra trailing rows/cols appear when padding or a stride leaves input
  // pixels no output used; they are not filter taps.
  if (out.shape[1] !== kh || out.shape[2] !== kw) out = tf.slice(out, [0, 0, 0, 0], [cin, kh, kw, cout]);
  return swapAxes(out, 'leading', [cin, kh * kw, cout], [kh, kw, cin, cout]) ?? (tf.transpose(out, [1, 2, 0, 3]) as tf.Tensor4D);
}

/** swapAxesSimd on the active backend as a tensor, or null where it does not run. */
function swapAxes(x: tf.Tensor, kind: 'leading' | 'outer', dims: [number, number, number], outShape: number[]): tf.Tensor4D | null {
  return asTensor4D(swapAxesSimd(tf.backend(), x, kind, dims, outShape));
}

/** A SIMD op's output as a tensor the surrounding tidy tracks (null passes through). */
function asTensor4D(info: tf.TensorInfo | null): tf.Tensor4D | null {
  return info == null ? null : (tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor4D);
}

/**
 * dL/dx as a stride-1 convolution: spread dy back onto the stride grid
 * (zeros between rows/cols), pad it so every input pixel sees all taps that
 * touched it, and correlate with the filter rotated 180 degrees and with its
 * in/out channels swapped. That is exactly the transposed convolution, but it
 * runs on XNNPACK's Conv2D instead of a hand-written backprop loop.
 */
export function conv2dInputGrad(xShape: [number, number, number, number], dy: tf.Tensor4D, filter: tf.Tensor4D, attrs: ConvAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convGeometry(xShape, filter.shape, attrs);
    if (winogradGradientsFor(info)) {
      // [3, 3, cout, cin]: the kernel transforms it into the points' products with dy's channels
      const wt = tf.transpose(filter, [0, 1, 3, 2]);
      const viaWinograd = asTensor4D(winograd4InputGradSimd(tf.backend(), dy, wt, xShape, info.padInfo, true));
      if (viaWinograd != null) return viaWinograd;
    }
    const viaTiles = inputGradTiles(xShape, dy, filter, info);
    if (viaTiles != null) return viaTiles;
    const viaColumns = inputGradColumns(xShape, dy, filter, info);
    if (viaColumns != null) return viaColumns;
    const [kh, kw] = filter.shape;
    const [, h, w] = xShape;
    const { top, left } = info.padInfo;
    const sh = info.strideHeight;
    const sw = info.strideWidth;
    const spread = sh > 1 || sw > 1 ? spreadOnStrideGrid(dy, sh, sw) : dy;
    const [, hs, ws] = spread.shape;
    // Rows of dy-spread needed above/below so the stride-1 correlation yields
    // exactly h x w outputs; input rows no output used get zero gradient.
    const padTop = kh - 1 - top;
    const padBottom = h - hs + top;
    const padLeft = kw - 1 - left;
    const padRight = w - ws + left;
    const rotated = rotateFilter(filter);
    const explicit: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [padTop, padBottom],
      [padLeft, padRight],
      [0, 0],
    ];
    if (explicit.flat().every((p) => p >= 0)) {
      return tf.conv2d(spread, rotated, 1, explicit);
    }
    // Negative padding (only with unusual explicit pads): crop, then convolve.
    const cropTop = Math.max(-padTop, 0);
    const cropLeft = Math.max(-padLeft, 0);
    const cropped = tf.slice(spread, [0, cropTop, cropLeft, 0], [-1, hs - cropTop - Math.max(-padBottom, 0), ws - cropLeft - Math.max(-padRight, 0), -1]);
    const clamp = explicit.map(([a, b]) => [Math.max(a, 0), Math.max(b, 0)]) as tf.backend_util.ExplicitPadding;
    return tf.conv2d(cropped as tf.Tensor4D, rotated, 1, clamp);
  });
}

/**
 * dL/dx in one SIMD pass, on wasm with input channels % 16 == 0: dy times the
 * filter added straight onto the (padded) input grid, then the padding
 * cropped. Against the columns form below it skips writing and rereading
 * the columns (~9 MB for layer 2 at batch 64). Returns null where it does not apply.
 */
function inputGradTiles(xShape: [number, number, number, number], dy: tf.Tensor4D, filter: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D | null {
  const cin = filter.shape[2];
  const { top, bottom, left, right } = info.padInfo;
  if (!tiledGradients.enabled || cin % 16 !== 0 || simdKernelsFor(tf.backend()) == null || Math.min(top, bottom, left, right) < 0) return null;
  const [n, h, w] = xShape;
  const padded: [number, number, number, number] = [n, h + top + bottom, w + left + right, cin];
  // [kh, kw, cout, cin]: a tap's rows of the filter, one per output channel
  const wt = tf.transpose(filter, [0, 1, 3, 2]);
  const dxp = asTensor4D(inputGradTilesSimd(tf.backend(), dy, wt, padded, [info.strideHeight, info.strideWidth]));
  if (dxp == null || (top === 0 && bottom === 0 && left === 0 && right === 0)) return dxp;
  return asTensor4D(cropSimd(tf.backend(), dxp, xShape, top, left)) ?? tf.slice(dxp, [0, top, left, 0], [n, h, w, cin]);
}

/**
 * dL/dx in two steps, on wasm with SIMD and input channels % 4 == 0:
 * cols = dy x W^T as a 1x1 convolution (XNNPACK's GEMM, threaded), then
 * col2im adds every column back onto the input pixel it belongs to. Unlike
 * the correlation below, it never multiplies the zero border that padding
 * dy adds (~40% of the work for a 3x3 filter on an 11x11 output, ~65% on
 * 3x3), and strides need no spreading. Returns null where it does not apply.
 */
function inputGradColumns(
  xShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
): tf.Tensor4D | null {
  const [kh, kw, cin, cout] = filter.shape;
  const backend = tf.backend();
  if (cin % 4 !== 0 || simdKernelsFor(backend) == null) return null;
  // [1, 1, cout, kh*kw*cin] with w[0, 0, o, (i*kw + j)*cin + c] = W[i, j, c, o]
  const taps = kh * kw * cin;
  const columnFilter = tf.reshape(tf.transpose(tf.reshape(filter, [taps, cout])), [1, 1, cout, taps]) as tf.Tensor4D;
  const cols = tf.conv2d(dy, columnFilter, 1, 'valid');
  return asTensor4D(col2imSimd(backend, cols, xShape, [kh, kw], [info.strideHeight, info.strideWidth], info.padInfo));
}

/**
 * The filter rotated 180 degrees with in/out channels swapped:
 * out[i,j,o,c] = f[kh-1-i, kw-1-j, c, o]. Filters are small (<= ~40k values
 * here), so one JS pass over a copy is far cheaper than the wasm Reverse
 * kernel (a scalar loop: ~2 ms per step for the target model) plus a
 * Transpose.
 */
function rotateFilter(filter: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, cin, cout] = filter.shape;
  const f = filter.dataSync() as Float32Array;
  const out = new Float32Array(f.length);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const src = ((kh - 1 - i) * kw + (kw - 1 - j)) * cin * cout;
      const dst = (i * kw + j) * cout * cin;
      for (let c = 0; c < cin; c++) {
        for (let o = 0; o < cout; o++) out[dst + o * cin + c] = f[src + c * cout + o]!;
      }
    }
  }
  return tf.tensor4d(out, [kh, kw, cout, cin]);
}

/** [n,h,w,c] -> [n,(h-1)*sh+1,(w-1)*sw+1,c] with zeros between the samples. */
function spreadOnStrideGrid(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  const [n, h, w, c] = dy.shape;
  const six = tf.reshape(dy, [n, h, 1, w, 1, c]);
  const padded = tf.pad(six, [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  const flat = tf.reshape(padded, [n, h * sh, w * sw, c]);
  return tf.slice(flat, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]) as tf.Tensor4D;
}
