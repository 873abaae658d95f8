// Summaries of every spec in specs/: the exact text (golden files), and the numbers in it
// checked against values written out here from Keras's printout and the parameter formulas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { renderSummary } from '../src/emit/summary.js';
import { compileValid, ROOT } from './helpers.js';

/** A layer's row; a graph's rows end with what the layer reads (Keras's Connected to). */
type Row = [name: string, type: string, shape: string, params: number, connected?: string];

/**
 * Independent expectations. mnist-cnn: Keras's own summary of the seed code. The others: by
 * hand, conv kh*kw*cin*f + f, dense in*out + out, batch norm 4 per channel (2 non-trainable),
 * separable conv kh*kw*cin (depthwise) + cin*f (pointwise) + f, depthwise conv kh*kw*c + c.
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
  'mobilenet-mini': {
    // No biases before batch norm; batch norm keeps gamma and beta (trainable) and the moving mean and variance.
    rows: [
      ['conv2d', 'Conv2D', '(None, 28, 28, 32)', 3 * 3 * 1 * 32],
      ['batch_normalization', 'BatchNormalization', '(None, 28, 28, 32)', 4 * 32],
      ['activation', 'Activation', '(None, 28, 28, 32)', 0],
      ['separable_conv2d', 'SeparableConv2D', '(None, 14, 14, 64)', 3 * 3 * 32 + 32 * 64],
      ['batch_normalization_1', 'BatchNormalization', '(None, 14, 14, 64)', 4 * 64],
      ['activation_1', 'Activation', '(None, 14, 14, 64)', 0],
      ['separable_conv2d_1', 'SeparableConv2D', '(None, 14, 14, 64)', 3 * 3 * 64 + 64 * 64],
      ['batch_normalization_2', 'BatchNormalization', '(None, 14, 14, 64)', 4 * 64],
      ['activation_2', 'Activation', '(None, 14, 14, 64)', 0],
      ['separable_conv2d_2', 'SeparableConv2D', '(None, 7, 7, 128)', 3 * 3 * 64 + 64 * 128],
      ['batch_normalization_3', 'BatchNormalization', '(None, 7, 7, 128)', 4 * 128],
      ['activation_3', 'Activation', '(None, 7, 7, 128)', 0],
      ['separable_conv2d_3', 'SeparableConv2D', '(None, 7, 7, 128)', 3 * 3 * 128 + 128 * 128],
      ['batch_normalization_4', 'BatchNormalization', '(None, 7, 7, 128)', 4 * 128],
      ['activation_4', 'Activation', '(None, 7, 7, 128)', 0],
      ['depthwise_conv2d', 'DepthwiseConv2D', '(None, 7, 7, 128)', 3 * 3 * 128],
      ['batch_normalization_5', 'BatchNormalization', '(None, 7, 7, 128)', 4 * 128],
      ['activation_5', 'Activation', '(None, 7, 7, 128)', 0],
      ['conv2d_1', 'Conv2D', '(None, 7, 7, 128)', 128 * 128],
      ['batch_normalization_6', 'BatchNormalization', '(None, 7, 7, 128)', 4 * 128],
      ['activation_6', 'Activation', '(None, 7, 7, 128)', 0],
      ['global_average_pooling2d', 'GlobalAveragePooling2D', '(None, 128)', 0],
      ['dense', 'Dense', '(None, 10)', 128 * 10 + 10],
    ],
    total: 55114,
    trainable: 55114 - 2 * (32 + 64 + 64 + 128 + 128 + 128 + 128),
  },
  'resnet-mini': {
    rows: [
      ['input', 'InputLayer', '(None, 28, 28, 1)', 0, ''],
      ['stem', 'Conv2D', '(None, 28, 28, 16)', 3 * 3 * 1 * 16 + 16, 'input[0][0]'],
      ['block1_conv1', 'Conv2D', '(None, 28, 28, 16)', 3 * 3 * 16 * 16 + 16, 'stem[0][0]'],
      ['block1_conv2', 'Conv2D', '(None, 28, 28, 16)', 3 * 3 * 16 * 16 + 16, 'block1_conv1[0][0]'],
      ['block1_add', 'Add', '(None, 28, 28, 16)', 0, 'block1_conv2[0][0]'],
      ['block1_out', 'Activation', '(None, 28, 28, 16)', 0, 'block1_add[0][0]'],
      ['block2_conv1', 'Conv2D', '(None, 14, 14, 32)', 3 * 3 * 16 * 32 + 32, 'block1_out[0][0]'],
      ['block2_conv2', 'Conv2D', '(None, 14, 14, 32)', 3 * 3 * 32 * 32 + 32, 'block2_conv1[0][0]'],
      ['block2_shortcut', 'Conv2D', '(None, 14, 14, 32)', 16 * 32 + 32, 'block1_out[0][0]'],
      ['block2_add', 'Add', '(None, 14, 14, 32)', 0, 'block2_conv2[0][0]'],
      ['block2_out', 'Activation', '(None, 14, 14, 32)', 0, 'block2_add[0][0]'],
      ['block3_conv1', 'Conv2D', '(None, 7, 7, 64)', 3 * 3 * 32 * 64 + 64, 'block2_out[0][0]'],
      ['block3_conv2', 'Conv2D', '(None, 7, 7, 64)', 3 * 3 * 64 * 64 + 64, 'block3_conv1[0][0]'],
      ['block3_shortcut', 'Conv2D', '(None, 7, 7, 64)', 32 * 64 + 64, 'block2_out[0][0]'],
      ['block3_add', 'Add', '(None, 7, 7, 64)', 0, 'block3_conv2[0][0]'],
      ['block3_out', 'Activation', '(None, 7, 7, 64)', 0, 'block3_add[0][0]'],
      ['pool', 'GlobalAveragePooling2D', '(None, 64)', 0, 'block3_out[0][0]'],
      ['classifier', 'Dense', '(None, 10)', 64 * 10 + 10, 'pool[0][0]'],
    ],
    total: 77418,
    trainable: 77418,
  },
};

// The augmented example trains the seed model: the same layers, so Keras's same summary.
EXPECTED['mnist-cnn-augmented'] = EXPECTED['mnist-cnn']!;

const fmt = (n: number): string => n.toLocaleString('en-US');
const specs = readdirSync(join(ROOT, 'specs'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => basename(f, '.yaml'))
  .sort();

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
      const [layer, type, shape, params, connected] = expected.rows[i]!;
      const reads = connected ? `\\s+${connected.replace(/[[\]]/g, '\\$&')}` : '';
      // Then the Mult-Adds column, checked against hand formulas in costs.test.ts.
      assert.match(line, new RegExp(`^ ${layer} \\(${type}\\)\\s+${shape.replace(/[()]/g, '\\$&')}\\s+${fmt(params)}\\s+[\\d,]+${reads}$`));
    });
    assert.equal(
      expected.rows.reduce((a, r) => a + r[3], 0),
      expected.total,
    );
    assert.match(
      text,
      new RegExp(
        `Total params: ${fmt(expected.total)} \\(.*\\)\\nTrainable params: ${fmt(expected.trainable)} \\(.*\\)\\nNon-trainable params: ${fmt(expected.total - expected.trainable)} \\(`,
      ),
    );
  });
}
