// Transposed 2-D convolution (a decoder's learned upsampling): each input pixel spreads a
// (kh, kw) kernel over the output, `strides` apart, so the image grows. Kernel (kh, kw, filters, in).
import { tfjsActivation, torchActivation } from './activations.js';
import { activationParam, filtersParam, isOnes, kernelParam, paddingParam, pairText, stridesParam, toPair, useBiasParam } from './params.js';
import { defineLayer, KernelInit, type TorchLayer, unary } from './types.js';
import { product, requireImage } from '../shape.js';
import { weightedCost } from './costs.js';
import { glorot, keywords, OIHW, pyTuple, torchWeight, vector } from './torch-layout.js';

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

/**
 * torch's ConvTranspose2d along one axis. Its full output is (size - 1)·s + k; TensorFlow's is
 * transposedSize. A longer full output is cropped as TensorFlow crops it, the odd pixel at the
 * bottom or right: torch's `padding` crops both sides alike, so an odd total leaves one row to
 * slice off. A shorter one (kernel below stride) grows at the bottom or right by output_padding.
 */
export function transposeAxis(
  size: number,
  kernel: number,
  stride: number,
  padding: 'valid' | 'same',
): { padding: number; outputPadding: number; slice?: number } {
  const full = (size - 1) * stride + kernel;
  const target = transposedSize(size, kernel, stride, padding);
  if (full <= target) return { padding: 0, outputPadding: target - full };
  const crop = Math.floor((full - target) / 2);
  return { padding: crop, outputPadding: 0, ...(full - 2 * crop > target ? { slice: target } : {}) };
}

function conv2dTransposeTorch(p: Conv2dTransposeParams, input: readonly number[]): TorchLayer {
  const channels = input[2]!;
  const [h, w] = [0, 1].map((i) => transposeAxis(input[i]!, p.kernel[i]!, p.strides[i]!, p.padding)) as [
    ReturnType<typeof transposeAxis>,
    ReturnType<typeof transposeAxis>,
  ];
  const act = torchActivation(p.activation, 3);
  const kernel = [p.kernel[0], p.kernel[1], p.filters, channels];
  const slice = h.slice !== undefined || w.slice !== undefined ? `[:, :, :${h.slice ?? ''}, :${w.slice ?? ''}]` : '';
  return {
    module: {
      callee: 'nn.ConvTranspose2d',
      args: [
        String(channels),
        String(p.filters),
        `kernel_size=${pyTuple(p.kernel)}`,
        ...keywords([
          ['stride', pyTuple(p.strides), '(1, 1)'],
          ['padding', pyTuple([h.padding, w.padding]), '(0, 0)'],
          ['output_padding', pyTuple([h.outputPadding, w.outputPadding]), '(0, 0)'],
        ]),
        ...(p.use_bias ? [] : ['bias=False']),
      ],
    },
    forward: ([x], m) => act.apply(`${m}(${x})${slice}`),
    // tfjs's kernel is (kh, kw, out, in); torch's (in, out, kh, kw). Neither flips the window.
    weights: [torchWeight('kernel', 'weight', kernel, glorot(kernel), OIHW), ...(p.use_bias ? [vector('bias', 'bias', p.filters)] : [])],
    helpers: act.helpers,
  };
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
  pytorch: (p, io) => conv2dTransposeTorch(p, io.inputs[0]!),
  display: (p) => [
    `${p.filters} filters`,
    `${pairText(p.kernel)} kernel`,
    ...(isOnes(p.strides) ? [] : [`stride ${pairText(p.strides)}`]),
    ...(p.padding === 'same' ? ['same padding'] : []),
    ...(p.activation === 'linear' ? [] : [p.activation]),
  ],
});
