// Weights both ways through the CLI: a state_dict of the generated module (as DistributedDataParallel
// saves it, or plain) imports into a run that evaluate, predict and report take; a run exports to a
// state_dict that PyTorch loads and computes the same outputs from; files of another spec, and
// files that would run code when unpickled, are refused with one plain line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { loadSplit } from '../src/data/datasets.js';
import { loadModelFromDir } from '../src/train/model-io.js';
import { ROOT, runCli, tempDir } from './helpers.js';
import { torchForTests } from './torch-helpers.js';

const torch = torchForTests();
const MODULE = join(ROOT, 'generated', 'pytorch', 'mnist_cnn.py');

/** Runs Python with torch; `script` reads the generated module as `m`. */
function python(script: string, ...args: string[]): string {
  const prelude = [
    'import importlib.util, sys, torch',
    `spec = importlib.util.spec_from_file_location("m", ${JSON.stringify(MODULE)})`,
    'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
  ].join('\n');
  const r = spawnSync(torch.python!, ['-c', `${prelude}\n${script}`, ...args], { encoding: 'utf8', cwd: ROOT });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const runFolder = (stdout: string): string => /^run folder: (.+)$/m.exec(stdout)![1]!;

test(
  'a state_dict saved from DistributedDataParallel imports; evaluate reproduces it, predict and report take it',
  { skip: torch.skip, timeout: 300_000 },
  () => {
    const dir = tempDir();
    const file = join(dir, 'ddp-state.pt');
    python('torch.manual_seed(3)\nstate = m.build_model().state_dict()\ntorch.save({"module." + k: v for k, v in state.items()}, sys.argv[1])', file);
    const imported = runCli(['import-torch', 'specs/mnist-cnn.yaml', file, '--out', dir]);
    assert.equal(imported.status, 0, imported.stderr);
    assert.match(imported.stdout, /note: .*ddp-state\.pt is a plain state_dict: its weights are imported, but there is no training history/);
    const run = runFolder(imported.stdout);
    const evaluated = runCli(['evaluate', run]);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    assert.match(evaluated.stdout, /^reproduced: /m);

    const png = new PNG({ width: 28, height: 28 });
    for (let i = 0; i < 28 * 28; i++) png.data.set([i % 28 === 14 ? 0 : 255, i % 28 === 14 ? 0 : 255, i % 28 === 14 ? 0 : 255, 255], i * 4);
    writeFileSync(join(dir, 'one.png'), PNG.sync.write(png));
    const predicted = runCli(['predict', run, join(dir, 'one.png'), '--json']);
    assert.equal(predicted.status, 0, predicted.stderr);
    assert.equal((JSON.parse(predicted.stdout) as { predictions: unknown[] }).predictions.length, 1);
    assert.equal(runCli(['report', run]).status, 0);
  },
);

test('export-torch writes a state_dict from which the generated module computes what tfjs computes', { skip: torch.skip, timeout: 300_000 }, async () => {
  const dir = tempDir();
  const source = join(dir, 'source.pt');
  python('torch.manual_seed(5)\ntorch.save(m.build_model().state_dict(), sys.argv[1])', source);
  const imported = runCli(['import-torch', 'specs/mnist-cnn.yaml', source, '--out', dir]);
  assert.equal(imported.status, 0, imported.stderr);
  const run = runFolder(imported.stdout);
  const exported = runCli(['export-torch', run, '--out', join(dir, 'exported.pt')]);
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stdout, /^wrote .*exported\.pt {2}\(10 tensors, the state_dict of generated\/pytorch\/mnist_cnn\.py\)$/m);

  // The round trip through netspec's tfjs model changes no bit.
  const same = python(
    'a, b = torch.load(sys.argv[1]), torch.load(sys.argv[2])\nprint(list(a) == list(b) and all(torch.equal(a[k], b[k]) for k in a))',
    source,
    join(dir, 'exported.pt'),
  );
  assert.equal(same.trim(), 'True');

  const { split } = await loadSplit({ kind: 'mnist' }, ROOT, 'test', 32);
  writeFileSync(join(dir, 'x.bin'), split.images);
  python(
    'import numpy as np\nnet = m.build_model().eval(); net.load_state_dict(torch.load(sys.argv[1]))\n' +
      'x = torch.from_numpy(np.fromfile(sys.argv[2], dtype="<f4").reshape(-1, 28, 28, 1).copy())\n' +
      'net(x).detach().numpy().astype("<f4").tofile(sys.argv[3])',
    join(dir, 'exported.pt'),
    join(dir, 'x.bin'),
    join(dir, 'y.bin'),
  );
  await tf.setBackend('cpu');
  const live = await loadModelFromDir(run);
  const expected = (await (live.predict(tf.tensor(split.images, [32, 28, 28, 1])) as tf.Tensor).data()) as Float32Array;
  const raw = readFileSync(join(dir, 'y.bin'));
  const actual = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  assert.equal(actual.length, expected.length);
  const largest = actual.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0);
  assert.ok(largest < 1e-5, `outputs differ by ${largest}`);
});

