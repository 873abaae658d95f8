/**
 * Direct float32 access to kernel inputs/outputs for kernels written as plain
 * JS loops, on the wasm and cpu backends.
 *
 * Why: on wasm a tensor's data lives on the wasm heap. BackendWasm exposes
 * `makeOutput` (allocate an output tensor on the heap) and
 * `typedArrayFromHeap` (a Float32Array view onto a tensor's heap bytes), so a
 * JS kernel can read its inputs and write its output with zero copies and no
 * readSync/dataSync round trip. On cpu the data already is a JS typed array.
 *
 * Caveat (wasm): allocating can grow the heap, which detaches every earlier
 * view. `floatKernelIO` therefore allocates the output first and only then
 * creates the views, and callers must not allocate while using them.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of BackendWasm (tfjs-backend-wasm 4.x) we use. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
}

/** The parts of MathBackendCPU we use. */
interface CpuDataBackend {
  data: { get(dataId: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.TypedArray): tf.TensorInfo;
}

function isWasm(b: unknown): b is WasmHeapBackend {
  const o = b as Partial<WasmHeapBackend> | null;
  return typeof o?.makeOutput === 'function' && typeof o.typedArrayFromHeap === 'function';
}

function isCpu(b: unknown): b is CpuDataBackend {
  const o = b as Partial<CpuDataBackend> | null;
  return typeof o?.makeTensorInfo === 'function' && typeof (o.data as { get?: unknown } | undefined)?.get === 'function';
}

/** True when `floatKernelIO` can serve this backend object. */
export function supportsFloatIO(backend: unknown): boolean {
  return isWasm(backend) || isCpu(backend);
}

export interface FloatKernelIO {
  inputs: Float32Array[];
  /** Uninitialised on wasm (malloc'd): the kernel must write every element. */
  out: Float32Array;
  /** Call once the output is filled; returns what the kernel returns. */
  finish(): tf.TensorInfo;
}

/**
 * Float32 views of `inputs` and a new float32 output of `outShape`. All
 * inputs must be float32 (callers check and fall back otherwise).
 */
export function floatKernelIO(backend: unknown, inputs: tf.TensorInfo[], outShape: number[]): FloatKernelIO {
  if (isWasm(backend)) {
    const info = backend.makeOutput(outShape, 'float32'); // before the views: may grow the heap
    return {
      inputs: inputs.map((t) => backend.typedArrayFromHeap(t) as Float32Array),
      out: backend.typedArrayFromHeap(info) as Float32Array,
      finish: () => info,
    };
  }
  if (isCpu(backend)) {
    const out = new Float32Array(tf.util.sizeFromShape(outShape));
    return {
      inputs: inputs.map((t) => backend.data.get(t.dataId).values as Float32Array),
      out,
      finish: () => backend.makeTensorInfo(outShape, 'float32', out),
    };
  }
  throw new Error('floatKernelIO: unsupported backend');
}

/** Float32 views of float32 tensors, allocating nothing (so earlier views stay valid). */
export function floatKernelViews(backend: unknown, inputs: tf.TensorInfo[]): Float32Array[] {
  if (isWasm(backend)) return inputs.map((t) => backend.typedArrayFromHeap(t) as Float32Array);
  if (isCpu(backend)) return inputs.map((t) => backend.data.get(t.dataId).values as Float32Array);
  throw new Error('floatKernelViews: unsupported backend');
}

export const allFloat32 = (ts: (tf.TensorInfo | undefined)[]): boolean => ts.every((t) => t?.dtype === 'float32');
