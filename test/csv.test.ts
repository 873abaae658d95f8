// The csv dataset kind: header, label column by name, features all others or listed, text and
// numeric labels, standardisation with training-row statistics only (and the same statistics
// for test rows and for predict), and every bad table with its exact message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, loadDataset, predictorFor } from '../src/data/datasets.js';
import type { CsvRef } from '../src/data/registry.js';
import type { TablePredictor } from '../src/data/kind.js';
import { tempDir } from './helpers.js';

const csv = (file: string, extra: Partial<CsvRef> = {}): CsvRef => ({
  kind: 'csv',
  file,
  labelColumn: 'species',
  testSplit: 0.25,
  splitSeed: 7,
  ...extra,
});

function write(dir: string, name: string, lines: string[]): string {
  writeFileSync(join(dir, name), lines.join('\n') + '\n');
  return name;
}

/** 8 rows per class; features a (class-dependent), b (row number) and a text column note. */
function flowers(): string[] {
  const rows = ['a,b,note,species'];
  const kinds = ['setosa', 'virginica', 'versicolor'];
  for (let i = 0; i < 24; i++) rows.push(`${(i % 3) * 10 + (i % 8) / 8},${i},row ${i},${kinds[i % 3]}`);
  return rows;
}

const rejectsWith = (promise: Promise<unknown>, message: string): Promise<void> =>
  assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.equal(e.message, message);
    return true;
  });

