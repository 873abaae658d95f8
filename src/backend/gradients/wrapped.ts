/**
 * Leaf kernels that replace slow stock kernels on wasm (and cpu where noted)
 * for the attribute combinations training actually uses, and hand every other
 * call to the stock kernel captured at install time.
 *
 * Unlike the composites in kernels.ts these dispatch no other kernels through
 * the engine (they loop over heap views, or call stock kernel functions
 * directly), so tf.profile lists each call once under its own name.
 *
 *  - MaxPoolGrad (wasm, cpu): pool.ts. On wasm it is also a correctness fix.
 *  - Sum over leading axes (wasm): simd/kernels.wat, else reduce.ts (conv bias gradients).
 *  - BatchMatMul and _FusedMatMul (wasm): matmul.ts, transposes first, then SIMD tiles (dense layers).
 *  - Add, Multiply and Sub of a row (a bias, batch norm's per-channel factors; wasm):
 *    simd/kernels.wat, in place on the heap.
 *  - Identity and same-dtype Cast (wasm): aliases instead of copies.
 *  - MaxPoolGrad with 2x2 windows on wasm: simd/kernels.wat first.
 *  - MaxPool with 2x2 windows, stride 2, unpadded (wasm): simd/kernels.wat.
 *  - Conv2D and FusedConv2D (wasm): conv-forward.ts, tiled SIMD instead of XNNPACK.
 *  - Mean over leading axes (wasm): the Sum path, then one division per output (batch statistics).
 *  - FusedBatchNorm with per-channel parameters (wasm): batch-norm.ts, one factor per channel.
 */
import * as tf from '@tensorflow/tfjs';
import { allFloat32, floatKernelIO, floatKernelViews, supportsFloatIO } from './heap.js';
import { fastMaxPoolGradGeometry, isPlain2x2, maxPoolGradInto, poolGeometry, type PoolAttrs } from './pool.js';
import { batchNormSimd, maxPool2x2Simd, maxPoolGrad2x2Simd, rowVectorSimd, sumRowsSimd, type RowVectorOp } from '../simd/ops.js';
import { leadingAxesCount, sumRowsInto } from './reduce.js';
import { matMul } from './matmul.js';
import { convForward } from './conv-forward.js';
import { batchNormInto, packChannelParams, type BatchNormParams } from './batch-norm.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type KernelResult = ReturnType<tf.KernelFunc>;

/** Returns null to mean "not handled here: use the stock kernel". */
type FastPath = (args: KernelArgs) => tf.TensorInfo | null;

function wrap(kernelName: string, backendName: string, fast: (stock: tf.KernelConfig | undefined) => FastPath): tf.KernelConfig {
  const stock = tf.getKernel(kernelName, backendName);
  const path = fast(stock);
  const config: tf.KernelConfig = {
    kernelName,
    backendName,
    kernelFunc: (args) => {
      const out = supportsFloatIO(args.backend) ? path(args) : null;
      if (out != null) return out as KernelResult;
      if (stock == null) throw new Error(`${kernelName} on '${backendName}': no stock kernel for these attributes`);
      return stock.kernelFunc(args);
    },
  };
  // Keep the stock setup (wasm kernels bind their C++ entry points there).
  if (stock?.setupFunc != null) config.setupFunc = stock.setupFunc;
  if (stock?.disposeFunc != null) config.disposeFunc = stock.disposeFunc;
  return config;
}

const maxPoolGrad = (backendName: string) =>
  wrap('MaxPoolGrad', backendName, () => ({ inputs, attrs, backend }) => {
    const { dy, input } = inputs;
    const poolAttrs = attrs as unknown as PoolAttrs;
    if (dy == null || input == null || !allFloat32([dy, input])) return null;
    const info = fastMaxPoolGradGeometry(input.shape, dy.shape, poolAttrs);
    if (info == null) return null;
    const simd = isPlain2x2(info) ? maxPoolGrad2x2Simd(backend, input, dy) : null;
    if (simd != null) return simd;
    const io = floatKernelIO(backend, [input, dy], input.shape);
    maxPoolGradInto(io.inputs[0]!, io.inputs[1]!, io.out, info);
    return io.finish();
  });

