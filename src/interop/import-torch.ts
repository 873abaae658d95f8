// A PyTorch checkpoint of a spec as a netspec run folder: the same files `netspec train` writes
// (model.json and weights, resolved-spec.json, dataset.json, metrics when the checkpoint has a
// history, results.json), so `evaluate`, `predict` and `report` take it like any run. The test
// set is evaluated here, by netspec, so that `evaluate` reproduces results.json exactly; what
// PyTorch reported is kept beside it for comparison.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { lowerTraining } from '../compile/lower.js';
import { checkInputFits, loadSplit } from '../data/datasets.js';
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
    train_samples?: number;
    validation_samples?: number;
    seconds?: number;
    samples_per_sec?: number;
    torch?: string;
  };
  test?: { loss: number; accuracy: number; samples: number } | null;
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

export async function importTorchCheckpoint(model: InferredModel, options: ImportOptions): Promise<ImportedRun> {
  const { tensors, meta } = await readCheckpointTensors(options.checkpoint, options.python);
  const record = meta as TorchCheckpointRecord | null;
  const plan = pytorchPlan(model);
  const checked = checkState(plan, tensors, options.checkpoint, options.specFile);
  const cfg = trainingOf(model, record);
  const specDir = path.dirname(path.resolve(options.specFile));
  const classes = model.outputShape.length === 1;
  const test = classes ? await loadSplit(cfg.dataset, specDir, 'test') : undefined;
  if (test) checkInputFits({ imageShape: test.imageShape, source: test.source }, model.ir.inputShape);

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
    await writeDatasetRecord(dir, { ref: cfg.dataset, specDir, options: {}, source: test?.source ?? cfg.dataset.kind });
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
