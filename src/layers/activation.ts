// A standalone activation function; shape and weights unchanged.
import { NO_PARAMS, type LayerDef } from './types.js';

export const activation: LayerDef = {
  kind: 'activation',
  typeName: 'Activation',
  autoName: 'activation',
  normalize: (raw) => ({ activation: raw.activation }),
  outputShape: (input) => ({ shape: input }),
  countParams: () => NO_PARAMS,
  tfjs: { factory: 'activation', config: (p) => ({ activation: p.activation as string }) },
  keras: { className: 'Activation', args: (p) => [['activation', p.activation as string]] },
};
