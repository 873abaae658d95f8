/**
 * ResizeNearestNeighborGrad and ResizeBilinearGrad (the gradients of tf.layers.upSampling2d,
 * nearest and bilinear) as loops that mirror tfjs's forward kernels sample by sample.
 *
 * Why, measured on tfjs 4.22 with a dot-product test (<resize(x), dy> = <x, grad(dy)>):
 *  - cpu ResizeNearestNeighborGrad is wrong for batch > 1: it finds dy's rows with the
 *    input's batch stride;
 *  - cpu ResizeBilinearGrad returns its (correct) values under the shape [n, w, h, c], so any
 *    input that is not square fails the step ("gradient ... does not match the shape");
 *  - both backends' kernels ignore halfPixelCenters (Keras's and PyTorch's bilinear sampling),
 *    so tf.image.resizeBilinear(x, size, false, true) gets wrong gradients;
 *  - wasm's nearest gradient with alignCorners drops everything when the input is one pixel
 *    wide or high, and is ~2.7x slower than the loop below.
 * On wasm the SIMD module (layer-kernels.wat) takes every call: the same scatter as the loops
 * below, four channels per instruction, ~2-3x faster than the stock bilinear gradient and
 * ~10x than the stock nearest one. Without it (cpu, or wasm without SIMD) the loops take every
 * call on cpu and every nearest one on wasm; the wasm bilinear kernel is right for the
 * default sampling (tf.layers.upSampling2d's) and stays in use for it there.
 */
import * as tf from '@tensorflow/tfjs';
import { allFloat32, floatKernelIO, supportsFloatIO } from './heap.js';
import { heapOffset } from '../simd/module.js';
import { layerSimdFor, type HeapBackend } from './layer-simd.js';

export const RESIZE_NEAREST_GRAD = 'ResizeNearestNeighborGrad';
export const RESIZE_BILINEAR_GRAD = 'ResizeBilinearGrad';

export interface ResizeAttrs {
  alignCorners?: boolean;
  halfPixelCenters?: boolean;
}

/** Input size over output size, as tfjs's forward kernels compute it (align_corners counts gaps). */
function ratio(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

/** The input index each output index copies from (tfjs's ResizeNearestNeighbor). */
export function nearestSources(inSize: number, outSize: number, attrs: ResizeAttrs): Int32Array {
  const r = ratio(inSize, outSize, attrs.alignCorners === true);
  const half = attrs.halfPixelCenters === true;
  const out = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const frac = half ? r * (o + 0.5) : r * o;
    let src = Math.min(inSize - 1, attrs.alignCorners === true ? Math.round(frac) : Math.floor(frac));
    if (half) src = Math.max(0, src);
    out[o] = src;
  }
  return out;
}

/** The two input indices each output index blends, and the weight of the second (tfjs's ResizeBilinear). */
export function bilinearTaps(inSize: number, outSize: number, attrs: ResizeAttrs): { lo: Int32Array; hi: Int32Array; f: Float64Array } {
  const r = ratio(inSize, outSize, attrs.alignCorners === true);
  const half = attrs.halfPixelCenters === true;
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const f = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const frac = half ? r * (o + 0.5) - 0.5 : r * o;
    lo[o] = Math.max(0, Math.floor(frac));
    hi[o] = Math.min(inSize - 1, Math.ceil(frac));
    f[o] = frac - lo[o]!;
  }
  return { lo, hi, f };
}

/** dx[b, src(r), src(s), c] += dy[b, r, s, c]; `dx` is fully overwritten. */
export function resizeNearestGradInto(dy: Float32Array, dx: Float32Array, xShape: number[], dyShape: number[], attrs: ResizeAttrs): void {
  const [n = 0, h = 0, w = 0, c = 0] = xShape;
  const [, oh = 0, ow = 0] = dyShape;
  const rows = nearestSources(h, oh, attrs);
  const cols = nearestSources(w, ow, attrs);
  dx.fill(0);
  let at = 0;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      const row = (b * h + rows[r]!) * w;
      for (let s = 0; s < ow; s++) {
        const o = (row + cols[s]!) * c;
        for (let k = 0; k < c; k++) dx[o + k]! += dy[at++]!;
      }
    }
  }
}

/** Each dy value goes to the four pixels it was blended from, by the same weights; `dx` is fully overwritten. */
export function resizeBilinearGradInto(dy: Float32Array, dx: Float32Array, xShape: number[], dyShape: number[], attrs: ResizeAttrs): void {
  const [n = 0, h = 0, w = 0, c = 0] = xShape;
  const [, oh = 0, ow = 0] = dyShape;
  const rows = bilinearTaps(h, oh, attrs);
  const cols = bilinearTaps(w, ow, attrs);
  dx.fill(0);
  let at = 0;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      const fr = rows.f[r]!;
      const top = (b * h + rows.lo[r]!) * w;
      const bottom = (b * h + rows.hi[r]!) * w;
      for (let s = 0; s < ow; s++) {
        const fc = cols.f[s]!;
        const tl = (top + cols.lo[s]!) * c;
        const tr = (top + cols.hi[s]!) * c;
        const bl = (bottom + cols.lo[s]!) * c;
        const br = (bottom + cols.hi[s]!) * c;
        const wtl = (1 - fr) * (1 - fc);
        const wtr = (1 - fr) * fc;
        const wbl = fr * (1 - fc);
        const wbr = fr * fc;
        for (let k = 0; k < c; k++) {
          const g = dy[at++]!;
          dx[tl + k]! += g * wtl;
          dx[tr + k]! += g * wtr;
          dx[bl + k]! += g * wbl;
          dx[br + k]! += g * wbr;
        }
      }
    }
  }
}

