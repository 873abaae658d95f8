// Run folders after the fact: edited, half-made, finished or stopped by SIGTERM. evaluate,
// train --resume and report must each explain what they find in one plain line, refuse what
// they cannot trust, and never leave a folder that --resume cannot explain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashedName } from '../src/train/model-io.js';
import { CLI, runCli, tempDir } from './helpers.js';
import { assertPlainFailure, metrics, project, results, runDirOf, specText } from './train-faults-helpers.js';

const shared = tempDir();
const { dir: projectDir, spec } = project(specText({ epochs: 2 }), shared);
const trained = runCli(['train', spec, '--backend', 'cpu', '--out', join(projectDir, 'runs')], projectDir);
const finished = trained.status === 0 ? runDirOf(trained.stdout) : '';
let copies = 0;

/** A copy of the finished run, to spoil. */
function copyOfRun(): string {
  assert.equal(trained.status, 0, trained.stderr);
  const copy = join(projectDir, 'runs', 'quarters', `copy-${++copies}`);
  cpSync(finished, copy, { recursive: true });
  return copy;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests edit run files of any shape
const editJson = (file: string, edit: (value: Record<string, any>) => void): void => {
  const value = JSON.parse(readFileSync(file, 'utf8'));
  edit(value);
  writeFileSync(file, JSON.stringify(value));
};

test('evaluate refuses an edited model.json or dataset.json plainly, naming the file', () => {
  const units = copyOfRun();
  editJson(join(units, 'model.json'), (m) => (m.modelTopology.config.layers[1].config.units = 17));
  assertPlainFailure(runCli(['evaluate', units, '--backend', 'cpu'], projectDir), /model\.json: tfjs cannot load the model it describes \(Shape mismatch/);

  const record = copyOfRun();
  editJson(join(record, 'dataset.json'), (d) => (d.ref = 5));
  assertPlainFailure(runCli(['evaluate', record, '--backend', 'cpu'], projectDir), /dataset\.json: ref must be a mapping; the file was edited/);
  // A field the kind needs, gone: named, before any loader sees the record.
  editJson(join(record, 'dataset.json'), (d) => (d.ref = { kind: 'idx' }));
  assertPlainFailure(runCli(['evaluate', record, '--backend', 'cpu'], projectDir), /dataset\.json: ref\.dir is missing; the file was edited/);
});

test('evaluate says when the model files are not the ones the results were measured on', () => {
  // Weights changed and renamed to match their new hash: a consistent folder, but not the trained model.
  const run = copyOfRun();
  const old = readdirSync(run).find((f) => f.startsWith('weights-'))!;
  const bytes = readFileSync(join(run, old));
  for (let i = 3; i < 64 * 16 * 4; i += 4) bytes[i] = bytes[i]! ^ 0x80;
  const name = hashedName('weights', bytes);
  writeFileSync(join(run, name), bytes);
  rmSync(join(run, old));
  editJson(join(run, 'model.json'), (m) => (m.weightsManifest[0].paths = [`./${name}`]));
  const tampered = runCli(['evaluate', run, '--backend', 'cpu'], projectDir);
  assert.equal(tampered.status, 0, tampered.stderr);
  assert.match(tampered.stdout, /differs from the saved results .*: the model files are not the ones the run saved its results with/);
  assert.doesNotMatch(tampered.stdout, /another backend/);
  // The untouched run on the backend that trained it reproduces exactly.
  assert.match(runCli(['evaluate', finished, '--backend', 'cpu'], projectDir).stdout, /^reproduced: /m);
});

test('resume explains finished, half-made and foreign folders instead of training them', () => {
  const done = runCli(['train', '--resume', finished, '--backend', 'cpu'], projectDir);
  assert.equal(done.status, 0, done.stderr);
  assert.match(done.stdout, /^finished: .* already trained all 2 epoch\(s\), test accuracy \d+\.\d\d%; there is nothing to resume$/m);
  assert.doesNotMatch(done.stdout, /at epoch 3\/2|Test: loss/);
  // Flags that would change the run's settings or folder are refused, not dropped.
  const changed = runCli(['train', '--resume', finished, '--epochs', '5', '--limit', '64', '--no-cache', '--out', 'elsewhere', '--backend', 'cpu'], projectDir);
  assert.equal(changed.status, 2, changed.stderr);
  assert.match(
    changed.stderr,
    /^error: --epochs, --limit, --no-cache, --out cannot change a resumed run: it continues with the settings and folder it started with; start a new run to change them$/m,
  );

  const half = copyOfRun();
  for (const f of readdirSync(half)) if (!['resolved-spec.json', 'dataset.json'].includes(f)) rmSync(join(half, f));
  assertPlainFailure(
    runCli(['train', '--resume', half, '--backend', 'cpu'], projectDir),
    /was stopped before it saved its first checkpoint \(it has no model\.json\), so there is nothing to resume; start the run again with: netspec train .*quarters\.yaml --out .* --backend cpu/,
  );

  const foreign = copyOfRun();
  rmSync(join(foreign, 'results.json'));
  editJson(join(foreign, 'model.json'), (m) => (m.modelTopology.config.layers[1].config.activation = 'tanh'));
  assertPlainFailure(
    runCli(['train', '--resume', foreign, '--backend', 'cpu'], projectDir),
    /model\.json: describes another model than the one this run started with \(resolved-spec\.json\); refusing to train it/,
  );

  const damaged = copyOfRun();
  rmSync(join(damaged, 'results.json'));
  editJson(join(damaged, 'resolved-spec.json'), (r) => (r.training.batchSize = 0));
  assertPlainFailure(
    runCli(['train', '--resume', damaged, '--backend', 'cpu'], projectDir),
    /resolved-spec\.json: batchSize must be a whole number of at least 1, got 0/,
  );
});

test('a resume that completes a run rebuilds report.html', () => {
  // All epochs trained but killed before the test evaluation: resume evaluates and reports.
  const run = copyOfRun();
  rmSync(join(run, 'results.json'));
  rmSync(join(run, 'report.html'));
  const resumed = runCli(['train', '--resume', run, '--backend', 'cpu'], projectDir);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /trained all 2 epoch\(s\); evaluating it on the test set/);
  assert.ok(existsSync(join(run, 'report.html')), 'report.html rebuilt');
  assert.equal(results(run).test!.accuracy, results(finished).test!.accuracy);
});

/** Starts `train`, sends `signal` once `when` appears on stdout, and resolves with how it ended. */
function trainUntil(args: string[], when: RegExp, signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: projectDir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (when.test(stdout) && !child.killed) child.kill(signal);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('SIGTERM checkpoints like Ctrl-C and exits 143; the run resumes to the same result', async () => {
  const long = join(projectDir, 'long.yaml');
  writeFileSync(long, specText({ epochs: 4 }));
  const stopped = await trainUntil(['train', long, '--backend', 'cpu', '--out', join(projectDir, 'runs-term')], /Epoch +1\/4/, 'SIGTERM');
  assert.equal(stopped.code, 143, stopped.stderr);
  assert.match(stopped.stderr, /terminated: finishing the current batch and saving a checkpoint/);
  assert.match(stopped.stdout, /continue with: netspec train --resume /);
  const run = runDirOf(stopped.stdout);
  assert.equal(metrics(run).interrupted, true);
  const resumed = runCli(['train', '--resume', run, '--backend', 'cpu'], projectDir);
  assert.equal(resumed.status, 0, resumed.stderr);
  const whole = runCli(['train', long, '--backend', 'cpu', '--out', join(projectDir, 'runs-whole')], projectDir);
  assert.equal(results(run).test!.loss, results(runDirOf(whole.stdout)).test!.loss, 'the resumed run is the same run');
});

test('kill -9 before the first epoch ends leaves a folder that resumes from its start', async () => {
  const long = join(projectDir, 'long.yaml');
  writeFileSync(long, specText({ epochs: 2 }));
  const killed = await trainUntil(['train', long, '--backend', 'cpu', '--out', join(projectDir, 'runs-kill')], /run folder: /, 'SIGKILL');
  assert.equal(killed.code, null);
  // The folder is printed only once it holds a checkpoint taken before the first batch.
  const run = runDirOf(killed.stdout);
  assert.ok(existsSync(join(run, 'model.json')), 'a printed run folder is resumable');
  const resumed = runCli(['train', '--resume', run, '--backend', 'cpu'], projectDir);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /resuming: .* at epoch 1\/2 after batch 0/);
  assert.equal(results(run).test!.loss, results(finished).test!.loss, 'the same run as an uninterrupted one');
});
