/**
 * 'same' padding for the stock wasm convolutions, given as the explicit numbers it stands for.
 *
 * Why: tfjs-backend-wasm 4.22 hands a strided 'same' convolution (Conv2D, FusedConv2D,
 * DepthwiseConv2dNative, FusedDepthwiseConv2D) to XNNPACK as TensorFlow's SAME padding, and that
 * goes wrong where the last window at the stride ends before the input does, (out - 1) * stride +
 * kernel < size, for any filter but a 1x1 one: a 2-wide kernel at stride 3 over 3 or 6 pixels, a
 * 3-wide one at stride 4 over 4 or 8, a 1x3 one at stride 2 over 4 rows. The output comes back as
 * zeros, with no error. netspec's own forward tiles (conv-forward.ts) take most convolutions, but
 * output channels that do not tile by 8, activations the tiles do not fuse (elu, sigmoid, ...)
 * and depthwise convolutions still reach the stock kernel. Given the padding as numbers, which
 * tfjs computes as Keras does (the odd pixel at the bottom and right), the stock kernel pads
 * explicitly and gets it right (checked over sizes 1-12, kernels 1-4 and strides 1-4 against the
 * cpu backend). Stride 1 is left alone: there the window always reaches the end.
 */
import * as tf from '@tensorflow/tfjs';
import type { ConvAttrs } from './conv2d.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The stock wasm kernels that read 'same' as XNNPACK's SAME, and whether each is depthwise. */
export const SAME_PADDING_KERNELS: Readonly<Record<string, boolean>> = {
  Conv2D: false,
  FusedConv2D: false,
  DepthwiseConv2dNative: true,
  FusedDepthwiseConv2D: true,
};

/** The call with a strided NHWC 'same' padding replaced by its explicit top, bottom, left and right; otherwise the call itself. */
export function explicitSamePadding(args: KernelArgs, depthwise: boolean): KernelArgs {
  const attrs = (args.attrs ?? {}) as Partial<ConvAttrs>;
  const { x, filter } = args.inputs;
  if (attrs.pad !== 'same' || tf.backend_util.tupleValuesAreOne(attrs.strides ?? 1) || (attrs.dataFormat ?? 'NHWC') !== 'NHWC') return args;
  if (x == null || filter == null || x.shape.length !== 4 || filter.shape.length !== 4) return args;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides ?? 1,
    attrs.dilations ?? 1,
    'same',
    attrs.dimRoundingMode,
    depthwise,
  );
  const { top, bottom, left, right } = info.padInfo;
  const pad = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  return { ...args, attrs: { ...(args.attrs ?? {}), pad } as unknown as tf.NamedAttrMap };
}

/**
 * Registers, on wasm, each kernel of SAME_PADDING_KERNELS as the stock one called with explicit
 * padding. Installed before wrapped.ts, whose fast paths then hand their leftovers to these.
 */
export function installSamePaddingFix(backendName: string): void {
  if (backendName !== 'wasm') return;
  for (const [name, depthwise] of Object.entries(SAME_PADDING_KERNELS)) {
    const stock = tf.getKernel(name, backendName);
    if (stock == null) continue;
    tf.unregisterKernel(name, backendName);
    tf.registerKernel({ ...stock, kernelFunc: (args) => stock.kernelFunc(explicitSamePadding(args, depthwise)) });
  }
}
