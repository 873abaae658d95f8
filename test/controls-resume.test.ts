// The training controls through the real CLI: a run with a plateau schedule, early stopping,
// augmentation and class weights, interrupted by Ctrl-C mid-epoch and resumed, gives exactly the
// uninterrupted run's metrics, rates and kept epoch (the schedule's counters, early stopping's
// state and the best epoch's weights all travel in the checkpoint); replicas set the same rates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.js';
import { epochFigures, metrics, onlyRunDir, project, results, runDirOf, runWithPause, specText, testFigures } from './train-faults-helpers.js';

const shared = tempDir();
const controls = `  validation_split: 0.2
  learning_rate_schedule: { kind: reduce_on_plateau, monitor: val_loss, factor: 0.5, patience: 0, min_delta: 0.2 }
  early_stopping: { monitor: val_loss, patience: 2, min_delta: 0.03 }
  augmentation: { shift: 0.15, rotation: 10 }
  class_weights: { 0: 2, 3: 0.5 }
`;

interface ControlsRecord {
  epochs: { epoch: number; learning_rate: number }[];
  kept_epoch?: number;
  stopped_early?: { epoch: number; reason: string };
}
const record = (dir: string): ControlsRecord => metrics(dir) as unknown as ControlsRecord;

test('Ctrl-C mid-epoch and --resume give the uninterrupted run: metrics, rates, early stop and kept epoch', async () => {
  const { dir, spec } = project(specText({ epochs: 12 }) + controls, shared);
  const full = runCli(['train', spec, '--backend', 'cpu', '--out', join(dir, 'runs-full')], dir);
  assert.equal(full.status, 0, full.stderr);
  const fullDir = runDirOf(full.stdout);
  const whole = record(fullDir);
  const rates = whole.epochs.map((e) => e.learning_rate);
  assert.equal(rates[0], 0.05);
  assert.ok(
    rates.some((r) => r < 0.05),
    `the plateau schedule reduced the rate: ${rates}`,
  );
  assert.ok(whole.stopped_early, 'early stopping ended the run');
  assert.ok(whole.epochs.length < 12);
  assert.equal(whole.stopped_early.epoch, whole.epochs.length);
  assert.ok(whole.kept_epoch !== undefined && whole.kept_epoch < whole.epochs.length);
  assert.match(full.stdout, /early stopping: stopped after epoch \d+: val_loss did not improve/);
  assert.equal((results(fullDir).training as { kept_epoch?: number }).kept_epoch, whole.kept_epoch);
  // The kept epoch's validation loss was never beaten by more than min_delta afterwards.
  const kept = epochFigures(fullDir)[whole.kept_epoch - 1]![2]!;
  for (const later of epochFigures(fullDir).slice(whole.kept_epoch)) assert.ok(later[2]! >= kept - 0.03, `${later[2]} beats ${kept}`);
  assert.ok(!readdirSync(fullDir).some((f) => f.startsWith('best-')), 'the best-weights file goes once training ends');

  // 320 training samples in batches of 8: 40 batches an epoch, so batch 45 is epoch 2's fifth.
  const out = join(dir, 'runs');
  const stopped = await runWithPause(
    ['train', spec, '--backend', 'cpu', '--out', out],
    dir,
    { point: 'batch', count: 45 },
    (child) => void child.kill('SIGINT'),
  );
  assert.equal(stopped.status, 130, stopped.stderr);
  const runDir = onlyRunDir(out);
  assert.ok(
    readdirSync(runDir).some((f) => /^best-[0-9a-f]{16}\.bin$/.test(f)),
    'the best epoch so far is kept for the resume',
  );
  const resumed = runCli(['train', '--resume', runDir, '--backend', 'cpu'], dir);
  assert.equal(resumed.status, 0, resumed.stderr);
  const after = record(runDir);
  assert.deepEqual(epochFigures(runDir), epochFigures(fullDir));
  assert.deepEqual(
    after.epochs.map((e) => e.learning_rate),
    rates,
  );
  assert.equal(after.kept_epoch, whole.kept_epoch);
  assert.deepEqual(after.stopped_early, whole.stopped_early);
  assert.deepEqual(testFigures(runDir), testFigures(fullDir));
  // A finished, early-stopped run has nothing left to resume.
  const again = runCli(['train', '--resume', runDir, '--backend', 'cpu'], dir);
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(record(runDir).epochs.length, whole.epochs.length);
});

test('replicas train with the same per-epoch rates as one process', () => {
  const cosine = '  learning_rate_schedule: { kind: cosine, warmup_epochs: 1, alpha: 0.1 }\n';
  const { dir, spec } = project(specText({ epochs: 4 }) + cosine, tempDir());
  const one = runCli(['train', spec, '--workers', '1', '--backend', 'wasm', '--out', join(dir, 'one')], dir);
  assert.equal(one.status, 0, one.stderr);
  const two = runCli(['train', spec, '--workers', '2', '--out', join(dir, 'two')], dir);
  assert.equal(two.status, 0, two.stderr);
  const ratesOf = (d: string): number[] => record(runDirOf(d)).epochs.map((e) => e.learning_rate);
  assert.deepEqual(ratesOf(two.stdout), ratesOf(one.stdout));
  // And they used them: the replicas' losses follow the one-process run's (float rounding apart).
  const loss = (d: string): number[] => epochFigures(runDirOf(d)).map((f) => f[0]!);
  loss(two.stdout).forEach((l, i) => assert.ok(Math.abs(l - loss(one.stdout)[i]!) < 1e-3, `epoch ${i + 1}: ${l} vs ${loss(one.stdout)[i]}`));
});
