// Evaluation of a classifier on a labelled set: loss, accuracy and the confusion matrix,
// computed batch by batch in a fixed order so that evaluating the same weights on the same
// backend always yields exactly the same numbers (evaluateRun relies on that).

import * as tf from '@tensorflow/tfjs';
import { modelInputShape, modelOutputClasses, sliceBatch } from './batches.js';
import { lossFunction, type LossName } from './losses.js';

export interface Evaluation {
  loss: number;
  accuracy: number;
  /** confusion[actual][predicted] = number of samples. */
  confusion: number[][];
  count: number;
}

export interface EvaluateOptions {
  loss?: LossName;
  /** Called after every batch with the number of samples done, for a progress display. */
  onBatch?: (done: number, total: number) => void;
}

/** Evaluates `model` (in inference mode: dropout off) on `images`/`labels`, `batchSize` samples at a time. */
export async function evaluateModel(
  model: tf.LayersModel,
  images: Float32Array,
  labels: Uint8Array,
  batchSize: number,
  opts: EvaluateOptions = {},
): Promise<Evaluation> {
  const inputShape = modelInputShape(model);
  const numClasses = modelOutputClasses(model);
  const computeLoss = lossFunction(opts.loss ?? 'sparse_categorical_crossentropy');
  const count = labels.length;
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  let lossSum = 0;
  let correct = 0;

  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const [batchLoss, predicted] = tf.tidy(() => {
      const { x, y } = sliceBatch(images, labels, start, end, inputShape);
      // apply, not predict: predict would re-split the batch into its own batches of 32.
      const probs = model.apply(x, { training: false }) as tf.Tensor2D;
      return [computeLoss(y, probs), tf.argMax(probs, -1)] as const;
    });
    const [lossValue, classes] = await Promise.all([batchLoss.data(), predicted.data()]);
    tf.dispose([batchLoss, predicted]);
    // Batch means weighted by batch size, so a short final batch counts for what it holds.
    lossSum += lossValue[0]! * (end - start);
    for (let i = 0; i < classes.length; i++) {
      const actual = labels[start + i]!;
      const guess = classes[i]!;
      if (actual === guess) correct++;
      const row = confusion[actual];
      if (row === undefined) {
        throw new Error(`label ${actual} is outside the model's ${numClasses} output classes`);
      }
      row[guess]! += 1;
    }
    opts.onBatch?.(end, count);
  }
  return { loss: count === 0 ? NaN : lossSum / count, accuracy: count === 0 ? NaN : correct / count, confusion, count };
}

/**
 * Renders a confusion matrix as an aligned text table: rows are actual classes, columns
 * predicted ones, with each row's recall on the right so weak classes stand out.
 */
export function renderConfusion(confusion: number[][], classNames?: string[]): string {
  const names = confusion.map((_, i) => classNames?.[i] ?? String(i));
  const cellWidth = Math.max(4, ...names.map((n) => n.length), ...confusion.flat().map((v) => String(v).length));
  const labelWidth = Math.max('actual'.length, ...names.map((n) => n.length));
  const pad = (s: string, w: number): string => s.padStart(w);
  const header = `${pad('actual', labelWidth)} | ${names.map((n) => pad(n, cellWidth)).join(' ')} | recall`;
  const lines = [`${' '.repeat(labelWidth)}   predicted ->`, header, '-'.repeat(header.length)];
  confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    const recall = total === 0 ? '   -' : `${((100 * (row[i] ?? 0)) / total).toFixed(1)}%`;
    lines.push(`${pad(names[i]!, labelWidth)} | ${row.map((v) => pad(String(v), cellWidth)).join(' ')} | ${pad(recall, 6)}`);
  });
  return lines.join('\n');
}
