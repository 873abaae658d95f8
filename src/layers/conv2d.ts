// 2-D convolution: a (kh, kw, in, filters) kernel slid over height and width.
import { tfjsActivation } from './activations.js';
import { KernelInit, type LayerDef } from './types.js';
import { asPair, pair, slidingWindowShape } from '../shape.js';

export const conv2d: LayerDef = {
  kind: 'conv2d',
  typeName: 'Conv2D',
  autoName: 'conv2d',
  normalize: (raw) => ({
    filters: raw.filters,
    kernel: pair(raw.kernel, [1, 1]),
    strides: pair(raw.strides, [1, 1]),
    padding: raw.padding ?? 'valid',
    activation: raw.activation ?? 'linear',
    use_bias: raw.use_bias ?? true,
  }),
  outputShape: (input, p) =>
    slidingWindowShape('conv2d', 'kernel', input, asPair(p, 'kernel'), asPair(p, 'strides'), p.padding, p.filters as number),
  countParams: (input, p) => {
    const [kh, kw] = asPair(p, 'kernel');
    const filters = p.filters as number;
    const channels = input[input.length - 1] ?? 0;
    return { trainable: kh * kw * channels * filters + (p.use_bias ? filters : 0), nonTrainable: 0 };
  },
  tfjs: {
    factory: 'conv2d',
    config: (p, ctx) => ({
      filters: p.filters as number,
      kernelSize: asPair(p, 'kernel'),
      strides: asPair(p, 'strides'),
      padding: p.padding as string,
      activation: tfjsActivation(p.activation),
      useBias: p.use_bias as boolean,
      kernelInitializer: new KernelInit('glorotUniform', ctx.index),
    }),
  },
  keras: {
    className: 'Conv2D',
    args: (p) => [
      ['filters', p.filters as number],
      ['kernel_size', asPair(p, 'kernel')],
      ['strides', asPair(p, 'strides')],
      ['padding', p.padding as string],
      ['activation', p.activation as string],
      ['use_bias', p.use_bias as boolean],
    ],
  },
};
