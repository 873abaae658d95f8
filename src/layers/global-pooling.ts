// Global pooling: one value per channel, (h, w, c) -> (c).
import { NO_PARAMS, type LayerDef } from './types.js';
import { requireImage } from '../shape.js';

function globalPooling(kind: string, typeName: string, autoName: string, factory: string): LayerDef {
  return {
    kind,
    typeName,
    autoName,
    normalize: () => ({}),
    outputShape: (input) => {
      const error = requireImage(kind, input);
      return error ? { error } : { shape: [input[2] as number] };
    },
    countParams: () => NO_PARAMS,
    tfjs: { factory, config: () => ({}) },
    keras: { className: typeName, args: () => [] },
  };
}

export const globalAvgPool2d = globalPooling(
  'global_avg_pool2d',
  'GlobalAveragePooling2D',
  'global_average_pooling2d',
  'globalAveragePooling2d',
);
export const globalMaxPool2d = globalPooling('global_max_pool2d', 'GlobalMaxPooling2D', 'global_max_pooling2d', 'globalMaxPooling2d');
