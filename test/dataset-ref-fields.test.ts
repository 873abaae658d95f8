// A run folder's dataset.json is read back field by field against what its kind declares
// (refFields in src/data/kinds/*.ts): an edited record is refused by name, never handed to a
// loader that would fail inside (a missing folder name reached path.join as undefined).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasetKinds, lowerDataset } from '../src/data/registry.js';
import { datasetProblem } from '../src/train/settings.js';

const SPEC_FORMS: Record<string, Record<string, unknown>> = {
  mnist: { kind: 'mnist' },
  idx: { kind: 'idx', dir: 'data' },
  image_folder: { kind: 'image_folder', dir: 'pictures', test_dir: 'held-out', size: [32, 32], channels: 3 },
  csv: { kind: 'csv', file: 'table.csv', label_column: 'species', feature_columns: ['a', 'b'], delimiter: ';' },
};

test('every kind is covered here', () => {
  assert.deepEqual(Object.keys(SPEC_FORMS).sort(), datasetKinds().sort());
});

for (const [kind, raw] of Object.entries(SPEC_FORMS)) {
  test(`${kind}: the lowered reference passes, and each of its fields, missing or of the wrong sort, is named`, () => {
    const ref = lowerDataset(raw, { seed: 7 }) as unknown as Record<string, unknown>;
    assert.equal(datasetProblem(ref), undefined);
    for (const field of Object.keys(ref)) {
      if (field === 'kind') continue;
      const without = { ...ref };
      delete without[field];
      const optional = ['testDir', 'testFile', 'size', 'channels', 'featureColumns', 'delimiter', 'classes'].includes(field);
      assert.equal(datasetProblem(without), optional ? undefined : `dataset.${field} is missing`, `without ${field}`);
      for (const wrong of [null, -1, '', [], { images: 1 }]) {
        const problem = datasetProblem({ ...ref, [field]: wrong });
        assert.match(problem ?? '', new RegExp(`^dataset\\.${field} (must|is missing)`), `${field}: ${JSON.stringify(wrong)}`);
      }
    }
  });
}

test('the sorts of field say what was expected', () => {
  const csv = lowerDataset(SPEC_FORMS.csv, { seed: 7 }) as unknown as Record<string, unknown>;
  assert.equal(datasetProblem({ ...csv, testSplit: 1 }), 'dataset.testSplit must be a number from 0 up to 1');
  assert.equal(datasetProblem({ ...csv, splitSeed: -1 }), 'dataset.splitSeed must be a whole number of at least 0');
  const folder = lowerDataset(SPEC_FORMS.image_folder, { seed: 7 }) as unknown as Record<string, unknown>;
  assert.equal(datasetProblem({ ...folder, resize: 'squash' }), 'dataset.resize must be one of stretch, crop, pad');
  assert.equal(datasetProblem({ ...folder, channels: 4 }), 'dataset.channels must be 1 or 3');
  assert.equal(datasetProblem({ ...folder, size: [32, 0] }), 'dataset.size must be [height, width]');
  const idx = lowerDataset(SPEC_FORMS.idx, { seed: 7 }) as unknown as Record<string, unknown>;
  assert.equal(datasetProblem({ ...idx, test: { images: 'x' } }), 'dataset.test must be the names of its images and labels files');
});
