// The generated PyTorch program on image folders and CSV tables, end to end: it trains on the data
// as netspec reads it, records the preparation in its checkpoint, and `import-torch` turns the
// checkpoint into a run folder whose dataset.json holds that preparation, so `evaluate` standardises
// and resizes as the program did and reproduces the imported results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadDataset, type LoadOptions } from '../src/data/datasets.js';
import { writeDigitCsv, writeDigitFolder } from '../src/data/samples.js';
import { emitPytorch } from '../src/emit/pytorch.js';
import { compileValid, ROOT, runCli, tempDir } from './helpers.js';
import { pillowForTests, torchForTests } from './torch-helpers.js';

const torch = torchForTests();
const pillow = pillowForTests();
const skip = torch.skip ?? pillow.skip;

/** A project with specs/NAME.yaml and its program in generated/pytorch/, as `netspec compile` lays them out. */
function project(name: string, spec: string): { root: string; specFile: string; program: string } {
  const root = tempDir();
  mkdirSync(join(root, 'specs'));
  mkdirSync(join(root, 'generated', 'pytorch'), { recursive: true });
  const specFile = join(root, 'specs', `${name}.yaml`);
  writeFileSync(specFile, spec);
  const program = join(root, 'generated', 'pytorch', `${name.replace(/-/g, '_')}.py`);
  writeFileSync(program, emitPytorch(compileValid(specFile), `specs/${name}.yaml`));
  return { root, specFile, program };
}

/** Trains with the program (run from elsewhere than the project), imports the checkpoint, evaluates the run. */
function trainImportEvaluate(
  p: { root: string; specFile: string; program: string },
  flags: string[],
): { checkpointRecord: Record<string, unknown>; dataset: Record<string, unknown>; trained: string } {
  const out = join(p.root, 'torch-run');
  const trained = spawnSync(torch.python!, [p.program, '--epochs', '1', '--out', out, ...flags], { encoding: 'utf8', cwd: tempDir(), timeout: 300_000 });
  assert.equal(trained.status, 0, trained.stderr);
  const checkpoint = join(out, 'checkpoint.pt');
  // The checkpoint's record as netspec's reader sees it (torch 1.13's safe loader cannot read floats).
  const folder = tempDir();
  const read = spawnSync(torch.python!, [join(ROOT, 'src', 'interop', 'torch_io.py'), 'read', checkpoint, folder], { encoding: 'utf8' });
  assert.equal(read.status, 0, read.stderr);
  const record = JSON.parse(readFileSync(join(folder, 'tensors.json'), 'utf8')) as { meta: { dataset: Record<string, unknown> } };
  const imported = runCli(['import-torch', p.specFile, checkpoint, '--out', join(p.root, 'runs'), '--python', torch.python!]);
  assert.equal(imported.status, 0, imported.stderr + imported.stdout);
  const dir = /^run folder: (.+)$/m.exec(imported.stdout)![1]!;
  const evaluated = runCli(['evaluate', dir]);
  assert.equal(evaluated.status, 0, evaluated.stderr + evaluated.stdout);
  assert.doesNotMatch(evaluated.stdout + evaluated.stderr, /differ/i, 'evaluate reproduces the imported results');
  return {
    checkpointRecord: record.meta.dataset,
    dataset: JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8')) as Record<string, unknown>,
    trained: trained.stdout,
  };
}

/** The program's training (with validation) and test counts are those netspec loads. */
async function assertSameCounts(specFile: string, trained: string, options: LoadOptions): Promise<void> {
  const model = compileValid(specFile);
  const ours = await loadDataset(model.ir.training!.dataset, dirname(specFile), { ...options, inputShape: model.ir.inputShape, cacheDir: false });
  const [, train, validation, testCount] = /^data: ([\d,]+) training, ([\d,]+) validation and ([\d,]+) test samples/m
    .exec(trained)!
    .map((t) => Number(t.replace(/,/g, '')));
  assert.equal(train! + validation!, ours.train.count);
  assert.equal(testCount, ours.test.count);
}

test('a CSV table: the program standardises as netspec does, and the imported run keeps its statistics', { skip, timeout: 600_000 }, async () => {
  const p = project(
    'digit-rows',
    [
      'name: digit-rows',
      'input: [64]',
      'layers:',
      '  - { kind: dense, units: 16, activation: relu }',
      '  - { kind: dense, units: 10, activation: softmax }',
      'training: { epochs: 1, batch_size: 32, dataset: { kind: csv, file: ../data/digits.csv, label_column: digit, test_split: 0.25 } }',
    ].join('\n'),
  );
  await writeDigitCsv(join(p.root, 'data', 'digits.csv'), 400);
  const { checkpointRecord, dataset, trained } = trainImportEvaluate(p, ['--limit', '200']);
  await assertSameCounts(p.specFile, trained, { limit: 200, testLimit: Number.MAX_SAFE_INTEGER });
  assert.deepEqual(dataset.prepared, checkpointRecord, 'the run records the statistics the program trained with');
  assert.deepEqual(dataset.options, { limit: 200, testLimit: Number.MAX_SAFE_INTEGER });
  const prepared = checkpointRecord as { classes: string[]; mean: number[]; std: number[] };
  assert.deepEqual(prepared.classes, ['eight', 'five', 'four', 'nine', 'one', 'seven', 'six', 'three', 'two', 'zero']);
  assert.equal(prepared.mean.length, 64);
});

test('an image folder: the program resizes and splits as netspec does, and the imported run keeps its classes', { skip, timeout: 600_000 }, async () => {
  const p = project(
    'digit-pictures',
    [
      'name: digit-pictures',
      'input: [16, 16, 3]',
      'layers:',
      '  - { kind: flatten }',
      '  - { kind: dense, units: 10, activation: softmax }',
      'training: { epochs: 1, batch_size: 16, dataset: { kind: image_folder, dir: ../data/digits, resize: crop, split_seed: 3 } }',
    ].join('\n'),
  );
  await writeDigitFolder(join(p.root, 'data', 'digits'), { perClass: 6 });
  const { checkpointRecord, dataset, trained } = trainImportEvaluate(p, []);
  await assertSameCounts(p.specFile, trained, {});
  assert.deepEqual(dataset.prepared, checkpointRecord);
  assert.deepEqual(checkpointRecord, {
    classes: ['eight', 'five', 'four', 'nine', 'one', 'seven', 'six', 'three', 'two', 'zero'],
    sampleShape: [16, 16, 3],
    resize: 'crop',
  });
});
