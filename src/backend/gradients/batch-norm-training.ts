/**
 * Batch normalization in training on wasm as one forward kernel and one gradient kernel.
 *
 * Why: tfjs-layers normalizes a training batch with tf.moments and then tf.batchNorm, so a
 * batch_norm layer's step is a chain of whole-tensor passes: Mean, Sub, Square and Mean
 * forward, then FusedBatchNorm's gradient and the gradients of those four, about twenty
 * passes over the activations, each a kernel call and a tape entry. In
 * specs/mobilenet-mini.yaml (seven batch_norm layers) they took ~50 of a ~120 ms replica step.
 * Here the forward pass reads x three times (sum, squared deviations, normalize) and the
 * backward pass reads dy and x twice (two sums per channel, then dx), in kernels.wat.
 *
 * The arithmetic is the usual one for batch statistics (the per-channel sums and factors in
 * float64, each element's in float32):
 *   forward  mean = sum(x) / N, variance = sum((x - mean)^2) / N (biased, as tf.moments),
 *            y = (x - mean) * gamma / sqrt(variance + eps) + beta;
 *   backward with r = 1 / sqrt(variance + eps), S = sum(dy), P = sum(dy * (x - mean)):
 *            dx = gamma r dy - gamma r^3 P / N (x - mean) - gamma r S / N
 *                 (+ dmean / N + 2 dvariance (x - mean) / N where the mean and variance
 *                 outputs have gradients of their own), dgamma = r P, dbeta = S.
 * Sums run in float32 over blocks of 64 rows, then in float64, so results differ from the
 * stock chain by rounding only (test/batch-norm-training.test.ts: against the stock layer on
 * the cpu backend and against a float64 loop).
 *
 * The layer's `call` is where tfjs-layers chooses that chain, so it is the one replaced: for
 * non-empty float32 training batches on wasm with channels last in multiples of 4; everything
 * else (inference, other backends and layouts) runs the stock method. The moving averages are
 * updated exactly as the stock method updates them. One more case on every backend: the stock
 * method reads gamma and beta in training even when the layer has none (center or scale false,
 * which Keras allows), and fails; such a layer (channels last) runs the stock chain here with
 * what it has.
 */
import * as tf from '@tensorflow/tfjs';
import { heapOffset, simdKernelsFor } from '../simd/module.js';
import type { HeapBackend } from '../simd/ops.js';

/** Only bench/train-step.ts --ab bn turns it off, to time steps with the stock chain. */
export const fusedBatchNormTraining = { enabled: true };

export const BN_TRAINING = 'NetspecBatchNormTraining';
export const BN_TRAINING_GRAD = 'NetspecBatchNormTrainingGrad';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Rows and channels of a float32 tensor normalized over its last axis. */
function rowsOf(x: tf.TensorInfo, kernel: string): { rows: number; c: number } {
  const c = x.shape[x.shape.length - 1] ?? 0;
  const size = tf.util.sizeFromShape(x.shape);
  if (x.shape.length < 2 || size === 0 || c % 4 !== 0)
    throw new Error(`${kernel}: needs a non-empty input with channels last in a multiple of 4, not the shape [${x.shape.join(', ')}]`);
  return { rows: size / c, c };
}

/**
 * Brings every input's data onto the wasm heap before the kernel allocates: an input still on
 * another backend (a layer built before wasm was chosen) is copied in when first looked up, and
 * a copy that grows the heap would detach the views the kernel has already taken.
 */
function onHeap(backend: unknown, inputs: (tf.TensorInfo | undefined)[]): void {
  for (const t of inputs) if (t != null) heapOffset(backend, t);
}

function simdOf(backend: unknown, kernel: string) {
  const simd = simdKernelsFor(backend);
  if (simd == null) throw new Error(`${kernel}: the SIMD kernels are not available on this backend`);
  return simd;
}

