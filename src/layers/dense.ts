// Fully connected layer. Like Keras, it acts on the last axis, so (5, 5, 64) -> (5, 5, units).
import { tfjsActivation } from './activations.js';
import { KernelInit, type LayerDef } from './types.js';

export const dense: LayerDef = {
  kind: 'dense',
  typeName: 'Dense',
  autoName: 'dense',
  normalize: (raw) => ({ units: raw.units, activation: raw.activation ?? 'linear', use_bias: raw.use_bias ?? true }),
  outputShape: (input, p) => ({ shape: [...input.slice(0, -1), p.units as number] }),
  countParams: (input, p) => {
    const units = p.units as number;
    const features = input[input.length - 1] ?? 0;
    return { trainable: features * units + (p.use_bias ? units : 0), nonTrainable: 0 };
  },
  tfjs: {
    factory: 'dense',
    config: (p, ctx) => ({
      units: p.units as number,
      activation: tfjsActivation(p.activation),
      useBias: p.use_bias as boolean,
      kernelInitializer: new KernelInit('glorotUniform', ctx.index),
    }),
  },
  keras: {
    className: 'Dense',
    args: (p) => [
      ['units', p.units as number],
      ['activation', p.activation as string],
      ['use_bias', p.use_bias as boolean],
    ],
  },
};
