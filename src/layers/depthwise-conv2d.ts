// Depthwise 2-D convolution (MobileNet's spatial step): each input channel gets its own
// depth_multiplier kernels and no channel mixes with another. Kernel (kh, kw, in, multiplier).
import { tfjsActivation, torchActivation } from './activations.js';
import { paddedInput, windowKeywords } from './conv2d.js';
import { activationParam, depthMultiplierParam, isOnes, kernelParam, paddingParam, pairText, stridesParam, toPair, useBiasParam } from './params.js';
import { defineLayer, KernelInit, type TorchWeight, unary } from './types.js';
import { product, slidingWindowShape } from '../shape.js';
import { weightedCost } from './costs.js';
import { glorot, pyTuple, torchWeight, vector, windowPadding } from './torch-layout.js';

export interface DepthwiseConv2dParams {
  kernel: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
  depth_multiplier: number;
  activation: string;
  use_bias: boolean;
}

/**
 * A depthwise kernel (kh, kw, in, multiplier) as the weight of a torch convolution with one group
 * per input channel: (in * multiplier, 1, kh, kw), output channel c * multiplier + j holding
 * kernel j of input channel c, the order tfjs's outputs have too.
 */
export function depthwiseWeight(torchKey: string, kernel: readonly [number, number], channels: number, multiplier: number): TorchWeight {
  const shape = [kernel[0], kernel[1], channels, multiplier];
  return torchWeight('depthwise_kernel', torchKey, shape, glorot(shape), [2, 3, 0, 1], [channels * multiplier, 1, kernel[0], kernel[1]]);
}

export const depthwiseConv2d = defineLayer<DepthwiseConv2dParams>({
  kind: 'depthwise_conv2d',
  typeName: 'DepthwiseConv2D',
  autoName: 'depthwise_conv2d',
  family: 'conv',
  description:
    'A depthwise 2-D convolution (Keras DepthwiseConv2D): each input channel is convolved with its own kernels, ' +
    '`depth_multiplier` of them, and channels do not mix. It outputs channels × depth_multiplier channels.',
  kindWords: 'is a depthwise 2-D convolution.',
  params: {
    kernel: kernelParam,
    strides: stridesParam,
    padding: paddingParam,
    depth_multiplier: depthMultiplierParam,
    activation: activationParam,
    use_bias: useBiasParam,
  },
  required: ['kernel'],
  notOffered: {
    dilation:
      "TensorFlow.js's DepthwiseConv2D layer has no dilation (it would silently compute an undilated convolution); " +
      'use separable_conv2d, whose depthwise step takes dilation, or conv2d',
    dilation_rate: "TensorFlow.js's DepthwiseConv2D layer has no dilation; use separable_conv2d or conv2d for a dilated convolution",
  },
  normalize: (v) => ({
    kernel: toPair(v.kernel),
    strides: toPair(v.strides),
    padding: v.padding as DepthwiseConv2dParams['padding'],
    depth_multiplier: v.depth_multiplier as number,
    activation: v.activation as string,
    use_bias: v.use_bias as boolean,
  }),
  outputShape: unary((input, p) =>
    slidingWindowShape('depthwise_conv2d', 'kernel', input, { size: p.kernel, strides: p.strides, padding: p.padding }, (input[2] ?? 0) * p.depth_multiplier),
  ),
  countParams: unary((input, p) => {
    const outChannels = (input[2] ?? 0) * p.depth_multiplier;
    return { trainable: p.kernel[0] * p.kernel[1] * outChannels + (p.use_bias ? outChannels : 0), nonTrainable: 0 };
  }),
  // Each output value sums kh·kw products over its one input channel.
  cost: (_inputs, output, p) => weightedCost(product(output) * p.kernel[0] * p.kernel[1], output, p.activation),
  tfjs: {
    factory: 'depthwiseConv2d',
    config: (p, ctx) => ({
      kernelSize: p.kernel,
      strides: p.strides,
      padding: p.padding,
      depthMultiplier: p.depth_multiplier,
      activation: tfjsActivation(p.activation),
      useBias: p.use_bias,
      depthwiseInitializer: new KernelInit('glorotUniform', ctx.index),
    }),
  },
  keras: {
    className: 'DepthwiseConv2D',
    args: (p) => [
      ['kernel_size', p.kernel],
      ['strides', p.strides],
      ['padding', p.padding],
      ['depth_multiplier', p.depth_multiplier],
      ['activation', p.activation],
      ['use_bias', p.use_bias],
    ],
    positional: ['kernel_size'],
    defaults: { strides: [1, 1], padding: 'valid', depth_multiplier: 1, activation: 'linear', use_bias: true },
  },
  pytorch: (p, io) => {
    const input = io.inputs[0]!;
    const channels = input[2]!;
    const out = channels * p.depth_multiplier;
    const pads = windowPadding(input, p.kernel, p.strides, p.padding);
    const act = torchActivation(p.activation, 3);
    return {
      module: {
        callee: 'nn.Conv2d',
        args: [
          String(channels),
          String(out),
          `kernel_size=${pyTuple(p.kernel)}`,
          ...windowKeywords(p.strides, pads),
          `groups=${channels}`,
          ...(p.use_bias ? [] : ['bias=False']),
        ],
      },
      forward: ([x], m) => act.apply(`${m}(${paddedInput(x!, pads)})`),
      weights: [depthwiseWeight('weight', p.kernel, channels, p.depth_multiplier), ...(p.use_bias ? [vector('bias', 'bias', out)] : [])],
      helpers: act.helpers,
    };
  },
  display: (p) => [
    `${pairText(p.kernel)} kernel`,
    ...(p.depth_multiplier === 1 ? [] : [`×${p.depth_multiplier} depth`]),
    ...(isOnes(p.strides) ? [] : [`stride ${pairText(p.strides)}`]),
    ...(p.padding === 'same' ? ['same padding'] : []),
    ...(p.activation === 'linear' ? [] : [p.activation]),
  ],
});
