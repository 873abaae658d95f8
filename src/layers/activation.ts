// A standalone activation function; shape and weights unchanged.
import { tfjsActivation, torchActivation } from './activations.js';
import { activationParam } from './params.js';
import { defineLayer, NO_PARAMS, unary } from './types.js';
import { activationReads, REUSES_INPUT } from './costs.js';

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
  // Linear passes its input on; the others keep what their gradient reads (src/layers/costs.ts).
  cost: (_inputs, _output, p) => {
    const reads = activationReads(p.activation);
    if (reads === 'nothing') return REUSES_INPUT;
    return { multAdds: 0, keeps: reads === 'output' ? { output: true } : { inputs: true } };
  },
  tfjs: { factory: 'activation', config: (p) => ({ activation: tfjsActivation(p.activation) }) },
  keras: { className: 'Activation', args: (p) => [['activation', p.activation]], positional: ['activation'] },
  pytorch: (p, io) => {
    const act = torchActivation(p.activation, io.output.length);
    return { forward: ([x]) => act.apply(x!), helpers: act.helpers };
  },
  display: (p) => [p.activation],
});
