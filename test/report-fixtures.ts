// A synthetic but well-formed run folder for the report tests, written with the trainer's own
// record writers so that a change to the run-folder format shows up here too.
import { join } from 'node:path';
import { writeMetrics, type EpochMetrics } from '../src/train/metrics.js';
import { writeDatasetRecord, writeResolvedSpec, writeResults, type RunResults } from '../src/train/run-dir.js';
import type { InferredModel } from '../src/types.js';
import { ROOT } from './helpers.js';

export const EPOCHS: EpochMetrics[] = [
  { epoch: 1, loss: 0.4817, accuracy: 0.8612, val_loss: 0.2133, val_accuracy: 0.9351, seconds: 12.5, samples_per_sec: 4320 },
  { epoch: 2, loss: 0.1502, accuracy: 0.9551, val_loss: 0.1297, val_accuracy: 0.9617, seconds: 12.1, samples_per_sec: 4462 },
  { epoch: 3, loss: 0.0973, accuracy: 0.9704, val_loss: 0.1012, val_accuracy: 0.9702, seconds: 12.0, samples_per_sec: 4501 },
];

/** 10 classes, 100 test samples each; class i is confused with i+1 in `i` cases. */
export function confusion(): number[][] {
  return Array.from({ length: 10 }, (_, actual) =>
    Array.from({ length: 10 }, (_, predicted) => (predicted === actual ? 100 - actual : predicted === (actual + 1) % 10 ? actual : 0)),
  );
}

export const RESULTS: RunResults = {
  backend: 'cpu',
  training: { epochs_completed: 3, interrupted: false, train_samples: 900, validation_samples: 100, seconds: 36.6, samples_per_sec: 4428 },
  test: {
    loss: 0.0917,
    accuracy: 0.955,
    samples: 1000,
    batch_size: 64,
    loss_function: 'sparse_categorical_crossentropy',
    seconds: 0.8,
    samples_per_sec: 1250,
    confusion: confusion(),
  },
};

/** Fills `dir` like `netspec train specs/mnist-cnn.yaml` would, minus the model weights. */
export async function writeSyntheticRun(dir: string, model: InferredModel, options: { withTest?: boolean; replicas?: number } = {}): Promise<void> {
  const training = model.ir.training!;
  await writeResolvedSpec(dir, {
    spec: 'specs/mnist-cnn.yaml',
    name: model.ir.name,
    sha256: model.ir.source.sha256,
    inputShape: model.ir.inputShape,
    training,
    flags: {},
  });
  await writeDatasetRecord(dir, { ref: { kind: 'mnist' }, specDir: join(ROOT, 'specs'), options: {}, source: 'synthetic' });
  await writeMetrics(dir, EPOCHS);
  const results = options.replicas === undefined ? RESULTS : { ...RESULTS, training: { ...RESULTS.training, replicas: options.replicas } };
  await writeResults(dir, options.withTest === false ? { ...results, test: null } : results);
}
