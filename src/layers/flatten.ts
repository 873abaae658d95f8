// Flatten: every feature of a sample in one vector.
import { channelsLast } from './torch-layout.js';
import { defineLayer, NO_PARAMS, unary } from './types.js';
import { REUSES_INPUT } from './costs.js';
import { product } from '../shape.js';

export const flatten = defineLayer<Record<string, never>>({
  kind: 'flatten',
  typeName: 'Flatten',
  autoName: 'flatten',
  family: 'shape',
  description: 'Flattens each sample into one dimension, for example [5, 5, 64] into [1600], typically before dense layers.',
  kindWords: 'flattens each sample.',
  params: {},
  normalize: () => ({}),
  outputShape: unary((input) => ({ shape: [product(input)] })),
  countParams: () => NO_PARAMS,
  cost: () => REUSES_INPUT,
  tfjs: { factory: 'flatten', config: () => ({}) },
  keras: { className: 'Flatten', args: () => [] },
  // In tfjs's order (channels last), so a dense layer after it takes tfjs's kernel transposed.
  pytorch: (_p, io) => ({ forward: ([x]) => `${channelsLast(x!, io.inputs[0]!)}.flatten(1)` }),
  display: () => [],
});
