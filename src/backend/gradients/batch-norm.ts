/**
 * Batch normalization in training, without its full-size detours.
 *
 * Why: in a network with batch_norm after every convolution (specs/mobilenet-mini.yaml), a
 * training step on wasm spent most of its time in three stock paths, none of them arithmetic:
 *  - FusedBatchNorm's gradient (tfjs-core) tiles 1/sqrt(variance + eps) to the whole [N,H,W,C]
 *    input before multiplying it into dy, and wasm's Tile is a slow generic kernel: ~40% of
 *    the step. Multiplying by the [C] vector directly broadcasts the same values.
 *  - The gradients of Mean and Sum (moments, global average pooling) build a full-size tensor
 *    of ones in JavaScript and upload it, then multiply. Fill makes it on the backend.
 *  - The forward kernel evaluates a square root and a division per element; here they are
 *    taken once per channel and the rest is one SIMD pass (batchNormRows in simd/kernels.wat).
 *    And the wasm Mean over the leading axes (the batch statistics) transposes the whole
 *    input first, which the leading-axes sum avoids (wrapped.ts).
 * The gradients compute the same float32 operations on the same values as tfjs-core's, so
 * they are bit-for-bit the stock ones (test/batch-norm.test.ts); tfjs registers gradients for
 * all backends at once, so they serve any backend once the wasm or cpu kernels are installed.
 * The forward kernel differs from the stock one only by rounding.
 */
import * as tf from '@tensorflow/tfjs';

/** FusedBatchNorm's gradient as tfjs-core writes it, with a broadcast where it tiles. */
function fusedBatchNormGrad(dy: tf.Tensor, saved: tf.Tensor[], attrs: tf.NamedAttrMap): Record<string, () => tf.Tensor> {
  const varianceEpsilon = attrs.varianceEpsilon as number;
  const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
  const scaleValue = scale ?? tf.scalar(1);
  // A vector mean (per channel, or one value for all): reduce over every axis it was broadcast along.
  const axes = mean.rank === 1 ? tf.backend_util.getReductionAxes(mean.shape, x.shape) : null;
  const reduced = (t: tf.Tensor): tf.Tensor => tf.reshape(axes ? tf.sum(t, axes) : t, mean.shape);
  const xMinusMean = tf.sub(x, mean);
  const dyTimesScaleValue = tf.mul(dy, scaleValue);
  const oneOverSqrtVariance = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
  const minusHalfRCube = tf.mul(tf.mul(tf.mul(oneOverSqrtVariance, oneOverSqrtVariance), oneOverSqrtVariance), tf.scalar(-0.5));
  return {
    x: () => tf.reshape(tf.mul(tf.mul(dy, oneOverSqrtVariance), scaleValue), x.shape),
    mean: () => reduced(tf.mul(tf.mul(oneOverSqrtVariance, tf.scalar(-1)), dyTimesScaleValue)),
    variance: () => reduced(tf.mul(tf.mul(minusHalfRCube, xMinusMean), dyTimesScaleValue)),
    scale: () => reduced(tf.mul(dy, tf.mul(xMinusMean, oneOverSqrtVariance))),
    offset: () => reduced(dy),
  };
}

/** dy reshaped to keep the reduced axes of x as 1s. */
function expandedDy(dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor {
  const shape = x.shape.slice();
  for (const a of tf.util.parseAxisParam(axis, x.shape)) shape[a] = 1;
  return tf.reshape(dy, shape);
}

/** Sum's gradient: dy broadcast back over the summed axes (e * 1, as tfjs-core computes it). */
function sumGrad(dy: tf.Tensor, saved: tf.Tensor[], attrs: tf.NamedAttrMap): Record<string, () => tf.Tensor> {
  const x = saved[0]!;
  return { x: () => tf.mul(expandedDy(dy, x, attrs.axis as number | number[]), tf.fill(x.shape, 1, 'float32')) };
}

/**
 * Mean's gradient: dy / n broadcast back. tfjs-core computes (e * 1) / n per element; e / n
 * once per output, then * 1, is the same float32 value.
 */
function meanGrad(dy: tf.Tensor, saved: tf.Tensor[], attrs: tf.NamedAttrMap): Record<string, () => tf.Tensor> {
  const x = saved[0]!;
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
  const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
  return { x: () => tf.mul(tf.div(expandedDy(dy, x, axes), count), tf.fill(x.shape, 1, 'float32')) };
}

let registered = false;

/** Registers the three gradients (once; gradients are global in tfjs). */
export function installBatchNormGradients(): void {
  if (registered) return;
  tf.registerGradient({ kernelName: 'FusedBatchNorm', inputsToSave: ['x', 'mean', 'variance', 'scale'], gradFunc: fusedBatchNormGrad as tf.GradFunc });
  tf.registerGradient({ kernelName: 'Sum', inputsToSave: ['x'], gradFunc: sumGrad as tf.GradFunc });
  tf.registerGradient({ kernelName: 'Mean', inputsToSave: ['x'], gradFunc: meanGrad as tf.GradFunc });
  registered = true;
}

/** A batch normalization's parameters, each c float32 values; scale and offset may be absent. */
export interface BatchNormParams {
  mean: Float32Array;
  variance: Float32Array;
  scale?: Float32Array | undefined;
  offset?: Float32Array | undefined;
  epsilon: number;
}

/** Per channel: factor = scale / sqrt(variance + eps) and shift = offset, formed in float64. */
export function channelFactors(p: BatchNormParams): { factor: Float64Array; shift: Float64Array } {
  const c = p.mean.length;
  const factor = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    factor[j] = (p.scale ? p.scale[j]! : 1) / Math.sqrt(p.variance[j]! + p.epsilon);
    shift[j] = p.offset ? p.offset[j]! : 0;
  }
  return { factor, shift };
}

/** Mean, factor and shift one after the other, as batchNormRows in kernels.wat reads them. */
export function packChannelParams(p: BatchNormParams, into: Float32Array): void {
  const { factor, shift } = channelFactors(p);
  const c = p.mean.length;
  into.set(p.mean, 0);
  into.set(factor, c);
  into.set(shift, 2 * c);
}

/** out = (x - mean) * factor + shift over a [rows, c] view of x: the JavaScript path, for any c. */
export function batchNormInto(x: Float32Array, p: BatchNormParams, out: Float32Array): void {
  const { factor, shift } = channelFactors(p);
  const mean = p.mean;
  const c = mean.length;
  for (let base = 0; base < x.length; base += c) {
    for (let j = 0; j < c; j++) out[base + j] = (x[base + j]! - mean[j]!) * factor[j]! + shift[j]!;
  }
}