/**
 * 2x2 max pooling with stride 2 and no padding in one SIMD pass (wasm): the stock kernel took
 * 5.5 ms for the target model's first pool on a batch of 256, about three times its memory
 * traffic. Same values (a maximum is exact), and NaN handled as the cpu kernel and MaxPoolGrad do.
 */
const maxPool = (backendName: string) =>
  wrap('MaxPool', backendName, () => ({ inputs, attrs, backend }) => {
    const { x } = inputs;
    if (x == null || !allFloat32([x]) || x.shape.length !== 4) return null;
    const info = poolGeometry(x.shape, attrs as unknown as PoolAttrs);
    if (!isPlain2x2(info)) return null;
    return maxPool2x2Simd(backend, x, [info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
  });

/** Sum over the leading axes of a float32 tensor, or null when the axes are not leading. */
function sumLeadingAxes({ inputs, attrs, backend }: KernelArgs): { out: tf.TensorInfo; rows: number } | null {
  const { x } = inputs;
  if (x == null || !allFloat32([x])) return null;
  const k = leadingAxesCount(attrs?.axis as number | number[] | undefined, x.shape.length);
  if (k === 0) return null; // innermost / all axes: the stock kernel needs no transpose
  const rows = tf.util.sizeFromShape(x.shape.slice(0, k));
  const kept = x.shape.slice(k);
  const cols = tf.util.sizeFromShape(kept);
  const outShape = attrs?.keepDims === true ? [...Array<number>(k).fill(1), ...kept] : kept;
  const simd = sumRowsSimd(backend, x, rows, cols, outShape);
  if (simd != null) return { out: simd, rows };
  const io = floatKernelIO(backend, [x], outShape);
  sumRowsInto(io.inputs[0]!, rows, cols, io.out);
  return { out: io.finish(), rows };
}

/** The sum of no values is 0: the stock wasm Sum over every axis of an empty tensor returns whatever its output memory held. */
function emptySum({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo | null {
  const { x } = inputs;
  if (x == null || x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) > 0) return null;
  const axes = tf.util.parseAxisParam(attrs?.axis as number | number[], x.shape); // none given: every axis
  const kept = x.shape.filter((_, i) => !axes.includes(i));
  const outShape = attrs?.keepDims === true ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept;
  const io = floatKernelIO(backend, [], outShape);
  io.out.fill(0);
  return io.finish();
}

const sum = (backendName: string) => wrap('Sum', backendName, () => (args) => emptySum(args) ?? sumLeadingAxes(args)?.out ?? null);

const mean = (backendName: string) =>
  wrap('Mean', backendName, () => (args) => {
    const summed = sumLeadingAxes(args);
    if (summed == null) return null;
    const io = floatKernelIO(args.backend, [summed.out], summed.out.shape); // a few values: one pass
    const total = io.inputs[0]!;
    for (let j = 0; j < total.length; j++) io.out[j] = total[j]! / summed.rows;
    (args.backend as { disposeData(dataId: object): void }).disposeData(summed.out.dataId);
    return io.finish();
  });

/** True when every parameter of a batch normalization is a vector over the last axis of x. */
function perChannel(x: tf.TensorInfo, params: (tf.TensorInfo | undefined)[]): boolean {
  const c = x.shape[x.shape.length - 1];
  return c !== undefined && c > 0 && params.every((p) => p == null || (p.shape.length === 1 && p.shape[0] === c));
}

const fusedBatchNorm = (backendName: string) =>
  wrap('FusedBatchNorm', backendName, () => ({ inputs, attrs, backend }) => {
    const { x, mean, variance, scale, offset } = inputs;
    if (x == null || mean == null || variance == null || !allFloat32([x, mean, variance, scale ?? x, offset ?? x])) return null;
    if (!perChannel(x, [mean, variance, scale, offset])) return null;
    const epsilon = (attrs?.varianceEpsilon as number | undefined) ?? 0.001;
    // Views of the parameters, taken only after every allocation (which may move the heap).
    const params = (views: Float32Array[]): BatchNormParams => ({
      mean: views[0]!,
      variance: views[1]!,
      scale: scale ? views[2] : undefined,
      offset: offset ? views[scale ? 3 : 2] : undefined,
      epsilon,
    });
    const given = [mean, variance, ...(scale ? [scale] : []), ...(offset ? [offset] : [])];
    const simd = batchNormSimd(backend, x, mean.shape[0]!, (into) => packChannelParams(params(floatKernelViews(backend, given)), into));
    if (simd != null) return simd;
    const io = floatKernelIO(backend, [x, ...given], x.shape);
    batchNormInto(io.inputs[0]!, params(io.inputs.slice(1)), io.out);
    return io.finish();
  });

const batchMatMul = (backendName: string) =>
  wrap('BatchMatMul', backendName, (stock) => (args) => matMul(args, stock, tf.getKernel('Transpose', backendName), false));

const fusedMatMul = (backendName: string) =>
  wrap('_FusedMatMul', backendName, (stock) => (args) => matMul(args, stock, tf.getKernel('Transpose', backendName), true));

/** Only bench/train-step.ts --ab rows turns it off: Multiply and Sub of a row then go to the stock kernels (Add keeps its row add). */
export const rowVectorProducts = { enabled: true };

/** A binary kernel whose row-vector broadcast (a bias, a per-channel factor) runs as one SIMD pass. */
const rowVector = (kernelName: string, op: RowVectorOp) => (backendName: string) =>
  wrap(kernelName, backendName, () => ({ inputs, backend }) => {
    const { a, b } = inputs;
    if (op !== 'add' && !rowVectorProducts.enabled) return null;
    return a == null || b == null ? null : rowVectorSimd(backend, a, b, op);
  });

/** The output shares the input's data: wasm's Identity copies every element. */
function alias(backend: unknown, x: tf.TensorInfo): tf.TensorInfo {
  (backend as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

const hasIncRef = (backend: unknown) => typeof (backend as { incRef?: unknown }).incRef === 'function';

// Identity and same-type Cast as aliases, as the cpu backend already does:
// tensors are immutable and kernels never write into their inputs, so two
// tensors may share one buffer (Reshape already does on wasm). The wasm
// kernels copy instead: ~2 ms per training step of the target model.
const identity = (backendName: string) =>
  wrap('Identity', backendName, () => ({ inputs, backend }) => {
    const { x } = inputs;
    return x == null || x.dtype === 'string' || !hasIncRef(backend) ? null : alias(backend, x);
  });

const cast = (backendName: string) =>
  wrap('Cast', backendName, () => ({ inputs, attrs, backend }) => {
    const { x } = inputs;
    if (x == null || x.dtype === 'string' || attrs?.dtype !== x.dtype || !hasIncRef(backend)) return null;
    return alias(backend, x);
  });

const conv2d = (backendName: string) => wrap('Conv2D', backendName, () => (args) => convForward(args, false));
const fusedConv2d = (backendName: string) => wrap('FusedConv2D', backendName, () => (args) => convForward(args, true));

const MAKERS: Record<string, (backendName: string) => tf.KernelConfig> = {
  MaxPool: maxPool,
  MaxPoolGrad: maxPoolGrad,
  Sum: sum,
  Mean: mean,
  FusedBatchNorm: fusedBatchNorm,
  BatchMatMul: batchMatMul,
  _FusedMatMul: fusedMatMul,
  Add: rowVector('Add', 'add'),
  Multiply: rowVector('Multiply', 'mul'),
  Sub: rowVector('Sub', 'sub'),
  Identity: identity,
  Cast: cast,
  Conv2D: conv2d,
  FusedConv2D: fusedConv2d,
};

/** Kernel names this module wraps, per backend: every maker on wasm. */
export const WRAPPED_KERNELS: Readonly<Record<string, readonly string[]>> = {
  wasm: Object.keys(MAKERS),
  cpu: ['MaxPoolGrad'],
};

/**
 * Register the wrappers for `backendName`. Returns a function that puts the
 * previously registered kernels back (bench/train-step.ts --ab uses it to
 * compare both on alternate steps of one process).
 */
export function installWrappedKernels(backendName: string): () => void {
  const previous: tf.KernelConfig[] = [];
  for (const name of WRAPPED_KERNELS[backendName] ?? []) {
    const config = MAKERS[name]!(backendName); // captures the stock kernel first
    const old = tf.getKernel(name, backendName);
    if (old != null) {
      previous.push(old);
      tf.unregisterKernel(name, backendName);
    }
    tf.registerKernel(config);
  }
  return () => {
    for (const name of WRAPPED_KERNELS[backendName] ?? []) tf.unregisterKernel(name, backendName);
    for (const old of previous) tf.registerKernel(old);
  };
}
