// `netspec predict RUN_DIR image.png...`: classify pictures of digits with a trained run's
// model, after preparing each picture as MNIST digits were prepared.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BackendPreference } from '../backend/select.js';
import { FRAME, frameShapeFor, ImageError, readPngFile, toMnistFrame } from '../predict/preprocess.js';
import { loadModelFromDir, ModelFileError } from '../train/model-io.js';
import { EXIT, UsageError, UserError } from './errors.js';
import { chooseBackend } from './run-output.js';
import { dim } from './style.js';

export interface PredictOptions {
  backend?: BackendPreference;
  json?: boolean;
  /** How many classes to list per image (default 3). */
  top?: number;
}

export interface Prediction {
  file: string;
  top: Array<{ class: number; probability: number }>;
}

/** Probabilities from the model's output row; a model without a final softmax gets one here. */
function probabilities(row: Float32Array): Float32Array {
  const sum = row.reduce((a, b) => a + b, 0);
  if (row.every((v) => v >= 0) && Math.abs(sum - 1) < 1e-3) return row;
  const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
  const exp = row.map((v) => Math.exp(v - max));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((v) => v / total);
}

function topK(probs: Float32Array, k: number): Prediction['top'] {
  return Array.from(probs, (p, i) => ({ class: i, probability: p }))
    .sort((a, b) => b.probability - a.probability || a.class - b.class)
    .slice(0, k);
}

/** Loads the run's model and predicts each image; errors name the file and are UserErrors. */
export async function predictImages(dir: string, files: string[], top = 3): Promise<Prediction[]> {
  // Decode every image before loading the model, so a bad file fails fast and alone.
  const frames: Float32Array[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      frames.push(toMnistFrame(readPngFile(file)));
    } catch (error) {
      if (!(error instanceof ImageError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length) throw new UserError(problems.join('\n'));

  let model: tf.LayersModel;
  try {
    model = await loadModelFromDir(dir);
  } catch (error) {
    if (error instanceof ModelFileError) throw new UserError(error.message);
    throw new UserError(`${join(dir, 'model.json')}: cannot load the model (${(error as Error).message})`);
  }
  try {
    const inputShape = model.inputs[0]!.shape.slice(1);
    const shape = frameShapeFor(inputShape);
    if (!shape) {
      throw new UserError(
        `the model in ${dir} takes input [${inputShape.join(', ')}]; predict prepares 28x28 greyscale digits ` +
          'and supports models whose input is [28, 28, 1], [28, 28] or [784]',
      );
    }
    const batch = new Float32Array(frames.length * FRAME * FRAME);
    frames.forEach((f, i) => batch.set(f, i * FRAME * FRAME));
    const output = tf.tidy(() => {
      const x = tf.tensor(batch, [frames.length, ...shape]);
      return (model.predict(x) as tf.Tensor).reshape([frames.length, -1]);
    });
    const values = (await output.data()) as Float32Array;
    const classes = output.shape[1]!;
    output.dispose();
    return files.map((file, i) => ({ file, top: topK(probabilities(values.subarray(i * classes, (i + 1) * classes)), top) }));
  } finally {
    model.dispose();
  }
}

export async function predictCommand(dir: string, files: string[], options: PredictOptions): Promise<number> {
  if (!existsSync(join(dir, 'model.json'))) {
    throw new UsageError(`${dir} is not a run folder (it has no model.json); pass a folder under runs/<spec>/`);
  }
  const backend = await chooseBackend(options.backend, { fastGradients: false });
  const predictions = await predictImages(dir, files, options.top ?? 3);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ run: dir, backend: backend.name, predictions }, null, 2)}\n`);
    return EXIT.ok;
  }
  process.stdout.write(`${dim(`backend: ${backend.name} (${backend.reason})`)}\n`);
  for (const p of predictions) {
    const ranked = p.top.map((t) => `${t.class} (${(t.probability * 100).toFixed(1)}%)`).join('  ');
    process.stdout.write(`${p.file}: ${ranked}\n`);
  }
  return EXIT.ok;
}
