// Max and average pooling over height and width; no weights.
import { NO_PARAMS, type LayerDef } from './types.js';
import { asPair, pair, slidingWindowShape } from '../shape.js';
import type { LayerParams } from '../types.js';

function pooling(kind: string, typeName: string, autoName: string, factory: string): LayerDef {
  return {
    kind,
    typeName,
    autoName,
    normalize: (raw): LayerParams => {
      const pool = pair(raw.pool, [2, 2]);
      // Keras's rule: strides default to the pool size, so windows do not overlap.
      return { pool, strides: pair(raw.strides, pool), padding: raw.padding ?? 'valid' };
    },
    outputShape: (input, p) =>
      slidingWindowShape(kind, 'pool', input, asPair(p, 'pool'), asPair(p, 'strides'), p.padding, input[2] ?? 0),
    countParams: () => NO_PARAMS,
    tfjs: {
      factory,
      config: (p) => ({ poolSize: asPair(p, 'pool'), strides: asPair(p, 'strides'), padding: p.padding as string }),
    },
    keras: {
      className: typeName,
      args: (p) => [
        ['pool_size', asPair(p, 'pool')],
        ['strides', asPair(p, 'strides')],
        ['padding', p.padding as string],
      ],
    },
  };
}

export const maxPool2d = pooling('max_pool2d', 'MaxPooling2D', 'max_pooling2d', 'maxPooling2d');
export const avgPool2d = pooling('avg_pool2d', 'AveragePooling2D', 'average_pooling2d', 'averagePooling2d');
