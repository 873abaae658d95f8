// Predicting with a saved run: new inputs are prepared exactly as the run's training data was
// (the dataset kind's predictor, from what the run recorded), then classified by its model.
// Images give the top classes per file; table rows give one prediction per row.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DataError, DEFAULT_MAX_PIXELS, predictorFor, type Predictor } from '../data/datasets.js';
import type { DatasetRef } from '../data/registry.js';
import { recordedPreparation } from '../data/run-record.js';
import { modelInputShape, modelOutputClasses } from '../train/batches.js';
import { loadModelFromDir, ModelFileError } from '../train/model-io.js';
import { DATASET_JSON, readRunJson, type DatasetRecord } from '../train/run-dir.js';
import { probabilities } from './probabilities.js';

export interface ClassScore {
  /** The class index (the output unit). */
  class: number;
  /** The class name: a folder name, a label value, or the number for numbered classes. */
  name: string;
  probability: number;
}

export interface ImagePrediction {
  file: string;
  top: ClassScore[];
}

export interface RowPrediction {
  /** The line of the input file the row ends on. */
  line: number;
  predicted: ClassScore;
  /** One probability per class, in class order. */
  probabilities: number[];
  /** The row's own label when the file has the label column (null: a label the model does not know). */
  actual?: string | null;
}

export interface PredictOptions {
  /** Classes listed per image (default 3). */
  top?: number;
  maxPixels?: number;
}

export type PredictResult =
  | { input: 'images'; classes: string[]; describe: string; predictions: ImagePrediction[] }
  | { input: 'rows'; classes: string[]; describe: string; file: string; predictions: RowPrediction[] };

function ranked(probs: Float32Array, classes: readonly string[]): ClassScore[] {
  return Array.from(probs, (p, i) => ({ class: i, name: classes[i] ?? String(i), probability: p })).sort(
    (a, b) => b.probability - a.probability || a.class - b.class,
  );
}

async function loadRunModel(dir: string): Promise<tf.LayersModel> {
  try {
    return await loadModelFromDir(dir);
  } catch (error) {
    if (error instanceof ModelFileError) throw new DataError(error.message);
    throw new DataError(`${path.join(dir, 'model.json')}: cannot load the model (${(error as Error).message})`);
  }
}

/** The run's dataset record; a folder holding only a model is taken as trained on MNIST. */
async function datasetRecord(dir: string): Promise<Pick<DatasetRecord, 'ref' | 'prepared'>> {
  if (!existsSync(path.join(dir, DATASET_JSON))) return { ref: { kind: 'mnist' } };
  const record = await readRunJson<DatasetRecord>(dir, DATASET_JSON);
  if (record === null || typeof record !== 'object' || typeof record.ref?.kind !== 'string') {
    throw new DataError(`${path.join(dir, DATASET_JSON)}: holds no dataset reference; was this run started by \`netspec train\`?`);
  }
  return record;
}

/** Runs the model on `count` samples and returns one probability row per sample. */
async function classify(model: tf.LayersModel, values: Float32Array, count: number): Promise<Float32Array[]> {
  const inputShape = modelInputShape(model);
  const output = tf.tidy(() => (model.predict(tf.tensor(values, [count, ...inputShape])) as tf.Tensor).reshape([count, -1]));
  const data = (await output.data()) as Float32Array;
  const units = output.shape[1]!;
  output.dispose();
  return Array.from({ length: count }, (_, i) => probabilities(data.subarray(i * units, (i + 1) * units)));
}

function checkSampleSize(dir: string, model: tf.LayersModel, size: number, predictor: Predictor): void {
  const inputShape = modelInputShape(model);
  const expected = inputShape.reduce((a, b) => a * b, 1);
  if (expected !== size) {
    throw new DataError(
      `the model in ${dir} takes input [${inputShape.join(', ')}] (${expected} values) but its data gives ${size} values per sample ` +
        `(${predictor.describe}); the run folder's model.json and dataset.json do not belong together`,
    );
  }
}

async function predictImageFiles(
  dir: string,
  model: tf.LayersModel,
  predictor: Predictor & { input: 'images' },
  files: string[],
  classes: string[],
  options: PredictOptions,
): Promise<ImagePrediction[]> {
  // Every file is prepared before the model runs, so that all bad files are reported together.
  const samples: Float32Array[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      samples.push(await predictor.prepare(file, { maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS }));
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length) throw new DataError(problems.join('\n'));
  const size = samples[0]?.length ?? 0;
  checkSampleSize(dir, model, size, predictor);
  const batch = new Float32Array(samples.length * size);
  samples.forEach((s, i) => batch.set(s, i * size));
  const rows = await classify(model, batch, samples.length);
  return files.map((file, i) => ({ file, top: ranked(rows[i]!, classes).slice(0, options.top ?? 3) }));
}

/**
 * Loads a run's model and predicts `inputs`: image files for runs trained on images, one
 * table file for runs trained on a CSV table. Problems are DataErrors naming the file.
 */
export async function predictRun(dir: string, inputs: string[], options: PredictOptions = {}): Promise<PredictResult> {
  const record = await datasetRecord(dir);
  const model = await loadRunModel(dir);
  try {
    const units = modelOutputClasses(model);
    const prepared = recordedPreparation(record, modelInputShape(model), units);
    const classes = prepared.classes.length === units ? prepared.classes : Array.from({ length: units }, (_, i) => prepared.classes[i] ?? String(i));
    const predictor = predictorFor(record.ref as DatasetRef, prepared);
    if (predictor.input === 'images') {
      return { input: 'images', classes, describe: predictor.describe, predictions: await predictImageFiles(dir, model, predictor, inputs, classes, options) };
    }
    if (inputs.length !== 1) {
      throw new DataError(`the run in ${dir} was trained on a table; give one CSV file of rows to predict, not ${inputs.length} files`);
    }
    const file = inputs[0]!;
    const rows = await predictor.prepare(file);
    checkSampleSize(dir, model, rows.values.length / rows.count, predictor);
    const out = await classify(model, rows.values, rows.count);
    const predictions = out.map((probs, i): RowPrediction => {
      const prediction: RowPrediction = { line: rows.lines[i]!, predicted: ranked(probs, classes)[0]!, probabilities: Array.from(probs) };
      if (rows.labels) prediction.actual = rows.labels[i]! >= 0 ? classes[rows.labels[i]!]! : null;
      return prediction;
    });
    return { input: 'rows', classes, describe: predictor.describe, file, predictions };
  } finally {
    model.dispose();
  }
}
