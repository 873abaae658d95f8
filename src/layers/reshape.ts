// Reshape each sample; one dimension may be -1 and is then worked out from the others.
import { channelsFirst, channelsLast, pyTuple } from './torch-layout.js';
import { defineLayer, NO_PARAMS, unary } from './types.js';
import { REUSES_INPUT } from './costs.js';
import { formatShape, product, type ShapeResult } from '../shape.js';
import type { Shape } from '../types.js';

export interface ReshapeParams {
  target_shape: number[];
}

function resolveTarget(input: Shape, target: number[]): ShapeResult {
  const total = product(input);
  const known = target.filter((d) => d !== -1);
  const knownSize = product(known);
  if (known.length === target.length) {
    if (knownSize === total) return { shape: target };
    return {
      error:
        `target_shape ${formatShape(target)} holds ${knownSize} values but the input ${formatShape(input)} holds ${total}; ` +
        `the sizes must multiply out to the same number (use -1 for one dimension to have it worked out)`,
    };
  }
  if (total % knownSize !== 0) {
    return {
      error: `target_shape ${formatShape(target)} cannot hold the ${total} values of the input ${formatShape(input)}: ${total} is not a multiple of ${knownSize}`,
    };
  }
  return { shape: target.map((d) => (d === -1 ? total / knownSize : d)) };
}

export const reshape = defineLayer<ReshapeParams>({
  kind: 'reshape',
  typeName: 'Reshape',
  autoName: 'reshape',
  family: 'shape',
  description: 'Gives each sample a new shape with the same number of values.',
  kindWords: 'changes the shape of each sample.',
  params: {
    target_shape: {
      title: 'the new shape',
      description: 'The new shape of each sample, without the batch dimension. One entry may be -1, meaning that size is worked out from the others.',
      type: 'array',
      minItems: 1,
      maxItems: 3,
      items: {
        description: 'A dimension size, or -1 for the one dimension worked out from the others.',
        anyOf: [
          { type: 'integer', minimum: 1 },
          { type: 'integer', const: -1 },
        ],
      },
      examples: [[7, 7, 16], [-1]],
    },
  },
  required: ['target_shape'],
  normalize: (v) => ({ target_shape: v.target_shape as number[] }),
  // The one rule draft-07 cannot express: a target has at most one -1.
  check: (p) => {
    const first = p.target_shape.indexOf(-1);
    const second = p.target_shape.indexOf(-1, first + 1);
    if (first < 0 || second < 0) return [];
    return [
      {
        key: `target_shape/${second}`,
        message: `target_shape may contain -1 only once (it stands for the one size worked out from the others); got [${p.target_shape.join(', ')}]`,
      },
    ];
  },
  outputShape: unary((input, p) => resolveTarget(input, p.target_shape)),
  countParams: () => NO_PARAMS,
  cost: () => REUSES_INPUT,
  // The -1 worked out: tfjs-layers leaves it unknown in the output shape, and the next layer
  // (a dense layer's kernel, a convolution's filters) cannot be built on an unknown size.
  tfjs: { factory: 'reshape', config: (_p, ctx) => ({ targetShape: [...ctx.output] }) },
  keras: { className: 'Reshape', args: (p) => [['target_shape', p.target_shape]], positional: ['target_shape'] },
  // Values keep tfjs's (channels-last) order: an image is reshaped channels last, and a result
  // that is an image goes back to channels first.
  pytorch: (_p, io) => ({
    forward: ([x]) => channelsFirst(`${channelsLast(x!, io.inputs[0]!)}.reshape(${pyTuple([-1, ...io.output])})`, io.output),
  }),
  display: (p) => [`to ${p.target_shape.join('×')}`],
});
