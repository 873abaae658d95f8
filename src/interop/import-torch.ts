// A PyTorch checkpoint of a spec as a netspec run folder: the same files `netspec train` writes
// (model.json and weights, resolved-spec.json, dataset.json, metrics when the checkpoint has a
// history, results.json), so `evaluate`, `predict` and `report` take it like any run. The test
// set is evaluated here, by netspec, so that `evaluate` reproduces results.json exactly; what
// PyTorch reported is kept beside it for comparison.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { lowerTraining } from '../compile/lower.js';
import { checkInputFits, DataError, loadDataset, loadTestSplit, type DataSplit, type LoadOptions, type Prepared } from '../data/datasets.js';
import { recordedPreparation } from '../data/run-record.js';
import { buildModel, crossCheck } from '../emit/live.js';
import { pytorchPlan } from '../emit/pytorch.js';
import { evaluateModel } from '../train/evaluate.js';
import { writeMetrics, type EpochMetrics } from '../train/metrics.js';
import { saveModelToDir } from '../train/model-io.js';
import { createRunDir, writeDatasetRecord, writeResolvedSpec, writeResults, type RunResults, type TestResults } from '../train/run-dir.js';
import type { InferredModel, TrainingConfig } from '../types.js';
import { readCheckpointTensors } from './torch-files.js';
import { checkState, setTorchState } from './torch-state.js';

/** What the generated training program records in its checkpoint (see the pytorch template). */
export interface TorchCheckpointRecord {
  model_name?: string;
  spec_source?: string;
  spec_sha256?: string;
  epoch?: number;
  epochs?: number;
  history?: EpochMetrics[];
  training?: {
    batch_size?: number;
    processes?: number;
    backend?: string;
    device?: string;
    seed?: number;
    limit?: number | null;
    train_samples?: number;
    validation_samples?: number;
    seconds?: number;
    samples_per_sec?: number;
    torch?: string;
  };
  test?: { loss: number; accuracy: number; samples: number } | null;
  /** How the program prepared the data: netspec's own record (class names, sample shape, CSV statistics). */
  dataset?: Prepared;
}

export interface ImportOptions {
  /** The spec file as the user named it (recorded, like train records it). */
  specFile: string;
  checkpoint: string;
  /** Parent of run folders (default 'runs'). */
  runsRoot?: string;
  /** Python to read the checkpoint with. */
  python?: string;
  /** The tfjs backend the test set is evaluated on, for results.json. */
  backend: string;
}

export interface ImportedRun {
  dir: string;
  results: RunResults;
  /** What the PyTorch program reported for the test set, when the checkpoint says. */
  reported: TorchCheckpointRecord['test'];
  /** Things worth saying: a checkpoint of another version of the spec, an unfinished run. */
  notes: string[];
}

/** The training settings the checkpoint was made with: the spec's, with what the run changed. */
function trainingOf(model: InferredModel, record: TorchCheckpointRecord | null): TrainingConfig {
  const cfg = { ...(model.ir.training ?? lowerTraining(undefined)) };
  const t = record?.training;
  if (t?.batch_size) cfg.batchSize = t.batch_size;
  if (record?.epochs) cfg.epochs = record.epochs;
  if (t?.seed !== undefined) cfg.seed = t.seed;
  return cfg;
}

function notesOn(model: InferredModel, record: TorchCheckpointRecord | null, checkpoint: string): string[] {
  const notes: string[] = [];
  if (!record) notes.push(`${checkpoint} is a plain state_dict: its weights are imported, but there is no training history`);
  if (record?.model_name && record.model_name !== model.ir.name) {
    notes.push(`${checkpoint} was trained as '${record.model_name}'; its tensors fit '${model.ir.name}', so they are imported`);
  } else if (record?.spec_sha256 && record.spec_sha256 !== model.ir.source.sha256) {
    notes.push(`${checkpoint} was trained from another version of ${model.ir.source.file}; its tensors fit this one`);
  }
  if (record?.epoch !== undefined && record.epochs !== undefined && record.epoch < record.epochs) {
    notes.push(`the run stopped after epoch ${record.epoch} of ${record.epochs}; continue it with the generated program's --resume`);
  }
  return notes;
}

/** As the program loaded its data: a --limit run trained on the first rows (and, for a table,
 * standardised with their statistics) but tested on the whole test set, as `train --limit` does. */
function loadOptionsOf(record: TorchCheckpointRecord | null): LoadOptions {
  const limit = record?.training?.limit;
  return typeof limit === 'number' && Number.isSafeInteger(limit) && limit > 0 ? { limit, testLimit: Number.MAX_SAFE_INTEGER } : {};
}

