// Packing a list of tensors into one Float32Array and back: one buffer per message means one
// transfer, instead of a structured clone per weight.

import * as tf from '@tensorflow/tfjs';

export function totalSize(shapes: readonly (readonly number[])[]): number {
  return shapes.reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
}

/** Copies the values of `tensors` (float32) end to end into a new buffer. */
export function flatten(tensors: readonly tf.Tensor[]): Float32Array {
  const out = new Float32Array(totalSize(tensors.map((t) => t.shape)));
  let offset = 0;
  for (const t of tensors) {
    out.set(t.dataSync() as Float32Array, offset);
    offset += t.size;
  }
  return out;
}

/** Tensors of the given shapes viewing consecutive parts of `flat` (tf copies them in). */
export function unflatten(flat: Float32Array, shapes: readonly (readonly number[])[]): tf.Tensor[] {
  let offset = 0;
  return shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(flat.subarray(offset, offset + size), [...shape], 'float32');
    offset += size;
    return t;
  });
}
