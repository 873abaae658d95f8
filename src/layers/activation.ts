// A standalone activation function; shape and weights unchanged.
import { tfjsActivation } from './activations.js';
import { NO_PARAMS, type LayerDef } from './types.js';

export const activation: LayerDef = {
  kind: 'activation',
  typeName: 'Activation',
  autoName: 'activation',
  normalize: (raw) => ({ activation: raw.activation }),
  outputShape: (input) => ({ shape: input }),
  countParams: () => NO_PARAMS,
  tfjs: { factory: 'activation', config: (p) => ({ activation: tfjsActivation(p.activation) }) },
  keras: { className: 'Activation', args: (p) => [['activation', p.activation as string]] },
};
