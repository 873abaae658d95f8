// Concatenate: joins its inputs along one axis (the channels by default), as Inception blocks
// and U-Net skips do. Keras's rule: same rank, equal sizes on every other axis; the joined
// axis adds up. No weights.
import { dimensionSizes } from './merge.js';
import { torchDim } from './torch-layout.js';
import { defineLayer, NO_PARAMS } from './types.js';
import { FREE } from './costs.js';

export interface ConcatenateParams {
  axis: number;
}

export const concatenate = defineLayer<ConcatenateParams>({
  kind: 'concatenate',
  typeName: 'Concatenate',
  autoName: 'concatenate',
  family: 'merge',
  description:
    'Joins two or more inputs along one axis (Keras Concatenate), the channels unless `axis` says otherwise; list them in ' +
    '`inputs`. Every other dimension must agree.',
  kindWords: 'joins its inputs along one axis.',
  params: {
    axis: {
      title: 'the axis to join along',
      description:
        'The axis the inputs are joined along, counted as in Keras with the batch as axis 0: -1 (the default) is the last ' +
        'axis, the channels of an image; 1, 2 and 3 are height, width and channels of [height, width, channels] inputs.',
      type: 'integer',
      minimum: -4,
      maximum: 4,
      default: -1,
      examples: [-1, 3],
    },
  },
  arity: { min: 2 },
  normalize: (v) => ({ axis: v.axis as number }),
  check: (p) => (p.axis === 0 ? [{ key: 'axis', message: 'axis 0 is the batch, which cannot be joined along; use -1 for the channels' }] : []),
  outputShape: (inputs, p, sources) => {
    const rank = inputs[0]!.length;
    const mismatch = inputs.findIndex((s) => s.length !== rank);
    if (mismatch > 0) {
      return {
        error: `concatenate needs inputs of one rank, but '${sources[0]}' has ${rank} dimensions and '${sources[mismatch]}' has ${inputs[mismatch]!.length}; add a reshape or flatten to one branch`,
      };
    }
    // Keras counts the batch as axis 0; shapes here leave it out.
    const axis = p.axis < 0 ? rank + p.axis : p.axis - 1;
    if (axis < 0 || axis >= rank) {
      return { error: `axis ${p.axis} does not exist for inputs of ${rank} dimensions (plus the batch); use an axis from 1 to ${rank}, or -1 to -${rank}` };
    }
    for (let j = 1; j < inputs.length; j++) {
      const other = inputs[j]!;
      const i = other.findIndex((d, k) => k !== axis && d !== inputs[0]![k]);
      if (i >= 0) {
        return {
          error:
            `concatenate joins along axis ${p.axis}, so the other dimensions must agree, but the ` +
            `${dimensionSizes(inputs[0]!, i)} differ: ${inputs[0]![i]} in '${sources[0]}' and ${other[i]} in '${sources[j]}'; ` +
            'use padding: same, or the same strides and pools on every branch',
        };
      }
    }
    return { shape: inputs[0]!.map((d, k) => (k === axis ? inputs.reduce((sum, s) => sum + s[k]!, 0) : d)) };
  },
  countParams: () => NO_PARAMS,
  // A copy; its gradient is cut back into pieces by size.
  cost: () => FREE,
  tfjs: { factory: 'concatenate', config: (p) => ({ axis: p.axis }) },
  keras: { className: 'Concatenate', args: (p) => [['axis', p.axis]], defaults: { axis: -1 } },
  // The axis counts the batch as 0, as in Keras; an image's channels are torch's dim 1.
  pytorch: (p, io) => {
    const rank = io.output.length;
    const dim = torchDim(rank, p.axis < 0 ? rank + p.axis : p.axis - 1);
    return { forward: (xs) => `torch.cat([${xs.join(', ')}], dim=${dim})` };
  },
  display: (p) => (p.axis === -1 ? [] : [`axis ${p.axis}`]),
});
