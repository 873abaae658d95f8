// Ctrl-C and --resume on the default training path: the wasm backend, Adam's fused update, and
// data-parallel replicas in worker threads (forced with --workers 2, so the test does not depend
// on this machine's cores), through the real CLI. Ctrl-C lands after an exact batch through a
// pause point. Resuming in the same mode gives exactly the uninterrupted run; resuming in the
// other mode (replicas -> one process, one process -> replicas), which `train --resume` offers,
// continues the same run up to float rounding, which a lost optimizer state or position would
// exceed by orders of magnitude.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.js';
import { epochFigures, metrics, onlyRunDir, project, results, runDirOf, runWithPause, specText, testFigures } from './train-faults-helpers.js';

const shared = tempDir();
// 360 training samples in batches of 32: 12 batches an epoch, so batch 15 is epoch 2's third.
const { dir, spec } = project(specText({ adam: true, conv: true, epochs: 2 }), shared);
const PAUSE = { point: 'batch', count: 15 } as const;
const WASM = ['--backend', 'wasm'];

interface Figures {
  epochs: number[][];
  test: number[];
}
const figures = (runDir: string): Figures => ({ epochs: epochFigures(runDir), test: testFigures(runDir) });
/** The uninterrupted runs, by number of replicas. */
const uninterrupted = new Map<number, Figures>();

before(() => {
  for (const workers of [2, 1]) {
    const run = runCli(['train', spec, ...WASM, '--workers', String(workers), '--out', join(shared, `full-${workers}`)], dir);
    assert.equal(run.status, 0, run.stderr);
    const runDir = runDirOf(run.stdout);
    assert.equal(results(runDir).training.replicas, workers);
    uninterrupted.set(workers, figures(runDir));
  }
});

/** Trains with `workers` replicas and sends Ctrl-C after batch 15; returns the checkpointed run folder. */
async function interrupted(workers: number): Promise<string> {
  const out = join(shared, `stopped-${workers}`);
  const run = await runWithPause(['train', spec, ...WASM, '--workers', String(workers), '--out', out], dir, PAUSE, (child) => void child.kill('SIGINT'));
  assert.ok(run.paused, run.stderr);
  assert.equal(run.status, 130, `exit ${run.status} (${run.signal}):\n${run.stderr}`);
  assert.match(run.stdout, workers > 1 ? /training: 2 data-parallel replicas/ : /training: in one process/);
  assert.match(run.stderr, /interrupted: finishing the current batch and saving a checkpoint/);
  const runDir = onlyRunDir(out);
  assert.deepEqual([metrics(runDir).interrupted, metrics(runDir).epochs.length, results(runDir).test], [true, 1, null]);
  return runDir;
}

function resume(runDir: string, workers: number): void {
  const run = runCli(['train', '--resume', runDir, ...WASM, '--workers', String(workers)], dir);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /resuming: .* at epoch 2\/2 after batch 3\n/);
  assert.match(run.stdout, workers > 1 ? /training: 2 data-parallel replicas/ : /training: in one process/);
  assert.equal(results(runDir).training.replicas, workers);
}

/** Every figure within float rounding of the reference: 1e-4 relative, where a lost Adam state moves them by percent. */
function assertClose(actual: Figures, expected: Figures, label: string): void {
  const pairs: [string, number, number][] = [
    ...actual.epochs.flatMap((e, i) => e.map((v, j): [string, number, number] => [`epoch ${i + 1} figure ${j}`, v, expected.epochs[i]?.[j] ?? NaN])),
    ...actual.test.map((v, j): [string, number, number] => [`test figure ${j}`, v, expected.test[j]!]),
  ];
  assert.equal(actual.epochs.length, expected.epochs.length, `${label}: epochs`);
  for (const [what, a, b] of pairs) assert.ok(Math.abs(a - b) <= 1e-4 * Math.abs(b) + 1e-6, `${label}, ${what}: ${a} vs ${b}`);
}

test('Ctrl-C while replicas train checkpoints and exits 130; resuming on replicas gives exactly the uninterrupted run', async () => {
  const runDir = await interrupted(2);
  cpSync(runDir, join(shared, 'stopped-2-copy'), { recursive: true });
  resume(runDir, 2);
  assert.deepEqual(figures(runDir), uninterrupted.get(2));
});

test('a run started on replicas continues in one process, and one started in one process continues on replicas', async () => {
  // The copy of the replicas' checkpoint from the test above, or a fresh one if it ran alone.
  const fromReplicas = join(shared, 'stopped-2-copy');
  if (!uninterrupted.has(2) || !metrics(fromReplicas).interrupted) throw new Error('needs the checkpoint of the test above');
  resume(fromReplicas, 1);
  assertClose(figures(fromReplicas), uninterrupted.get(2)!, 'replicas, then one process');

  const fromOneProcess = await interrupted(1);
  resume(fromOneProcess, 2);
  assertClose(figures(fromOneProcess), uninterrupted.get(1)!, 'one process, then replicas');
  // The two ways of training agree up to rounding too, so neither reference is special.
  assertClose(uninterrupted.get(2)!, uninterrupted.get(1)!, 'replicas vs one process');
});
