/**
 * BatchMatMul with transposed operands, rewritten as explicit transposes plus
 * a plain (non-transposed) matmul (registered in wrapped.ts).
 *
 * Why: the wasm backend's BatchMatMul is fast only without transposes; with
 * transposeA or transposeB it measured 15-30x slower than the plain product
 * of the same size. Dense layers hit both in training: dX = dY W^T
 * (transposeB) and dW = X^T dY (transposeA). Transposing an operand first
 * costs one pass over it (the stock Transpose kernel) and the product itself
 * is then XNNPACK's fast path. Same products, summed in a different order:
 * differences are float rounding only.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * `t` with its last two (matrix) axes swapped, computed by calling the
 * backend's stock Transpose kernel function directly: no engine dispatch, so
 * profiles do not list it separately. The caller disposes the result's data
 * (backend.disposeData) after use.
 */
export function transposedOperand(transpose: tf.KernelConfig, t: tf.TensorInfo, backend: tf.KernelBackend): tf.TensorInfo {
  const r = t.shape.length;
  const perm = [...Array(r - 2).keys(), r - 1, r - 2];
  return transpose.kernelFunc({ inputs: { x: t }, attrs: { perm }, backend }) as tf.TensorInfo;
}
