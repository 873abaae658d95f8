// Reshape each sample; one dimension may be -1 and is then worked out from the others.
import { NO_PARAMS, type LayerDef } from './types.js';
import { formatShape, product } from '../shape.js';
import type { Shape } from '../types.js';

function resolveTarget(input: Shape, target: number[]): { shape: Shape } | { error: string } {
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

export const reshape: LayerDef = {
  kind: 'reshape',
  typeName: 'Reshape',
  autoName: 'reshape',
  normalize: (raw) => ({ target_shape: raw.target_shape }),
  outputShape: (input, p) => resolveTarget(input, p.target_shape as number[]),
  countParams: () => NO_PARAMS,
  tfjs: { factory: 'reshape', config: (p) => ({ targetShape: p.target_shape as number[] }) },
  keras: { className: 'Reshape', args: (p) => [['target_shape', p.target_shape as number[]]] },
};
