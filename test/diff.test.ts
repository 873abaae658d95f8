// `netspec diff A B` end to end: the seed against a variant with wider convolutions, a dropout
// and a renamed classifier, checked against figures worked out here by the conv and dense
// formulas; JSON for scripts; exit 1 for a spec error in either spec, 2 for usage mistakes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli, tempDir } from './helpers.js';

const SEED = readFileSync(join(ROOT, 'specs', 'mnist-cnn.yaml'), 'utf8');

/** The seed with 128 filters in its last two convolutions, a dropout before flatten and its classifier named. */
function variant(): string {
  const lines = SEED.split('\n').filter((l) => !l.includes('expect: {') && !l.includes('params: 93322') && l !== 'expect:');
  const text = lines
    .join('\n')
    .replace('name: mnist-cnn', 'name: mnist-wide')
    .replace(/filters: 64/g, 'filters: 128')
    .replace('  - kind: flatten', '  - kind: dropout\n    rate: 0.25\n  - kind: flatten');
  return text.replace('  - kind: dense\n    units: 10', '  - kind: dense\n    name: classifier\n    units: 10');
}

function specs(): { dir: string; a: string; b: string } {
  const dir = tempDir();
  mkdirSync(join(dir, 'specs'));
  writeFileSync(join(dir, 'specs', 'a.yaml'), SEED);
  writeFileSync(join(dir, 'specs', 'b.yaml'), variant());
  return { dir, a: 'specs/a.yaml', b: 'specs/b.yaml' };
}

const row = (text: string, name: string): string => text.split('\n').find((l) => l.slice(3).startsWith(`${name} (`)) ?? '';

