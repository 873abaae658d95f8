// One training step of a spec's model on a fixed batch, made the way the trainer's in-process
// step is (src/train/trainer.ts): the spec's optimizer and loss, minimize() over the model's
// trainable variables, loss and accuracy read back. The per-kernel profile and
// bench/train-step.ts time this, so their "outside kernels" is the trainer's own JavaScript.
import * as tf from '@tensorflow/tfjs';
import { compileSpecFile } from '../compile/index.js';
import { formatDiagnostic } from '../compile/diagnostics.js';
import { lowerTraining } from '../compile/lower.js';
import { buildModel } from '../emit/live.js';
import { modelInputShape, modelOutputClasses } from '../train/batches.js';
import { lossFunction } from '../train/losses.js';
import { minimizeOnBatch } from '../train/step-runner.js';
import { createOptimizer } from '../train/optimizers.js';
import type { TrainingConfig } from '../types.js';

export interface SpecStep {
  model: tf.LayersModel;
  config: TrainingConfig;
  /** One step on the batch; resolves once its loss and accuracy are read back. */
  step(): Promise<[number, number]>;
  dispose(): void;
}

/** The spec's model, its optimizer, and a seeded random batch of `batch` samples. */
export function specStep(specFile: string, batch: number): SpecStep {
  const compiled = compileSpecFile(specFile);
  if (!compiled.ok) throw new Error(compiled.diagnostics.map(formatDiagnostic).join('\n'));
  const config = compiled.model.ir.training ?? lowerTraining(undefined);
  const model = buildModel(compiled.model, { seed: config.seed });
  const optimizer = createOptimizer(config.optimizer);
  const computeLoss = lossFunction(config.loss);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.randomUniform([batch, ...modelInputShape(model)], 0, 1, 'float32', config.seed);
  const y = tf.randomUniform([batch], 0, modelOutputClasses(model), 'int32', config.seed + 1) as tf.Tensor1D;
  const step = (): Promise<[number, number]> => minimizeOnBatch(model, optimizer, variables, computeLoss, () => ({ x, y }));
  return {
    model,
    config,
    step,
    dispose: () => {
      tf.dispose([x, y]);
      optimizer.dispose();
      model.dispose();
    },
  };
}
