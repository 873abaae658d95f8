// Upsampling: repeats (nearest) or interpolates (bilinear) each pixel, `size` times along height
// and width; no weights.
import { pairText, toPair } from './params.js';
import { defineLayer, NO_PARAMS, unary } from './types.js';
import { FREE } from './costs.js';
import { requireImage } from '../shape.js';

export interface Upsampling2dParams {
  size: [number, number];
  interpolation: 'nearest' | 'bilinear';
}

export const upsampling2d = defineLayer<Upsampling2dParams>({
  kind: 'upsampling2d',
  typeName: 'UpSampling2D',
  autoName: 'up_sampling2d',
  family: 'shape',
  description:
    'Enlarges each image `size` times along height and width (Keras UpSampling2D), repeating pixels (nearest) or ' +
    'interpolating between them (bilinear). No weights.',
  kindWords: 'enlarges each image.',
  params: {
    size: {
      $ref: '#/definitions/intOrPair',
      title: 'the upsampling factor',
      description: 'How many times larger the output is along height and width: one integer for both, or a pair [height, width].',
      default: 2,
      examples: [2, [2, 1]],
    },
    interpolation: {
      title: 'how new pixels get their values',
      description: '`nearest` repeats each pixel; `bilinear` interpolates between neighbouring pixels.',
      type: 'string',
      enum: ['nearest', 'bilinear'],
      default: 'nearest',
      examples: ['nearest', 'bilinear'],
    },
  },
  normalize: (v) => ({ size: toPair(v.size), interpolation: v.interpolation as Upsampling2dParams['interpolation'] }),
  outputShape: unary((input, p) => {
    const error = requireImage('upsampling2d', input);
    return error ? { error } : { shape: [input[0]! * p.size[0], input[1]! * p.size[1], input[2]!] };
  }),
  countParams: () => NO_PARAMS,
  // No weights; its gradient needs only the sizes.
  cost: () => FREE,
  tfjs: { factory: 'upSampling2d', config: (p) => ({ size: p.size, interpolation: p.interpolation }) },
  keras: {
    className: 'UpSampling2D',
    args: (p) => [
      ['size', p.size],
      ['interpolation', p.interpolation],
    ],
    positional: ['size'],
    defaults: { size: [2, 2], interpolation: 'nearest' },
  },
  display: (p) => [`×${pairText(p.size)}`, p.interpolation],
});
