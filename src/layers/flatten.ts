// Flatten: every feature of a sample in one vector.
import { NO_PARAMS, type LayerDef } from './types.js';
import { product } from '../shape.js';

export const flatten: LayerDef = {
  kind: 'flatten',
  typeName: 'Flatten',
  autoName: 'flatten',
  normalize: () => ({}),
  outputShape: (input) => ({ shape: [product(input)] }),
  countParams: () => NO_PARAMS,
  tfjs: { factory: 'flatten', config: () => ({}) },
  keras: { className: 'Flatten', args: () => [] },
};
