// Summaries of every spec in specs/: the exact text (golden files), and the numbers in it
// checked against values written out here from Keras's printout and the parameter formulas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { renderSummary } from '../src/emit/summary.js';
import { compileValid, ROOT } from './helpers.js';

type Row = [name: string, type: string, shape: string, params: number];

/**
 * Independent expectations. mnist-cnn: Keras's own summary of the seed code. The others: by
 * hand, conv kh*kw*cin*f + f, dense in*out + out, batch norm 4 per channel (2 non-trainable).
 */
const EXPECTED: Record<string, { rows: Row[]; total: number; trainable: number }> = {
  'mnist-cnn': {
    rows: [
      ['conv2d', 'Conv2D', '(None, 26, 26, 32)', 320],
      ['max_pooling2d', 'MaxPooling2D', '(None, 13, 13, 32)', 0],
      ['conv2d_1', 'Conv2D', '(None, 11, 11, 64)', 18496],
      ['max_pooling2d_1', 'MaxPooling2D', '(None, 5, 5, 64)', 0],
      ['conv2d_2', 'Conv2D', '(None, 3, 3, 64)', 36928],
      ['flatten', 'Flatten', '(None, 576)', 0],
      ['dense', 'Dense', '(None, 64)', 36928],
      ['dense_1', 'Dense', '(None, 10)', 650],
    ],
    total: 93322,
    trainable: 93322,
  },
  lenet5: {
    rows: [
      ['c1', 'Conv2D', '(None, 28, 28, 6)', 5 * 5 * 1 * 6 + 6],
      ['s2', 'AveragePooling2D', '(None, 14, 14, 6)', 0],
      ['c3', 'Conv2D', '(None, 10, 10, 16)', 5 * 5 * 6 * 16 + 16],
      ['s4', 'AveragePooling2D', '(None, 5, 5, 16)', 0],
      ['flatten', 'Flatten', '(None, 400)', 0],
      ['f5', 'Dense', '(None, 120)', 400 * 120 + 120],
      ['f6', 'Dense', '(None, 84)', 120 * 84 + 84],
      ['output', 'Dense', '(None, 10)', 84 * 10 + 10],
    ],
    total: 61706,
    trainable: 61706,
  },
  mlp: {
    rows: [
      ['flatten', 'Flatten', '(None, 784)', 0],
      ['dense', 'Dense', '(None, 256)', 784 * 256 + 256],
      ['batch_normalization', 'BatchNormalization', '(None, 256)', 4 * 256],
      ['activation', 'Activation', '(None, 256)', 0],
      ['dropout', 'Dropout', '(None, 256)', 0],
      ['dense_1', 'Dense', '(None, 128)', 256 * 128 + 128],
      ['dense_2', 'Dense', '(None, 10)', 128 * 10 + 10],
    ],
    total: 236170,
    trainable: 236170 - 2 * 256,
  },
};

const fmt = (n: number): string => n.toLocaleString('en-US');
const specs = readdirSync(join(ROOT, 'specs')).filter((f) => f.endsWith('.yaml')).map((f) => basename(f, '.yaml')).sort();

test('every spec has independent expectations and a golden summary', () => {
  assert.deepEqual(specs, Object.keys(EXPECTED).sort());
});

for (const name of specs) {
  test(`summary of ${name}`, () => {
    const text = renderSummary(compileValid(join(ROOT, 'specs', `${name}.yaml`)));
    assert.equal(`${text}\n`, readFileSync(join(ROOT, 'test', 'golden', `${name}.summary.txt`), 'utf8'));
    const expected = EXPECTED[name]!;
    const rows = text.split('\n').filter((l) => /^ \S+ \(/.test(l) && !l.includes('Layer (type)'));
    assert.equal(rows.length, expected.rows.length);
    rows.forEach((line, i) => {
      const [layer, type, shape, params] = expected.rows[i]!;
      assert.match(line, new RegExp(`^ ${layer} \\(${type}\\)\\s+${shape.replace(/[()]/g, '\\$&')}\\s+${fmt(params)}$`));
    });
    assert.equal(expected.rows.reduce((a, r) => a + r[3], 0), expected.total);
    assert.match(text, new RegExp(`Total params: ${fmt(expected.total)}\\nTrainable params: ${fmt(expected.trainable)}\\nNon-trainable params: ${fmt(expected.total - expected.trainable)}`));
  });
}
