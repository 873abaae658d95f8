// Fully connected layer. Like Keras, it acts on the last axis, so (5, 5, 64) -> (5, 5, units).
import { tfjsActivation, torchActivation } from './activations.js';
import { activationParam, useBiasParam } from './params.js';
import { channelsFirst, channelsLast, glorot, torchWeight, vector } from './torch-layout.js';
import { defineLayer, KernelInit, unary } from './types.js';
import { weightedCost } from './costs.js';
import { product } from '../shape.js';

export interface DenseParams {
  units: number;
  activation: string;
  use_bias: boolean;
}

export const dense = defineLayer<DenseParams>({
  kind: 'dense',
  typeName: 'Dense',
  autoName: 'dense',
  family: 'dense',
  description:
    'A fully connected layer (Keras Dense): every output unit is a weighted sum of all inputs. Its input must be ' +
    'one-dimensional, so a flatten or global pooling layer usually comes first.',
  kindWords: 'is a fully connected layer.',
  params: {
    units: {
      title: 'the number of output units',
      description: 'The number of output units (neurons).',
      type: 'integer',
      minimum: 1,
      maximum: 1048576,
      examples: [64, 10],
    },
    activation: activationParam,
    use_bias: useBiasParam,
  },
  required: ['units'],
  normalize: (v) => ({ units: v.units as number, activation: v.activation as string, use_bias: v.use_bias as boolean }),
  outputShape: unary((input, p) => ({ shape: [...input.slice(0, -1), p.units] })),
  countParams: unary((input, p) => {
    const features = input[input.length - 1] ?? 0;
    return { trainable: features * p.units + (p.use_bias ? p.units : 0), nonTrainable: 0 };
  }),
  // Each output value sums one product per input feature (on every position, for a rank-3 input).
  cost: ([input], output, p) => weightedCost(product(output) * (input![input!.length - 1] ?? 0), output, p.activation),
  tfjs: {
    factory: 'dense',
    config: (p, ctx) => ({
      units: p.units,
      activation: tfjsActivation(p.activation),
      useBias: p.use_bias,
      kernelInitializer: new KernelInit('glorotUniform', ctx.index),
    }),
  },
  keras: {
    className: 'Dense',
    args: (p) => [
      ['units', p.units],
      ['activation', p.activation],
      ['use_bias', p.use_bias],
    ],
    positional: ['units'],
    defaults: { activation: 'linear', use_bias: true },
  },
  // nn.Linear acts on the last axis, as Dense does; an image's channels are moved there and back.
  pytorch: (p, io) => {
    const input = io.inputs[0]!;
    const features = input[input.length - 1]!;
    const act = torchActivation(p.activation, io.output.length);
    const kernel = [features, p.units];
    return {
      module: { callee: 'nn.Linear', args: [String(features), String(p.units), ...(p.use_bias ? [] : ['bias=False'])] },
      forward: ([x], m) => act.apply(channelsFirst(`${m}(${channelsLast(x!, input)})`, io.output)),
      weights: [torchWeight('kernel', 'weight', kernel, glorot(kernel), [1, 0]), ...(p.use_bias ? [vector('bias', 'bias', p.units)] : [])],
      helpers: act.helpers,
    };
  },
  display: (p) => [`${p.units} units`, ...(p.activation === 'linear' ? [] : [p.activation])],
});
