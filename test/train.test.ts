import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadDataset, type Dataset } from '../src/data/datasets.js';
import type { TrainingConfig } from '../src/types.js';
import {
  accuracy,
  createProgressDisplay,
  createRunDir,
  evaluateModel,
  evaluateRun,
  loadModelFromDir,
  mulberry32,
  renderConfusion,
  saveModelToDir,
  shuffledIndices,
  sparseCategoricalCrossentropy,
  lossFunction,
  trainAndRecord,
  trainModel,
  TrainingDivergedError,
  writeFileAtomic,
  type EpochMetrics,
} from '../src/train/index.js';

// wasm, because it trains this MLP about five times faster than the pure-JS cpu backend.
before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

/** Flatten -> dense 64 relu -> dense 10 softmax, with seeded initializers so runs are repeatable. */
function makeMlp(seed = 7): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

function config(overrides: Partial<TrainingConfig> = {}): TrainingConfig {
  return {
    dataset: { kind: 'mnist' },
    optimizer: { name: 'adam', learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    loss: 'sparse_categorical_crossentropy',
    metrics: ['accuracy'],
    batchSize: 32,
    epochs: 2,
    validationSplit: 0.1,
    seed: 42,
    ...overrides,
  };
}

/** Metrics without the wall-clock fields, which legitimately differ between runs. */
function comparable(history: EpochMetrics[]): unknown[] {
  return history.map(({ epoch, loss, accuracy, val_loss, val_accuracy }) => ({ epoch, loss, accuracy, val_loss, val_accuracy }));
}

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'netspec-train-'));
}

let small: Dataset;
async function smallMnist(): Promise<Dataset> {
  small ??= await loadDataset({ kind: 'mnist' }, '.', { limit: 3000 });
  return small;
}

