// Upsampling: repeats (nearest) or interpolates (bilinear) each pixel, `size` times along height
// and width; no weights.
import { pairText, toPair } from './params.js';
import { defineLayer, NO_PARAMS, type TorchLayer, unary } from './types.js';
import { FREE } from './costs.js';
import { pyTuple } from './torch-layout.js';
import { requireImage } from '../shape.js';

export interface Upsampling2dParams {
  size: [number, number];
  interpolation: 'nearest' | 'bilinear';
}

// tfjs resizes with TensorFlow's legacy rule (align_corners and half_pixel_centers both false):
// output pixel i reads the input at i * in / out, between floor and floor + 1 (clamped). torch's
// interpolate has no such mode: align_corners=False is the half-pixel rule, which shifts every
// pixel by half a step.
const RESIZE_BILINEAR = [
  'def resize_bilinear(x, size):',
  '    """TensorFlow\'s bilinear resize without half-pixel centres, as TensorFlow.js\'s UpSampling2D',
  '    does it: output pixel i reads the input at i * in / out (torch\'s interpolate has no such mode)."""',
  '',
  '    def axis(size_in, size_out):',
  '        source = torch.arange(size_out, dtype=torch.float64, device=x.device) * (size_in / size_out)',
  '        low = source.floor().long()',
  '        return low, torch.clamp(low + 1, max=size_in - 1), (source - low).to(x.dtype)',
  '',
  '    top, bottom, dy = axis(x.shape[2], size[0])',
  '    left, right, dx = axis(x.shape[3], size[1])',
  '    rows = x[:, :, top] + (x[:, :, bottom] - x[:, :, top]) * dy[:, None]',
  '    return rows[..., left] + (rows[..., right] - rows[..., left]) * dx',
].join('\n');

function upsamplingTorch(p: Upsampling2dParams, output: readonly number[]): TorchLayer {
  if (p.interpolation === 'bilinear') {
    return { forward: ([x]) => `resize_bilinear(${x}, ${pyTuple(output.slice(0, 2))})`, helpers: { resize_bilinear: RESIZE_BILINEAR } };
  }
  // Nearest with a whole factor repeats each pixel: exact, with no index arithmetic to round.
  return {
    forward: ([x]) => [2, 3].reduce((e, dim, i) => (p.size[i] === 1 ? e : `${e}.repeat_interleave(${p.size[i]}, dim=${dim})`), x!),
  };
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
  pytorch: (p, io) => upsamplingTorch(p, io.output),
  display: (p) => [`×${pairText(p.size)}`, p.interpolation],
});
