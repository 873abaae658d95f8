// Cost rules several kinds share, stated once so that every kind counts alike (the rules are
// listed in docs/costs.md). A kind's `cost` combines these with its own arithmetic.
import { product } from '../shape.js';
import type { Shape } from '../types.js';
import type { LayerCost } from './types.js';

/**
 * What an activation's gradient reads, as PyTorch's autograd keeps it: relu, sigmoid, tanh
 * and the softmaxes are differentiated from their output; the others from their input; linear
 * needs nothing.
 */
const READS_OUTPUT: ReadonlySet<string> = new Set(['relu', 'sigmoid', 'tanh', 'softmax', 'log_softmax']);

export function activationReads(activation: string): 'output' | 'input' | 'nothing' {
  if (activation === 'linear') return 'nothing';
  return READS_OUTPUT.has(activation) ? 'output' : 'input';
}

/** A layer that computes nothing worth counting and keeps nothing for its gradient (padding, concatenate, add). */
export const FREE: LayerCost = Object.freeze({ multAdds: 0, keeps: Object.freeze({}) });

/** A layer whose output is its input, reshaped or passed through (flatten, reshape): no arithmetic, no memory. */
export const REUSES_INPUT: LayerCost = Object.freeze({ multAdds: 0, reuses: 'always', keeps: Object.freeze({}) });

/**
 * A layer with weights: `multAdds` products, its input kept for the weight gradient, and what
 * its activation reads: the output itself, or the values before the activation, a tensor of
 * the output's size that only this layer holds. `intermediate` is a result inside the layer
 * (separable's depthwise step) that its own weight gradient reads and the forward pass holds
 * while the layer runs.
 */
export function weightedCost(multAdds: number, output: Shape, activation: string, intermediate = 0): LayerCost {
  const reads = activationReads(activation);
  const own = (reads === 'input' ? product(output) : 0) + intermediate;
  return {
    multAdds,
    ...(intermediate ? { scratch: intermediate } : {}),
    keeps: { inputs: true, ...(reads === 'output' ? { output: true } : {}), ...(own ? { own } : {}) },
  };
}
