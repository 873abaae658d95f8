// Transposed 2-D convolution (a decoder's learned upsampling): each input pixel spreads a
// (kh, kw) kernel over the output, `strides` apart, so the image grows. Kernel (kh, kw, filters, in).
import { tfjsActivation } from './activations.js';
import { activationParam, filtersParam, isOnes, kernelParam, paddingParam, pairText, stridesParam, toPair, useBiasParam } from './params.js';
import { defineLayer, KernelInit, unary } from './types.js';
import { product, requireImage } from '../shape.js';
import { weightedCost } from './costs.js';

export interface Conv2dTransposeParams {
  filters: number;
  kernel: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
  activation: string;
  use_bias: boolean;
}

/** Keras's deconv_output_length without output_padding: valid grows by max(k - s, 0) beyond size·s. */
export function transposedSize(size: number, kernel: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? size * stride : size * stride + Math.max(kernel - stride, 0);
}

const UNSUPPORTED = "TensorFlow.js's Conv2DTranspose layer has neither output_padding nor dilation";

export const conv2dTranspose = defineLayer<Conv2dTransposeParams>({
  kind: 'conv2d_transpose',
  typeName: 'Conv2DTranspose',
  autoName: 'conv2d_transpose',
  family: 'conv',
  description:
    'A transposed 2-D convolution (Keras Conv2DTranspose), the learned upsampling of decoders: with strides s the output is ' +
    's times as high and wide (plus max(kernel - s, 0) with valid padding).',
  kindWords: 'is a transposed 2-D convolution.',
  params: {
    filters: filtersParam,
    kernel: kernelParam,
    strides: stridesParam,
    padding: paddingParam,
    activation: activationParam,
    use_bias: useBiasParam,
  },
  required: ['filters', 'kernel'],
  notOffered: {
    output_padding: `${UNSUPPORTED}; choose kernel, strides and padding that give the size you need, or crop with cropping2d`,
    dilation: `${UNSUPPORTED}; use upsampling2d followed by a dilated conv2d`,
    dilation_rate: `${UNSUPPORTED}; use upsampling2d followed by a dilated conv2d`,
  },
  normalize: (v) => ({
    filters: v.filters as number,
    kernel: toPair(v.kernel),
    strides: toPair(v.strides),
    padding: v.padding as Conv2dTransposeParams['padding'],
    activation: v.activation as string,
    use_bias: v.use_bias as boolean,
  }),
  outputShape: unary((input, p) => {
    const error = requireImage('conv2d_transpose', input);
    if (error) return { error };
    const [h, w] = input as [number, number, number];
    return { shape: [transposedSize(h, p.kernel[0], p.strides[0], p.padding), transposedSize(w, p.kernel[1], p.strides[1], p.padding), p.filters] };
  }),
  countParams: unary((input, p) => ({
    trainable: p.kernel[0] * p.kernel[1] * p.filters * (input[2] ?? 0) + (p.use_bias ? p.filters : 0),
    nonTrainable: 0,
  })),
  // Each input value is multiplied into a kh·kw·filters patch of the output (how PyTorch and
  // TensorFlow compute it: a matrix product, then the patches added onto the grid).
  cost: ([input], output, p) => weightedCost(product(input!) * p.kernel[0] * p.kernel[1] * p.filters, output, p.activation),
  tfjs: {
    factory: 'conv2dTranspose',
    config: (p, ctx) => ({
      filters: p.filters,
      kernelSize: p.kernel,
      strides: p.strides,
      padding: p.padding,
      activation: tfjsActivation(p.activation),
      useBias: p.use_bias,
      kernelInitializer: new KernelInit('glorotUniform', ctx.index),
    }),
  },
  keras: {
    className: 'Conv2DTranspose',
    args: (p) => [
      ['filters', p.filters],
      ['kernel_size', p.kernel],
      ['strides', p.strides],
      ['padding', p.padding],
      ['activation', p.activation],
      ['use_bias', p.use_bias],
    ],
    positional: ['filters', 'kernel_size'],
    defaults: { strides: [1, 1], padding: 'valid', activation: 'linear', use_bias: true },
  },
  display: (p) => [
    `${p.filters} filters`,
    `${pairText(p.kernel)} kernel`,
    ...(isOnes(p.strides) ? [] : [`stride ${pairText(p.strides)}`]),
    ...(p.padding === 'same' ? ['same padding'] : []),
    ...(p.activation === 'linear' ? [] : [p.activation]),
  ],
});
