// How `train` spreads a run over the cores: data-parallel replicas by default where they
// reproduce one process (train/mode.ts), one process otherwise, and --workers refuses what
// replicas cannot reproduce before any data is loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { chooseTrainMode, settleTrainMode, MAX_AUTO_REPLICAS } from '../src/train/mode.js';
import { runCli, tempDir } from './helpers.js';

const BASE = { unsupported: [], batchSize: 64, cores: 2 };

test('the default on 2 cores is 2 replicas with 1 thread each', () => {
  assert.deepEqual(chooseTrainMode(BASE), { workers: 2, threads: 1, reason: '2 data-parallel replicas, one per core; --workers 1 trains in one process' });
  assert.equal(chooseTrainMode({ ...BASE, cores: 3 }).workers, 3);
  assert.equal(chooseTrainMode({ ...BASE, backend: 'wasm' }).workers, 2);
});

test('one process, with the reason, wherever replicas are not the measured better choice', () => {
  const cases: [Partial<Parameters<typeof chooseTrainMode>[0]>, RegExp][] = [
    [{ workers: 1 }, /--workers 1/],
    [{ threads: 2 }, /--threads was given/],
    [{ backend: 'cpu' }, /--backend cpu/],
    [{ backend: 'node' }, /--backend node/],
    [{ unsupported: ["'dropout' (dropout, line 9)"] }, /replicas cannot reproduce 'dropout' \(dropout, line 9\)/],
    [{ cores: 1 }, /1 core/],
    [{ cores: MAX_AUTO_REPLICAS + 1 }, /one process uses them all/],
    [{ batchSize: 20 }, /batch 20 is too small to split/],
  ];
  for (const [input, reason] of cases) {
    const mode = chooseTrainMode({ ...BASE, ...input });
    assert.equal(mode.workers, 1, JSON.stringify(input));
    assert.match(mode.reason, /^in one process \(/);
    assert.match(mode.reason, reason);
  }
  // --threads with one process keeps the user's thread count.
  assert.equal(chooseTrainMode({ ...BASE, threads: 2 }).threads, 2);
});

test('an explicit --workers N is kept; the default gives way when another backend came up', () => {
  assert.deepEqual(chooseTrainMode({ ...BASE, workers: 3 }), { workers: 3, threads: 1, reason: '3 data-parallel replicas (--workers 3)' });
  const auto = chooseTrainMode(BASE);
  assert.deepEqual(settleTrainMode(auto, 'node', undefined), { workers: 1, reason: 'in one process (the node backend)' });
  assert.equal(settleTrainMode(auto, 'wasm', undefined), auto);
  const explicit = chooseTrainMode({ ...BASE, workers: 2 });
  assert.equal(settleTrainMode(explicit, 'node', 2), explicit);
});

test('train --workers 2 on a spec with batch norm or dropout is a usage error naming the layers', () => {
  const out = tempDir();
  const r = runCli(['train', 'specs/mlp.yaml', '--workers', '2', '--limit', '64', '--epochs', '1', '--out', out]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--workers does not support batch_norm or dropout layers yet; specs\/mlp\.yaml has 'batch_normalization' \(batch_norm, line \d+\), 'dropout' \(dropout, line \d+\)/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('train prints how it trains, and a default run on replicas completes and records its results', () => {
  const out = tempDir();
  const r = runCli(['train', 'specs/lenet5.yaml', '--limit', '512', '--epochs', '1', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const cores = os.cpus().length;
  const replicas = cores >= 2 && cores <= MAX_AUTO_REPLICAS ? cores : 1;
  const expected = replicas > 1 ? new RegExp(`training: ${cores} data-parallel replicas, one per core`) : /training: in one process/;
  assert.match(r.stdout, expected);
  const runs = join(out, 'lenet5');
  const [run] = readdirSync(runs);
  assert.ok(run && existsSync(join(runs, run, 'results.json')), 'results.json written');
  const results = JSON.parse(readFileSync(join(runs, run, 'results.json'), 'utf8')) as { test: { accuracy: number }; training: { replicas: number } };
  assert.ok(results.test.accuracy > 0.2, `test accuracy ${results.test.accuracy} after one epoch on 512 samples`);
  assert.equal(results.training.replicas, replicas, 'results.json records the replicas');
});