/** inputs x, scale, offset? -> [y, mean, variance]; attrs varianceEpsilon. */
function forwardKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const simd = simdOf(backend, BN_TRAINING);
  const { x, scale, offset } = inputs as { x: tf.TensorInfo; scale: tf.TensorInfo; offset?: tf.TensorInfo };
  const epsilon = attrs!.varianceEpsilon as number;
  const { rows, c } = rowsOf(x, BN_TRAINING);
  onHeap(backend, [x, scale, offset]);
  const heap = backend as HeapBackend;
  const y = heap.makeOutput(x.shape, 'float32');
  const mean = heap.makeOutput([c], 'float32');
  const variance = heap.makeOutput([c], 'float32');
  const params = heap.makeOutput([3 * c], 'float32');
  const acc = heap.makeOutput([2 * c], 'float32'); // c float64 sums
  try {
    const at = (t: tf.TensorInfo) => heapOffset(backend, t);
    simd.sumRows(at(x), rows, c, at(mean), at(acc));
    const meanView = heap.typedArrayFromHeap(mean) as Float32Array;
    for (let j = 0; j < c; j++) meanView[j] = meanView[j]! / rows;
    simd.sumSquaredDeviations(at(x), rows, c, at(mean), at(variance), at(acc));
    // Views only now, after the last allocation (every input is on the heap already).
    const [m, v, g, p] = [mean, variance, scale, params].map((t) => heap.typedArrayFromHeap(t) as Float32Array) as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    const beta = offset ? (heap.typedArrayFromHeap(offset) as Float32Array) : null;
    for (let j = 0; j < c; j++) {
      v[j] = v[j]! / rows;
      p[j] = m[j]!;
      p[c + j] = g[j]! / Math.sqrt(v[j]! + epsilon);
      p[2 * c + j] = beta ? beta[j]! : 0;
    }
    simd.batchNormRows(at(x), at(y), rows, c, at(params));
  } catch (error) {
    for (const t of [y, mean, variance]) heap.disposeData(t.dataId);
    throw error;
  } finally {
    heap.disposeData(params.dataId);
    heap.disposeData(acc.dataId);
  }
  return [y, mean, variance];
}

/** inputs dy, x, mean, variance, scale, dmean, dvariance -> [dx, dscale, doffset]. */
function gradientKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const simd = simdOf(backend, BN_TRAINING_GRAD);
  const { dy, x, mean, variance, scale, dmean, dvariance } = inputs as Record<string, tf.TensorInfo>;
  const epsilon = attrs!.varianceEpsilon as number;
  const { rows, c } = rowsOf(x!, BN_TRAINING_GRAD);
  onHeap(backend, [dy, x, mean, variance, scale, dmean, dvariance]);
  const heap = backend as HeapBackend;
  const dx = heap.makeOutput(x!.shape, 'float32');
  const dscale = heap.makeOutput([c], 'float32');
  const doffset = heap.makeOutput([c], 'float32');
  const sums = heap.makeOutput([2 * c], 'float32');
  const params = heap.makeOutput([4 * c], 'float32');
  const acc = heap.makeOutput([4 * c], 'float32'); // 2c float64 sums
  try {
    const at = (t: tf.TensorInfo) => heapOffset(backend, t);
    simd.gradientSums(at(dy!), at(x!), rows, c, at(mean!), at(sums), at(acc));
    const view = (t: tf.TensorInfo) => heap.typedArrayFromHeap(t) as Float32Array;
    const [s, m, v, g, dm, dv, p, ds, db] = [sums, mean!, variance!, scale!, dmean!, dvariance!, params, dscale, doffset].map(view) as Float32Array[];
    for (let j = 0; j < c; j++) {
      const r = 1 / Math.sqrt(v![j]! + epsilon);
      const sumDy = s![j]!;
      const sumDyDev = s![c + j]!;
      const a = g![j]! * r;
      ds![j] = r * sumDyDev;
      db![j] = sumDy;
      p![j] = m![j]!;
      p![c + j] = a;
      p![2 * c + j] = (-a * r * r * sumDyDev + 2 * dv![j]!) / rows;
      p![3 * c + j] = (-a * sumDy + dm![j]!) / rows;
    }
    simd.batchNormGradRows(at(dy!), at(x!), at(dx), rows, c, at(params));
  } catch (error) {
    for (const t of [dx, dscale, doffset]) heap.disposeData(t.dataId);
    throw error;
  } finally {
    for (const t of [sums, params, acc]) heap.disposeData(t.dataId);
  }
  return [dx, dscale, doffset];
}

