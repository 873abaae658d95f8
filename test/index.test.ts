// The library API works end to end from its single entry point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as netspec from '../src/index.js';
import { ROOT } from './helpers.js';

test('load, validate, compile, build, summarise and emit through src/index.ts', async () => {
  const file = join(ROOT, 'specs', 'mnist-cnn.yaml');
  const loaded = netspec.loadSpecFile(file);
  assert.ok(loaded.ok);
  assert.deepEqual(netspec.validateSpec(loaded.doc, loaded.positions, file), []);
  const result = netspec.compileSpecFile(file);
  assert.ok(result.ok);
  await tf.setBackend('cpu');
  const model = netspec.buildModel(result.model, { seed: 1 });
  assert.equal(model.countParams(), 93322);
  assert.match(netspec.renderSummary(result.model), /Total params: 93,322/);
  assert.match(netspec.emitTypeScript(result.model, 'specs/mnist-cnn.yaml'), /export function buildMnistCnn\(/);
  model.dispose();
  const bad = netspec.compileSpecText('bad.yaml', 'name: x\ninput: [4]\nlayers:\n  - kind: dense\n    units: 0\n');
  assert.ok(!bad.ok);
  assert.match(netspec.formatDiagnostic(bad.diagnostics[0]!), /^bad\.yaml:5:12: /);
});
