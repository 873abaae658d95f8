// The live emitter: every activation the schema allows builds in tfjs, and the cross-check
// between inference and the live model names the layer that disagrees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildModel, crossCheck } from '../src/emit/live.js';
import { compileValid, compileValidText, ROOT } from './helpers.js';

tf.env().set('PROD', true);
await tf.setBackend('cpu');

const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'model-spec.schema.json'), 'utf8'));
const activations: string[] = schema.definitions.activation.enum;

test('every activation the schema allows builds a working tfjs layer', () => {
  assert.ok(activations.length >= 10);
  for (const activation of activations) {
    const model = compileValidText('act.yaml', `name: act\ninput: [3]\nlayers:\n  - kind: dense\n    units: 2\n    activation: ${activation}\n`);
    const live = buildModel(model, { seed: 1 });
    const out = tf.tidy(() => (live.predict(tf.tensor2d([[0.5, -1, 2]])) as tf.Tensor).dataSync());
    assert.equal(out.length, 2, activation);
    live.dispose();
  }
});

test('inference and the live model agree on every real spec', () => {
  for (const spec of ['mnist-cnn', 'mlp', 'lenet5']) {
    const model = compileValid(join(ROOT, 'specs', `${spec}.yaml`));
    const live = buildModel(model);
    assert.deepEqual(crossCheck(model, live), [], spec);
    live.dispose();
  }
});

test('a disagreement names the layer, what the compiler inferred and what tfjs built', () => {
  const model = compileValid(join(ROOT, 'specs', 'mnist-cnn.yaml'));
  const live = buildModel(model);
  const tampered = {
    ...model,
    layers: model.layers.map((l, i) => (i === 2 ? { ...l, outputShape: [12, 12, 64], params: { trainable: 1, nonTrainable: 0 } } : l)),
  };
  const problems = crossCheck(tampered, live);
  assert.deepEqual(
    problems.map((p) => p.layer),
    [2, 2],
  );
  assert.match(problems[0]!.message, /layer 3 'conv2d_1' \(conv2d\): the compiler infers \(12, 12, 64\) but tfjs outputs \(11, 11, 64\)/);
  assert.match(problems[1]!.message, /counts 1 trainable \+ 0 non-trainable parameters but tfjs has 18496 \+ 0/);
  live.dispose();
});

test('the same seed gives the same initial weights; no seed gives a fresh draw', () => {
  const model = compileValid(join(ROOT, 'specs', 'lenet5.yaml'));
  const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
  const [a, b, c] = [buildModel(model, { seed: 3 }), buildModel(model, { seed: 3 }), buildModel(model)];
  assert.deepEqual(weights(a), weights(b));
  assert.notDeepEqual(weights(a), weights(c));
  [a, b, c].forEach((m) => m.dispose());
});
