/**
 * Composite kernels: Conv2DBackpropFilter / Conv2DBackpropInput implemented
 * with ordinary tf ops (conv2d.ts), registered per backend.
 *
 * MaxPoolGrad is not built from tf ops here: element-wise formulations
 * (per-tap Slice, rank-5 Transpose + Cumsum, nearest-neighbour upsampling)
 * all measured slower than the stock wasm kernel, because wasm's Slice,
 * StridedSlice(step>1), rank-5 Transpose and broadcasting Equal are scalar
 * loops. It is replaced by a plain JS loop over the heap instead (wrapped.ts).
 *
 * Why kernels rather than tf.registerGradient('Conv2D'):
 *  - During training a tfjs-layers Conv2D *with* an activation (relu) is not
 *    fused (fused.conv2d falls back to Conv2D + Add + Relu when gradients are
 *    recorded), so the 'Conv2D' gradient runs. A Conv2D *without* activation
 *    stays fused, and FusedConv2D's gradient is a closure passed to
 *    customGrad: it calls the conv2DBackpropFilter/Input ops directly and
 *    cannot be replaced through the gradient registry. Both paths end in
 *    these two kernels, so overriding the kernels covers every caller
 *    (Conv2D grad, FusedConv2D grad, tf.conv2dTranspose) with one mechanism.
 *  - Kernels are per backend, so tfjs-node and webgl are untouched without a
 *    runtime "which backend is active" check.
 * Ops called inside a kernel are not recorded on the gradient tape (the
 * engine only records at kernel depth 0) and run on the same backend.
 * Attributes these formulations do not cover (NCHW) go to the stock kernel
 * when the backend has one.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dFilterGrad, conv2dInputGrad, fastConvSupported, type ConvAttrs } from './conv2d.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type KernelResult = ReturnType<tf.KernelFunc>;

/** Kernel inputs are normally the op's Tensors; wrap bare TensorInfos just in case. */
function asTensor(info: tf.TensorInfo | undefined, name: string): tf.Tensor {
  if (info == null) throw new Error(`fast gradient kernel: missing input '${name}'`);
  if (info instanceof tf.Tensor) return info;
  return tf.engine().makeTensorFromTensorInfo(info);
}

function withFallback(
  kernelName: string,
  backendName: string,
  supported: (attrs: tf.NamedAttrMap) => boolean,
  fast: (inputs: KernelArgs['inputs'], attrs: tf.NamedAttrMap) => tf.Tensor,
): tf.KernelConfig {
  const stock = tf.getKernel(kernelName, backendName);
  return {
    kernelName,
    backendName,
    kernelFunc: (args) => {
      const attrs = args.attrs ?? {};
      if (supported(attrs)) return fast(args.inputs, attrs) as unknown as KernelResult;
      if (stock == null) throw new Error(`${kernelName} on '${backendName}': attributes not supported by the fast kernel`);
      return stock.kernelFunc(args);
    },
  };
}

const convOk = (attrs: tf.NamedAttrMap) => fastConvSupported(attrs as unknown as ConvAttrs);

function filterKernel(backendName: string): tf.KernelConfig {
  return withFallback('Conv2DBackpropFilter', backendName, convOk, (inputs, attrs) =>
    tf.tidy(() => {
      const x = asTensor(inputs.x, 'x') as tf.Tensor4D;
      const dy = asTensor(inputs.dy, 'dy') as tf.Tensor4D;
      const filterShape = attrs.filterShape as [number, number, number, number];
      // An empty batch adds nothing to the filter: zeros, which the tiles (writing no sum) would not give.
      if (x.size === 0 || dy.size === 0) return tf.zeros(filterShape);
      return conv2dFilterGrad(x, dy, filterShape, attrs as unknown as ConvAttrs);
    }),
  );
}

function inputKernel(backendName: string): tf.KernelConfig {
  return withFallback('Conv2DBackpropInput', backendName, convOk, (inputs, attrs) =>
    tf.tidy(() => {
      const dy = asTensor(inputs.dy, 'dy') as tf.Tensor4D;
      const filter = asTensor(inputs.filter, 'filter') as tf.Tensor4D;
      const inputShape = attrs.inputShape as [number, number, number, number];
      return conv2dInputGrad(inputShape, dy, filter, attrs as unknown as ConvAttrs);
    }),
  );
}

/** Kernel names this module replaces (profilers list them and their insides). */
export const COMPOSITE_KERNELS: readonly string[] = ['Conv2DBackpropFilter', 'Conv2DBackpropInput'];

/**
 * Replace (or add, where missing) the conv backprop kernels for a backend; the stock kernel is kept for unsupported attributes.
 */
export function installCompositeKernels(backendName: string): void {
  for (const make of [filterKernel, inputKernel]) {
    const config = make(backendName); // captures the stock kernel first
    if (tf.getKernel(config.kernelName, backendName) != null) tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel(config);
  }
}
