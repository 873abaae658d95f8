// Dropout: zeroes a fraction of activations while training; shape and weights unchanged.
import { NO_PARAMS, type LayerDef } from './types.js';

export const dropout: LayerDef = {
  kind: 'dropout',
  typeName: 'Dropout',
  autoName: 'dropout',
  normalize: (raw) => ({ rate: raw.rate }),
  outputShape: (input) => ({ shape: input }),
  countParams: () => NO_PARAMS,
  tfjs: { factory: 'dropout', config: (p) => ({ rate: p.rate as number }) },
  keras: { className: 'Dropout', args: (p) => [['rate', p.rate as number]] },
};
