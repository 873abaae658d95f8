// The dataset kinds' schema fragments live in TypeScript beside each kind; the spec schema's
// definitions must hold exactly them, and docs/data.md must document every key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetKind, datasetKinds, datasetSchemaDefinitions, lowerDataset } from '../src/data/registry.js';
import { ROOT } from './helpers.js';

test('schema/model-spec.schema.json holds the dataset definitions the kinds declare', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'model-spec.schema.json'), 'utf8')) as { definitions: Record<string, unknown> };
  const definitions = schema.definitions;
  for (const [name, fragment] of Object.entries(datasetSchemaDefinitions())) {
    assert.deepEqual(definitions[name], fragment, `definitions.${name} differs from its TypeScript fragment`);
  }
});

test('docs/data.md documents every dataset kind and every key', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'data.md'), 'utf8');
  for (const kind of datasetKinds()) {
    assert.match(doc, new RegExp(`\`${kind}\``), kind);
    const keys = Object.keys((datasetKind(kind).schema.properties ?? {}) as Record<string, unknown>);
    for (const key of keys) assert.ok(doc.includes(`\`${key}\``) || doc.includes(`${key}:`), `${kind}.${key} is not in docs/data.md`);
  }
});

test('lowering fills in the defaults, the split seed from the training seed', () => {
  assert.deepEqual(lowerDataset(undefined, { seed: 1 }), { kind: 'mnist' });
  assert.deepEqual(lowerDataset({ idx_dir: 'd' }, { seed: 1 }), {
    kind: 'idx',
    dir: 'd',
    train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
    test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
  });
  assert.deepEqual(lowerDataset({ kind: 'image_folder', dir: 'p' }, { seed: 9 }), {
    kind: 'image_folder',
    dir: 'p',
    testSplit: 0.2,
    splitSeed: 9,
    resize: 'stretch',
  });
  assert.deepEqual(lowerDataset({ kind: 'csv', file: 'f.csv', label_column: 'y', split_seed: 3, test_split: 0.3 }, { seed: 9 }), {
    kind: 'csv',
    file: 'f.csv',
    labelColumn: 'y',
    testSplit: 0.3,
    splitSeed: 3,
  });
});
