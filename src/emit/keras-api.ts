// What the Keras emitter knows about the Keras API itself (not about spec kinds): how to write a
// call the way people do, from each kind's own note of which arguments Keras takes positionally
// and what its defaults are (`layers.Conv2D(32, (3, 3), activation="relu")`), and how to spell
// each tfjs activation so it computes the same function in Keras 2 and Keras 3 alike.
//
// A kind that gives no positional arguments or defaults still works: every argument is then
// written out as a keyword, which is more verbose but exactly as correct.
import type { ConfigValue, KerasCall } from '../layers/types.js';

const same = (a: ConfigValue | undefined, b: ConfigValue | undefined): boolean => a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);

/**
 * Splits a layer's keyword arguments into the ones to write positionally and the ones to write
 * as keywords, dropping keywords equal to Keras's defaults.
 */
export function kerasCallArgs<P>(
  call: KerasCall<P>,
  args: ReadonlyArray<readonly [string, ConfigValue]>,
): { positional: Array<[string, ConfigValue]>; keywords: Array<[string, ConfigValue]> } {
  const sig = { positional: call.positional ?? [], defaults: call.defaults ?? {} };
  const byName = new Map(args.map(([k, v]) => [k, v] as [string, ConfigValue]));
  const positional: Array<[string, ConfigValue]> = [];
  const used = new Set<string>();
  // Positional only while every earlier positional argument is present, as Python requires.
  for (const name of sig.positional) {
    if (!byName.has(name)) break;
    positional.push([name, byName.get(name)!]);
    used.add(name);
  }
  const keywords: Array<[string, ConfigValue]> = [];
  for (const [name, value] of args) {
    if (used.has(name)) continue;
    const fallback = sig.defaults[name];
    const dflt = typeof fallback === 'function' ? fallback(byName) : fallback;
    if (same(value, dflt)) continue;
    keywords.push([name, value]);
  }
  return { positional, keywords };
}

/** Activations Keras knows by the same name and computes as tfjs does. */
const NATIVE = new Set(['relu', 'sigmoid', 'softmax', 'tanh', 'linear', 'elu', 'selu', 'softplus', 'softsign', 'swish', 'gelu']);

/**
 * The others: Keras lacks the name (gelu_new), defines it differently across versions
 * (hard_sigmoid is 0.2x+0.5 in Keras 2 but x/6+0.5 in Keras 3, as tfjs uses the former), or
 * only has it in newer versions (relu6, mish, log_softmax). These are written as TensorFlow ops.
 * `helper` is the Python function the program then defines; `reference` is what `activation=` gets.
 */
const SPELLED_OUT: Readonly<Record<string, { reference: string; helper?: string }>> = {
  relu6: { reference: 'tf.nn.relu6' },
  log_softmax: { reference: 'tf.nn.log_softmax' },
  hard_sigmoid: {
    reference: 'hard_sigmoid',
    helper:
      'def hard_sigmoid(x):\n    """clip(0.2 * x + 0.5, 0, 1), as TensorFlow.js and Keras 2 define it."""\n    return tf.clip_by_value(0.2 * x + 0.5, 0.0, 1.0)',
  },
  mish: {
    reference: 'mish',
    helper: 'def mish(x):\n    """x * tanh(softplus(x))."""\n    return x * tf.math.tanh(tf.math.softplus(x))',
  },
  gelu_new: {
    reference: 'gelu_new',
    helper: 'def gelu_new(x):\n    """GELU with the tanh approximation, as TensorFlow.js\'s gelu_new."""\n    return tf.nn.gelu(x, approximate=True)',
  },
};

/** How to pass an activation to Keras: its name, or code naming a TensorFlow function (plus a helper to define). */
export function kerasActivation(name: string): { name: string } | { code: string; helper?: string } {
  if (NATIVE.has(name)) return { name };
  const spelled = SPELLED_OUT[name];
  if (!spelled) throw new Error(`internal error: no Keras spelling for activation '${name}'`);
  return spelled.helper === undefined ? { code: spelled.reference } : { code: spelled.reference, helper: spelled.helper };
}
