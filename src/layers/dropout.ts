// Dropout: zeroes a fraction of activations while training; shape and weights unchanged.
import { pyNumber } from '../lib/py-literal.js';
import { defineLayer, NO_PARAMS, unary } from './types.js';
import { product } from '../shape.js';

export interface DropoutParams {
  rate: number;
}

export const dropout = defineLayer<DropoutParams>({
  kind: 'dropout',
  typeName: 'Dropout',
  autoName: 'dropout',
  family: 'other',
  description:
    'Randomly sets a fraction of its inputs to zero during training, which reduces overfitting. ' + 'At inference it passes its input through unchanged.',
  kindWords: 'randomly drops inputs during training.',
  params: {
    rate: {
      title: 'the fraction of inputs to drop',
      description: 'The fraction of inputs set to zero during training: at least 0 and less than 1.',
      type: 'number',
      minimum: 0,
      exclusiveMaximum: 1,
      examples: [0.25, 0.5],
    },
  },
  required: ['rate'],
  normalize: (v) => ({ rate: v.rate as number }),
  outputShape: unary((input) => ({ shape: input })),
  countParams: () => NO_PARAMS,
  // At inference it passes its input on; training keeps the mask it drew, one value per input value.
  cost: ([input]) => ({ multAdds: 0, reuses: 'inference', keeps: { own: product(input!) } }),
  tfjs: { factory: 'dropout', config: (p) => ({ rate: p.rate }) },
  keras: { className: 'Dropout', args: (p) => [['rate', p.rate]], positional: ['rate'] },
  // Both scale the kept values by 1 / (1 - rate) while training and pass the input at inference.
  pytorch: (p) => ({ module: { callee: 'nn.Dropout', args: [`p=${pyNumber(p.rate)}`] }, forward: ([x], m) => `${m}(${x})` }),
  display: (p) => [`rate ${p.rate}`],
});
