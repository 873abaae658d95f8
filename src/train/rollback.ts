// Rolling back when training diverges: a copy of the weights at the end of each good epoch,
// restored when the loss or the weights stop being finite.

import * as tf from '@tensorflow/tfjs';

/** Copies of the model's current weights; dispose() them when a newer snapshot replaces them. */
export interface WeightSnapshot {
  readonly weights: tf.Tensor[];
  dispose(): void;
}

export function snapshotWeights(model: tf.LayersModel): WeightSnapshot {
  const weights = model.getWeights().map((w) => w.clone());
  return { weights, dispose: () => tf.dispose(weights) };
}

/** Puts the snapshot's weights back into the model (the snapshot stays valid). */
export function restoreWeights(model: tf.LayersModel, snapshot: WeightSnapshot): void {
  model.setWeights(snapshot.weights);
}

/**
 * True when every weight is finite. The loss check alone can miss a diverged model: a layer
 * that maps NaN to a number (some backends' clip or max) can keep the loss finite.
 */
export function weightsAreFinite(model: tf.LayersModel): boolean {
  return tf.tidy(() => model.getWeights().every((w) => w.dtype !== 'float32' || tf.all(tf.isFinite(w)).dataSync()[0] === 1));
}
