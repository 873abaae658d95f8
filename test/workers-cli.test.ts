// How `train` spreads a run over the cores: data-parallel replicas by default where they
// reproduce one process (train/mode.ts), one process otherwise, and --workers refuses what
// replicas cannot reproduce before any data is loaded. The choice is checked as a function of
// the situation (cores, batch size, kinds, which backend came up) with every situation written
// out, so no expectation depends on this machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { selectBackend, type BackendLoaders } from '../src/backend/select.js';
import { chooseTrainMode, settleTrainMode, MAX_AUTO_REPLICAS } from '../src/train/mode.js';
import { runCli, tempDir } from './helpers.js';

const BASE = { batchSize: 64, cores: 2 };

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

/** Which way tfjs-node comes up, played by stand-in loaders (wasm always loads). */
const TFJS_NODE = {
  missing: Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node' imported from /app/x.js"), { code: 'ERR_MODULE_NOT_FOUND' }),
  'without binary': new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: /app/tfjs_binding.node.'),
  present: null,
};

/** What `train` decides, composed as chooseBackendAndMode composes it, on a machine described by `s`. */
async function decide(s: {
  tfjsNode: keyof typeof TFJS_NODE;
  cores: number;
  batchSize: number;
  workers?: number;
  backend?: 'wasm' | 'cpu';
}): Promise<{ backend: string; workers: number }> {
  const error = TFJS_NODE[s.tfjsNode];
  const loaders: BackendLoaders = {
    node: async () => {
      if (error) throw error;
    },
    wasm: async (threads) => `${threads} thread(s)`,
    cpu: async () => undefined,
  };
  const flags = { ...(s.workers !== undefined ? { workers: s.workers } : {}), ...(s.backend ? { backend: s.backend } : {}) };
  const mode = chooseTrainMode({ ...flags, batchSize: s.batchSize, cores: s.cores });
  const backend = await selectBackend(s.backend, { fastGradients: false, loaders, ...(mode.threads ? { threads: mode.threads } : {}) });
  return { backend: backend.name, workers: settleTrainMode(mode, backend.name, s.workers).workers };
}

test('each situation: tfjs-node missing, present, or present without its binary; cores; batch size', async () => {
  const cases: [Parameters<typeof decide>[0], { backend: string; workers: number }][] = [
    [
      { tfjsNode: 'missing', cores: 2, batchSize: 64 },
      { backend: 'wasm', workers: 2 },
    ],
    [
      { tfjsNode: 'without binary', cores: 2, batchSize: 64 },
      { backend: 'wasm', workers: 2 },
    ],
    [
      { tfjsNode: 'present', cores: 2, batchSize: 64 },
      { backend: 'tensorflow', workers: 1 },
    ],
    [
      { tfjsNode: 'present', cores: 2, batchSize: 64, workers: 2 },
      { backend: 'tensorflow', workers: 2 },
    ],
    [
      { tfjsNode: 'missing', cores: 1, batchSize: 64 },
      { backend: 'wasm', workers: 1 },
    ],
    [
      { tfjsNode: 'missing', cores: 3, batchSize: 64 },
      { backend: 'wasm', workers: 3 },
    ],
    [
      { tfjsNode: 'missing', cores: 4, batchSize: 64 },
      { backend: 'wasm', workers: 4 },
    ],
    [
      { tfjsNode: 'missing', cores: 4, batchSize: 32 },
      { backend: 'wasm', workers: 2 },
    ],
    [
      { tfjsNode: 'missing', cores: 4, batchSize: 48 },
      { backend: 'wasm', workers: 3 },
    ],
    [
      { tfjsNode: 'missing', cores: 8, batchSize: 64 },
      { backend: 'wasm', workers: 1 },
    ],
    [
      { tfjsNode: 'missing', cores: 2, batchSize: 31 },
      { backend: 'wasm', workers: 1 },
    ],
    [
      { tfjsNode: 'missing', cores: 2, batchSize: 32 },
      { backend: 'wasm', workers: 2 },
    ],
    [
      { tfjsNode: 'missing', cores: 2, batchSize: 64, backend: 'cpu' },
      { backend: 'cpu', workers: 1 },
    ],
    [
      { tfjsNode: 'present', cores: 2, batchSize: 64, backend: 'wasm' },
      { backend: 'wasm', workers: 2 },
    ],
  ];
  for (const [s, want] of cases) assert.deepEqual(await decide(s), want, JSON.stringify(s));
});

test('train --workers 2 on a spec with batch norm and dropout trains on replicas and records them', () => {
  const out = tempDir();
  const r = runCli(['train', 'specs/mlp.yaml', '--workers', '2', '--limit', '256', '--epochs', '1', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /training: 2 data-parallel replicas \(--workers 2\)/);
  const runs = join(out, 'mlp');
  const [run] = readdirSync(runs);
  const results = JSON.parse(readFileSync(join(runs, run!, 'results.json'), 'utf8')) as { test: { accuracy: number }; training: { replicas: number } };
  assert.equal(results.training.replicas, 2);
  assert.ok(results.test.accuracy > 0.2, `test accuracy ${results.test.accuracy} after one epoch on 256 samples`);
});

test('train prints how it trains and why, as decided for the backend that came up, and records the replicas', () => {
  const out = tempDir();
  const r = runCli(['train', 'specs/lenet5.yaml', '--limit', '512', '--epochs', '1', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  // This machine's situation: its cores, and whichever backend the default selection brought up.
  const backend = /backend: (\S+) \(/.exec(r.stdout)?.[1];
  assert.ok(backend, r.stdout);
  const mode = settleTrainMode(chooseTrainMode({ batchSize: 64, cores: os.cpus().length }), backend, undefined);
  assert.ok(r.stdout.includes(`training: ${mode.reason}\n`), `expected "training: ${mode.reason}" in:\n${r.stdout}`);
  const runs = join(out, 'lenet5');
  const [run] = readdirSync(runs);
  assert.ok(run && existsSync(join(runs, run, 'results.json')), 'results.json written');
  const results = JSON.parse(readFileSync(join(runs, run, 'results.json'), 'utf8')) as { test: { accuracy: number }; training: { replicas: number } };
  assert.ok(results.test.accuracy > 0.2, `test accuracy ${results.test.accuracy} after one epoch on 512 samples`);
  assert.equal(results.training.replicas, mode.workers, 'results.json records the replicas');
});
