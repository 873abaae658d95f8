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
 * The replacements run the loops of depthwise-loops.ts on the tensors' own memory (heap.ts).
 * They honour strides, dilation, every padding and any depth multiplier, so they replace the
 * stock kernels outright.
 */
import * as tf from '@tensorflow/tfjs';
import { allFloat32, floatKernelIO, supportsFloatIO } from './heap.js';
import { depthwiseFilterGradInto, depthwiseGeometry, depthwiseInputGradInto, type DepthwiseAttrs } from './depthwise-loops.js';

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
    const io = floatKernelIO(backend, [dy, filter], inputShape);
    depthwiseInputGradInto(io.inputs[0]!, io.inputs[1]!, io.out, info);
    return io.finish();
  });

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
