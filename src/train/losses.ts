// Loss and accuracy on a model whose last layer is a softmax, so its outputs are
// probabilities, not logits: tf.losses.softmaxCrossEntropy would apply a second softmax.
// Both losses take integer labels because that is what the datasets hold; the categorical
// variant one-hot encodes them first, which gives the same value as Keras' one-hot labels.

import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from '../types.js';

/** Same clip as Keras' backend epsilon: keeps log() finite when a probability hits 0 or 1. */
const EPSILON = 1e-7;

/**
 * Clips to [EPSILON, 1 - EPSILON] with maximum/minimum rather than tf.clipByValue: the wasm
 * backend's clip turns NaN into the lower bound, which would hide a diverged model behind a
 * finite loss. maximum/minimum keep NaN on every backend and have the same gradient.
 */
function clipProbabilities(p: tf.Tensor): tf.Tensor {
  return tf.minimum(tf.maximum(p, EPSILON), 1 - EPSILON);
}

export type LossName = TrainingConfig['loss'];

/** Mean over the batch of -log(p[label]), picking each row's probability with a one-hot mask. */
export function sparseCategoricalCrossentropy(labels: tf.Tensor1D, probs: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = probs.shape[1];
    const mask = tf.oneHot(labels, numClasses);
    const picked = tf.sum(tf.mul(probs, mask), -1);
    return tf.neg(tf.mean(tf.log(clipProbabilities(picked)))) as tf.Scalar;
  });
}

/** Mean over the batch of -sum(y * log p) with one-hot targets `oneHotLabels`. */
export function categoricalCrossentropy(oneHotLabels: tf.Tensor2D, probs: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    // Keras renormalises rows first in case the model output does not sum to exactly 1.
    const normalised = tf.div(probs, tf.sum(probs, -1, true));
    const logs = tf.log(clipProbabilities(normalised));
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHotLabels, logs), -1))) as tf.Scalar;
  });
}

/**
 * The loss named in the spec with each sample's term multiplied by its class's weight, then
 * averaged over the batch (divided by the number of samples, not by the sum of the weights), as
 * Keras applies class_weight. `weights` has one entry per class.
 */
export function weightedLossFunction(name: LossName, weights: Float32Array): (labels: tf.Tensor1D, probs: tf.Tensor2D) => tf.Scalar {
  return (labels, probs) =>
    tf.tidy(() => {
      const mask = tf.oneHot(labels, probs.shape[1]).toFloat();
      const rows = name === 'categorical_crossentropy' ? tf.div(probs, tf.sum(probs, -1, true)) : probs;
      const perSample = tf.neg(tf.sum(tf.mul(mask, tf.log(clipProbabilities(rows))), -1));
      const sampleWeights = tf.gather(tf.tensor1d(weights, 'float32'), labels);
      return tf.mean(tf.mul(perSample, sampleWeights)) as tf.Scalar;
    });
}

/** The loss of a run: the spec's, weighted by class when it states class weights. */
export function trainingLoss(name: LossName, classWeights?: Float32Array | null): (labels: tf.Tensor1D, probs: tf.Tensor2D) => tf.Scalar {
  return classWeights ? weightedLossFunction(name, classWeights) : lossFunction(name);
}

/** The loss named in the spec, as a function of integer labels and predicted probabilities. */
export function lossFunction(name: LossName): (labels: tf.Tensor1D, probs: tf.Tensor2D) => tf.Scalar {
  switch (name) {
    case 'sparse_categorical_crossentropy':
      return sparseCategoricalCrossentropy;
    case 'categorical_crossentropy':
      return (labels, probs) => tf.tidy(() => categoricalCrossentropy(tf.oneHot(labels, probs.shape[1]).toFloat() as tf.Tensor2D, probs));
    default: {
      const unknown: never = name;
      throw new Error(`unknown loss '${String(unknown)}'; expected sparse_categorical_crossentropy or categorical_crossentropy`);
    }
  }
}

/** Fraction of rows whose most probable class equals the label. */
export function accuracy(labels: tf.Tensor1D, probs: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(probs, -1), labels), 'float32')));
}
