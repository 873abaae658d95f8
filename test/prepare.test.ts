// The run sequence as a library: prepareRun does compile, settings, backend and mode, and the
// checked live model, in that order, reporting each step; the epoch loop drives any StepRunner
// through the same contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { trainingSettings } from '../src/compile/lower.js';
import { loadDataset } from '../src/data/datasets.js';
import { localStepRunner, type StepRunner } from '../src/train/step-runner.js';
import { prepareRun, RunRequestError, trainModel } from '../src/train/index.js';
import { compileValid, tempDir } from './helpers.js';
import { specText, writeIdxDataset } from './train-faults-helpers.js';

const dir = tempDir();
writeIdxDataset(join(dir, 'data'));
const spec = join(dir, 'quarters.yaml');
writeFileSync(spec, specText({ epochs: 3 }));

test('a spec without a training section trains with the documented defaults, from one accessor', () => {
  const bareFile = join(dir, 'bare.yaml');
  writeFileSync(bareFile, 'name: bare\ninput: [8, 8, 1]\nlayers:\n  - kind: flatten\n  - kind: dense\n    units: 4\n');
  const bare = compileValid(bareFile);
  assert.equal(bare.ir.training, undefined, 'the IR keeps whether the spec asked for training');
  // The defaults the spec reference documents for every training key.
  assert.deepEqual(trainingSettings(bare.ir), {
    dataset: { kind: 'mnist' },
    optimizer: { name: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    loss: 'sparse_categorical_crossentropy',
    metrics: ['accuracy'],
    batchSize: 64,
    epochs: 5,
    validationSplit: 0.1,
    seed: 42,
  });
  const given = compileValid(spec);
  assert.equal(trainingSettings(given.ir), given.ir.training, 'a given section is used as it is');
  assert.equal(trainingSettings(given.ir).batchSize, 8);
});

test('prepareRun compiles, applies overrides, picks backend and mode, then builds the seeded model, in that order', async () => {
  const events: string[] = [];
  const prepared = await prepareRun(
    spec,
    { epochs: 1, seed: 9, backend: 'cpu' },
    {
      onBackend: (b) => events.push(`backend ${b.name}`),
      onMode: (reason) => events.push(`mode ${reason}`),
      onModel: (m) => events.push(`model ${m.ir.name}`),
    },
  );
  assert.ok(prepared.ok);
  const { run } = prepared;
  assert.deepEqual(events, ['backend cpu', 'mode in one process (--backend cpu)', 'model quarters']);
  assert.equal(run.cfg.epochs, 1, 'the override');
  assert.equal(run.cfg.seed, 9, 'the override');
  assert.equal(run.cfg.batchSize, 8, "the spec's own setting");
  assert.equal(run.workers, 1);
  assert.equal(run.live.countParams(), 1108);
  // The same seed builds the same weights: the live model is the run's, not a random draw.
  const again = await prepareRun(spec, { seed: 9, backend: 'cpu' });
  assert.ok(again.ok);
  assert.deepEqual(again.run.live.getWeights()[1]!.dataSync(), run.live.getWeights()[1]!.dataSync());
  run.live.dispose();
  again.run.live.dispose();
});

test('prepareRun stops at a spec error before any backend starts, and refuses impossible requests', async () => {
  const bad = join(dir, 'flat.yaml');
  writeFileSync(bad, specText({ input: '[64]' }));
  const events: string[] = [];
  const refused = await prepareRun(bad, { backend: 'cpu' }, { onBackend: () => events.push('backend') });
  assert.equal(refused.ok, false);
  if (!refused.ok) assert.match(refused.diagnostics[0]!.message, /tfjs cannot build layer 1 'flatten' \(flatten\) on its input \(64,\)/);
  assert.deepEqual(events, ['backend'], 'a model tfjs refuses is found after the backend is up, before training');

  const broken = join(dir, 'broken.yaml');
  writeFileSync(broken, 'name: x\n');
  const early: string[] = [];
  const failed = await prepareRun(broken, {}, { onBackend: () => early.push('backend') });
  assert.equal(failed.ok, false);
  assert.deepEqual(early, [], 'no backend for a spec that does not compile');

  await assert.rejects(prepareRun(spec, { workers: 9999 }), (e: Error) => e instanceof RunRequestError && /--workers 9999 is more than/.test(e.message));
});

test('the epoch loop drives a StepRunner by its contract: push once, a step per batch, pull before every read, close once', async () => {
  await tf.setBackend('cpu');
  const prepared = await prepareRun(spec, { epochs: 2, backend: 'cpu' });
  assert.ok(prepared.ok);
  const { live, cfg } = prepared.run;
  const data = await loadDataset(cfg.dataset, dir);
  const calls: string[] = [];
  let steps = 0;
  const result = await trainModel(live, data, cfg, {
    stepRunner: async (target) => {
      const inner = localStepRunner(target);
      const runner: StepRunner = {
        replicas: 1,
        step: (batch) => (steps++, inner.step(batch)),
        setLearningRate: (rate) => inner.setLearningRate(rate),
        pull: async () => void calls.push(`pull after ${steps}`),
        push: async () => void calls.push(`push after ${steps}`),
        close: async () => void calls.push('close'),
      };
      return runner;
    },
  });
  const batches = Math.ceil((400 * 0.9) / 8);
  assert.equal(steps, 2 * batches, 'one step per batch');
  assert.deepEqual(calls, ['push after 0', `pull after ${batches}`, `pull after ${2 * batches}`, 'close']);
  assert.equal(result.history.length, 2);
  assert.ok(result.history[1]!.loss < result.history[0]!.loss, 'the runner really trained the model');
  live.dispose();
});