test('a checkpoint of another spec is refused, naming the first tensor that does not fit', { skip: torch.skip, timeout: 300_000 }, () => {
  const dir = tempDir();
  const file = join(dir, 'state.pt');
  python('torch.save(m.build_model().state_dict(), sys.argv[1])', file);
  // mnist-cnn's layers with 16 filters in the first convolution instead of 32.
  const narrow = join(dir, 'narrow.yaml');
  writeFileSync(
    narrow,
    [
      'name: mnist-cnn',
      'input: [28, 28, 1]',
      'layers:',
      '  - { kind: conv2d, filters: 16, kernel: 3, activation: relu }',
      '  - { kind: max_pool2d, pool: 2 }',
      '  - { kind: conv2d, filters: 64, kernel: 3, activation: relu }',
      '  - { kind: max_pool2d, pool: 2 }',
      '  - { kind: conv2d, filters: 64, kernel: 3, activation: relu }',
      '  - { kind: flatten }',
      '  - { kind: dense, units: 64, activation: relu }',
      '  - { kind: dense, units: 10, activation: softmax }',
      '',
    ].join('\n'),
  );
  const cases: Array<[string, RegExp]> = [
    [
      narrow,
      /^error: tensor 'conv2d\.weight' of .*state\.pt has shape \(32, 1, 3, 3\), but .*narrow\.yaml needs \(16, 1, 3, 3\); .*state\.pt is not a checkpoint of .*narrow\.yaml$/,
    ],
    [
      'specs/lenet5.yaml',
      /^error: .*state\.pt has no tensor 'c1\.weight', which specs\/lenet5\.yaml needs with shape \(6, 1, 5, 5\); .* is not a checkpoint of specs\/lenet5\.yaml$/,
    ],
  ];
  for (const [spec, message] of cases) {
    const r = runCli(['import-torch', spec, file, '--out', join(dir, 'runs')]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr.trim(), message);
    assert.ok(!existsSync(join(dir, 'runs')), 'a run folder was made for a refused checkpoint');
  }
  const extra = join(dir, 'extra.pt');
  python('s = m.build_model().state_dict(); s["head.weight"] = torch.zeros(3, 2); torch.save(s, sys.argv[1])', extra);
  const r = runCli(['import-torch', 'specs/mnist-cnn.yaml', extra, '--out', join(dir, 'runs')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /holds tensor 'head\.weight' of shape \(3, 2\), which specs\/mnist-cnn\.yaml has no place for/);
});

test('a file whose unpickling would run code is refused, and the code does not run', { skip: torch.skip, timeout: 120_000 }, () => {
  const dir = tempDir();
  const file = join(dir, 'hostile.pt');
  const marker = join(dir, 'ran');
  // A float first: PyTorch 1.13's own safe loader stops at floats, so netspec's restricted one is reached too.
  python(
    `import os\nclass Hostile:\n    def __reduce__(self):\n        return (os.system, ("touch ${marker}",))\ntorch.save({"lr": 0.5, "model": Hostile()}, sys.argv[1])`,
    file,
  );
  const r = runCli(['import-torch', 'specs/mnist-cnn.yaml', file, '--out', join(dir, 'runs')]);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr.trim(),
    /^error: .*hostile\.pt: holds Python objects besides tensors \((posix|os)\.system\), which netspec does not load \(unpickling them could run code\)$/,
  );
  assert.ok(!existsSync(marker), 'unpickling ran code');
  const resumed = spawnSync(torch.python!, [MODULE, '--resume', file], { encoding: 'utf8', cwd: ROOT });
  assert.equal(resumed.status, 1);
  assert.doesNotMatch(resumed.stderr, /Traceback/);
  assert.ok(!existsSync(marker), 'resuming ran code');
});

test('export-torch refuses a run whose model is not of the spec named', { skip: torch.skip, timeout: 300_000 }, () => {
  const dir = tempDir();
  const source = join(dir, 'source.pt');
  python('torch.save(m.build_model().state_dict(), sys.argv[1])', source);
  const run = runFolder(runCli(['import-torch', 'specs/mnist-cnn.yaml', source, '--out', dir]).stdout);
  const spec = join(dir, 'other.yaml');
  copyFileSync(join(ROOT, 'specs', 'lenet5.yaml'), spec);
  const r = runCli(['export-torch', run, '--spec', spec]);
  assert.equal(r.status, 1);
  assert.match(r.stderr.trim(), /^error: .* does not hold a model of .*other\.yaml: the model has no layer 'c1'$/);
});