test('text labels become sorted classes, the split is stratified, and features are standardised with training rows only', async () => {
  const dir = tempDir();
  write(dir, 'flowers.csv', flowers());
  const data = await loadDataset(csv('flowers.csv', { featureColumns: ['a', 'b'] }), dir);
  assert.deepEqual(data.classNames, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual(data.sampleShape, [2]);
  assert.equal(data.train.count, 18);
  assert.equal(data.test.count, 6, 'round(8 * 0.25) = 2 test rows per class');
  for (let c = 0; c < 3; c++) assert.equal([...data.test.labels].filter((l) => l === c).length, 2);
  // The training rows have mean 0 and (population) standard deviation 1 in every feature.
  for (let j = 0; j < 2; j++) {
    const column = Array.from({ length: data.train.count }, (_, i) => data.train.images[i * 2 + j]!);
    const mean = column.reduce((s, v) => s + v, 0) / column.length;
    const sd = Math.sqrt(column.reduce((s, v) => s + (v - mean) ** 2, 0) / column.length);
    assert.ok(Math.abs(mean) < 1e-6 && Math.abs(sd - 1) < 1e-5, `feature ${j}: mean ${mean}, sd ${sd}`);
  }
  // Test rows use the training statistics: recompute them from the raw table and check one value.
  const { mean, std } = data.prepared as unknown as { mean: number[]; std: number[] };
  const testB = Array.from({ length: data.test.count }, (_, i) => data.test.images[i * 2 + 1]! * std[1]! + mean[1]!);
  assert.ok(
    testB.every((v) => Math.abs(v - Math.round(v)) < 1e-4 && v >= 0 && v < 24),
    `test rows map back to row numbers: ${testB}`,
  );
  const trainRows = new Set(Array.from({ length: data.train.count }, (_, i) => Math.round(data.train.images[i * 2 + 1]! * std[1]! + mean[1]!)));
  const expectedMean = [...trainRows].reduce((s, v) => s + v, 0) / trainRows.size;
  assert.ok(Math.abs(mean[1]! - expectedMean) < 1e-9, 'the mean is over the 18 training rows, not all 24');
  assert.ok(
    testB.every((v) => !trainRows.has(Math.round(v))),
    'no row is in both splits',
  );
});

test('numeric labels sort as numbers, classes reorders them, and a separate test file is standardised the same way', async () => {
  const dir = tempDir();
  const rows = ['x,grade'];
  for (let i = 0; i < 12; i++) rows.push(`${i},${[2, 10, 1][i % 3]}`);
  write(dir, 'grades.csv', rows);
  write(dir, 'grades-test.csv', ['grade,x', '10,100', '1,-5']);
  const data = await loadDataset(csv('grades.csv', { labelColumn: 'grade', testFile: 'grades-test.csv' }), dir);
  assert.deepEqual(data.classNames, ['1', '2', '10']);
  assert.equal(data.train.count, 12);
  const { mean, std } = data.prepared as unknown as { mean: number[]; std: number[] };
  assert.equal(mean[0], 5.5);
  assert.ok(Math.abs(std[0]! - Math.sqrt(143 / 12)) < 1e-12);
  assert.deepEqual([...data.test.labels], [2, 0], 'columns found by name in any order');
  assert.ok(Math.abs(data.test.images[0]! - (100 - 5.5) / std[0]!) < 1e-4);
  const reordered = await loadDataset(csv('grades.csv', { labelColumn: 'grade', classes: ['10', '2', '1'] }), dir);
  assert.deepEqual(reordered.classNames, ['10', '2', '1']);
});

test('predict prepares rows with the saved statistics, finds columns by name and reads labels when present', async () => {
  const dir = tempDir();
  write(dir, 'flowers.csv', flowers());
  const ref = csv('flowers.csv', { featureColumns: ['a', 'b'] });
  const data = await loadDataset(ref, dir);
  const predictor = predictorFor(ref, JSON.parse(JSON.stringify(data.prepared))) as TablePredictor;
  assert.equal(predictor.input, 'rows');
  const file = join(dir, 'new.csv');
  writeFileSync(file, 'b,a,species\n3,10.5,virginica\n4,0,tulip\n');
  const rows = await predictor.prepare(file);
  const { mean, std } = data.prepared as unknown as { mean: number[]; std: number[] };
  assert.equal(rows.count, 2);
  assert.deepEqual(rows.lines, [2, 3]);
  assert.ok(Math.abs(rows.values[0]! - (10.5 - mean[0]!) / std[0]!) < 1e-5);
  assert.ok(Math.abs(rows.values[1]! - (3 - mean[1]!) / std[1]!) < 1e-5);
  assert.deepEqual([...rows.labels!], [2, -1], 'a label the model does not know is -1');
  writeFileSync(file, 'a\n1\n');
  await rejectsWith(predictor.prepare(file), `${file}:1: no column named 'b' (the dataset's feature_columns, as trained); the columns are 'a'`);
});

test('bad tables: each problem names the file, the line and the column', async () => {
  const dir = tempDir();
  const load = (name: string, lines: string[], extra: Partial<CsvRef> = {}) => loadDataset(csv(write(dir, name, lines), extra), dir);
  const f = (name: string): string => join(dir, name);
  await rejectsWith(load('empty.csv', []), `${f('empty.csv')}: the file is empty; expected a header row naming the columns, then data rows`);
  await rejectsWith(load('header.csv', ['a,species']), `${f('header.csv')}: has a header row but no data rows`);
  await rejectsWith(
    load('ragged.csv', ['a,b,species', '1,2,x', '3,y', '5,6,z']),
    `${f('ragged.csv')}:3: the row has 2 values but the header names 3 columns; every row needs one value per column (quote values that contain the delimiter)`,
  );
  await rejectsWith(
    load('text.csv', ['a,b,species', '1,2,x', '3,big,y']),
    `${f('text.csv')}:3: column 'b' (2) is 'big', not a number; features must be numeric (leave text columns out with feature_columns, e.g. feature_columns: [a])`,
  );
  await rejectsWith(
    load('nolabel.csv', ['a,b,specis', '1,2,x']),
    `${f('nolabel.csv')}:1: no column named 'species' (the dataset's label_column); did you mean 'specis'?`,
  );
  await rejectsWith(
    load('nolabel2.csv', ['a,b,kind', '1,2,x']),
    `${f('nolabel2.csv')}:1: no column named 'species' (the dataset's label_column); the columns are 'a', 'b', 'kind'`,
  );
  await rejectsWith(
    load('nan.csv', ['a,species', '1,x', 'NaN,y']),
    `${f('nan.csv')}:3: column 'a' (1) is NaN; features must be finite numbers (drop or fix the row)`,
  );
  await rejectsWith(
    load('inf.csv', ['a,species', '-inf,x', '2,y']),
    `${f('inf.csv')}:2: column 'a' (1) is -inf; features must be finite numbers (drop or fix the row)`,
  );
  await rejectsWith(
    load('huge.csv', ['a,species', '1e999,x', '2,y']),
    `${f('huge.csv')}:2: column 'a' (1) is 1e999, too large for a number; features must be finite`,
  );
  await rejectsWith(
    load('blank.csv', ['a,species', ',x', '2,y']),
    `${f('blank.csv')}:2: column 'a' (1) is empty; every feature needs a number (fill in or drop rows with missing values)`,
  );
  await rejectsWith(
    load('dup.csv', ['a,b,a,species', '1,2,3,x']),
    `${f('dup.csv')}:1: column 'a' appears twice in the header row (columns 1 and 3); column names must be unique`,
  );
  await rejectsWith(load('quote.csv', ['a,species', '1,"x', '2,y']), `${f('quote.csv')}:3: a quoted field is not closed by the end of the file`);
  await rejectsWith(
    load('single.csv', ['a,species', '1,x', '2,x']),
    `${f('single.csv')}: column 'species' has a single value ('x'); a classifier needs at least two classes`,
  );
  await rejectsWith(load('nolab.csv', ['a,species', '1,x', '2,']), `${f('nolab.csv')}:3: column 'species' (2) is empty; every row needs a label`);
  await rejectsWith(
    load('semi.csv', ['a;b;species', '1;2;x']),
    `${f('semi.csv')}:1: the header has a single column 'a;b;species'; if the file is separated by ';' or tabs, set the dataset's delimiter`,
  );
  const semi = await load('semi2.csv', ['a;species', '1;x', '2;y', '3;x', '4;y'], { delimiter: ';' });
  assert.deepEqual(semi.classNames, ['x', 'y']);
  write(dir, 'train.csv', ['a,species', '1,x', '2,y', '3,x']);
  await rejectsWith(
    load('test-wolf.csv', ['a,species', '1,x', '2,wolf'], {}).then(() => loadDataset(csv('train.csv', { testFile: 'test-wolf.csv' }), dir)),
    `${f('test-wolf.csv')}:3: column 'species' (2) is 'wolf', a class that ${f('train.csv')} does not have; the model can only predict the classes it trains on (x, y)`,
  );
  await rejectsWith(
    loadDataset(csv('train.csv', { featureColumns: ['a', 'species'] }), dir),
    `${f('train.csv')}:1: column 'species' is both the label_column and one of the feature_columns; a model must not see its own answer`,
  );
});

test('values too large to standardise are refused by column or by cell, and edited statistics are refused', async () => {
  const dir = tempDir();
  // Finite values whose mean overflows: refused before any model sees them.
  const huge = ['a,b,species', ...Array.from({ length: 12 }, (_, i) => `${i % 2 ? 1.7e308 : -1.7e308},${i},${i % 2 ? 'x' : 'y'}`)];
  write(dir, 'huge.csv', huge);
  await rejectsWith(
    loadDataset(csv('huge.csv'), dir),
    `${join(dir, 'huge.csv')}: the values of 'a' are too large to standardise (their mean or spread overflows); scale the column down`,
  );

  // Predict: a cell so far from the training rows that float32 cannot hold it standardised.
  write(dir, 'flowers.csv', flowers());
  const ref = csv('flowers.csv', { featureColumns: ['a', 'b'] });
  const data = await loadDataset(ref, dir);
  const prepared = JSON.parse(JSON.stringify(data.prepared)) as Record<string, unknown>;
  const predictor = predictorFor(ref, prepared as never) as TablePredictor;
  const file = join(dir, 'far.csv');
  writeFileSync(file, 'a,b\n1,2\n1e300,3\n');
  await assert.rejects(predictor.prepare(file), (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.match(
      e.message,
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: the value 1e\\+300 of 'a' is too far from the training rows' values to standardise`),
    );
    return true;
  });

  // Statistics edited in dataset.json: a zero or missing spread, a mean for too few features.
  for (const edit of [{ std: [0, 1] }, { std: [null, 1] }, { mean: [1] }, { mean: [Infinity, 0] }]) {
    assert.throws(
      () => predictorFor(ref, { ...prepared, ...edit } as never),
      /dataset\.json has CSV statistics that are not one finite mean and one positive standard deviation per named feature/,
      JSON.stringify(edit),
    );
  }
});
