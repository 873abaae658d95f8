// Activation names and their code in each target. The spec (like Keras) writes snake_case; tfjs
// registers a few in camelCase; PyTorch spells some differently and defines two differently.
import { channelDim } from './torch-layout.js';

const TFJS_NAMES: Readonly<Record<string, string>> = { hard_sigmoid: 'hardSigmoid', log_softmax: 'logSoftmax' };

/** The tfjs-layers identifier of a spec activation name. */
export function tfjsActivation(name: unknown): string {
  const spec = String(name);
  return TFJS_NAMES[spec] ?? spec;
}

/** An activation as PyTorch code: how to apply it to an expression, and a helper it needs, if any. */
export interface TorchActivation {
  apply(expr: string): string;
  helpers: Readonly<Record<string, string>>;
}

// torch's hardsigmoid is relu6(x + 3) / 6; tfjs (and Keras 2) clip 0.2x + 0.5, a different slope.
const HARD_SIGMOID = `def hard_sigmoid(x):
    """clip(0.2 * x + 0.5, 0, 1), as TensorFlow.js defines it (torch's hardsigmoid has slope 1/6)."""
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)`;

/** Element-wise activations: the same function in torch and tfjs, by torch's name. */
const ELEMENTWISE: Readonly<Record<string, (e: string) => string>> = {
  linear: (e) => e,
  relu: (e) => `torch.relu(${e})`,
  sigmoid: (e) => `torch.sigmoid(${e})`,
  tanh: (e) => `torch.tanh(${e})`,
  elu: (e) => `F.elu(${e})`,
  // tfjs and torch use the same constants (alpha 1.6732632423543772, scale 1.0507009873554805).
  selu: (e) => `F.selu(${e})`,
  relu6: (e) => `F.relu6(${e})`,
  softplus: (e) => `F.softplus(${e})`,
  softsign: (e) => `F.softsign(${e})`,
  // tfjs's swish is x * sigmoid(x), torch's silu.
  swish: (e) => `F.silu(${e})`,
  mish: (e) => `F.mish(${e})`,
  // tfjs's gelu is the exact x * Phi(x); gelu_new is the tanh approximation.
  gelu: (e) => `F.gelu(${e})`,
  gelu_new: (e) => `F.gelu(${e}, approximate="tanh")`,
  hard_sigmoid: (e) => `hard_sigmoid(${e})`,
};

/**
 * The PyTorch form of a spec activation on a tensor whose samples have `rank` dimensions.
 * Softmax and log-softmax run over the channels, as in tfjs: the last axis of the spec's shape,
 * which is dim 1 for images stored channels first.
 */
export function torchActivation(name: string, rank: number): TorchActivation {
  if (name === 'softmax' || name === 'log_softmax') {
    const dim = channelDim(rank);
    return { apply: (e) => `torch.${name}(${e}, dim=${dim})`, helpers: {} };
  }
  const apply = ELEMENTWISE[name];
  if (!apply) throw new Error(`internal error: no PyTorch form for activation '${name}'`);
  return { apply, helpers: name === 'hard_sigmoid' ? { hard_sigmoid: HARD_SIGMOID } : {} };
}
