// Ctrl-C and --resume through the real CLI in child processes, in one process on the cpu backend
// (faults-replicas.test.ts has the default path): the interrupted run exits 130 with a
// checkpoint, and resuming it gives exactly the uninterrupted run's result; a resume that cannot
// proceed fails plainly without touching the checkpoint. The Ctrl-C lands after an exact batch,
// through a pause point, so a fast run cannot finish before it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.js';
import {
  assertPlainFailure,
  epochFigures,
  idx,
  metrics,
  onlyRunDir,
  project,
  results,
  runDirOf,
  runWithPause,
  testFigures,
  writeIdxDataset,
} from './train-faults-helpers.js';

/** A copy of the interrupted run folder (and its project), for the failed-resume test below. */
let interrupted: { project: string; runDir: string } | undefined;
// Made at file level: a temp folder made inside a test is removed when that test ends.
const shared = tempDir();

test('Ctrl-C checkpoints and exits 130; --resume finishes the run with the same result as an uninterrupted one', async () => {
  const { dir, spec } = project(undefined, shared);
  const full = runCli(['train', spec, '--backend', 'cpu', '--out', join(dir, 'runs-full')], dir);
  assert.equal(full.status, 0, full.stderr);
  const fullDir = runDirOf(full.stdout);

  // 360 training samples in batches of 8: 45 batches an epoch, so batch 50 is epoch 2's fifth.
  const out = join(dir, 'runs');
  const stopped = await runWithPause(
    ['train', spec, '--backend', 'cpu', '--out', out],
    dir,
    { point: 'batch', count: 50 },
    (child) => void child.kill('SIGINT'),
  );
  assert.ok(stopped.paused, stopped.stderr);
  assert.equal(stopped.status, 130, stopped.stderr);
  assert.match(stopped.stderr, /interrupted: finishing the current batch and saving a checkpoint/);
  assert.match(stopped.stdout, /continue with: netspec train --resume /);
  const runDir = onlyRunDir(out);
  const files = readdirSync(runDir);
  for (const pattern of [/^model\.json$/, /^weights-[0-9a-f]{16}\.bin$/, /^optimizer-[0-9a-f]{16}\.bin$/, /^metrics\.json$/, /^metrics\.csv$/]) {
    assert.ok(
      files.some((f) => pattern.test(f)),
      `checkpoint file ${pattern} missing from ${files}`,
    );
  }
  const before = metrics(runDir);
  assert.equal(before.interrupted, true);
  assert.equal(before.epochs.length, 1, 'epoch 1 done before Ctrl-C');
  assert.equal(results(runDir).test, null);
  const copy = join(shared, 'interrupted-run');
  cpSync(runDir, copy, { recursive: true });
  interrupted = { project: dir, runDir: copy };

  const resumed = runCli(['train', '--resume', runDir, '--backend', 'cpu'], dir);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /resuming: .* at epoch 2\/6 after batch 5\n/);
  const after = metrics(runDir);
  assert.equal(after.interrupted, false);
  assert.deepEqual(
    after.epochs.map((e) => e.epoch),
    [1, 2, 3, 4, 5, 6],
    'the same folder holds every epoch once',
  );
  // Weights, optimizer state and shuffle position are all restored, so the run is the same run.
  assert.deepEqual(epochFigures(runDir), epochFigures(fullDir));
  assert.deepEqual(testFigures(runDir), testFigures(fullDir));
});

test('a resume whose data went bad fails plainly and leaves the checkpoint untouched', async () => {
  assert.ok(interrupted, 'needs the interrupted run of the test above');
  const { project: dir, runDir } = interrupted;
  const digest = (): string[] =>
    readdirSync(runDir)
      .sort()
      .map(
        (f) =>
          `${f} ${createHash('sha256')
            .update(readFileSync(join(runDir, f)))
            .digest('hex')}`,
      );
  const before = digest();

  writeFileSync(join(dir, 'data', 'train-labels-idx1-ubyte'), idx([399], new Uint8Array(399)));
  const run = runCli(['train', '--resume', runDir, '--backend', 'cpu'], dir);
  assertPlainFailure(run, /holds 400 images but .*train-labels-idx1-ubyte holds 399 labels/);
  assert.deepEqual(digest(), before, 'the checkpoint folder is unchanged');

  // A torn weights file is caught by its checksum rather than loaded.
  writeIdxDataset(join(dir, 'data'));
  const weights = readdirSync(runDir).find((f) => f.startsWith('weights-'))!;
  const bytes = readFileSync(join(runDir, weights));
  writeFileSync(join(runDir, weights), bytes.subarray(0, bytes.length >> 1));
  assertPlainFailure(runCli(['train', '--resume', runDir, '--backend', 'cpu'], dir), /do not match the checksum in its name/);
  assert.equal(runCli(['train', '--resume', join(dir, 'nope'), '--backend', 'cpu'], dir).status, 2);
});
