// Keys several kinds share (kernel, strides, padding, activation, ...), worded once so that every
// kind documents and validates them alike. A kind spreads these into its `params` and overrides
// only what differs (a default, an example).
import type { JsonSchema } from '../lib/json-schema.js';

/** Shared value types, referenced from the schema's definitions. */
export const SHARED_DEFINITIONS: Readonly<Record<string, JsonSchema>> = {
  intOrPair: {
    description: 'A size along height and width: one integer for both, or a pair [height, width].',
    oneOf: [
      { type: 'integer', minimum: 1, maximum: 1024 },
      { type: 'array', minItems: 2, maxItems: 2, items: { type: 'integer', minimum: 1, maximum: 1024 } },
    ],
  },
  padding: { type: 'string', enum: ['valid', 'same'], description: 'A padding mode.' },
  activation: {
    type: 'string',
    enum: [
      'relu',
      'sigmoid',
      'softmax',
      'tanh',
      'linear',
      'elu',
      'selu',
      'relu6',
      'softplus',
      'softsign',
      'hard_sigmoid',
      'swish',
      'mish',
      'gelu',
      'gelu_new',
      'log_softmax',
    ],
    description: 'An activation function, by its TensorFlow.js name in snake_case.',
  },
};

const ref = (name: keyof typeof SHARED_DEFINITIONS): string => `#/definitions/${name}`;

export const kernelParam: JsonSchema = {
  $ref: ref('intOrPair'),
  title: 'the kernel size',
  description: 'The height and width of the convolution window: one integer for a square window, or a pair [height, width].',
  examples: [3, [3, 3], [5, 1]],
};

export const stridesParam: JsonSchema = {
  $ref: ref('intOrPair'),
  title: 'the step of the window',
  description: 'How far the window moves along height and width: one integer for both, or a pair [height, width].',
  default: 1,
  examples: [1, 2, [2, 1]],
};

export const dilationParam: JsonSchema = {
  $ref: ref('intOrPair'),
  title: 'the dilation rate',
  description:
    "The spacing between the kernel's taps along height and width (Keras dilation_rate): 1 is an ordinary convolution; " +
    'd > 1 spreads a k-wide kernel over k + (k - 1)(d - 1) pixels. Strides must then be 1.',
  default: 1,
  examples: [1, 2, [2, 2]],
};

export const paddingParam: JsonSchema = {
  $ref: ref('padding'),
  title: 'the border handling',
  description:
    'How the borders are handled. `valid` adds no padding, so the output shrinks; `same` pads with zeros so that, ' +
    'with stride 1, the output keeps the height and width of the input.',
  default: 'valid',
  examples: ['valid', 'same'],
};

export const activationParam: JsonSchema = {
  $ref: ref('activation'),
  title: 'the activation function',
  description: "The activation function applied to the layer's output. `linear` applies none.",
  default: 'linear',
  examples: ['relu', 'softmax'],
};

export const useBiasParam: JsonSchema = {
  title: 'whether to add a bias',
  description: 'Whether the layer adds a learned bias to each output.',
  type: 'boolean',
  default: true,
  examples: [true, false],
};

export const filtersParam: JsonSchema = {
  title: 'the number of output channels',
  description: 'The number of output channels (feature maps), that is, how many kernels the layer learns.',
  type: 'integer',
  minimum: 1,
  maximum: 65536,
  examples: [32, 64],
};

export const depthMultiplierParam: JsonSchema = {
  title: 'the depth multiplier',
  description: 'How many output channels each input channel gets: the layer outputs channels × depth_multiplier channels.',
  type: 'integer',
  minimum: 1,
  maximum: 1024,
  default: 1,
  examples: [1, 2],
};

/** 3 -> [3, 3]; [2, 3] stays. Values are schema-valid, so anything else cannot occur. */
export function toPair(value: unknown): [number, number] {
  if (typeof value === 'number') return [value, value];
  const [a, b] = value as [number, number];
  return [a, b];
}

export const isOnes = (pair: readonly number[]): boolean => pair.every((v) => v === 1);

/** '3×3' for a pair, as diagrams show sizes. */
export const pairText = (pair: readonly number[]): string => pair.join('×');
