// Where the report is written from the command line: `compile` (reports/<name>/, never with
// --check or --no-report), `train` (inside the run folder) and `netspec report`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSpecReport } from '../src/report/build.js';
import { compileValid, ROOT, runCli, tempDir } from './helpers.js';
import { writeSyntheticRun } from './report-fixtures.js';

const SEED = join(ROOT, 'specs', 'mnist-cnn.yaml');

test('compile writes reports/<name>/ by default, never with --check or --no-report; report rebuilds', async () => {
  const dir = tempDir();
  cpSync(join(ROOT, 'specs'), join(dir, 'specs'), { recursive: true });
  cpSync(join(ROOT, 'schema'), join(dir, 'schema'), { recursive: true });
  mkdirSync(join(dir, 'generated'));

  // One small spec is enough to show that these two write no report.
  const check = runCli(['compile', '--check', '-q', join('specs', 'mlp.yaml')], dir);
  assert.equal(existsSync(join(dir, 'reports')), false, `--check writes no report\n${check.stderr}`);
  assert.equal(runCli(['compile', '-q', '--no-report', join('specs', 'mlp.yaml')], dir).status, 0);
  assert.equal(existsSync(join(dir, 'reports')), false, '--no-report writes no report');

  const r = runCli(['compile', '-q'], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote reports[/\\]mnist-cnn[/\\]index\.html/);
  const specNames = readdirSync(join(dir, 'specs'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
  assert.deepEqual(readdirSync(join(dir, 'reports')).sort(), specNames);
  assert.deepEqual(readdirSync(join(dir, 'reports', 'mnist-cnn')).sort(), ['architecture.svg', 'index.html']);
  assert.match(readFileSync(join(dir, 'reports', 'mnist-cnn', 'index.html'), 'utf8'), /93,322/);

  const run = join(dir, 'runs', 'mnist-cnn', 'synthetic');
  mkdirSync(run, { recursive: true });
  await writeSyntheticRun(run, compileValid(SEED));
  const rebuilt = runCli(['report', join('runs', 'mnist-cnn', 'synthetic')], dir);
  assert.equal(rebuilt.status, 0, rebuilt.stderr);
  assert.match(rebuilt.stdout, /wrote runs[/\\]mnist-cnn[/\\]synthetic[/\\]report\.html/);
  assert.ok(existsSync(join(run, 'confusion.svg')));

  const notARun = runCli(['report', 'specs'], dir);
  assert.equal(notARun.status, 2);
  assert.match(notARun.stderr, /specs is a folder but not a run folder/);
  const spec = await writeSpecReport(compileValid(SEED), join(dir, 'elsewhere'));
  assert.equal(spec.file, join(dir, 'elsewhere', 'mnist-cnn', 'index.html'));
});

test('train writes report.html and the three SVGs into the run folder at the end of a run', () => {
  const out = tempDir();
  const r = runCli(['train', join(ROOT, 'specs', 'mlp.yaml'), '--epochs', '1', '--limit', '300', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const [stamp] = readdirSync(join(out, 'mlp'));
  const dir = join(out, 'mlp', stamp!);
  assert.match(r.stdout, /wrote .*report\.html/);
  for (const f of ['report.html', 'architecture.svg', 'curves.svg', 'confusion.svg']) assert.ok(existsSync(join(dir, f)), f);
  const page = readFileSync(join(dir, 'report.html'), 'utf8');
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  assert.ok(page.includes(`${(results.test.accuracy * 100).toFixed(2)}%`), 'the page shows the recorded test accuracy');
  assert.ok(page.includes('<td class="num total">236,170 ('), 'mlp total params');
});
