/**
 * Matrix products on wasm (BatchMatMul, _FusedMatMul; registered in wrapped.ts): the dense
 * layers' forward pass and both gradients.
 *
 * Why: the wasm backend's BatchMatMul is fast only without transposes; with transposeA or
 * transposeB it measured 15-30x slower than the plain product of the same size, and dense
 * layers hit both in training: dX = dY W^T (transposeB) and dW = X^T dY (transposeA). So a
 * transposed operand is transposed first (one pass over it, the stock Transpose kernel).
 * The plain product itself, where its output columns tile by 8 and there is no batch of
 * matrices, is a 1x1 convolution of netspec's own tiles (convTiles in simd/kernels.wat), with
 * _FusedMatMul's bias and relu applied before the store: XNNPACK's product ran at a sixth of
 * the SIMD ceiling on these shapes (batch-32 rows), the tiles at about half. Everything else,
 * or without the SIMD kernels, goes to the stock kernel. Same products, summed in a different
 * order: differences are float rounding only.
 */
import * as tf from '@tensorflow/tfjs';
import { CONV_ACTIVATIONS, convTilesSimd, type ConvActivation } from '../simd/tiles.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * `t` with its last two (matrix) axes swapped, computed by calling the backend's stock
 * Transpose kernel function directly: no engine dispatch, so profiles do not list it
 * separately. The caller disposes the result's data (backend.disposeData) after use.
 */
export function transposedOperand(transpose: tf.KernelConfig, t: tf.TensorInfo, backend: tf.KernelBackend): tf.TensorInfo {
  const r = t.shape.length;
  const perm = [...Array(r - 2).keys(), r - 1, r - 2];
  return transpose.kernelFunc({ inputs: { x: t }, attrs: { perm }, backend }) as tf.TensorInfo;
}

/** a [.., m, k] times b [.., k, n] by the tiles when both hold one matrix; null otherwise. */
function tiledProduct(a: tf.TensorInfo, b: tf.TensorInfo, bias: tf.TensorInfo | null, activation: ConvActivation, backend: unknown): tf.TensorInfo | null {
  const [m, k] = a.shape.slice(-2) as [number, number];
  const [kb, n] = b.shape.slice(-2) as [number, number];
  if (tf.util.sizeFromShape(a.shape) !== m * k || tf.util.sizeFromShape(b.shape) !== n * kb || k !== kb || n % 8 !== 0) return null;
  // Rows of a as pixels of one channel row each, b as a 1x1 filter: the same data, relabelled.
  const pixels = { dataId: a.dataId, shape: [m, 1, 1, k], dtype: a.dtype };
  const filter = { dataId: b.dataId, shape: [1, 1, k, n], dtype: b.dtype };
  const out = convTilesSimd(backend, pixels, filter, bias, [1, 1], activation);
  if (out != null) out.shape = [...tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
  return out;
}

/**
 * The FastPath of BatchMatMul (`fused` false) and _FusedMatMul: transposes first, then the
 * tiles or the stock product on plain operands. Null hands the call to the stock kernel as is.
 */
export function matMul(args: KernelArgs, stock: tf.KernelConfig | undefined, transpose: tf.KernelConfig | undefined, fused: boolean): tf.TensorInfo | null {
  const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean; activation?: string };
  const { a, b } = args.inputs;
  const bias = fused ? (args.inputs.bias ?? null) : null;
  const activation = (fused ? (attrs.activation ?? 'linear') : 'linear') as ConvActivation;
  const plainFused = fused && (!(activation in CONV_ACTIVATIONS) || args.inputs.preluActivationWeights != null || (bias != null && bias.shape.length !== 1));
  if (a == null || b == null || stock == null || transpose == null || plainFused || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const backend = args.backend as tf.KernelBackend;
  const made: tf.TensorInfo[] = [];
  const operand = (t: tf.TensorInfo, flip: boolean | undefined): tf.TensorInfo => {
    if (flip !== true) return t;
    const tt = transposedOperand(transpose, t, backend);
    made.push(tt);
    return tt;
  };
  try {
    const inputs = { ...args.inputs, a: operand(a, attrs.transposeA), b: operand(b, attrs.transposeB) };
    const tiles = tiledProduct(inputs.a, inputs.b, bias, activation, backend);
    if (tiles != null) return tiles;
    if (made.length === 0) return null; // nothing transposed: the stock kernel as called
    return stock.kernelFunc({ inputs, attrs: { ...args.attrs, transposeA: false, transposeB: false }, backend }) as tf.TensorInfo;
  } finally {
    for (const t of made) backend.disposeData(t.dataId);
  }
}
