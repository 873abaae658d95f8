// Separable 2-D convolution (MobileNet's block in one layer): a depthwise convolution, then a
// 1x1 convolution that mixes the channels into `filters` outputs. Far fewer weights than a
// conv2d of the same size: kh·kw·in·m + in·m·filters.
import { tfjsActivation, torchActivation } from './activations.js';
import { paddedInput, stridesWithDilation, windowKeywords } from './conv2d.js';
import { depthwiseWeight } from './depthwise-conv2d.js';
import {
  activationParam,
  depthMultiplierParam,
  dilationParam,
  filtersParam,
  isOnes,
  kernelParam,
  paddingParam,
  pairText,
  stridesParam,
  toPair,
  useBiasParam,
} from './params.js';
import { glorot, OIHW, pyTuple, torchWeight, vector, windowPadding } from './torch-layout.js';
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

// torch has no separable convolution layer: the generated module defines one, with the two
// convolutions as its children, so its state_dict reads depthwise.weight, pointwise.weight.
const SEPARABLE = [
  'class SeparableConv2d(nn.Module):',
  '    """A depthwise convolution (a group per channel, no bias), then a 1x1 convolution that mixes',
  '    the channels: Keras\'s SeparableConv2D."""',
  '',
  '    def __init__(self, channels, filters, kernel_size, depth_multiplier=1, bias=True, **window):',
  '        super().__init__()',
  '        self.depthwise = nn.Conv2d(',
  '            channels, channels * depth_multiplier, kernel_size, groups=channels, bias=False, **window',
  '        )',
  '        self.pointwise = nn.Conv2d(channels * depth_multiplier, filters, 1, bias=bias)',
  '',
  '    def forward(self, x):',
  '        return self.pointwise(self.depthwise(x))',
].join('\n');

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
    slidingWindowShape('separable_conv2d', 'kernel', input, { size: p.kernel, strides: p.strides, padding: p.padding, dilation: p.dilation }, p.filters),
  ),
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
  pytorch: (p, io) => {
    const input = io.inputs[0]!;
    const channels = input[2]!;
    const pads = windowPadding(input, p.kernel, p.strides, p.padding, p.dilation);
    const act = torchActivation(p.activation, 3);
    const pointwise = [1, 1, channels * p.depth_multiplier, p.filters];
    return {
      module: {
        callee: 'SeparableConv2d',
        args: [
          String(channels),
          String(p.filters),
          `kernel_size=${pyTuple(p.kernel)}`,
          ...(p.depth_multiplier === 1 ? [] : [`depth_multiplier=${p.depth_multiplier}`]),
          ...(p.use_bias ? [] : ['bias=False']),
          ...windowKeywords(p.strides, pads, p.dilation),
        ],
      },
      forward: ([x], m) => act.apply(`${m}(${paddedInput(x!, pads)})`),
      weights: [
        depthwiseWeight('depthwise.weight', p.kernel, channels, p.depth_multiplier),
        torchWeight('pointwise_kernel', 'pointwise.weight', pointwise, glorot(pointwise), OIHW),
        ...(p.use_bias ? [vector('bias', 'pointwise.bias', p.filters)] : []),
      ],
      helpers: { ...act.helpers, SeparableConv2d: SEPARABLE },
    };
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
