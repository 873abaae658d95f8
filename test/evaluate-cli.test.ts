// `netspec evaluate RUN_DIR` through the real CLI: it reloads a run's model and data and
// reproduces results.json exactly, says when the figures differ, evaluates a run that has no
// results yet, and fails plainly (exit 1 or 2, no stack trace) on a folder it cannot use.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.js';
import { assertPlainFailure, project, runDirOf, specText } from './train-faults-helpers.js';

const shared = tempDir();
const { dir, spec } = project(specText({ epochs: 1 }), shared);
let runDir: string;

interface Saved {
  test: { loss: number; accuracy: number; samples: number; confusion: number[][] };
}
const saved = (folder: string): Saved => JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as Saved;

/** A fresh copy of the trained run folder, to damage. */
function copyOfRun(name: string): string {
  const copy = join(shared, name);
  cpSync(runDir, copy, { recursive: true });
  return copy;
}

before(() => {
  const run = runCli(['train', spec, '--backend', 'cpu', '--out', join(shared, 'runs')], dir);
  assert.equal(run.status, 0, run.stderr);
  runDir = runDirOf(run.stdout);
});

test('evaluate reproduces the saved test loss, accuracy and confusion matrix exactly', () => {
  const r = runCli(['evaluate', runDir, '--backend', 'cpu'], dir);
  assert.equal(r.status, 0, r.stderr);
  const { test: t } = saved(runDir);
  assert.match(r.stdout, /^backend: cpu \(/m);
  assert.ok(r.stdout.includes(`Test: loss ${t.loss.toFixed(4)}  accuracy ${(t.accuracy * 100).toFixed(2)}% on ${t.samples} samples`), r.stdout);
  // The confusion matrix: one row per class, the counts as saved.
  t.confusion.forEach((row, label) => assert.match(r.stdout, new RegExp(`^ +${label} \\| +${row.join(' +')} \\|`, 'm'), `row ${label}`));
  assert.match(r.stdout, /^reproduced: loss, accuracy and confusion matrix equal the saved results exactly$/m);
});

test('evaluate says so when the saved results differ from what the model gives now', () => {
  const folder = copyOfRun('edited');
  const record = saved(folder);
  record.test.loss += 0.5;
  writeFileSync(join(folder, 'results.json'), JSON.stringify(record));
  const r = runCli(['evaluate', folder, '--backend', 'cpu'], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(`^differs from the saved results \\(accuracy ${(record.test.accuracy * 100).toFixed(2)}%, loss ${record.test.loss.toFixed(6)}\\)`, 'm'),
  );
  assert.doesNotMatch(r.stdout, /^reproduced/m);
});

test('a run without results (stopped before testing) is evaluated without a comparison', () => {
  const folder = copyOfRun('no-results');
  rmSync(join(folder, 'results.json'));
  const r = runCli(['evaluate', folder, '--backend', 'cpu'], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Test: loss \d\.\d{4} {2}accuracy \d+\.\d\d% on 100 samples/);
  assert.doesNotMatch(r.stdout, /^(reproduced|differs)/m);
});

test('a folder evaluate cannot use fails plainly: not a run (2), torn weights or missing data (1)', () => {
  const notRun = runCli(['evaluate', join(dir, 'data'), '--backend', 'cpu'], dir);
  assert.equal(notRun.status, 2, notRun.stderr);
  assert.match(notRun.stderr, /data is not a run folder \(it has no model\.json\); pass a folder under runs\/<spec>\//);

  const torn = copyOfRun('torn');
  const weights = readdirSync(torn).find((f) => f.startsWith('weights-'))!;
  writeFileSync(join(torn, weights), readFileSync(join(torn, weights)).subarray(0, 100));
  assertPlainFailure(runCli(['evaluate', torn, '--backend', 'cpu'], dir), new RegExp(`${weights}: its contents do not match the checksum in its name`));

  const noData = copyOfRun('no-data');
  const moved = join(shared, 'data-moved');
  cpSync(join(dir, 'data'), moved, { recursive: true });
  rmSync(join(dir, 'data'), { recursive: true });
  try {
    assertPlainFailure(runCli(['evaluate', noData, '--backend', 'cpu'], dir), /t10k-images-idx3-ubyte/);
  } finally {
    cpSync(moved, join(dir, 'data'), { recursive: true });
  }
});

test("on wasm the run records netspec's kernels, and a difference names them, the test data, or both when the run predates the record", () => {
  const run = runCli(['train', spec, '--backend', 'wasm', '--workers', '1', '--out', join(shared, 'wasm-runs')], dir);
  assert.equal(run.status, 0, run.stderr);
  const wasmRun = runDirOf(run.stdout);
  const record = JSON.parse(readFileSync(join(wasmRun, 'results.json'), 'utf8')) as { kernels?: string; test: { loss: number } };
  assert.match(record.kernels ?? '', /^wasm simd [0-9a-f]{16}( fma)?$/);
  assert.match(runCli(['evaluate', wasmRun, '--backend', 'wasm'], dir).stdout, /^reproduced: /m);

  const differs = (name: string, edit: (r: Record<string, unknown>) => void): string => {
    const folder = join(shared, name);
    cpSync(wasmRun, folder, { recursive: true });
    const edited = { ...record, test: { ...record.test, loss: record.test.loss + 0.5 } } as Record<string, unknown>;
    edit(edited);
    writeFileSync(join(folder, 'results.json'), JSON.stringify(edited));
    const r = runCli(['evaluate', folder, '--backend', 'wasm'], dir);
    assert.equal(r.status, 0, r.stderr);
    return /^differs from the saved results .*$/m.exec(r.stdout)?.[0] ?? `no difference reported:\n${r.stdout}`;
  };
  assert.match(
    differs('same-kernels', () => {}),
    /its kernels are those that produced the saved results, so the test data must have changed since$/,
  );
  assert.match(
    differs('other-kernels', (r) => (r.kernels = 'wasm simd 0123456789abcdef')),
    new RegExp(
      `expected: netspec's kernels are not the ones that evaluated the run \\(wasm simd 0123456789abcdef, now ${record.kernels}: netspec was updated since`,
    ),
  );
  assert.match(
    differs('no-kernels', (r) => delete r.kernels),
    /so the test data changed since, or netspec's kernels did \(an update of netspec can round differently; the run does not record which kernels it used\)$/,
  );
});
