// Batch normalisation over the last axis. Keras counts gamma and beta as trainable and the
// moving mean and variance as non-trainable: 4 values per channel when centre and scale are on.
import { defineLayer, unary } from './types.js';
import { product } from '../shape.js';

export interface BatchNormParams {
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
}

export const batchNorm = defineLayer<BatchNormParams>({
  kind: 'batch_norm',
  typeName: 'BatchNormalization',
  autoName: 'batch_normalization',
  family: 'other',
  description:
    'Batch normalization (Keras BatchNormalization) over the last axis: it normalizes each channel using batch ' +
    'statistics during training and moving averages at inference.',
  kindWords: 'is batch normalization.',
  params: {
    momentum: {
      title: 'the momentum of the moving averages',
      description: 'How much of the previous moving average of mean and variance is kept at each training step; greater than 0 and less than 1.',
      type: 'number',
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      default: 0.99,
      examples: [0.99, 0.9],
    },
    epsilon: {
      title: 'a small constant',
      description: 'A small positive number added to the variance so that normalizing never divides by zero.',
      type: 'number',
      exclusiveMinimum: 0,
      default: 0.001,
      examples: [0.001, 1e-5],
    },
    center: {
      title: 'whether to learn an offset',
      description: 'Whether to learn an offset (beta) that is added after normalizing.',
      type: 'boolean',
      default: true,
      examples: [true, false],
    },
    scale: {
      title: 'whether to learn a scale',
      description: 'Whether to learn a factor (gamma) that multiplies the normalized values.',
      type: 'boolean',
      default: true,
      examples: [true, false],
    },
  },
  normalize: (v) => ({
    momentum: v.momentum as number,
    epsilon: v.epsilon as number,
    center: v.center as boolean,
    scale: v.scale as boolean,
  }),
  outputShape: unary((input) => ({ shape: input })),
  countParams: unary((input, p) => {
    const channels = input[input.length - 1] ?? 0;
    const trainable = (p.center ? channels : 0) + (p.scale ? channels : 0);
    return { trainable, nonTrainable: 2 * channels };
  }),
  // At inference the statistics fold into one scale and one shift: a multiply-add per value.
  // Training normalises with the batch's statistics, and the gradient reads the input.
  cost: (_inputs, output) => ({ multAdds: product(output), keeps: { inputs: true } }),
  tfjs: {
    factory: 'batchNormalization',
    config: (p) => ({ axis: -1, momentum: p.momentum, epsilon: p.epsilon, center: p.center, scale: p.scale }),
  },
  keras: {
    className: 'BatchNormalization',
    args: (p) => [
      ['momentum', p.momentum],
      ['epsilon', p.epsilon],
      ['center', p.center],
      ['scale', p.scale],
    ],
    defaults: { momentum: 0.99, epsilon: 0.001, center: true, scale: true },
  },
  display: () => [],
});
