// Zero padding and cropping, side by side: both move the borders of each image, one outwards
// with zeros and one inwards. The amount is written as Keras writes it: one integer for every
// side, a pair [height, width] (each shared by its two sides), or [[top, bottom], [left, right]].
import type { JsonSchema } from '../lib/json-schema.js';
import { pyTuple } from './torch-layout.js';
import { defineLayer, NO_PARAMS, unary, type AnyLayerKind } from './types.js';
import { FREE } from './costs.js';
import { formatShape, requireImage } from '../shape.js';

/** [[top, bottom], [left, right]]. */
export type Borders = [[number, number], [number, number]];

export interface BordersParams {
  borders: Borders;
}

const side = { type: 'integer', minimum: 0, maximum: 4096 } as const;
const pairOfSides = { type: 'array', minItems: 2, maxItems: 2, items: side } as const;

function bordersSchema(title: string, verb: string, fallback: number, examples: unknown[]): JsonSchema {
  return {
    title,
    description:
      `How many rows and columns to ${verb}: one integer for every side, a pair [height, width] (top and bottom get the ` +
      'first, left and right the second), or [[top, bottom], [left, right]].',
    oneOf: [side, pairOfSides, { type: 'array', minItems: 2, maxItems: 2, items: pairOfSides }],
    default: fallback,
    examples,
  };
}

function toBorders(value: unknown): Borders {
  if (typeof value === 'number')
    return [
      [value, value],
      [value, value],
    ];
  const [h, w] = value as [number | [number, number], number | [number, number]];
  const both = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);
  return [both(h), both(w)];
}

/** Keras's own form of the amount: the shortest that says the same. */
function kerasBorders([[t, b], [l, r]]: Borders): number | [number, number] | Borders {
  if (t === b && l === r) return t === l ? t : [t, l];
  return [
    [t, b],
    [l, r],
  ];
}

function bordersKind(o: {
  kind: string;
  typeName: string;
  autoName: string;
  key: string;
  factory: string;
  sign: 1 | -1;
  description: string;
  kindWords: string;
  schema: JsonSchema;
}): AnyLayerKind {
  return defineLayer<BordersParams>({
    kind: o.kind,
    typeName: o.typeName,
    autoName: o.autoName,
    family: 'shape',
    description: o.description,
    kindWords: o.kindWords,
    params: { [o.key]: o.schema },
    normalize: (v) => ({ borders: toBorders(v[o.key]) }),
    outputShape: unary((input, p) => {
      const error = requireImage(o.kind, input);
      if (error) return { error };
      const [[t, b], [l, r]] = p.borders;
      const out = [input[0]! + o.sign * (t + b), input[1]! + o.sign * (l + r), input[2]!];
      if (out[0]! <= 0 || out[1]! <= 0) {
        return { error: `cropping ${t + b} rows and ${l + r} columns from a ${input[0]}x${input[1]} image leaves ${formatShape(out)}; crop less` };
      }
      return { shape: out };
    }),
    countParams: () => NO_PARAMS,
    // A copy into a larger or smaller grid; its gradient needs only the borders.
    cost: () => FREE,
    tfjs: { factory: o.factory, config: (p) => ({ [o.key]: p.borders }) },
    keras: { className: o.typeName, args: (p) => [[o.key, kerasBorders(p.borders)]], positional: [o.key] },
    pytorch: (p, io) => {
      const [[t, b], [l, r]] = p.borders;
      const [h, w] = io.inputs[0]!;
      if (o.sign > 0) return { forward: ([x]) => `F.pad(${x}, ${pyTuple([l, r, t, b])})` };
      return { forward: ([x]) => `${x}[:, :, ${t}:${h! - b}, ${l}:${w! - r}]` };
    },
    display: (p) => {
      const [[t, b], [l, r]] = p.borders;
      return [`${o.sign > 0 ? '+' : '−'}${t}/${b} rows, ${o.sign > 0 ? '+' : '−'}${l}/${r} cols`];
    },
  });
}

export const zeroPadding2d = bordersKind({
  kind: 'zero_padding2d',
  typeName: 'ZeroPadding2D',
  autoName: 'zero_padding2d',
  key: 'padding',
  factory: 'zeroPadding2d',
  sign: 1,
  description: 'Adds rows and columns of zeros around each image (Keras ZeroPadding2D). No weights.',
  kindWords: 'pads each image with zeros.',
  schema: bordersSchema('the padding', 'add', 1, [
    1,
    [2, 1],
    [
      [1, 0],
      [1, 0],
    ],
  ]),
});

export const cropping2d = bordersKind({
  kind: 'cropping2d',
  typeName: 'Cropping2D',
  autoName: 'cropping2d',
  key: 'cropping',
  factory: 'cropping2D',
  sign: -1,
  description: 'Removes rows and columns from the borders of each image (Keras Cropping2D). No weights.',
  kindWords: 'crops each image.',
  schema: bordersSchema('the cropping', 'remove', 0, [
    1,
    [2, 1],
    [
      [1, 0],
      [1, 0],
    ],
  ]),
});
