/**
 * Kernel bodies that run kernels.wat on the wasm backend's heap: the memory-bound ones and
 * small helpers (the tiled products are in tiles.ts and winograd.ts). Each returns null when
 * it does not apply (not the wasm backend, a shape the SIMD code does not cover), and the
 * caller then takes its JS or stock path.
 */
import * as tf from '@tensorflow/tfjs';
import { heapOffset, simdKernelsFor } from './module.js';
import { runSplit } from './tiles.js';

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
 * out [n, ho, wo, c] = 2x2, stride-2, unpadded max pool of NHWC `input` (channels % 4 == 0).
 * On the threaded build a helper thread takes half of the samples: a memory-bound pass, but
 * the stock kernel it replaces runs on both threads.
 */
export function maxPool2x2Simd(backend: unknown, input: tf.TensorInfo, outShape: [number, number, number, number]): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  const [n, h, w, c] = input.shape as [number, number, number, number];
  const [, ho, wo] = outShape;
  if (simd == null || c % 4 !== 0 || 2 * ho > h || 2 * wo > w || outShape[0] !== n || outShape[3] !== c) return null;
  const out = (backend as HeapBackend).makeOutput(outShape, 'float32');
  const args = [heapOffset(backend, input), heapOffset(backend, out), h, w, c, ho, wo];
  runSplit(simd, backend, true, 'maxPool2x2', (b0, b1) => [...args, b0, b1], n >> 1, n);
  return out;
}

/** The element-wise operations rowVectorOp does, by its op code (x is the large operand, v the row). */
const ROW_OPS = { add: 0, mul: 1, sub: 2 } as const;
export type RowVectorOp = keyof typeof ROW_OPS;

/**
 * a (op) b where one operand is a float32 tensor whose last axis has `c`
 * entries (c % 4 == 0) and the other holds exactly c values (shape [c] or
 * [1, ..., 1, c]): a conv or dense layer's bias add, and batch
 * normalization's per-channel products and differences. Small tensors stay on
 * the stock kernel, where the call overhead matters more than the loop.
 */
export function rowVectorSimd(backend: unknown, a: tf.TensorInfo, b: tf.TensorInfo, op: RowVectorOp): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  if (simd == null || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const sizeA = tf.util.sizeFromShape(a.shape);
  const sizeB = tf.util.sizeFromShape(b.shape);
  const [big, vec] = sizeA >= sizeB ? [a, b] : [b, a];
  const cols = big.shape[big.shape.length - 1] ?? 0;
  // A scalar (shape []) or [1] broadcasts too, but is not a row: it must not match.
  const vecIsRow =
    vec.shape.length >= 1 && vec.shape.length <= big.shape.length && vec.shape.every((d, i) => (i === vec.shape.length - 1 ? d === cols : d === 1));
  if (!vecIsRow || cols % 4 !== 0 || cols === 0 || tf.util.sizeFromShape(big.shape) < 4096) return null;
  const heap = backend as HeapBackend;
  const out = heap.makeOutput(big.shape, 'float32');
  const rows = tf.util.sizeFromShape(big.shape) / cols;
  // 3 is v - x: a difference whose row comes first.
  const code = op === 'sub' && big === b ? 3 : ROW_OPS[op];
  simd.rowVectorOp(heapOffset(backend, big), heapOffset(backend, vec), heapOffset(backend, out), rows, cols, code);
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
    at(value),
    at(m),
    at(v),
    at(gradient),
    at(outs[0]),
    at(outs[1]),
    at(outs[2]),
    n,
    step.beta1,
    1 - step.beta1,
    step.beta2,
    1 - step.beta2,
    step.oneMinusAccBeta1,
    step.oneMinusAccBeta2,
    step.epsilon,
    -step.learningRate,
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

/**
 * reluGradSimd's dy where x > 0, and the sums of that over every axis but the last (a relu
 * convolution's bias gradient) from the same pass: the bits of reluGradSimd and then
 * sumRowsSimd. Needs float32, a last axis of c > 0 channels with c % 4 == 0; null otherwise.
 */
export function reluGradSumsSimd(backend: unknown, dy: tf.TensorInfo, x: tf.TensorInfo): [tf.TensorInfo, tf.TensorInfo] | null {
  const simd = simdKernelsFor(backend);
  const n = tf.util.sizeFromShape(x.shape);
  const cols = x.shape[x.shape.length - 1] ?? 0;
  if (simd == null || dy.dtype !== 'float32' || x.dtype !== 'float32' || tf.util.sizeFromShape(dy.shape) !== n || cols === 0 || cols % 4 !== 0) return null;
  const heap = backend as HeapBackend;
  const out = heap.makeOutput(x.shape, 'float32');
  const sums = heap.makeOutput([cols], 'float32');
  const acc = heap.makeOutput([3 * cols], 'float32'); // cols float64 sums, then cols float32 block sums
  try {
    simd.reluGradSums(
      heapOffset(backend, dy),
      heapOffset(backend, x),
      heapOffset(backend, out),
      n / cols,
      cols,
      heapOffset(backend, sums),
      heapOffset(backend, acc),
    );
  } finally {
    heap.disposeData(acc.dataId);
  }
  return [out, sums];
}

/**
 * (x - mean) * factor + shift per channel over the rows of a float32 x whose last axis has c
 * channels, c % 4 == 0 (batchNormRows in kernels.wat). `writeParams` fills mean, factor and
 * shift (c floats each) once the memory is allocated, so its views stay valid.
 */
export function batchNormSimd(backend: unknown, x: tf.TensorInfo, c: number, writeParams: (params: Float32Array) => void): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  if (simd == null || x.dtype !== 'float32' || c % 4 !== 0 || c === 0) return null;
  const heap = backend as HeapBackend;
  const out = heap.makeOutput(x.shape, 'float32');
  const params = heap.makeOutput([3 * c], 'float32');
  try {
    writeParams(heap.typedArrayFromHeap(params) as Float32Array);
    simd.batchNormRows(heapOffset(backend, x), heapOffset(backend, out), tf.util.sizeFromShape(x.shape) / c, c, heapOffset(backend, params));
  } catch (error) {
    heap.disposeData(out.dataId);
    throw error;
  } finally {
    heap.disposeData(params.dataId);
  }
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
