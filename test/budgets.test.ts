// Budgets from the command line and from the library: a flag refuses a model at the layer that
// contributes most, nothing is written and no run folder is made; a spec's own budgets are
// reported at their lines (the bad-spec corpus has one per budget: test/fixtures/bad/limit-budget-*).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUDGETS } from '../src/compile/budgets.js';
import { compileSpecFile, compileSpecText } from '../src/compile/index.js';
import { buildSpecSchema } from '../src/compile/spec-schema.js';
import { ROOT, runCli, tempDir } from './helpers.js';
import { project } from './train-faults-helpers.js';

const SEED = join(ROOT, 'specs', 'mnist-cnn.yaml');

function seedProject(): string {
  const dir = tempDir();
  cpSync(join(ROOT, 'specs', 'mnist-cnn.yaml'), join(dir, 'specs', 'mnist-cnn.yaml'));
  mkdirSync(join(dir, 'generated'));
  return dir;
}

test('every budget has a spec key in the schema, and every one but max_params a flag on compile and train', () => {
  const expect = (buildSpecSchema().properties as Record<string, { properties: Record<string, unknown> }>).expect!;
  for (const budget of BUDGETS) assert.ok(expect.properties[budget.key], budget.key);
  const help = (command: string) => runCli([command, '--help']).stdout;
  for (const command of ['compile', 'train']) {
    for (const budget of BUDGETS.filter((b) => b.flag)) assert.match(help(command), new RegExp(`${budget.flag} <`), `${command} ${budget.flag}`);
  }
});

test('compile --max-mult-adds refuses the seed at its costliest layer and writes nothing', () => {
  const dir = seedProject();
  const r = runCli(['compile', '-q', '--no-report', '--max-mult-adds', '2e6', 'specs/mnist-cnn.yaml'], dir);
  assert.equal(r.status, 1, r.stderr);
  // 11*11*64 * 3*3*32 = 2,230,272 of 2,794,240; the layer is written at line 16 of the seed.
  assert.match(
    r.stderr,
    /^specs\/mnist-cnn\.yaml:16:5: the model needs 2,794,240 multiply-adds per sample .*over the budget of 2,000,000 set by --max-mult-adds; the layer that contributes most is layer 3 'conv2d_1' \(conv2d\) at line 16, with 2,230,272 \(80%\)/,
  );
  assert.doesNotMatch(r.stderr, /\n {4}at /, 'no stack trace');
  assert.deepEqual(readdirSync(join(dir, 'generated')), []);
});

test('budget flags take numbers like 5e6 and 2.5, and refuse anything else as a usage error', () => {
  const dir = seedProject();
  const fits = runCli(
    ['compile', '-q', '--no-report', '--max-mult-adds', '3e6', '--max-training-mb', '12.5', '--max-forward-mb', '0.2', 'specs/mnist-cnn.yaml'],
    dir,
  );
  assert.equal(fits.status, 0, fits.stderr);
  for (const bad of [
    ['--max-mult-adds', 'lots'],
    ['--max-training-mb', '0'],
    ['--max-params-mb', '-1'],
    ['--max-forward-mb', 'Infinity'],
    ['--max-activations-mb', ''],
  ]) {
    const r = runCli(['compile', '-q', '--no-report', ...bad, 'specs/mnist-cnn.yaml'], dir);
    assert.equal(r.status, 2, `${bad.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /expected a number greater than 0/);
  }
});

test('train refuses a model over a memory budget before it loads data or makes a run folder', () => {
  const { dir, spec } = project();
  const r = runCli(['train', spec, '--max-training-mb', '0.01', '--out', join(dir, 'runs')], dir);
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /to train at batch \d+ \(the summary's Training memory\), over the budget of 0\.01 MB set by --max-training-mb; the layer that contributes most is layer/,
  );
  assert.equal(existsSync(join(dir, 'runs')), false);
});

test('train --batch-size is the batch the training budget is checked at', () => {
  const { dir, spec } = project();
  const text = readFileSync(spec, 'utf8');
  const model = compileSpecText(spec, text);
  assert.ok(model.ok);
  const { costs } = model.model;
  const fixed = costs.paramsBytes + costs.gradientBytes + costs.optimizer.bytes;
  const perSample = costs.inputBytes + costs.keptBytes;
  // A budget between what a batch of 8 and a batch of 4096 need.
  const budget = (fixed + 100 * perSample) / 1e6;
  const small = runCli(
    ['train', spec, '--batch-size', '8', '--epochs', '1', '--limit', '16', '--backend', 'cpu', '--max-training-mb', String(budget), '--out', join(dir, 'runs')],
    dir,
  );
  assert.equal(small.status, 0, small.stderr);
  assert.match(small.stdout, /Training memory at batch 8 \(MB\)/);
  const large = runCli(['train', spec, '--batch-size', '4096', '--max-training-mb', String(budget), '--out', join(dir, 'runs2')], dir);
  assert.equal(large.status, 1);
  assert.match(large.stderr, /to train at batch 4096/);
});

test("a spec budget and a flag over the same figure are both reported, the spec's at its own line", () => {
  const text = readFileSync(SEED, 'utf8').replace('  params: 93322\n', '  params: 93322\n  max_mult_adds: 1e6\n');
  const result = compileSpecText('seed.yaml', text, { limits: { maxMultAdds: 2e6 } });
  assert.equal(result.ok, false);
  if (result.ok) return;
  const line = text.split('\n').findIndex((l) => l.includes('max_mult_adds')) + 1;
  assert.deepEqual(
    result.diagnostics.map((d) => [d.line, d.stage]),
    [
      [16, 'limit'],
      [line, 'limit'],
    ],
  );
  assert.match(result.diagnostics[1]!.message, /over the budget of 1,000,000 in expect\.max_mult_adds/);
  assert.match(result.diagnostics[0]!.message, /over the budget of 2,000,000 set by --max-mult-adds/);
});

test('budgets the model meets compile, and each figure can be the one that fails', () => {
  const seed = compileSpecFile(SEED);
  assert.ok(seed.ok);
  const { costs, totals } = seed.model;
  const figures: Record<string, number> = {
    max_params: totals.trainable + totals.nonTrainable,
    max_mult_adds: costs.multAdds,
    max_params_mb: costs.paramsBytes / 1e6,
    max_forward_mb: costs.forwardBytes / 1e6,
    max_activations_mb: costs.keptBytes / 1e6,
    max_training_mb: costs.trainingBytes / 1e6,
  };
  const withBudget = (key: string, value: number) => readFileSync(SEED, 'utf8').replace('  params: 93322\n', `  params: 93322\n  ${key}: ${value}\n`);
  for (const [key, figure] of Object.entries(figures)) {
    assert.equal(compileSpecText('seed.yaml', withBudget(key, figure)).ok, true, `${key} at exactly the figure passes`);
    const over = compileSpecText('seed.yaml', withBudget(key, key === 'max_params' ? figure - 1 : figure * 0.999));
    assert.equal(over.ok, false, `${key} just under the figure fails`);
    if (!over.ok) assert.match(over.diagnostics[0]!.message, new RegExp(`expect\\.${key}; `));
  }
});
