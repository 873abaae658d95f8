// Whether a model, its data and its settings go together, checked before anything is created:
// a run folder is made only for a run that can start. Also the plan the loop follows: which
// samples train, which validate, and how many batches an epoch has.

import type * as tf from '@tensorflow/tfjs';
import { checkDataFitsModel, DataError, type Dataset, type DataSplit } from '../data/datasets.js';
import type { TrainingConfig } from '../types.js';
import { modelInputShape, modelOutputClasses, sampleSize } from './batches.js';
import { checkTrainingConfig } from './settings.js';

export interface TrainingPlan {
  /** The training samples: the first trainCount of the dataset's training split. */
  train: DataSplit;
  trainCount: number;
  /** The end of the training split, held out as in Keras (before any shuffling). */
  validation: { images: Float32Array; labels: Uint8Array };
  validationCount: number;
  /** Batches per epoch; the last one may be short. */
  batches: number;
  /** Values per sample. */
  sampleSize: number;
}

/**
 * Throws a plain error (RunError or DataError) when the settings are unusable, the images do
 * not fit the model's input, the labels do not fit its output, the validation split leaves
 * nothing to train on, or there is nothing to test the trained model on.
 */
export function checkTrainingFits(model: tf.LayersModel, dataset: Dataset, cfg: TrainingConfig): void {
  planTraining(model, dataset, cfg);
  if (dataset.test.count === 0) {
    // Training on would end in a NaN test loss and a run folder the other commands refuse.
    throw new DataError(
      `${dataset.source} has no test samples: a class needs at least 2 samples for one to be held out for testing; add samples, or name a separate test set in the dataset`,
    );
  }
}

export function planTraining(model: tf.LayersModel, dataset: Dataset, cfg: TrainingConfig): TrainingPlan {
  checkTrainingConfig(cfg, 'the training settings');
  const inputShape = modelInputShape(model);
  checkDataFitsModel(dataset, inputShape, modelOutputClasses(model));
  const total = dataset.train.count;
  const trainCount = Math.floor(total * (1 - cfg.validationSplit));
  if (trainCount === 0) {
    throw new DataError(`validation_split ${cfg.validationSplit} leaves no training samples out of ${total}`);
  }
  const size = sampleSize(inputShape);
  return {
    train: dataset.train,
    trainCount,
    validation: {
      images: dataset.train.images.subarray(trainCount * size, total * size),
      labels: dataset.train.labels.subarray(trainCount, total),
    },
    validationCount: total - trainCount,
    batches: Math.ceil(trainCount / cfg.batchSize),
    sampleSize: size,
  };
}
