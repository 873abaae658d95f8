/**
 * The kernels of layer-kernels.wat on the wasm backend's heap: the depthwise gradients for
 * depth multiplier 1, and strided copies. The module imports the backend's own memory, like
 * src/backend/simd/kernels.wat, and is loaded once per backend instance. Each function returns
 * null (or false) where it does not apply (not the wasm backend, no SIMD in the engine,
 * another multiplier), and the caller takes its other path, so this is only ever a speed-up.
 */
import type * as tf from '@tensorflow/tfjs';
import { heapOffset } from '../simd/module.js';
import { LAYER_KERNELS_WASM_SHARED, LAYER_KERNELS_WASM_UNSHARED } from './layer-kernels-wasm.js';

type Geometry = [
  n: number,
  h: number,
  w: number,
  c: number,
  ho: number,
  wo: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  dh: number,
  dw: number,
  top: number,
  left: number,
];

/** The exports of layer-kernels.wat; pointers and sizes are in bytes of the heap. */
export interface LayerExports {
  depthwiseFilterGrad(x: number, dy: number, out: number, ...geometry: Geometry): void;
  depthwiseInputGrad(dy: number, filter: number, dx: number, ...geometry: Geometry): void;
  copyRuns(src: number, dst: number, count: number, run: number, srcStride: number, dstStride: number): void;
  resizeGrad(
    dy: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    rowLo: number,
    rowHi: number,
    rowF: number,
    colLo: number,
    colHi: number,
    colF: number,
  ): void;
  resizeNearestGrad(dy: number, dx: number, n: number, h: number, w: number, c: number, oh: number, ow: number, rowSrc: number, colSrc: number): void;
}

/** The parts of BackendWasm (tfjs-backend-wasm 4.x) used here. */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
  disposeData(dataId: object): boolean;
  getMemoryOffset(dataId: object): number;
  wasm?: { wasmMemory?: unknown; asm?: { memory?: unknown } };
}

const loaded = new WeakMap<object, LayerExports | null>();

function instantiate(backend: HeapBackend): LayerExports | null {
  const memory = backend.wasm?.wasmMemory ?? backend.wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory) || typeof backend.getMemoryOffset !== 'function') return null;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = Buffer.from(shared ? LAYER_KERNELS_WASM_SHARED : LAYER_KERNELS_WASM_UNSHARED, 'base64');
  try {
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as LayerExports;
  } catch {
    return null; // e.g. an engine without wasm SIMD
  }
}

/** The module bound to this backend's memory, or null where it cannot run. */
export function layerSimdFor(backend: unknown): LayerExports | null {
  if (backend == null || typeof backend !== 'object') return null;
  if (!loaded.has(backend)) loaded.set(backend, instantiate(backend as HeapBackend));
  return loaded.get(backend)!;
}

function geometry(info: tf.backend_util.Conv2DInfo): Geometry {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

function applies(backend: unknown, info: tf.backend_util.Conv2DInfo, inputs: tf.TensorInfo[]): LayerExports | null {
  if (info.outChannels !== info.inChannels || inputs.some((t) => t.dtype !== 'float32')) return null;
  return layerSimdFor(backend);
}

/** dL/dW [kh, kw, c, 1] of a depthwise conv with multiplier 1, or null. */
export function depthwiseFilterGradSimd(backend: unknown, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo | null {
  const simd = applies(backend, info, [x, dy]);
  if (simd == null) return null;
  const heap = backend as HeapBackend;
  const out = heap.makeOutput([info.filterHeight, info.filterWidth, info.inChannels, 1], 'float32');
  simd.depthwiseFilterGrad(heapOffset(heap, x), heapOffset(heap, dy), heapOffset(heap, out), ...geometry(info));
  return out;
}

/** dL/dx [n, h, w, c] of a depthwise conv with multiplier 1, or null. */
export function depthwiseInputGradSimd(backend: unknown, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo | null {
  const simd = applies(backend, info, [dy, filter]);
  if (simd == null) return null;
  const heap = backend as HeapBackend;
  const out = heap.makeOutput([info.batchSize, info.inHeight, info.inWidth, info.inChannels], 'float32');
  simd.depthwiseInputGrad(heapOffset(heap, dy), heapOffset(heap, filter), heapOffset(heap, out), ...geometry(info));
  return out;
}

/**
 * Runs `copyRuns` of layer-kernels.wat with byte offsets `src` and `dst` in the heap; false
 * (nothing copied) where the module does not run.
 */
export function copyRunsSimd(backend: unknown, src: number, dst: number, count: number, run: number, srcStride: number, dstStride: number): boolean {
  const simd = layerSimdFor(backend);
  if (simd == null) return false;
  simd.copyRuns(src, dst, count, run, srcStride, dstStride);
  return true;
}
