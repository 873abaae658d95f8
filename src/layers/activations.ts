// Activation names: the spec (like Keras) writes snake_case; tfjs registers a few in camelCase.
const TFJS_NAMES: Readonly<Record<string, string>> = { hard_sigmoid: 'hardSigmoid', log_softmax: 'logSoftmax' };

/** The tfjs-layers identifier of a spec activation name. */
export function tfjsActivation(name: unknown): string {
  const spec = String(name);
  return TFJS_NAMES[spec] ?? spec;
}
