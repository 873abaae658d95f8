// Re-evaluating a saved run: reload its model, evaluate it on the test set recorded in the
// run folder with the recorded batch size and loss, and compare with results.json. On the
// backend that trained it, the numbers are reproduced exactly; when they are not, the
// comparison says which of the three things that can change did: the backend, the model
// files, or the test data.

import { existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { checkInputFits, DataError, loadTestSplit, type LoadOptions } from '../data/datasets.js';
import { classNamesFor, recordedPreparation } from '../data/run-record.js';
import { modelInputShape, modelOutputClasses } from './batches.js';
import { evaluateModel, type Evaluation } from './evaluate.js';
import { loadModelFromDir } from './model-io.js';
import { readDatasetRecord, readRunResults, RESULTS_JSON, type RunResults, type TestResults } from './run-dir.js';
import { modelIdentity } from './run.js';
import { kernelsIdentity } from '../backend/kernels-identity.js';

export interface RunEvaluation extends Evaluation {
  backend: string;
  /** One name per output unit. */
  classes: string[];
  /** results.json of the run, when it has test results. */
  saved: TestResults | null;
  /** Whether loss, accuracy and confusion equal the saved ones exactly (null: nothing saved). */
  reproduced: boolean | null;
  /** When not reproduced: why, in words that fit after "differs from the saved results: ". */
  difference?: string;
}

/** The largest label of a split, to check it against the model's output before evaluating. */
function maxLabel(labels: Uint8Array): number {
  let max = 0;
  for (const l of labels) if (l > max) max = l;
  return max;
}

/** Why the numbers differ, from what results.json recorded about the model files and the backend. */
async function explainDifference(dir: string, recorded: RunResults, backend: string): Promise<string> {
  const now = await modelIdentity(dir);
  const sameFiles =
    recorded.model && now ? recorded.model.topology_sha256 === now.topology_sha256 && recorded.model.weights.join() === now.weights.join() : undefined;
  if (sameFiles === false) {
    return (
      `the model files are not the ones the run saved its results with (${path.join(dir, 'model.json')} or its weights changed since), ` +
      'so the saved results no longer describe this model; train again, or restore the run folder'
    );
  }
  if (recorded.backend !== backend) {
    return (
      `expected: the run was evaluated on ${recorded.backend} and this is ${backend}, and backends round differently; ` +
      `evaluate with --backend ${recorded.backend} to reproduce the saved numbers`
    );
  }
  const kernels = kernelsIdentity(tf.backend());
  if (recorded.kernels !== undefined && recorded.kernels !== kernels) {
    const now = kernels ?? "none of netspec's SIMD kernels (this engine cannot run them)";
    return (
      `expected: netspec's kernels are not the ones that evaluated the run (${recorded.kernels}, now ${now}: netspec was updated since, ` +
      `or this CPU differs in fused multiply-add), and they round differently; train again to get results of these kernels`
    );
  }
  const kernelsKnown = recorded.kernels !== undefined && recorded.kernels === kernels;
  if (sameFiles === true) {
    return kernelsKnown
      ? `the model files, the backend (${backend}) and its kernels are those that produced the saved results, so the test data must have changed since`
      : `the model files and the backend (${backend}) are those that produced the saved results, so the test data changed since, ` +
          `or netspec's kernels did (an update of netspec can round differently; the run does not record which kernels it used)`;
  }
  return `the backend (${backend}) is the one that produced the saved results, so the model files or the test data changed since${kernelsKnown ? '' : ", or netspec's kernels did"}`;
}

/**
 * Reloads the model of a run folder and evaluates it on the test set recorded there, prepared
 * as in training (class order, image size, CSV statistics), with the recorded batch size and
 * loss, so that on the same backend it reproduces results.json exactly.
 */
export async function evaluateRun(dir: string, options: Pick<LoadOptions, 'cacheDir' | 'maxPixels'> = {}): Promise<RunEvaluation> {
  const record = await readDatasetRecord(dir);
  const recorded = existsSync(path.join(dir, RESULTS_JSON)) ? await readRunResults(dir) : null;
  const saved = recorded?.test ?? null;
  const model = await loadModelFromDir(dir);
  try {
    const classes = modelOutputClasses(model);
    const prepared = recordedPreparation(record, modelInputShape(model), classes);
    const testLimit = record.options.testLimit ?? record.options.limit;
    const { split, source } = await loadTestSplit(record.ref, record.specDir, prepared, {
      ...record.options,
      ...options,
      ...(testLimit !== undefined ? { testLimit } : {}),
    });
    // An edited model.json can take another input than the data was prepared for.
    checkInputFits({ sampleShape: prepared.sampleShape, source }, modelInputShape(model));
    if (split.count > 0 && maxLabel(split.labels) >= classes) {
      throw new DataError(
        `${source} has labels up to ${maxLabel(split.labels)} but the model in ${dir} has ${classes} output classes; was its model.json edited?`,
      );
    }
    const batchSize = saved && saved.batch_size > 0 ? saved.batch_size : 32;
    const lossName = saved?.loss_function === 'categorical_crossentropy' ? 'categorical_crossentropy' : 'sparse_categorical_crossentropy';
    const evaluation = await evaluateModel(model, split.images, split.labels, batchSize, { loss: lossName });
    const backend = tf.getBackend();
    const reproduced =
      saved === null
        ? null
        : saved.loss === evaluation.loss && saved.accuracy === evaluation.accuracy && JSON.stringify(saved.confusion) === JSON.stringify(evaluation.confusion);
    const difference = reproduced === false ? await explainDifference(dir, recorded!, backend) : undefined;
    return {
      ...evaluation,
      classes: classNamesFor(prepared.classes, evaluation.confusion.length),
      backend,
      saved,
      reproduced,
      ...(difference ? { difference } : {}),
    };
  } finally {
    model.dispose();
  }
}