/**
 * The test split, prepared as the program prepared its data: with the preparation its checkpoint
 * records (class names, CSV statistics), checked against the data as netspec reads it now, so
 * that a changed file is refused rather than evaluated with other statistics. A plain state_dict
 * records nothing; netspec's own preparation of the data stands in for it.
 */
async function preparedTestSplit(
  model: InferredModel,
  cfg: TrainingConfig,
  specDir: string,
  record: TorchCheckpointRecord | null,
  options: LoadOptions,
): Promise<{ split: DataSplit; source: string; prepared: Prepared }> {
  if (record?.dataset !== undefined) {
    let prepared: Prepared;
    try {
      prepared = recordedPreparation({ prepared: record.dataset }, model.ir.inputShape, model.outputShape[0]!);
    } catch {
      throw new DataError(
        "the checkpoint's dataset record (class names and sample shape) is damaged; it was not written by the generated program, or was edited",
      );
    }
    const { split, source } = await loadTestSplit(cfg.dataset, specDir, prepared, options);
    return { split, source, prepared };
  }
  const data = await loadDataset(cfg.dataset, specDir, { ...options, inputShape: model.ir.inputShape });
  return { split: data.test, source: data.source, prepared: data.prepared };
}

export async function importTorchCheckpoint(model: InferredModel, options: ImportOptions): Promise<ImportedRun> {
  const { tensors, meta } = await readCheckpointTensors(options.checkpoint, options.python);
  const record = meta as TorchCheckpointRecord | null;
  const plan = pytorchPlan(model);
  const checked = checkState(plan, tensors, options.checkpoint, options.specFile);
  const cfg = trainingOf(model, record);
  const specDir = path.dirname(path.resolve(options.specFile));
  const classes = model.outputShape.length === 1;
  const loadOptions = loadOptionsOf(record);
  const test = classes ? await preparedTestSplit(model, cfg, specDir, record, loadOptions) : undefined;
  if (test) checkInputFits({ sampleShape: test.prepared.sampleShape, source: test.source }, model.ir.inputShape);

  const live = buildModel(model, { seed: cfg.seed });
  try {
    const problems = crossCheck(model, live);
    if (problems.length) throw new Error(problems.map((p) => p.message).join('\n'));
    setTorchState(plan, live, checked);
    // Everything that can fail on the user's data happens before the run folder exists.
    let testResults: TestResults | null = null;
    if (test) {
      const started = performance.now();
      const evaluation = await evaluateModel(live, test.split.images, test.split.labels, cfg.batchSize, { loss: cfg.loss });
      const seconds = (performance.now() - started) / 1000;
      testResults = {
        loss: evaluation.loss,
        accuracy: evaluation.accuracy,
        samples: evaluation.count,
        batch_size: cfg.batchSize,
        loss_function: cfg.loss,
        seconds,
        samples_per_sec: evaluation.count / seconds,
        confusion: evaluation.confusion,
      };
    }
    const dir = await createRunDir(options.runsRoot ?? 'runs', model.ir.name);
    await saveModelToDir(live, dir);
    const t = record?.training ?? {};
    await writeResolvedSpec(dir, {
      spec: options.specFile,
      name: model.ir.name,
      sha256: model.ir.source.sha256,
      inputShape: model.ir.inputShape,
      training: cfg,
      imported: { checkpoint: path.resolve(options.checkpoint), engine: 'pytorch', record: record ? { ...record, history: undefined } : null },
    });
    await writeDatasetRecord(dir, {
      ref: cfg.dataset,
      specDir,
      options: loadOptions,
      source: test?.source ?? cfg.dataset.kind,
      ...(test ? { prepared: test.prepared } : {}),
    });
    const history = record?.history ?? [];
    if (history.length) await writeMetrics(dir, history, (record?.epoch ?? 0) < (record?.epochs ?? 0));
    const processes = t.processes ?? 1;
    const results: RunResults = {
      backend: `pytorch${t.torch ? ` ${t.torch}` : ''}${processes > 1 && t.backend ? ` (${t.backend})` : ''}`,
      training: {
        epochs_completed: history.length,
        interrupted: (record?.epoch ?? 0) < (record?.epochs ?? 0),
        train_samples: t.train_samples ?? 0,
        validation_samples: t.validation_samples ?? 0,
        seconds: t.seconds ?? 0,
        samples_per_sec: t.samples_per_sec ?? 0,
        replicas: processes,
      },
      test: testResults,
    };
    await writeResults(dir, results);
    const notes = notesOn(model, record, options.checkpoint);
    if (!classes) notes.push(`the model's output is not one score per class, so no test set was evaluated`);
    return { dir, results, reported: record?.test ?? null, notes };
  } finally {
    live.dispose();
    tf.disposeVariables();
  }
}
