/**
 * DepthwiseConv2dNativeBackpropFilter and DepthwiseConv2dNativeBackpropInput for the wasm and
 * cpu backends: the gradients of tf.layers.depthwiseConv2d and of the depthwise half of
 * tf.layers.separableConv2d.
 *
 *  - wasm (tfjs-backend-wasm 4.22) has neither kernel, so any model with a depthwise
 *    convolution fails its first training step there.
 *  - cpu has both, but they ignore the dilation (each steps through the input as if it were
 *    1), so with dilation > 1 they return wrong gradients without an error.
 *
 * The replacements honour strides, dilation, every padding and any depth multiplier, so they
 * replace the stock kernels outright. On wasm with SIMD they run layer-kernels.wat in place
 * (layer-simd.ts), which takes multiplier 1: a multiplier m > 1 is turned into m = 1 over
 * c*m channels (x's channels repeated m times for the filter gradient, the c*m channel
 * gradients summed in groups of m for the input gradient), which costs one extra pass over
 * the data and stays ~10x faster than the loops. Elsewhere (cpu, no SIMD) the loops of
 * depthwise-loops.ts run on the tensors' own memory (heap.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { allFloat32, floatKernelIO, supportsFloatIO } from './heap.js';
import { depthwiseFilterGradInto, depthwiseGeometry, depthwiseInputGradInto, type DepthwiseAttrs } from './depthwise-loops.js';
import { depthwiseFilterGradSimd, depthwiseInputGradSimd, layerSimdFor } from './layer-simd.js';

export const DEPTHWISE_FILTER_GRAD = 'DepthwiseConv2dNativeBackpropFilter';
export const DEPTHWISE_INPUT_GRAD = 'DepthwiseConv2dNativeBackpropInput';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Body = (args: KernelArgs) => tf.TensorInfo | null;

/** A kernel that runs `body` and hands what it declines (null) to the stock kernel, if there is one. */
function kernel(kernelName: string, backendName: string, body: Body): tf.KernelConfig {
  const stock = tf.getKernel(kernelName, backendName);
  return {
    kernelName,
    backendName,
    kernelFunc: (args) => {
      const out = supportsFloatIO(args.backend) ? body(args) : null;
      if (out != null) return out;
      if (stock == null) throw new Error(`${kernelName} on '${backendName}': only float32 inputs are supported`);
      return stock.kernelFunc(args);
    },
  };
}

const filterGrad = (backendName: string) =>
  kernel(DEPTHWISE_FILTER_GRAD, backendName, ({ inputs, attrs, backend }) => {
    const { x, dy } = inputs;
    if (x == null || dy == null || !allFloat32([x, dy])) return null;
    const filterShape = (attrs as { filterShape: number[] }).filterShape;
    const info = depthwiseGeometry(x.shape, filterShape, attrs as unknown as DepthwiseAttrs);
    const simd =
      info.outChannels === info.inChannels
        ? depthwiseFilterGradSimd(backend, x, dy, info)
        : layerSimdFor(backend) != null
          ? filterGradOverChannels(x, dy, filterShape, attrs as unknown as DepthwiseAttrs)
          : null;
    if (simd != null) return simd;
    const io = floatKernelIO(backend, [x, dy], filterShape);
    depthwiseFilterGradInto(io.inputs[0]!, io.inputs[1]!, io.out, info);
    return io.finish();
  });

const inputGrad = (backendName: string) =>
  kernel(DEPTHWISE_INPUT_GRAD, backendName, ({ inputs, attrs, backend }) => {
    const { dy, filter } = inputs;
    if (dy == null || filter == null || !allFloat32([dy, filter])) return null;
    const inputShape = (attrs as { inputShape: number[] }).inputShape;
    const info = depthwiseGeometry(inputShape, filter.shape, attrs as unknown as DepthwiseAttrs);
    const simd =
      info.outChannels === info.inChannels
        ? depthwiseInputGradSimd(backend, dy, filter, info)
        : layerSimdFor(backend) != null
          ? inputGradOverChannels(dy, filter, inputShape, attrs as unknown as DepthwiseAttrs)
          : null;
    if (simd != null) return simd;
    const io = floatKernelIO(backend, [dy, filter], inputShape);
    depthwiseInputGradInto(io.inputs[0]!, io.inputs[1]!, io.out, info);
    return io.finish();
  });

/**
 * A kernel input (normally the op's own Tensor) or a fresh kernel output as a Tensor for ops.
 * Only a bare TensorInfo is wrapped: a wrapper's disposal releases its data, which for an
 * input would free a tensor its owner still holds.
 */
const asTensor = (info: tf.TensorInfo): tf.Tensor => (info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info));

// The two below run only where layerSimdFor found the module and the inputs are float32,
// so their multiplier-1 SIMD calls always apply.

/**
 * x [n, h, w, c] with each channel repeated m times, [n, h, w, c*m]. A loop over the heap:
 * wasm's Tile kernel took ~40x longer than the gradient itself for this.
 */
function repeatChannels(backend: unknown, x: tf.TensorInfo, m: number): tf.TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const io = floatKernelIO(backend, [x], [n, h, w, c * m]);
  const src = io.inputs[0]!;
  const out = io.out;
  for (let i = 0, o = 0; i < src.length; i++) {
    const v = src[i]!;
    for (let t = 0; t < m; t++) out[o++] = v;
  }
  return io.finish();
}

/** The multiplier-1 SIMD filter gradient over x's channels repeated m times, as [kh, kw, c, m]. */
function filterGradOverChannels(x: tf.TensorInfo, dy: tf.TensorInfo, filterShape: number[], attrs: DepthwiseAttrs): tf.Tensor {
  const [kh, kw, c, m] = filterShape as [number, number, number, number];
  return tf.tidy(() => {
    const repeated = asTensor(repeatChannels(tf.backend(), x, m));
    const info = depthwiseGeometry(repeated.shape, [kh, kw, c * m, 1], attrs);
    return tf.reshape(asTensor(depthwiseFilterGradSimd(tf.backend(), repeated, dy, info)!), filterShape);
  });
}

/** The multiplier-1 SIMD input gradient over c*m channels, summed in groups of m. */
function inputGradOverChannels(dy: tf.TensorInfo, filter: tf.TensorInfo, inputShape: number[], attrs: DepthwiseAttrs): tf.Tensor {
  const [n, h, w, c] = inputShape as [number, number, number, number];
  const [kh, kw, , m] = filter.shape as [number, number, number, number];
  return tf.tidy(() => {
    // [kh, kw, c, m] and [kh, kw, c*m, 1] are the same values in the same order.
    const flat = tf.reshape(asTensor(filter), [kh, kw, c * m, 1]);
    const info = depthwiseGeometry([n, h, w, c * m], flat.shape, attrs);
    const wide = asTensor(depthwiseInputGradSimd(tf.backend(), dy, flat, info)!);
    return tf.sum(tf.reshape(wide, [n, h, w, c, m]), 4);
  });
}

/** Kernel names this module registers (profilers list them). */
export const DEPTHWISE_KERNELS: readonly string[] = [DEPTHWISE_FILTER_GRAD, DEPTHWISE_INPUT_GRAD];

/** Registers both kernels for `backendName`, replacing the stock ones where there are any. */
export function installDepthwiseKernels(backendName: string): void {
  for (const make of [filterGrad, inputGrad]) {
    const config = make(backendName); // captures the stock kernel first
    if (tf.getKernel(config.kernelName, backendName) != null) tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel(config);
  }
}
