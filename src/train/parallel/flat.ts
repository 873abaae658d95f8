// Packing a list of tensors into one Float32Array and back: one buffer per message means one
// transfer, instead of a structured clone per weight.

import * as tf from '@tensorflow/tfjs';

export function totalSize(shapes: readonly (readonly number[])[]): number {
  return shapes.reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
}

/** Copies the values of `tensors` (float32) end to end into `out` (a new buffer by default). */
export function flatten<B extends ArrayBufferLike = ArrayBuffer>(tensors: readonly tf.Tensor[], out?: Float32Array<B>): Float32Array<B> {
  const target = out ?? (new Float32Array(totalSize(tensors.map((t) => t.shape))) as Float32Array<B>);
  let offset = 0;
  for (const t of tensors) {
    target.set(t.dataSync() as Float32Array, offset);
    offset += t.size;
  }
  return target;
}

/** The tensor's float32 data where it lies on the wasm heap (no copy), or a copy elsewhere. */
function valuesOf(t: tf.Tensor): Float32Array {
  const heap = tf.backend() as unknown as { typedArrayFromHeap?: (info: tf.TensorInfo) => tf.TypedArray };
  return (typeof heap.typedArrayFromHeap === 'function' ? heap.typedArrayFromHeap(t) : t.dataSync()) as Float32Array;
}

/**
 * `tensors` end to end into `out`, each value times `scale`: one pass from the wasm heap
 * into `out` (a replica's gradient slot), instead of a copy out of the heap, a copy into the
 * slot and a pass to scale. Each product is rounded to float32 once, as `out[k] *= scale`
 * after a plain copy would.
 */
export function flattenScaled(tensors: readonly tf.Tensor[], out: Float32Array<ArrayBufferLike>, scale: number): void {
  let offset = 0;
  for (const t of tensors) {
    const values = valuesOf(t);
    if (scale === 1) out.set(values, offset);
    else for (let k = 0; k < values.length; k++) out[offset + k] = values[k]! * scale;
    offset += t.size;
  }
}

/**
 * New float32 tensors of `shapes` with views of their memory on the wasm heap, for a caller
 * to write their values in place (a replica sums the gradient slots straight into them);
 * null on other backends. The views are made after every tensor exists: an allocation may
 * move the heap.
 */
export function heapTensors(shapes: readonly (readonly number[])[]): { tensors: tf.Tensor[]; views: Float32Array[] } | null {
  const heap = tf.backend() as unknown as { typedArrayFromHeap?: (info: tf.TensorInfo) => tf.TypedArray };
  if (typeof heap.typedArrayFromHeap !== 'function') return null;
  const tensors = shapes.map((shape) => tf.zeros([...shape], 'float32'));
  return { tensors, views: tensors.map((t) => heap.typedArrayFromHeap!(t) as Float32Array) };
}

/** Tensors of the given shapes viewing consecutive parts of `flat` (tf copies them in). */
export function unflatten(flat: Float32Array<ArrayBufferLike>, shapes: readonly (readonly number[])[]): tf.Tensor[] {
  let offset = 0;
  return shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(flat.subarray(offset, offset + size) as Float32Array, [...shape], 'float32');
    offset += size;
    return t;
  });
}

/** Named float32 tensors (an optimizer's getWeights()) as plain data. */
export interface PackedTensors {
  names: string[];
  shapes: number[][];
  data: Float32Array;
}

export function packNamed(named: readonly { name: string; tensor: tf.Tensor }[]): PackedTensors {
  return {
    names: named.map((w) => w.name),
    shapes: named.map((w) => [...w.tensor.shape]),
    data: flatten(named.map((w) => w.tensor)),
  };
}

/** New tensors; the caller disposes them (setWeights copies them in). */
export function unpackNamed(packed: PackedTensors): { name: string; tensor: tf.Tensor }[] {
  const tensors = unflatten(packed.data, packed.shapes);
  return packed.names.map((name, i) => ({ name, tensor: tensors[i]! }));
}
