// A standalone activation function; shape and weights unchanged.
import { tfjsActivation } from './activations.js';
import { activationParam } from './params.js';
import { defineLayer, NO_PARAMS, unary } from './types.js';

export interface ActivationParams {
  activation: string;
}

const { default: _noDefault, ...required } = activationParam;

export const activation = defineLayer<ActivationParams>({
  kind: 'activation',
  typeName: 'Activation',
  autoName: 'activation',
  family: 'other',
  description: 'Applies an activation function to each value of its input; the shape does not change and there are no weights.',
  kindWords: 'applies an activation function.',
  // Here the activation is the whole point of the layer, so it has no default.
  params: { activation: required },
  required: ['activation'],
  normalize: (v) => ({ activation: v.activation as string }),
  outputShape: unary((input) => ({ shape: input })),
  countParams: () => NO_PARAMS,
  tfjs: { factory: 'activation', config: (p) => ({ activation: tfjsActivation(p.activation) }) },
  keras: { className: 'Activation', args: (p) => [['activation', p.activation]], positional: ['activation'] },
  display: (p) => [p.activation],
});
