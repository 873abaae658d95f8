// Global pooling: one value per channel, (h, w, c) -> (c).
import { defineLayer, NO_PARAMS, unary } from './types.js';
import { requireImage } from '../shape.js';

function globalPooling(kind: string, typeName: string, autoName: string, factory: string, what: 'average' | 'maximum') {
  return defineLayer<Record<string, never>>({
    kind,
    typeName,
    autoName,
    family: 'pool',
    description: `Takes the ${what} of each channel over the whole height and width, turning [height, width, channels] into [channels].`,
    kindWords: `is global ${what} pooling.`,
    params: {},
    normalize: () => ({}),
    outputShape: unary((input) => {
      const error = requireImage(kind, input);
      return error ? { error } : { shape: [input[2] ?? 0] };
    }),
    countParams: () => NO_PARAMS,
    // As for pooling windows: max keeps input and output, average its input.
    cost: () => ({ multAdds: 0, keeps: what === 'maximum' ? { inputs: true, output: true } : { inputs: true } }),
    tfjs: { factory, config: () => ({}) },
    keras: { className: typeName, args: () => [] },
    // Height and width are dims 2 and 3 of an image stored channels first.
    pytorch: () => ({ forward: ([x]) => `${x}.${what === 'average' ? 'mean' : 'amax'}(dim=(2, 3))` }),
    display: () => [],
  });
}

export const globalAvgPool2d = globalPooling('global_avg_pool2d', 'GlobalAveragePooling2D', 'global_average_pooling2d', 'globalAveragePooling2d', 'average');
export const globalMaxPool2d = globalPooling('global_max_pool2d', 'GlobalMaxPooling2D', 'global_max_pooling2d', 'globalMaxPooling2d', 'maximum');
