// Max and average pooling over height and width; no weights. Every fact about the two kinds
// side by side: they differ only in names.
import { paddedInput } from './conv2d.js';
import { paddingParam, pairText, toPair } from './params.js';
import { keywords, pyTuple, windowPadding } from './torch-layout.js';
import { defineLayer, NO_PARAMS, unary, type TorchLayer } from './types.js';
import { slidingWindowShape } from '../shape.js';

export interface PoolParams {
  pool: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
}

// TensorFlow's average pooling leaves the padding out of each window's mean; torch's can only
// do that with even padding, so uneven `same` padding divides a window's sum by its pixel count.
const AVERAGE_POOL_INSIDE = [
  'def average_pool_inside(pool, x, pad):',
  '    """Average pooling over padded windows that counts only the pixels inside the image, as',
  '    TensorFlow\'s padding "same" does: the mean of the padded input, divided by the share of each',
  '    window that lies inside."""',
  '    inside = F.pad(torch.ones_like(x[:1, :1]), pad)',
  '    return pool(F.pad(x, pad)) / pool(inside)',
].join('\n');

/**
 * The PyTorch pool. Max pooling pads with -inf, so padding never wins; average pooling with
 * even padding uses torch's count_include_pad=False, with uneven padding the helper above.
 */
function poolTorch(what: 'maximum' | 'average', p: PoolParams, input: readonly number[]): TorchLayer {
  const pads = windowPadding(input, p.pool, p.strides, p.padding);
  const max = what === 'maximum';
  const args = [
    `kernel_size=${pyTuple(p.pool)}`,
    ...keywords([
      ['stride', pyTuple(p.strides), pyTuple(p.pool)],
      ['padding', pyTuple(pads.symmetric ?? [0, 0]), '(0, 0)'],
    ]),
    ...(!max && pads.symmetric ? ['count_include_pad=False'] : []),
  ];
  if (max || !pads.explicit) {
    return {
      module: { callee: max ? 'nn.MaxPool2d' : 'nn.AvgPool2d', args },
      forward: ([x], m) => `${m}(${paddedInput(x!, pads, max ? 'float("-inf")' : undefined)})`,
    };
  }
  return {
    module: { callee: 'nn.AvgPool2d', args },
    forward: ([x], m) => `average_pool_inside(${m}, ${x}, ${pyTuple(pads.explicit!)})`,
    helpers: { average_pool_inside: AVERAGE_POOL_INSIDE },
  };
}

function pooling(kind: string, typeName: string, autoName: string, factory: string, what: 'maximum' | 'average') {
  return defineLayer<PoolParams>({
    kind,
    typeName,
    autoName,
    family: 'pool',
    description:
      `A 2-D ${what} pooling layer: it takes the ${what} of each window over height and width, keeping the channels. ` +
      'Input and output are [height, width, channels].',
    kindWords: `is 2-D ${what} pooling.`,
    params: {
      pool: {
        $ref: '#/definitions/intOrPair',
        title: 'the pool size',
        description: 'The height and width of the pooling window: one integer for a square window, or a pair [height, width].',
        default: 2,
        examples: [2, [2, 2], [3, 3]],
      },
      strides: {
        $ref: '#/definitions/intOrPair',
        title: 'the step of the window',
        description:
          'How far the window moves along height and width: one integer for both, or a pair [height, width]. ' +
          'When omitted it equals the pool size, so windows do not overlap.',
        examples: [2, [1, 1]],
      },
      padding: paddingParam,
    },
    normalize: (v) => {
      const pool = toPair(v.pool);
      // Keras's rule: strides default to the pool size, so windows do not overlap.
      return { pool, strides: v.strides === undefined ? pool : toPair(v.strides), padding: v.padding as PoolParams['padding'] };
    },
    outputShape: unary((input, p) => slidingWindowShape(kind, 'pool', input, { size: p.pool, strides: p.strides, padding: p.padding }, input[2] ?? 0)),
    countParams: () => NO_PARAMS,
    // No weights. Max pooling's gradient finds each window's maximum again from input and output;
    // average pooling's needs only the sizes, yet TensorFlow.js and PyTorch both keep its input.
    cost: () => ({ multAdds: 0, keeps: what === 'maximum' ? { inputs: true, output: true } : { inputs: true } }),
    tfjs: { factory, config: (p) => ({ poolSize: p.pool, strides: p.strides, padding: p.padding }) },
    keras: {
      className: typeName,
      args: (p) => [
        ['pool_size', p.pool],
        ['strides', p.strides],
        ['padding', p.padding],
      ],
      positional: ['pool_size'],
      // Keras pools default their strides to the pool size (strides=None).
      defaults: { pool_size: [2, 2], strides: (args) => args.get('pool_size') ?? [2, 2], padding: 'valid' },
    },
    pytorch: (p, io) => poolTorch(what, p, io.inputs[0]!),
    display: (p) => [`${pairText(p.pool)} pool`, ...(p.padding === 'same' ? ['same padding'] : [])],
  });
}

export const maxPool2d = pooling('max_pool2d', 'MaxPooling2D', 'max_pooling2d', 'maxPooling2d', 'maximum');
export const avgPool2d = pooling('avg_pool2d', 'AveragePooling2D', 'average_pooling2d', 'averagePooling2d', 'average');
