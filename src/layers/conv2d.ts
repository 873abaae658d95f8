// 2-D convolution: a (kh, kw, in, filters) kernel slid over height and width.
import { tfjsActivation, torchActivation } from './activations.js';
import { activationParam, dilationParam, filtersParam, isOnes, kernelParam, paddingParam, pairText, stridesParam, toPair, useBiasParam } from './params.js';
import { defineLayer, KernelInit, type LayerConfig, type TorchLayer, unary, type ValueProblem } from './types.js';
import { product, slidingWindowShape } from '../shape.js';
import { weightedCost } from './costs.js';
import { glorot, keywords, OIHW, pyTuple, torchWeight, vector, windowPadding, type WindowPadding } from './torch-layout.js';

export interface Conv2dParams {
  filters: number;
  kernel: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
  dilation: [number, number];
  activation: string;
  use_bias: boolean;
}

/** Keras and TensorFlow refuse a window that both steps and spreads (strides and dilation above 1). */
export function stridesWithDilation(strides: readonly number[], dilation: readonly number[]): ValueProblem[] {
  if (isOnes(strides) || isOnes(dilation)) return [];
  return [
    {
      key: 'dilation',
      message:
        `dilation ${pairText(dilation)} needs strides 1, but strides are ${pairText(strides)}; ` +
        'a dilated convolution cannot also step (use a pooling layer or a strided convolution after it)',
    },
  ];
}

/**
 * The input of a window layer in PyTorch: an uneven `same` padding becomes an explicit F.pad
 * (with `value` for max pooling, which pads with -inf); an even one is the module's own.
 */
export function paddedInput(x: string, pads: WindowPadding, value?: string): string {
  if (!pads.explicit) return x;
  return `F.pad(${x}, ${pyTuple(pads.explicit)}${value ? `, value=${value}` : ''})`;
}

/** The torch keyword arguments a convolution's window shares: stride, padding, dilation. */
export function windowKeywords(strides: readonly number[], pads: WindowPadding, dilation: readonly number[] = [1, 1]): string[] {
  return keywords([
    ['stride', pyTuple(strides), '(1, 1)'],
    ['padding', pyTuple(pads.symmetric ?? [0, 0]), '(0, 0)'],
    ['dilation', pyTuple(dilation), '(1, 1)'],
  ]);
}

function conv2dTorch(p: Conv2dParams, input: readonly number[]): TorchLayer {
  const channels = input[2]!;
  const pads = windowPadding(input, p.kernel, p.strides, p.padding, p.dilation);
  const act = torchActivation(p.activation, 3);
  const kernel = [p.kernel[0], p.kernel[1], channels, p.filters];
  return {
    module: {
      callee: 'nn.Conv2d',
      args: [
        String(channels),
        String(p.filters),
        `kernel_size=${pyTuple(p.kernel)}`,
        ...windowKeywords(p.strides, pads, p.dilation),
        ...(p.use_bias ? [] : ['bias=False']),
      ],
    },
    forward: ([x], m) => act.apply(`${m}(${paddedInput(x!, pads)})`),
    weights: [torchWeight('kernel', 'weight', kernel, glorot(kernel), OIHW), ...(p.use_bias ? [vector('bias', 'bias', p.filters)] : [])],
    helpers: act.helpers,
  };
}

export const conv2d = defineLayer<Conv2dParams>({
  kind: 'conv2d',
  typeName: 'Conv2D',
  autoName: 'conv2d',
  family: 'conv',
  description:
    'A 2-D convolution (Keras Conv2D): it slides learned kernels over the height and width of the input. ' + 'Input and output are [height, width, channels].',
  kindWords: 'is a 2-D convolution.',
  params: {
    filters: filtersParam,
    kernel: kernelParam,
    strides: stridesParam,
    padding: paddingParam,
    dilation: dilationParam,
    activation: activationParam,
    use_bias: useBiasParam,
  },
  required: ['filters', 'kernel'],
  normalize: (v) => ({
    filters: v.filters as number,
    kernel: toPair(v.kernel),
    strides: toPair(v.strides),
    padding: v.padding as Conv2dParams['padding'],
    dilation: toPair(v.dilation),
    activation: v.activation as string,
    use_bias: v.use_bias as boolean,
  }),
  check: (p) => stridesWithDilation(p.strides, p.dilation),
  outputShape: unary((input, p) =>
    slidingWindowShape('conv2d', 'kernel', input, { size: p.kernel, strides: p.strides, padding: p.padding, dilation: p.dilation }, p.filters),
  ),
  countParams: unary((input, p) => {
    const channels = input[input.length - 1] ?? 0;
    return { trainable: p.kernel[0] * p.kernel[1] * channels * p.filters + (p.use_bias ? p.filters : 0), nonTrainable: 0 };
  }),
  // Each output value sums kh·kw·channels products.
  cost: ([input], output, p) => weightedCost(product(output) * p.kernel[0] * p.kernel[1] * (input![input!.length - 1] ?? 0), output, p.activation),
  tfjs: {
    factory: 'conv2d',
    config: (p, ctx) => {
      const config: LayerConfig = {
        filters: p.filters,
        kernelSize: p.kernel,
        strides: p.strides,
        padding: p.padding,
      };
      // Only when set, so that specs without dilation keep the generated code they always had.
      if (!isOnes(p.dilation)) config.dilationRate = p.dilation;
      return {
        ...config,
        activation: tfjsActivation(p.activation),
        useBias: p.use_bias,
        kernelInitializer: new KernelInit('glorotUniform', ctx.index),
      };
    },
  },
  keras: {
    className: 'Conv2D',
    args: (p) => [
      ['filters', p.filters],
      ['kernel_size', p.kernel],
      ['strides', p.strides],
      ['padding', p.padding],
      ['dilation_rate', p.dilation],
      ['activation', p.activation],
      ['use_bias', p.use_bias],
    ],
    positional: ['filters', 'kernel_size'],
    defaults: { strides: [1, 1], padding: 'valid', dilation_rate: [1, 1], activation: 'linear', use_bias: true },
  },
  pytorch: (p, io) => conv2dTorch(p, io.inputs[0]!),
  display: (p) => [
    `${p.filters} filters`,
    `${pairText(p.kernel)} kernel`,
    ...(isOnes(p.strides) ? [] : [`stride ${pairText(p.strides)}`]),
    ...(isOnes(p.dilation) ? [] : [`dilation ${pairText(p.dilation)}`]),
    ...(p.padding === 'same' ? ['same padding'] : []),
    ...(p.activation === 'linear' ? [] : [p.activation]),
  ],
});