/**
 * The same gradient from differentiable tf ops, for a gradient of a gradient (the tape is
 * recording while it runs): the kernel above has no gradient of its own. The statistics are
 * taken again from x here: the tape cannot differentiate through the saved outputs, whose
 * copies it records before the node that made them.
 */
function compositeGradient(dy: tf.Tensor, x: tf.Tensor, scale: tf.Tensor, dmean: tf.Tensor, dvariance: tf.Tensor, epsilon: number): tf.Tensor[] {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const rows = x.size / x.shape[x.rank - 1]!;
  const { mean, variance } = tf.moments(x, axes);
  const r = tf.rsqrt(tf.add(variance, epsilon));
  const dev = tf.sub(x, mean);
  const sumDy = tf.sum(dy, axes);
  const sumDyDev = tf.sum(tf.mul(dy, dev), axes);
  const a = tf.mul(scale, r);
  const b = tf.div(tf.add(tf.mul(tf.neg(tf.mul(a, tf.square(r))), sumDyDev), tf.mul(dvariance, 2)), rows);
  const shift = tf.div(tf.add(tf.neg(tf.mul(a, sumDy)), dmean), rows);
  return [tf.add(tf.add(tf.mul(dy, a), tf.mul(dev, b)), shift), tf.mul(r, sumDyDev), sumDy];
}

const gradient: tf.GradConfig = {
  kernelName: BN_TRAINING,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [dy, dmeanGiven, dvarianceGiven] = dys as (tf.Tensor | null)[];
    const [x, scale, mean, variance] = saved as tf.Tensor[];
    const epsilon = attrs.varianceEpsilon as number;
    // Outputs off the path to the loss (the statistics, in training) have no gradient.
    const dmean = dmeanGiven ?? tf.zerosLike(mean!);
    const dvariance = dvarianceGiven ?? tf.zerosLike(variance!);
    const dyFull = dy ?? tf.zerosLike(x!);
    const [dx, dscale, doffset] =
      tf.engine().state.gradientDepth > 0
        ? compositeGradient(dyFull, x!, scale!, dmean, dvariance, epsilon)
        : (tf
            .engine()
            .runKernel(
              BN_TRAINING_GRAD,
              { dy: dyFull, x: x!, mean: mean!, variance: variance!, scale: scale!, dmean, dvariance },
              { varianceEpsilon: epsilon },
            ) as tf.Tensor[]);
    return { x: () => dx!, scale: () => dscale!, offset: () => doffset! };
  },
};

/** The parts of tfjs-layers' BatchNormalization used here. */
interface BatchNormLayer {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma?: tf.LayerVariable;
  beta?: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}
type Call = (this: BatchNormLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/**
 * How a call runs: the two kernels, the stock chain written out here (for a layer without gamma
 * or beta, whose stock method reads them anyway and fails), or the stock method.
 */
function route(layer: BatchNormLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown> | undefined): { x: tf.Tensor; fused: boolean } | null {
  if (kwargs?.training !== true) return null;
  const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0]! : null) : inputs;
  if (!(x instanceof tf.Tensor) || x.rank < 2) return null;
  if ((layer.axis < 0 ? layer.axis + x.rank : layer.axis) !== x.rank - 1) return null;
  const c = x.shape[x.rank - 1]!;
  const fused =
    fusedBatchNormTraining.enabled &&
    x.dtype === 'float32' &&
    x.size > 0 &&
    c % 4 === 0 &&
    tf.getBackend() === 'wasm' &&
    tf.getKernel(BN_TRAINING, 'wasm') != null &&
    simdKernelsFor(tf.backend()) != null;
  if (fused) return { x, fused };
  return layer.gamma == null || layer.beta == null ? { x, fused } : null;
}

