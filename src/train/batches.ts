// Cutting batches out of the flat dataset arrays. Only one batch at a time becomes a tensor,
// so memory on the backend stays at one batch no matter how large the dataset is.

import * as tf from '@tensorflow/tfjs';
import type { DataSplit } from '../data/datasets.js';

export interface Batch {
  x: tf.Tensor;
  y: tf.Tensor1D;
}

/** Pixels per sample, derived from the model's input shape (which checkInputFits has accepted). */
export function sampleSize(inputShape: readonly number[]): number {
  return inputShape.reduce((a, b) => a * b, 1);
}

/**
 * Batch of the samples `order[start..end)` (training: a shuffled order). Each sample is
 * copied by subarray into one buffer, which is then handed to tf without another copy.
 */
export function gatherBatch(split: DataSplit, order: Uint32Array, start: number, end: number, inputShape: readonly number[]): Batch {
  const { pixels, labels } = gatherArrays(split, order, start, end, sampleSize(inputShape));
  return { x: tf.tensor(pixels, [end - start, ...inputShape], 'float32'), y: tf.tensor1d(labels, 'int32') };
}

/** The same batch as plain arrays: data-parallel training ships them to worker threads. */
export function gatherArrays(split: DataSplit, order: Uint32Array, start: number, end: number, size: number): { pixels: Float32Array; labels: Int32Array } {
  const n = end - start;
  const pixels = new Float32Array(n * size);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const sample = order[start + i]!;
    pixels.set(split.images.subarray(sample * size, (sample + 1) * size), i * size);
    labels[i] = split.labels[sample]!;
  }
  return { pixels, labels };
}

/** Batch of the contiguous samples [start, end): evaluation needs no shuffling, so no copy either. */
export function sliceBatch(images: Float32Array, labels: Uint8Array, start: number, end: number, inputShape: readonly number[]): Batch {
  const size = sampleSize(inputShape);
  const n = end - start;
  return {
    x: tf.tensor(images.subarray(start * size, end * size), [n, ...inputShape], 'float32'),
    y: tf.tensor1d(Int32Array.from(labels.subarray(start, end)), 'int32'),
  };
}

/** The model's input shape without the batch dimension, e.g. [28, 28, 1]. */
export function modelInputShape(model: tf.LayersModel): number[] {
  const input = model.inputs[0];
  if (input === undefined || model.inputs.length !== 1) {
    throw new Error(`the model has ${model.inputs.length} inputs; training supports exactly one image input`);
  }
  const dims = input.shape.slice(1);
  if (dims.some((d) => d === null)) {
    throw new Error(`the model's input shape [${dims.join(', ')}] has unknown dimensions; every dimension must be fixed`);
  }
  return dims as number[];
}

/** Number of classes the model can predict: the size of its (single) output. */
export function modelOutputClasses(model: tf.LayersModel): number {
  const output = model.outputs[0];
  const shape = output?.shape;
  if (output === undefined || model.outputs.length !== 1 || shape === undefined || shape.length !== 2 || shape[1] == null) {
    throw new Error(`the model's output must be one [batch, classes] tensor (a softmax over classes), got ${JSON.stringify(shape)}`);
  }
  return shape[1];
}