/**
 * The gradient by layer-kernels.wat (resizeNearestGrad, resizeGrad) on the wasm heap, with the
 * sampling tables above written to scratch tensors there; null where the module does not run.
 */
function resizeGradSimd(backend: unknown, images: tf.TensorInfo, dy: tf.TensorInfo, attrs: ResizeAttrs, nearest: boolean): tf.TensorInfo | null {
  const simd = layerSimdFor(backend);
  if (simd == null || dy.dtype !== 'float32') return null;
  const heap = backend as HeapBackend;
  const [n = 0, h = 0, w = 0, c = 0] = images.shape;
  const [, oh = 0, ow = 0] = dy.shape;
  const at = (t: tf.TensorInfo) => heapOffset(heap, t);
  const out = heap.makeOutput(images.shape, 'float32');
  let tables: [tf.TensorInfo, Int32Array | Float64Array][];
  if (nearest) {
    tables = [
      [heap.makeOutput([oh], 'int32'), nearestSources(h, oh, attrs)],
      [heap.makeOutput([ow], 'int32'), nearestSources(w, ow, attrs)],
    ];
  } else {
    const rows = bilinearTaps(h, oh, attrs);
    const cols = bilinearTaps(w, ow, attrs);
    tables = [
      [heap.makeOutput([oh], 'int32'), rows.lo],
      [heap.makeOutput([oh], 'int32'), rows.hi],
      [heap.makeOutput([oh], 'float32'), rows.f],
      [heap.makeOutput([ow], 'int32'), cols.lo],
      [heap.makeOutput([ow], 'int32'), cols.hi],
      [heap.makeOutput([ow], 'float32'), cols.f],
    ];
  }
  try {
    // Views only once every scratch tensor exists: an allocation can move the heap.
    for (const [t, values] of tables) heap.typedArrayFromHeap(t).set(values);
    const p = tables.map(([t]) => at(t));
    if (nearest) simd.resizeNearestGrad(at(dy), at(out), n, h, w, c, oh, ow, p[0]!, p[1]!);
    else simd.resizeGrad(at(dy), at(out), n, h, w, c, oh, ow, p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, p[5]!);
    return out;
  } finally {
    for (const [t] of tables) heap.disposeData(t.dataId);
  }
}

type Into = typeof resizeNearestGradInto;

/**
 * The kernel for `backendName`: ours where `ours(attrs)` says so, the stock kernel otherwise.
 * Inputs: images (only its shape is read) and dy.
 */
function kernel(kernelName: string, backendName: string, into: Into, ours: (attrs: ResizeAttrs) => boolean): tf.KernelConfig {
  const stock = tf.getKernel(kernelName, backendName);
  const nearest = kernelName === RESIZE_NEAREST_GRAD;
  const config: tf.KernelConfig = {
    kernelName,
    backendName,
    kernelFunc: (args) => {
      const { images, dy } = args.inputs;
      const attrs = (args.attrs ?? {}) as ResizeAttrs;
      if (images != null && dy != null && allFloat32([dy]) && supportsFloatIO(args.backend)) {
        const simd = resizeGradSimd(args.backend, images, dy, attrs, nearest);
        if (simd != null) return simd;
        if (stock == null || ours(attrs)) {
          const io = floatKernelIO(args.backend, [dy], images.shape);
          into(io.inputs[0]!, io.out, images.shape, dy.shape, attrs);
          return io.finish();
        }
      }
      if (stock == null) throw new Error(`${kernelName} on '${backendName}': only float32 gradients are supported`);
      return stock.kernelFunc(args);
    },
  };
  if (stock?.setupFunc != null) config.setupFunc = stock.setupFunc;
  if (stock?.disposeFunc != null) config.disposeFunc = stock.disposeFunc;
  return config;
}

/** Which calls the loops take where the SIMD module does not run; the rest go to the stock kernel. */
const TAKES: Record<string, Record<string, (attrs: ResizeAttrs) => boolean>> = {
  cpu: { [RESIZE_NEAREST_GRAD]: () => true, [RESIZE_BILINEAR_GRAD]: () => true },
  wasm: {
    // The stock wasm nearest gradient searches a window of dy around every input pixel: ~2.7x
    // slower than the loop for upsampling by 2 at batch 64.
    [RESIZE_NEAREST_GRAD]: () => true,
    [RESIZE_BILINEAR_GRAD]: (attrs) => attrs.halfPixelCenters === true || attrs.alignCorners === true,
  },
};

/** Kernel names this module registers (profilers list them). */
export const RESIZE_KERNELS: readonly string[] = [RESIZE_NEAREST_GRAD, RESIZE_BILINEAR_GRAD];

/** Registers both gradients for `backendName` (wasm or cpu). */
export function installResizeGradKernels(backendName: string): void {
  const takes = TAKES[backendName];
  if (takes == null) return;
  for (const [name, into] of [
    [RESIZE_NEAREST_GRAD, resizeNearestGradInto],
    [RESIZE_BILINEAR_GRAD, resizeBilinearGradInto],
  ] as const) {
    const config = kernel(name, backendName, into, takes[name]!); // captures the stock kernel first
    if (tf.getKernel(name, backendName) != null) tf.unregisterKernel(name, backendName);
    tf.registerKernel(config);
  }
}