/** The stock method's moving average: v - (v - value) * (1 - momentum). */
function movingAverage(variable: tf.LayerVariable, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const old = variable.read();
    variable.write(tf.sub(old, tf.mul(tf.sub(old, value), 1 - momentum)));
  });
}

/** tf.moments, then tf.batchNorm with whichever of gamma and beta the layer has (channels last). */
function stockChain(layer: BatchNormLayer, x: tf.Tensor): tf.Tensor[] {
  const c = x.shape[x.rank - 1]!;
  const { mean, variance } = tf.moments(
    x,
    x.shape.slice(0, -1).map((_, i) => i),
  );
  // Zeros and ones for the missing ones: tf.batchNorm records an absent input as undefined,
  // which the tape cannot differentiate through.
  const beta = layer.beta ? layer.beta.read() : tf.zeros([c]);
  const gamma = layer.gamma ? layer.gamma.read() : tf.ones([c]);
  return [tf.batchNorm(x, mean, variance, beta, gamma, layer.epsilon), mean, variance];
}

/** The two kernels: y, mean and variance in one call, scale ones for a layer without gamma. */
function kernelCall(layer: BatchNormLayer, x: tf.Tensor): tf.Tensor[] {
  const inputs: tf.NamedTensorMap = { x, scale: layer.gamma ? layer.gamma.read() : tf.ones([x.shape[x.rank - 1]!]) };
  if (layer.beta) inputs.offset = layer.beta.read();
  return tf.engine().runKernel(BN_TRAINING, inputs, { varianceEpsilon: layer.epsilon }) as tf.Tensor[];
}

function trainingCall(layer: BatchNormLayer, x: tf.Tensor, fused: boolean): tf.Tensor {
  return tf.tidy(() => {
    const [y, mean, variance] = fused ? kernelCall(layer, x) : stockChain(layer, x);
    movingAverage(layer.movingMean, mean!, layer.momentum);
    movingAverage(layer.movingVariance, variance!, layer.momentum);
    return y!;
  });
}

let hooked = false;

/** Registers the two kernels for wasm and (once, for every backend) replaces BatchNormalization's call. */
export function installBatchNormTraining({ wasmKernels }: { wasmKernels: boolean }): void {
  if (wasmKernels && tf.getKernel(BN_TRAINING, 'wasm') == null) {
    tf.registerKernel({ kernelName: BN_TRAINING, backendName: 'wasm', kernelFunc: forwardKernel as tf.KernelFunc });
    tf.registerKernel({ kernelName: BN_TRAINING_GRAD, backendName: 'wasm', kernelFunc: gradientKernel as tf.KernelFunc });
  }
  if (tf.getGradient(BN_TRAINING) == null) tf.registerGradient(gradient);
  if (hooked) return;
  // The class as tfjs-layers registers it for deserialization (an instance would use up one of
  // its automatic layer names).
  const registered = tf.serialization.SerializationMap.getMap().classNameMap.BatchNormalization?.[0] as { prototype: { call: Call } } | undefined;
  if (registered == null) return;
  const proto = registered.prototype;
  const slot = Object.getOwnPropertyDescriptor(proto, 'call');
  if (slot === undefined || !slot.writable) return;
  const stock = proto.call;
  hooked = true;
  proto.call = function (this: BatchNormLayer, inputs, kwargs) {
    const how = route(this, inputs, kwargs);
    return how != null ? trainingCall(this, how.x, how.fused) : stock.call(this, inputs, kwargs);
  };
}
