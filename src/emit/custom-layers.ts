// Layers Keras has and TensorFlow.js lacks, as tfjs layer classes: Subtract. Registered with
// tfjs's serialization, so a saved model that holds one loads again (evaluate, predict,
// replicas rebuilding a model from its topology). The generated TypeScript carries the same
// class as source (subtract-source.ts); a test checks the two behave alike.
import * as tf from '@tensorflow/tfjs';

/** Keras's broadcast of two shapes that start with the batch dimension: the rest line up from the end. */
function broadcast(a: tf.Shape, b: tf.Shape): tf.Shape {
  const [long, short] = a.length >= b.length ? [a.slice(1), b.slice(1)] : [b.slice(1), a.slice(1)];
  const offset = long.length - short.length;
  const dims = long.map((d, i) => {
    const e = i < offset ? 1 : short[i - offset];
    if (d === null || e === null || e === undefined) return null;
    return d === 1 ? e : d;
  });
  return [a[0] ?? null, ...dims];
}

/** Keras's Subtract: the first input minus the second, sizes of 1 broadcasting. */
export class Subtract extends tf.layers.Layer {
  static readonly className = 'Subtract';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [a, b] = inputShape as tf.Shape[];
    return broadcast(a!, b!);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let [a, b] = inputs as tf.Tensor[];
      // Inputs of different ranks line up from the last axis, as Keras's merges line them up:
      // the shorter one gains axes after the batch.
      while (a!.rank < b!.rank) a = tf.expandDims(a!, 1);
      while (b!.rank < a!.rank) b = tf.expandDims(b!, 1);
      return tf.sub(a!, b!);
    });
  }
}

tf.serialization.registerClass(Subtract);

type LayerFactory = (config: unknown) => tf.layers.Layer;

/** netspec's own layer factories, by the name a kind's tfjs.factory gives. */
export const CUSTOM_FACTORIES: Readonly<Record<string, LayerFactory>> = {
  subtract: (config) => new Subtract(config as ConstructorParameters<typeof tf.layers.Layer>[0]),
};
