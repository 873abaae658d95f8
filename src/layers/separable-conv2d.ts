// Separable 2-D convolution (MobileNet's block in one layer): a depthwise convolution, then a
// 1x1 convolution that mixes the channels into `filters` outputs. Far fewer weights than a
// conv2d of the same size: kh·kw·in·m + in·m·filters.
import { tfjsActivation } from './activations.js';
import { stridesWithDilation } from './conv2d.js';
import {
  activationParam, depthMultiplierParam, dilationParam, filtersParam, isOnes, kernelParam, paddingParam, pairText, stridesParam, toPair,
  useBiasParam,
} from './params.js';
import { defineLayer, KernelInit, unary } from './types.js';
import { slidingWindowShape } from '../shape.js';
import { weightedCost } from './costs.js';

export interface SeparableConv2dParams {
  filters: number;
  kernel: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
  dilation: [number, number];
  depth_multiplier: number;
  activation: string;
  use_bias: boolean;
}

export const separableConv2d = defineLayer<SeparableConv2dParams>({
  kind: 'separable_conv2d',
  typeName: 'SeparableConv2D',
  autoName: 'separable_conv2d',
  family: 'conv',
  description:
    'A depthwise separable 2-D convolution (Keras SeparableConv2D): a depthwise convolution of each channel, then a 1x1 ' +
    'convolution that mixes the channels into `filters` outputs.',
  kindWords: 'is a depthwise separable 2-D convolution.',
  params: {
    filters: filtersParam,
    kernel: kernelParam,
    strides: stridesParam,
    padding: paddingParam,
    dilation: dilationParam,
    depth_multiplier: depthMultiplierParam,
    activation: activationParam,
    use_bias: useBiasParam,
  },
  required: ['filters', 'kernel'],
  normalize: (v) => ({
    filters: v.filters as number,
    kernel: toPair(v.kernel),
    strides: toPair(v.strides),
    padding: v.padding as SeparableConv2dParams['padding'],
    dilation: toPair(v.dilation),
    depth_multiplier: v.depth_multiplier as number,
    activation: v.activation as string,
    use_bias: v.use_bias as boolean,
  }),
  check: (p) => stridesWithDilation(p.strides, p.dilation),
  outputShape: unary((input, p) =>
    slidingWindowShape('separable_conv2d', 'kernel', input, { size: p.kernel, strides: p.strides, padding: p.padding, dilation: p.dilation }, p.filters)),
  countParams: unary((input, p) => {
    const depthwise = p.kernel[0] * p.kernel[1] * (input[2] ?? 0) * p.depth_multiplier;
    const pointwise = (input[2] ?? 0) * p.depth_multiplier * p.filters;
    return { trainable: depthwise + pointwise + (p.use_bias ? p.filters : 0), nonTrainable: 0 };
  }),
  // The depthwise step makes oh·ow·c·m values of kh·kw products each; the pointwise step sums
  // c·m products into each output. Its weight gradient reads the depthwise result.
  cost: ([input], output, p) => {
    const depthwise = (output[0] ?? 0) * (output[1] ?? 0) * (input![2] ?? 0) * p.depth_multiplier;
    return weightedCost(depthwise * p.kernel[0] * p.kernel[1] + depthwise * p.filters, output, p.activation, depthwise);
  },
  tfjs: {
    factory: 'separableConv2d',
    config: (p, ctx) => ({
      filters: p.filters,
      kernelSize: p.kernel,
      strides: p.strides,
      padding: p.padding,
      ...(isOnes(p.dilation) ? {} : { dilationRate: p.dilation }),
      depthMultiplier: p.depth_multiplier,
      activation: tfjsActivation(p.activation),
      useBias: p.use_bias,
      // Two kernels, two seeds: the pointwise one comes from a second offset past every layer index.
      depthwiseInitializer: new KernelInit('glorotUniform', ctx.index),
      pointwiseInitializer: new KernelInit('glorotUniform', ctx.index + 1000),
    }),
  },
  keras: {
    className: 'SeparableConv2D',
    args: (p) => [
      ['filters', p.filters],
      ['kernel_size', p.kernel],
      ['strides', p.strides],
      ['padding', p.padding],
      ['dilation_rate', p.dilation],
      ['depth_multiplier', p.depth_multiplier],
      ['activation', p.activation],
      ['use_bias', p.use_bias],
    ],
    positional: ['filters', 'kernel_size'],
    defaults: { strides: [1, 1], padding: 'valid', dilation_rate: [1, 1], depth_multiplier: 1, activation: 'linear', use_bias: true },
  },
  display: (p) => [
    `${p.filters} filters`,
    `${pairText(p.kernel)} kernel`,
    ...(p.depth_multiplier === 1 ? [] : [`×${p.depth_multiplier} depth`]),
    ...(isOnes(p.strides) ? [] : [`stride ${pairText(p.strides)}`]),
    ...(isOnes(p.dilation) ? [] : [`dilation ${pairText(p.dilation)}`]),
    ...(p.padding === 'same' ? ['same padding'] : []),
    ...(p.activation === 'linear' ? [] : [p.activation]),
  ],
});