test('mulberry32 is repeatable and shuffles are permutations', () => {
  const a = mulberry32(123);
  const b = mulberry32(123);
  const seqA = Array.from({ length: 5 }, a);
  assert.deepEqual(seqA, Array.from({ length: 5 }, b));
  assert.ok(seqA.every((v) => v >= 0 && v < 1));
  const order = shuffledIndices(1000, mulberry32(1));
  assert.deepEqual(
    [...order].sort((x, y) => x - y),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.notDeepEqual([...order], [...shuffledIndices(1000, mulberry32(2))]);
});

test('losses and accuracy match hand-computed values', () => {
  const probs = tf.tensor2d([
    [0.7, 0.2, 0.1],
    [0.1, 0.1, 0.8],
  ]);
  const labels = tf.tensor1d([0, 1], 'int32');
  const expected = -(Math.log(0.7) + Math.log(0.1)) / 2;
  assert.ok(Math.abs(sparseCategoricalCrossentropy(labels, probs).dataSync()[0]! - expected) < 1e-6);
  assert.ok(Math.abs(lossFunction('categorical_crossentropy')(labels, probs).dataSync()[0]! - expected) < 1e-6);
  assert.equal(accuracy(labels, probs).dataSync()[0], 0.5);
  // A zero probability is clipped, not turned into an infinite loss.
  const certainWrong = sparseCategoricalCrossentropy(tf.tensor1d([1], 'int32'), tf.tensor2d([[1, 0]]));
  assert.ok(Number.isFinite(certainWrong.dataSync()[0]!));
});

test('a short MLP training on 3000 MNIST samples beats 85% on the full test set', async (t) => {
  const data = await smallMnist();
  const model = makeMlp();
  const tensorsBefore = tf.memory().numTensors;
  const result = await trainModel(model, data, config({ epochs: 4 }));
  assert.equal(tf.memory().numTensors, tensorsBefore, 'training leaks no tensors');
  assert.equal(result.interrupted, false);
  assert.equal(result.history.length, 4);
  assert.equal(result.trainSamples, 2700);
  assert.equal(result.validationSamples, 300);
  const last = result.history.at(-1)!;
  assert.ok(last.loss < result.history[0]!.loss, 'loss decreases');
  assert.ok(last.val_accuracy! > 0.85, `validation accuracy ${last.val_accuracy}`);

  const full = await loadDataset({ kind: 'mnist' }, '.', { limit: 1, testLimit: 10000 });
  const evaluation = await evaluateModel(model, full.test.images, full.test.labels, 256);
  assert.equal(evaluation.count, 10000);
  t.diagnostic(`test accuracy ${evaluation.accuracy} after ${result.seconds.toFixed(1)} s of training`);
  assert.ok(evaluation.accuracy > 0.85, `test accuracy ${evaluation.accuracy}`);
  const diagonal = evaluation.confusion.reduce((sum, row, i) => sum + row[i]!, 0);
  assert.equal(diagonal / 10000, evaluation.accuracy);
  model.dispose();
});

test('the same seed twice gives identical metrics; another seed does not', async () => {
  const data = await smallMnist();
  const run = async (seed: number): Promise<unknown[]> => {
    const model = makeMlp();
    const { history } = await trainModel(model, data, config({ seed, epochs: 2 }));
    model.dispose();
    return comparable(history);
  };
  const first = await run(42);
  assert.deepEqual(await run(42), first);
  assert.notDeepEqual(await run(43), first);
});

test('save and reload give identical predictions and accuracy', async () => {
  const dir = await tempDir();
  try {
    const data = await smallMnist();
    const model = makeMlp(3);
    await trainModel(model, data, config({ epochs: 1 }));
    await saveModelToDir(model, dir);
    // The weights file is named by its content, so model.json can never pair with other weights.
    const files = (await readdir(dir)).sort();
    assert.equal(files.length, 2);
    assert.equal(files[0], 'model.json');
    assert.match(files[1]!, /^weights-[0-9a-f]{16}\.bin$/);
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    assert.deepEqual(json.weightsManifest[0].paths, [`./${files[1]}`]);

    const reloaded = await loadModelFromDir(dir);
    const x = tf.tensor(data.test.images.subarray(0, 100 * 784), [100, 28, 28, 1]);
    assert.deepEqual((reloaded.predict(x) as tf.Tensor).dataSync(), (model.predict(x) as tf.Tensor).dataSync());
    const before = await evaluateModel(model, data.test.images, data.test.labels, 100);
    const after = await evaluateModel(reloaded, data.test.images, data.test.labels, 100);
    assert.deepEqual(after, before);
    x.dispose();
    model.dispose();
    reloaded.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a recorded run holds every artifact and evaluateRun reproduces results.json exactly', async () => {
  const root = await tempDir();
  try {
    const lines: string[] = [];
    const run = await trainAndRecord({
      model: makeMlp(),
      cfg: config({ epochs: 1 }),
      specName: 'mlp test',
      specDir: '.',
      resolvedSpec: { name: 'mlp test', layers: [1, 2] },
      loadOptions: { limit: 1000, testLimit: 500 },
      backend: 'wasm',
      runsRoot: root,
      progress: createProgressDisplay({ stream: { write: (t: string) => lines.push(t), isTTY: false } }),
    });
    assert.match(path.relative(root, run.dir), /^mlp-test[/\\]\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    const files = (await readdir(run.dir)).sort();
    // weights-<hash>.bin and optimizer-<hash>.bin: the checkpoint's content-addressed files.
    const plain = files.map((f) => f.replace(/-[0-9a-f]{16}\.bin$/, '-<hash>.bin'));
    assert.deepEqual(plain, [
      'dataset.json',
      'metrics.csv',
      'metrics.json',
      'model.json',
      'optimizer-<hash>.bin',
      'resolved-spec.json',
      'results.json',
      'weights-<hash>.bin',
    ]);
    assert.equal(lines.length, 1, 'one plain line per epoch when not a TTY');
    assert.match(lines[0]!, /^Epoch 1\/1 {2}loss \d\.\d{4} {2}accuracy \d\.\d{4} {2}val_loss .* samples\/s\n$/);

    const csv = (await readFile(path.join(run.dir, 'metrics.csv'), 'utf8')).trim().split('\n');
    assert.equal(csv[0], 'epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds,samples_per_sec');
    assert.equal(csv.length, 2);
    const spec = JSON.parse(await readFile(path.join(run.dir, 'resolved-spec.json'), 'utf8'));
    // What the caller recorded, plus the model's topology digest (resume refuses another model).
    const { topologySha256, ...recorded } = spec;
    assert.deepEqual(recorded, { name: 'mlp test', layers: [1, 2] });
    assert.match(topologySha256, /^[0-9a-f]{64}$/);
    const results = JSON.parse(await readFile(path.join(run.dir, 'results.json'), 'utf8'));
    assert.equal(results.backend, 'wasm');
    assert.equal(results.test.samples, 500);
    assert.equal(results.training.epochs_completed, 1);

    const again = await evaluateRun(run.dir);
    assert.equal(again.reproduced, true);
    assert.equal(again.accuracy, run.results.test!.accuracy);
    assert.equal(again.loss, run.results.test!.loss);
    assert.deepEqual(again.confusion, run.results.test!.confusion);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('aborting finishes the current batch, checkpoints and returns interrupted', async () => {
  const out = await tempDir();
  try {
    const controller = new AbortController();
    const seenBatches: number[] = [];
    const result = await trainModel(makeMlp(), await smallMnist(), config({ epochs: 3 }), {
      out,
      signal: controller.signal,
      onProgress: (p) => {
        seenBatches.push(p.batch);
        if (p.batch === 3) controller.abort();
      },
    });
    assert.equal(result.interrupted, true);
    assert.deepEqual(seenBatches, [1, 2, 3], 'the batch running at abort time completes; no further batch starts');
    assert.equal(result.history.length, 0);
    assert.equal(result.partialEpoch?.batchesDone, 3);
    assert.equal(result.samplesSeen, 96);
    const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8'));
    assert.deepEqual(metrics, { epochs: [], interrupted: true });
    await loadModelFromDir(out).then((m) => m.dispose());
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('an abort signalled from outside (like SIGINT) is seen between batches', async () => {
  // The abort comes from a macrotask, as a signal handler runs, scheduled on an event rather than
  // a timer: a loop that never yields to the event loop would train all 3 epochs instead.
  const controller = new AbortController();
  let seen = 0;
  let abortedAfter = 0;
  const result = await trainModel(makeMlp(), await smallMnist(), config({ epochs: 3 }), {
    signal: controller.signal,
    onProgress: () => {
      if (++seen === 2) {
        setImmediate(() => {
          abortedAfter = seen;
          controller.abort();
        });
      }
    },
  });
  assert.equal(result.interrupted, true);
  assert.ok(abortedAfter >= 2, 'the abort ran');
  assert.ok(seen <= abortedAfter + 1, `${seen - abortedAfter} batches started after the abort`);
});

test('a NaN loss stops with a clear error and the last good weights restored', async () => {
  // Real divergence is hard to provoke on purpose (the clipped loss saturates instead), so
  // the data is poisoned after epoch 1: epoch 2's first batch then produces a NaN loss.
  const clean = await smallMnist();
  const data: Dataset = { ...clean, train: { ...clean.train, images: clean.train.images.slice() } };
  const model = makeMlp();
  let afterEpoch1: Float32Array[] = [];
  const out = await tempDir();
  try {
    await assert.rejects(
      trainModel(model, data, config({ epochs: 3 }), {
        out,
        onEpochEnd: () => {
          afterEpoch1 = model.getWeights().map((w) => w.dataSync() as Float32Array);
          data.train.images.fill(NaN);
        },
      }),
      (err: Error) => {
        assert.ok(err instanceof TrainingDivergedError);
        assert.equal(
          err.message,
          'training diverged: the loss became NaN at epoch 2, batch 1/85; the weights were restored to the end of epoch 1 ' +
            `(also the model saved in ${out}). Try a lower learning rate.`,
        );
        assert.equal(err.lastGoodEpoch, 1);
        assert.equal(err.history.length, 1);
        return true;
      },
    );
    assert.deepEqual(
      model.getWeights().map((w) => w.dataSync()),
      afterEpoch1,
    );
    const saved = await loadModelFromDir(out);
    assert.deepEqual(
      saved.getWeights().map((w) => w.dataSync()),
      afterEpoch1,
    );
    model.dispose();
    saved.dispose();
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('writeFileAtomic replaces files whole and leaves no temp files, even when it fails', async () => {
  const dir = await tempDir();
  try {
    const target = path.join(dir, 'a.json');
    await writeFileAtomic(target, 'one');
    await writeFileAtomic(target, new Uint8Array([116, 119, 111]));
    assert.equal(await readFile(target, 'utf8'), 'two');
    // Renaming a file onto a non-empty folder fails: the temp file must be cleaned up.
    await mkdir(path.join(dir, 'occupied'));
    await writeFileAtomic(path.join(dir, 'occupied', 'x'), 'x');
    await assert.rejects(writeFileAtomic(path.join(dir, 'occupied'), 'data'));
    assert.deepEqual((await readdir(dir)).sort(), ['a.json', 'occupied']);
    assert.deepEqual(await readdir(path.join(dir, 'occupied')), ['x']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('createRunDir makes unique timestamped folders', async () => {
  const root = await tempDir();
  try {
    const now = new Date('2026-11-27T18:03:11.512Z');
    const first = await createRunDir(root, 'mnist-cnn', now);
    const second = await createRunDir(root, 'mnist-cnn', now);
    assert.equal(first, path.join(root, 'mnist-cnn', '2026-11-27T18-03-11Z'));
    assert.equal(second, path.join(root, 'mnist-cnn', '2026-11-27T18-03-11Z-2'));
    assert.equal(path.basename(path.dirname(await createRunDir(root, '../evil/name', now))), 'evil-name');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('the live progress bar redraws in place on a TTY', () => {
  const writes: string[] = [];
  const display = createProgressDisplay({ stream: { write: (t: string) => writes.push(t), isTTY: true, columns: 120 }, redrawMs: 0 });
  display.onProgress({ epoch: 1, epochs: 5, batch: 10, batches: 20, samplesPerSec: 1234.5, loss: 0.5, accuracy: 0.9, etaSeconds: 75 });
  assert.equal(writes.length, 1);
  assert.match(writes[0]!, /^\r\x1b\[2KEpoch 1\/5 \[=+> +\] 10\/20 {4}1,235 samples\/s {2}loss 0\.5000 {2}accuracy 0\.9000 {2}ETA 1:15$/);
  assert.ok(writes[0]!.length - 5 < 120);
  display.onEpochEnd({ epoch: 1, loss: 0.5, accuracy: 0.9, val_loss: null, val_accuracy: null, seconds: 2, samples_per_sec: 1000 }, 5);
  assert.match(writes[1]!, /^\r\x1b\[2KEpoch 1\/5 {2}loss 0\.5000 {2}accuracy 0\.9000 {2}2\.0s {2}1,000 samples\/s\n$/);
});

test('renderConfusion lays out rows as actual and columns as predicted classes', () => {
  const text = renderConfusion([
    [5, 1],
    [0, 4],
  ]);
  const lines = text.split('\n');
  assert.match(lines[1]!, /^actual \| +0 +1 \| recall$/);
  assert.match(lines[3]!, /^ +0 \| +5 +1 \| +83\.3%$/);
  assert.match(lines[4]!, /^ +1 \| +0 +4 \| +100\.0%$/);
});

test('a tiny conv net trains on the cpu backend and repeats exactly with the same seed', async () => {
  await tf.setBackend('cpu');
  try {
    const data = await loadDataset({ kind: 'mnist' }, '.', { limit: 256 });
    const run = async (): Promise<unknown[]> => {
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [28, 28, 1],
            filters: 4,
            kernelSize: 3,
            strides: 2,
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
          }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
        ],
      });
      const { history } = await trainModel(model, data, config({ epochs: 2, batchSize: 64, validationSplit: 0.25 }));
      model.dispose();
      return comparable(history);
    };
    const first = await run();
    assert.equal(first.length, 2);
    assert.deepEqual(await run(), first);
  } finally {
    await tf.setBackend('wasm');
  }
});