test('diff shows both summaries side by side with what changed, layer by layer and in total', () => {
  const { dir, a, b } = specs();
  const r = runCli(['diff', a, b], dir);
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout;
  assert.match(out, /^A: Model "mnist-cnn" \(specs\/a\.yaml\)\nB: Model "mnist-wide" \(specs\/b\.yaml\)\n/);
  // Unchanged layers carry no mark and no changes.
  assert.match(row(out, 'conv2d'), /^ {3}conv2d \(Conv2D\) +\(None, 26, 26, 32\) +320 +194,688 +\| +\(None, 26, 26, 32\) +320 +194,688 +\|$/);
  // 3*3*32*128 + 128 = 36,992 parameters; 11*11*128 * 3*3*32 = 4,460,544 multiply-adds;
  // its relu output kept for backprop grows by 11*11*64 values, 30,976 bytes.
  assert.match(
    row(out, 'conv2d_1'),
    /^~ {2}conv2d_1 \(Conv2D\) +\(None, 11, 11, 64\) +18,496 +2,230,272 +\| +\(None, 11, 11, 128\) +36,992 +4,460,544 +\| +shape, \+18,496 params, \+2\.23M mult-adds, \+0\.031 MB kept$/,
  );
  // 3*3*128*128 + 128 = 147,584 against 36,928.
  assert.match(row(out, 'conv2d_2'), /\(None, 3, 3, 128\) +147,584 +1,327,104 +\| +shape, \+110,656 params/);
  assert.match(row(out, 'dropout'), /^\+ {2}dropout \(Dropout\) +\| +\(None, 3, 3, 128\) +0 +0 +\| +only in B$/);
  assert.match(row(out, 'flatten'), /reads dropout \(was conv2d_2\), shape$/);
  // 3*3*128 = 1,152 inputs: 1,152*64 + 64 = 73,792.
  assert.match(row(out, 'dense'), /\(None, 64\) +73,792 +73,728 +\| +\+36,864 params, \+36\.86K mult-adds$/);
  assert.match(row(out, 'dense_1'), /^- {2}dense_1 \(Dense\) +\(None, 10\) +650 +640 +\| +\| +only in A$/);
  assert.match(row(out, 'classifier'), /^\+ {2}classifier \(Dense\) .*only in B$/);
  assert.match(out, /Layers: 8 in A, 9 in B; 5 changed, 2 added, 1 removed/);
  // 320 + 36,992 + 147,584 + 73,792 + 650 = 259,338; 259,338 - 93,322 = 166,016 more.
  assert.match(out, /\nTotal params +93,322 +259,338 +\+166,016 \(\+177\.9%\)\n/);
  assert.match(out, /\nNon-trainable params +0 +0\n/);
  // 194,688 + 4,460,544 + 1,327,104 + 73,728 + 640 = 6,056,704.
  assert.match(out, /\nTotal mult-adds +2,794,240 +6,056,704 +\+3,262,464 \(\+116\.8%\)\n/);
  assert.match(out, /\nTraining memory at batch 64 \(MB\) +11\.17 +\d+\.\d+ +\+/);
  assert.doesNotMatch(out, /\u001b\[/, 'no colour when NO_COLOR is set');
});

test('diff --json gives every layer on both sides and every total, in bytes and counts', () => {
  const { dir, a, b } = specs();
  const r = runCli(['diff', '--json', a, b], dir);
  assert.equal(r.status, 0, r.stderr);
  const diff = JSON.parse(r.stdout);
  assert.deepEqual([diff.a.name, diff.b.name], ['mnist-cnn', 'mnist-wide']);
  const conv = diff.layers.find((l: { name: string }) => l.name === 'conv2d_1');
  assert.equal(conv.status, 'changed');
  assert.deepEqual(conv.a, { type: 'Conv2D', shape: [11, 11, 64], params: 18496, mult_adds: 2230272, kept_bytes: 11 * 11 * 64 * 4 });
  assert.deepEqual(conv.b.shape, [11, 11, 128]);
  assert.deepEqual(
    diff.layers
      .filter((l: { status: string }) => l.status !== 'same' && l.status !== 'changed')
      .map((l: { name: string; status: string }) => [l.name, l.status]),
    [
      ['dropout', 'added'],
      ['dense_1', 'removed'],
      ['classifier', 'added'],
    ],
  );
  const total = diff.totals.find((t: { figure: string }) => t.figure === 'Total params');
  assert.deepEqual(total, { figure: 'Total params', unit: 'count', a: 93322, b: 259338, change: 166016 });
  const params = diff.totals.find((t: { figure: string }) => t.figure === 'Params size (MB)');
  assert.deepEqual([params.unit, params.a, params.b], ['bytes', 93322 * 4, 259338 * 4]);
});

test('a spec compared with itself has no changes', () => {
  const { dir, a } = specs();
  const r = runCli(['diff', a, a], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Layers: 8 in A, 8 in B; 0 changed, 0 added, 0 removed/);
  assert.doesNotMatch(r.stdout, /^[~+-] /m);
});

test('graphs: a changed shortcut shows as a change of what the layer reads', () => {
  const dir = tempDir();
  const residual = readFileSync(join(ROOT, 'test', 'fixtures', 'good', 'residual-block.yaml'), 'utf8');
  writeFileSync(join(dir, 'a.yaml'), residual);
  writeFileSync(join(dir, 'b.yaml'), residual.replace('inputs: [conv2, stem]', 'inputs: [conv2, conv1]'));
  const r = runCli(['diff', 'a.yaml', 'b.yaml'], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(row(r.stdout, 'block'), /^~ .*reads conv2, conv1 \(was conv2, stem\)/);
  assert.match(r.stdout, /1 changed, 0 added, 0 removed/);
});

test('a spec error in either spec is reported at its line, and the exit code is 1', () => {
  const { dir, a } = specs();
  writeFileSync(
    join(dir, 'specs', 'bad.yaml'),
    SEED.replace('kernel: 3\n    activation: relu\n    expect: { shape: [26', 'kernel: -3\n    activation: relu\n    expect: { shape: [26'),
  );
  for (const args of [
    [a, 'specs/bad.yaml'],
    ['specs/bad.yaml', a],
  ]) {
    const r = runCli(['diff', ...args], dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^specs\/bad\.yaml:10:13: kernel must be a positive integer or a pair of them; got -3$/m);
    assert.equal(r.stdout, '');
  }
  writeFileSync(join(dir, 'specs', 'bad2.yaml'), SEED.replace('units: 64', 'units: 0'));
  const both = runCli(['diff', 'specs/bad.yaml', 'specs/bad2.yaml'], dir);
  assert.equal(both.status, 1);
  assert.match(both.stderr, /bad\.yaml:10:13/);
  assert.match(both.stderr, /bad2\.yaml:\d+:\d+: units must be/);
});

test('usage mistakes exit 2 without a stack trace', () => {
  const { dir, a } = specs();
  for (const args of [['diff'], ['diff', a], ['diff', a, 'specs/missing.yaml'], ['diff', a, 'specs'], ['diff', a, a, '--frobnicate']]) {
    const r = runCli(args, dir);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at .+[:(]\d+:\d+/);
  }
});
