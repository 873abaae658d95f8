// `netspec compile` end to end, as a user runs it: summaries, generated files, --check,
// exit codes, and a failing spec that leaves its previous output untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TARGET_NAMES } from '../src/emit/targets.js';
import { ROOT, runCli, tempDir } from './helpers.js';

/** A throwaway project folder with the real specs. */
function project(): string {
  const dir = tempDir();
  cpSync(join(ROOT, 'specs'), join(dir, 'specs'), { recursive: true });
  cpSync(join(ROOT, 'schema'), join(dir, 'schema'), { recursive: true });
  mkdirSync(join(dir, 'generated'));
  return dir;
}

test('compile prints the seed summary with 93,322 parameters and writes every module', () => {
  const dir = project();
  const r = runCli(['compile'], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Total params: 93,322 \(364\.54 KB\)\nTrainable params: 93,322 \(364\.54 KB\)\nNon-trainable params: 0 /);
  assert.match(r.stdout, /wrote generated[/\\]mnist-cnn\.ts/);
  // One file per target and spec (TypeScript, Keras, PyTorch): exactly the committed tree.
  const files = (root: string): string[] =>
    readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.includes('.'))
      .sort();
  const specs = readdirSync(join(dir, 'specs')).filter((f) => f.endsWith('.yaml'));
  assert.equal(files(join(dir, 'generated')).length, TARGET_NAMES.length * specs.length);
  assert.equal(TARGET_NAMES.length, 3);
  assert.deepEqual(files(join(dir, 'generated')), files(join(ROOT, 'generated')));
  for (const f of files(join(dir, 'generated'))) {
    assert.equal(readFileSync(join(dir, 'generated', f), 'utf8'), readFileSync(join(ROOT, 'generated', f), 'utf8'), f);
  }
});

test('a second run changes no byte and --check passes; a stale or missing file fails --check', () => {
  const dir = project();
  assert.equal(runCli(['compile', '-q'], dir).status, 0);
  const file = join(dir, 'generated', 'mlp.ts');
  const before = statSync(file).mtimeMs;
  assert.equal(runCli(['compile', '-q'], dir).status, 0);
  assert.equal(statSync(file).mtimeMs, before, 'an up-to-date file is not rewritten');
  assert.equal(runCli(['compile', '--check'], dir).status, 0);

  writeFileSync(file, readFileSync(file, 'utf8') + '// edited by hand\n');
  const stale = runCli(['compile', '--check'], dir);
  assert.equal(stale.status, 1);
  assert.match(stale.stderr, /generated[/\\]mlp\.ts is stale/);
  assert.match(readFileSync(file, 'utf8'), /edited by hand/, '--check writes nothing');

  writeFileSync(join(dir, 'generated', 'orphan.ts'), 'export {};\n');
  assert.match(runCli(['compile', '--check'], dir).stderr, /orphan\.ts has no spec/);
});

test('a broken spec exits 1 with file:line:col, keeps its previous output, and the others still compile', () => {
  const dir = project();
  assert.equal(runCli(['compile', '-q'], dir).status, 0);
  const previous = readFileSync(join(dir, 'generated', 'mnist-cnn.ts'), 'utf8');
  const spec = join(dir, 'specs', 'mnist-cnn.yaml');
  writeFileSync(
    spec,
    readFileSync(spec, 'utf8').replace(
      'kernel: 3\n    activation: relu\n    expect: { shape: [26',
      'kernel: -3\n    activation: relu\n    expect: { shape: [26',
    ),
  );
  writeFileSync(join(dir, 'specs', 'mlp.yaml'), readFileSync(join(dir, 'specs', 'mlp.yaml'), 'utf8').replace('units: 128', 'units: 64'));
  const r = runCli(['compile'], dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /specs[/\\]mnist-cnn\.yaml:10:13: kernel must be a positive integer or a pair of them; got -3/);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
  assert.equal(readFileSync(join(dir, 'generated', 'mnist-cnn.ts'), 'utf8'), previous);
  // mlp.yaml's expectations no longer hold (128 -> 64 units), so it fails too, at its own line.
  assert.match(r.stderr, /mlp\.yaml:\d+:\d+: layer 6 'dense_1' \(dense\) is expected to have 32,896 parameters but has 16,448/);
  assert.match(r.stdout, /Model: "lenet5"/);
  assert.equal(readdirSync(join(dir, 'generated')).filter((f) => f.includes('.tmp')).length, 0);
});

test('usage errors exit 2 without a stack trace', () => {
  const dir = project();
  const missing = runCli(['compile', 'specs/nope.yaml'], dir);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /spec file specs\/nope\.yaml does not exist/);
  const flag = runCli(['compile', '--frobnicate'], dir);
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /unknown option '--frobnicate'/);
  assert.equal(runCli(['compile', '--max-params', 'lots'], dir).status, 2);
});

test('an empty path (an unset variable) is a usage error naming the option, for every command, and nothing is written', () => {
  const dir = project();
  const before = readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
  const cases: [string[], RegExp][] = [
    [['compile', 'specs/mlp.yaml', '--out-dir', ''], /^error: --out-dir is empty; give a path/],
    [['compile', '--specs-dir', ''], /^error: --specs-dir is empty/],
    [['compile', 'specs/mlp.yaml', '--report-dir', ''], /^error: --report-dir is empty/],
    [['compile', ''], /^error: the <specs> argument is empty/],
    [['train', ''], /^error: the <spec> argument is empty/],
    [['train', 'specs/mlp.yaml', '--out', ''], /^error: --out is empty/],
    [['train', '--resume', ''], /^error: --resume is empty/],
    [['evaluate', ''], /^error: the <run-dir> argument is empty/],
    [['predict', 'runs/x', ''], /^error: the <inputs> argument is empty/],
    [['report', 'specs/mlp.yaml', '--out', ''], /^error: --out is empty/],
    [['diff', 'specs/mlp.yaml', ''], /^error: the <b> argument is empty/],
    [['init', 'fresh', '--specs-dir', ''], /^error: --specs-dir is empty/],
    [['export-torch', 'runs/x', '--out', ''], /^error: --out is empty/],
    [['bench', '--json', ''], /^error: --json is empty/],
  ];
  for (const [args, message] of cases) {
    const r = runCli(args, dir);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line`);
  }
  assert.deepEqual(readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort(), before);
});

test('--max-params refuses a model over budget with its computed size', () => {
  const dir = project();
  const r = runCli(['compile', '-q', '--max-params', '1000', 'specs/mnist-cnn.yaml'], dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the model has 93,322 parameters \(373,288 bytes of float32 weights\), over the limit of 1,000/);
});
