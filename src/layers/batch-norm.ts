// Batch normalisation over the last axis. Keras counts gamma and beta as trainable and the
// moving mean and variance as non-trainable: 4 values per channel when centre and scale are on.
import { type LayerDef } from './types.js';

export const batchNorm: LayerDef = {
  kind: 'batch_norm',
  typeName: 'BatchNormalization',
  autoName: 'batch_normalization',
  normalize: (raw) => ({
    momentum: raw.momentum ?? 0.99,
    epsilon: raw.epsilon ?? 0.001,
    center: raw.center ?? true,
    scale: raw.scale ?? true,
  }),
  outputShape: (input) => ({ shape: input }),
  countParams: (input, p) => {
    const channels = input[input.length - 1] ?? 0;
    const trainable = (p.center ? channels : 0) + (p.scale ? channels : 0);
    return { trainable, nonTrainable: 2 * channels };
  },
  tfjs: {
    factory: 'batchNormalization',
    config: (p) => ({
      axis: -1,
      momentum: p.momentum as number,
      epsilon: p.epsilon as number,
      center: p.center as boolean,
      scale: p.scale as boolean,
    }),
  },
  keras: {
    className: 'BatchNormalization',
    args: (p) => [
      ['momentum', p.momentum as number],
      ['epsilon', p.epsilon as number],
      ['center', p.center as boolean],
      ['scale', p.scale as boolean],
    ],
  },
};
