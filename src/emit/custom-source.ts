// The source text of netspec's own layer classes (custom-layers.ts) as the generated TypeScript
// carries them, so a generated module stands alone with only @tensorflow/tfjs.

export interface CustomLayerSource {
  /** The class's declaration, written once into a module that uses it. */
  source: string;
  /** The expression that constructs one from a config literal. */
  construct(config: string): string;
}

const SUBTRACT = `/** Keras's Subtract, which TensorFlow.js lacks: the first input minus the second (sizes of 1 broadcast). */
class Subtract extends tf.layers.Layer {
  static readonly className = 'Subtract';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    // The batch dimension comes first; the others line up from the end, a size of 1 stretching.
    const [a, b] = (inputShape as tf.Shape[]).map((s) => s.slice(1));
    const [long, short] = a!.length >= b!.length ? [a!, b!] : [b!, a!];
    const offset = long.length - short.length;
    const dims = long.map((d, i) => {
      const e = i < offset ? 1 : short[i - offset];
      if (d === null || e === null || e === undefined) return null;
      return d === 1 ? e : d;
    });
    return [(inputShape as tf.Shape[])[0]![0] ?? null, ...dims];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let [a, b] = inputs as tf.Tensor[];
      // Inputs of different ranks line up from the last axis: the shorter gains axes after the batch.
      while (a!.rank < b!.rank) a = tf.expandDims(a!, 1);
      while (b!.rank < a!.rank) b = tf.expandDims(b!, 1);
      return tf.sub(a!, b!);
    });
  }
}
tf.serialization.registerClass(Subtract);`;

/** By the factory name a kind's tfjs.factory gives. */
export const CUSTOM_SOURCES: Readonly<Record<string, CustomLayerSource>> = {
  subtract: { source: SUBTRACT, construct: (config) => `new Subtract(${config})` },
};
