// Faults before and during training through the real CLI: size limits, broken IDX data, data
// that does not fit the spec, a diverging loss. Each ends with a plain message and exit 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './helpers.js';
import { assertPlainFailure, project, specText } from './train-faults-helpers.js';

test('train honours --max-params and --max-activations before building anything', () => {
  const { dir, spec } = project();
  const params = runCli(['train', spec, '--max-params', '1000', '--out', join(dir, 'runs')], dir);
  assertPlainFailure(params, /the model has 1,108 parameters \(4,432 bytes of float32 weights\), over the limit of 1,000/);
  const activations = runCli(['train', spec, '--max-activations', '32', '--out', join(dir, 'runs')], dir);
  assertPlainFailure(activations, /would output \(64,\) = 64 values per sample, over the limit of 32/);
  assert.equal(existsSync(join(dir, 'runs')), false, 'no run folder for a refused model');
});

// The other malformed-IDX cases (empty, wrong magic, wrong element type) are parser unit tests in
// idx.test.ts; through the CLI, one truncated and one corrupt file show the path end to end.
test('truncated and corrupt IDX files stop with a plain message and exit 1', () => {
  const { dir, spec } = project();
  const images = join(dir, 'data', 'train-images-idx3-ubyte');
  const good = readFileSync(images);
  const cases: [string, Buffer, RegExp][] = [
    ['truncated', good.subarray(0, good.length - 100), /train-images-idx3-ubyte: file is 25,516 bytes but its header declares 400x8x8 elements .* truncated/],
    ['bad gzip', Buffer.from([0x1f, 0x8b, 1, 2, 3]), /gzip data is corrupt or truncated/],
  ];
  for (const [label, bytes, message] of cases) {
    writeFileSync(images, bytes);
    const run = runCli(['train', spec, '--backend', 'cpu', '--out', join(dir, 'runs')], dir);
    assert.equal(run.status, 1, `${label}: ${run.stderr}`);
    assertPlainFailure(run, message);
  }
});

test('data that does not fit the spec stops with a plain message', () => {
  const { dir, spec } = project(specText({ input: '[28, 28, 1]' }));
  const run = runCli(['train', spec, '--backend', 'cpu', '--out', join(dir, 'runs')], dir);
  assertPlainFailure(run, /the model's input shape \[28, 28, 1\] does not fit the images of idx .*8x8 with 1 channel/);
  // Checked before the run folder is made: a run that cannot start leaves nothing to resume.
  assert.equal(existsSync(join(dir, 'runs')), false, 'no run folder for data that does not fit');
});

test('a diverging loss stops with exit 1 and a plain message', () => {
  const { dir, spec } = project(specText({ learningRate: 1e30 }));
  const run = runCli(['train', spec, '--backend', 'cpu', '--out', join(dir, 'runs')], dir);
  assertPlainFailure(run, /training diverged: the loss became (NaN|Infinity)/);
});
