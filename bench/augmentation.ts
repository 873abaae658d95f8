// The cost of augmentation against training throughput: the time to augment a batch (shift,
// rotation, zoom and a flip, bilinear) against the time of one training step of the same batch
// on the same backend, both as medians over repetitions. Prints the ratio; a ratio of 0.05
// means augmentation costs 5% of a step. Run: npx tsx bench/augmentation.ts [spec] [batch]
import * as tf from '@tensorflow/tfjs';
import { compileSpecFile } from '../src/compile/index.js';
import { selectBackend } from '../src/backend/select.js';
import { buildModel } from '../src/emit/live.js';
import { augmentationRng, augmentBatch } from '../src/train/augment.js';
import { createOptimizer } from '../src/train/optimizers.js';
import { localStepRunner } from '../src/train/step-runner.js';
import { lowerTraining } from '../src/compile/lower.js';

const specPath = process.argv[2] ?? 'specs/mnist-cnn-augmented.yaml';
const batchSize = Number(process.argv[3] ?? 64);
const compiled = compileSpecFile(specPath);
if (!compiled.ok) throw new Error(`${specPath} does not compile`);
const backend = await selectBackend(undefined, {});
const model = buildModel(compiled.model);
const cfg = compiled.model.ir.training ?? lowerTraining(undefined);
const aug = cfg.augmentation ?? { shift: 0.1, rotation: 10, zoom: 0.1, horizontalFlip: true, verticalFlip: false, fill: 'constant' as const };
const shape = compiled.model.ir.inputShape;
const size = shape.reduce((a, b) => a * b, 1);
const pixels = Float32Array.from({ length: batchSize * size }, (_, i) => ((i * 7919) % 256) / 255);
const labels = Int32Array.from({ length: batchSize }, (_, i) => i % 10);
const optimizer = createOptimizer(cfg.optimizer);
const runner = localStepRunner({ model, optimizer, cfg });

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (reps: number, f: (i: number) => Promise<void> | void): Promise<number> => {
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await f(i);
    ms.push(performance.now() - t);
  }
  return median(ms);
};
await time(5, () => runner.step({ pixels, labels, size: batchSize }).then(() => undefined));
const stepMs = await time(30, () => runner.step({ pixels, labels, size: batchSize }).then(() => undefined));
const copy = new Float32Array(pixels.length);
const augmentMs = await time(200, (i) => {
  copy.set(pixels);
  augmentBatch(copy, batchSize, shape, aug, augmentationRng(cfg.seed, 1, i + 1));
});
console.log(
  `${specPath} on ${backend.name}, batch ${batchSize}: training step ${stepMs.toFixed(2)} ms, augmentation ${augmentMs.toFixed(3)} ms (median); ratio ${(augmentMs / stepMs).toFixed(4)}`,
);
tf.dispose(model.getWeights());
