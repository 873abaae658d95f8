// kill -9 inside the real checkpoint write of `netspec train`, at the two moments that matter,
// reached through pause points (src/lib/pause-point.ts) rather than a timer: after the new
// weights and optimizer files are written while model.json still names the previous ones, and
// after model.json names the new ones while the previous ones are not yet removed. Either way the
// folder must hold one whole checkpoint, the previous or the new (model, optimizer state and
// position from one save), and resuming it must give exactly the run that was never killed.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadCheckpoint } from '../src/train/checkpoint.js';
import { readModelJson } from '../src/train/model-io.js';
import type { PausePoint } from '../src/lib/pause-point.js';
import { runCli, tempDir } from './helpers.js';
import { epochFigures, onlyRunDir, project, runDirOf, runWithPause, specText, testFigures } from './train-faults-helpers.js';

const EPOCHS = 3;
const shared = tempDir();
const { dir, spec } = project(specText({ epochs: EPOCHS }), shared);
let reference: { epochs: number[][]; test: number[] };

before(async () => {
  await tf.setBackend('cpu');
  const full = runCli(['train', spec, '--backend', 'cpu', '--out', join(shared, 'runs-full')], dir);
  assert.equal(full.status, 0, full.stderr);
  const fullDir = runDirOf(full.stdout);
  reference = { epochs: epochFigures(fullDir), test: testFigures(fullDir) };
});

/** Every file of a folder with the sha256 of its bytes. */
function digest(folder: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(folder)
      .sort()
      .map((f) => [
        f,
        createHash('sha256')
          .update(readFileSync(join(folder, f)))
          .digest('hex'),
      ]),
  );
}

const checkpointFiles = (files: string[]): string[] => files.filter((f) => /^(weights|optimizer)-[0-9a-f]{16}\.bin$/.test(f)).sort();

const CASES: { point: PausePoint; keeps: 'previous' | 'new' }[] = [
  { point: 'save:written', keeps: 'previous' },
  { point: 'save:committed', keeps: 'new' },
];

for (const { point, keeps } of CASES) {
  test(`kill -9 at ${point} of the checkpoint after epoch 2 leaves the ${keeps} checkpoint whole, and resuming it gives the uninterrupted run`, async () => {
    const out = join(shared, `runs-${point.replace(':', '-')}`);
    let atPause: Record<string, string> = {};
    // The third save: a new run saves once before its first batch, then after every epoch.
    const killed = await runWithPause(['train', spec, '--backend', 'cpu', '--out', out], dir, { point, count: 3 }, (child) => {
      atPause = digest(onlyRunDir(out));
      child.kill('SIGKILL');
    });
    assert.ok(killed.paused, `the run never reached ${point}@3:\n${killed.stderr}`);
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    const runDir = onlyRunDir(out);
    // The kill landed inside the write: both saves' weights and optimizer files are there, and
    // nothing changed between the pause and the kill.
    assert.equal(checkpointFiles(Object.keys(atPause)).length, 4, `files at the pause: ${Object.keys(atPause)}`);
    assert.deepEqual(digest(runDir), atPause);

    // One whole checkpoint: the weights and optimizer files model.json names are intact (their
    // names are checksums), and its position and history are those of the save it belongs to.
    const { model, state, optimizerWeights } = await loadCheckpoint(runDir);
    const epochsDone = keeps === 'previous' ? 1 : 2;
    assert.equal(state.epoch, epochsDone + 1, 'the epoch the checkpoint continues with');
    assert.equal(state.batchesDone, 0);
    assert.equal(state.history.length, epochsDone);
    assert.deepEqual(
      state.history.map((e) => e.loss),
      reference.epochs.slice(0, epochsDone).map((e) => e[0]),
      "the checkpoint's history is the run's",
    );
    assert.ok(optimizerWeights.length > 1, 'the optimizer state (iteration count and momentum) was saved');
    model.dispose();
    tf.dispose(optimizerWeights.map((w) => w.tensor));

    // Resuming continues from that checkpoint to exactly the uninterrupted run, and clears what the kill left.
    const resumed = runCli(['train', '--resume', runDir, '--backend', 'cpu'], dir);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`resuming: .* at epoch ${epochsDone + 1}/${EPOCHS} after batch 0`));
    assert.deepEqual(epochFigures(runDir), reference.epochs);
    assert.deepEqual(testFigures(runDir), reference.test);
    const json = await readModelJson(runDir);
    const named = [...json.weightsManifest[0]!.paths.map((p) => p.replace('./', '')), String(json.userDefinedMetadata?.netspec_companion_file)];
    const files = readdirSync(runDir);
    assert.deepEqual(checkpointFiles(files), checkpointFiles(named), 'only the files model.json names remain');
    assert.deepEqual(
      files.filter((f) => f.endsWith('.tmp')),
      [],
      'no temp files left',
    );
  });
}
