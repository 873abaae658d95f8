// `kind: csv`: a table with a header row. One column, named by `label_column`, holds the
// class of each row (text or numbers); the features are the other columns, or those listed.
// Features are standardised with the mean and standard deviation of the training rows only;
// the statistics are saved with the run and applied again by `evaluate` and `predict`.
import path from 'node:path';
import { MAX_CLASSES, orderClasses } from '../classes.js';
import { displayPath, listSome } from '../display.js';
import { DataError } from '../errors.js';
import type { Dataset, DatasetKind, LoadContext, Prepared, TableRows } from '../kind.js';
import { CLASSES_PROPERTY, kindProperty, optionalString, optionalStrings, pathProperty, SPLIT_SEED_PROPERTY, TEST_SPLIT_PROPERTY } from '../schema-parts.js';
import { checkLimit, gatherSplit, shuffledOrder, stratifiedSplit } from '../splits.js';
import { columnIndex, defaultDelimiter, readTable, type Table } from '../csv/table.js';

export interface CsvRef {
  kind: 'csv';
  file: string;
  testFile?: string;
  testSplit: number;
  splitSeed: number;
  labelColumn: string;
  /** Default: every column but the label. */
  featureColumns?: string[];
  delimiter?: string;
  classes?: string[];
}

const schema = {
  type: 'object',
  title: 'CSV dataset',
  description:
    'A CSV table with a header row: one column holds each row\'s class (text or numbers), the others are numeric features, standardised with the training rows\' mean and standard deviation.',
  additionalProperties: false,
  required: ['kind', 'file', 'label_column'],
  properties: {
    kind: kindProperty('csv', 'a CSV table of numeric features and a label column.'),
    file: pathProperty('the CSV file', 'The CSV file, relative to the spec file. Its first row names the columns.', 'data/iris.csv'),
    label_column: {
      title: 'the label column',
      description: 'The name of the column holding each row\'s class. Its distinct values become the classes, sorted (numerically when all are numbers).',
      type: 'string',
      minLength: 1,
      maxLength: 200,
      examples: ['species'],
    },
    feature_columns: {
      title: 'the feature columns',
      description: 'The names of the columns to use as features, in this order. Defaults to every column but the label.',
      type: 'array',
      minItems: 1,
      maxItems: 100000,
      uniqueItems: true,
      items: { type: 'string', minLength: 1, maxLength: 200, description: 'A column name.' },
      examples: [['sepal_length', 'sepal_width', 'petal_length', 'petal_width']],
    },
    test_file: pathProperty('the test CSV file', 'A separate CSV file of test rows with the same columns. Without it, `test_split` of each class is held out.', 'data/iris-test.csv'),
    test_split: TEST_SPLIT_PROPERTY,
    split_seed: SPLIT_SEED_PROPERTY,
    delimiter: {
      title: 'the field delimiter',
      description: 'The character between fields: `,` by default, a tab for files ending in .tsv.',
      type: 'string',
      enum: [',', ';', '\t', '|'],
      examples: [';'],
    },
    classes: CLASSES_PROPERTY,
  },
};

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NOT_FINITE = /^[+-]?(nan|inf|infinity)$/i;

interface Columns {
  label: number;
  features: number[];
  names: string[];
}

function pickColumns(table: Table, ref: CsvRef): Columns {
  const label = columnIndex(table, ref.labelColumn, 'label_column');
  const names = ref.featureColumns ?? table.header.filter((_, i) => i !== label);
  if (ref.featureColumns?.includes(ref.labelColumn)) {
    throw new DataError(`${table.file}:1: column '${ref.labelColumn}' is both the label_column and one of the feature_columns; a model must not see its own answer`);
  }
  if (names.length === 0) throw new DataError(`${table.file}:1: has no columns besides the label '${ref.labelColumn}'; expected at least one feature column`);
  return { label, features: names.map((n) => columnIndex(table, n, 'feature_columns')), names };
}

/** Feature values, row-major; a cell that is not a finite number is an error naming row and column. */
function featureValues(table: Table, columns: Columns): Float64Array {
  const f = columns.features.length;
  const values = new Float64Array(table.rows.length * f);
  table.rows.forEach((row, r) => {
    columns.features.forEach((c, j) => {
      const text = row.cells[c]!.trim();
      const where = `${table.file}:${row.line}: column '${table.header[c]}' (${c + 1})`;
      if (text === '') throw new DataError(`${where} is empty; every feature needs a number (fill in or drop rows with missing values)`);
      if (NOT_FINITE.test(text)) throw new DataError(`${where} is ${text}; features must be finite numbers (drop or fix the row)`);
      if (!NUMBER.test(text)) {
        const numeric = table.header.filter((_, k) => k !== columns.label && table.rows.every((r) => NUMBER.test(r.cells[k]!.trim())));
        const hint = numeric.length ? `, e.g. feature_columns: [${listSome(numeric, 8)}]` : '';
        throw new DataError(
          `${where} is '${text.length > 40 ? `${text.slice(0, 40)}...` : text}', not a number; features must be numeric ` +
            `(leave text columns out with feature_columns${hint})`,
        );
      }
      const value = Number(text);
      if (!Number.isFinite(value)) throw new DataError(`${where} is ${text}, too large for a number; features must be finite`);
      values[r * f + j] = value;
    });
  });
  return values;
}

function labelValues(table: Table, columns: Columns): string[] {
  return table.rows.map((row) => {
    const label = row.cells[columns.label]!.trim();
    if (label === '') throw new DataError(`${table.file}:${row.line}: column '${table.header[columns.label]}' (${columns.label + 1}) is empty; every row needs a label`);
    return label;
  });
}

/** Mean and population standard deviation of each feature over the given rows; a constant feature gets 1. */
function statistics(values: Float64Array, rows: readonly number[], f: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(f).fill(0);
  const m2 = new Array<number>(f).fill(0);
  rows.forEach((r, k) => {
    // Welford's update: exact enough for any column, however large its values.
    for (let j = 0; j < f; j++) {
      const x = values[r * f + j]!;
      const delta = x - mean[j]!;
      mean[j]! += delta / (k + 1);
      m2[j]! += delta * (x - mean[j]!);
    }
  });
  const std = m2.map((s) => Math.sqrt(s / Math.max(1, rows.length)));
  return { mean, std: std.map((s) => (s > 0 ? s : 1)) };
}

/** The largest magnitude float32 holds: the model sees features as float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * (value - mean) / std per feature of `table`'s rows. A result float32 cannot hold (a value far
 * out of the training rows' range) is refused, naming the cell: the model would see infinity.
 */
function standardise(values: Float64Array, mean: readonly number[], std: readonly number[], table: Table, names: readonly string[]): Float64Array {
  const f = mean.length;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = (values[i]! - mean[i % f]!) / std[i % f]!;
    if (!(Math.abs(v) <= FLOAT32_MAX)) {
      const row = table.rows[Math.floor(i / f)]!;
      throw new DataError(
        `${table.file}:${row.line}: the value ${values[i]} of '${names[i % f]}' is too far from the training rows' values to standardise (mean ${mean[i % f]}, standard deviation ${std[i % f]}); scale the column down`,
      );
    }
    out[i] = v;
  }
  return out;
}

/** Statistics a column of huge values overflows are refused, naming the column. */
function checkedStatistics(values: Float64Array, rows: readonly number[], table: Table, names: readonly string[]): { mean: number[]; std: number[] } {
  const stats = statistics(values, rows, names.length);
  const j = stats.mean.findIndex((m, k) => !Number.isFinite(m) || !Number.isFinite(stats.std[k]!));
  if (j >= 0) throw new DataError(`${table.file}: the values of '${names[j]}' are too large to standardise (their mean or spread overflows); scale the column down`);
  return stats;
}

function labelIndices(table: Table, columns: Columns, labels: readonly string[], classes: readonly string[], trainFile: string): Uint8Array {
  return Uint8Array.from(labels, (label, r) => {
    const index = classes.indexOf(label);
    if (index < 0) {
      throw new DataError(
        `${table.file}:${table.rows[r]!.line}: column '${table.header[columns.label]}' (${columns.label + 1}) is '${label}', ` +
          `a class that ${trainFile} does not have; the model can only predict the classes it trains on (${classes.join(', ')})`,
      );
    }
    return index;
  });
}

async function readCsv(ref: CsvRef, specDir: string, file: string): Promise<Table> {
  const full = path.resolve(specDir, file);
  return readTable(full, displayPath(full), ref.delimiter ?? defaultDelimiter(file));
}

async function loadCsv(ref: CsvRef, ctx: LoadContext): Promise<Dataset> {
  checkLimit('limit', ctx.limit);
  checkLimit('test limit', ctx.testLimit);
  const table = await readCsv(ref, ctx.specDir, ref.file);
  const columns = pickColumns(table, ref);
  const values = featureValues(table, columns);
  const labels = labelValues(table, columns);
  const found = [...new Set(labels)];
  if (found.length > MAX_CLASSES) {
    throw new DataError(`${table.file}: column '${ref.labelColumn}' has ${found.length} distinct values; at most ${MAX_CLASSES} classes are supported (is it the right column?)`);
  }
  if (found.length < 2) throw new DataError(`${table.file}: column '${ref.labelColumn}' has a single value ('${found[0]}'); a classifier needs at least two classes`);
  const classes = orderClasses(found, ref.classes, `column '${ref.labelColumn}' of ${table.file}`);
  const classOf = labelIndices(table, columns, labels, classes, table.file);

  let trainRows: number[];
  let testTable: Table | undefined;
  let testRows: number[] = [];
  if (ref.testFile !== undefined) {
    trainRows = shuffledOrder(table.rows.length, ref.splitSeed);
    testTable = await readCsv(ref, ctx.specDir, ref.testFile);
  } else {
    ({ train: trainRows, test: testRows } = stratifiedSplit(classOf, ref.testSplit, ref.splitSeed));
  }
  if (ctx.limit !== undefined) trainRows = trainRows.slice(0, ctx.limit);
  const f = columns.features.length;
  const { mean, std } = checkedStatistics(values, trainRows, table, columns.names);
  const standardised = standardise(values, mean, std, table, columns.names);
  const train = gatherSplit(standardised, classOf, trainRows, f, undefined);
  const testLimit = ctx.testLimit ?? ctx.limit;
  let test;
  if (testTable) {
    const testColumns = pickColumns(testTable, { ...ref, featureColumns: columns.names });
    const testClasses = labelIndices(testTable, testColumns, labelValues(testTable, testColumns), classes, table.file);
    const testValues = standardise(featureValues(testTable, testColumns), mean, std, testTable, columns.names);
    test = gatherSplit(testValues, testClasses, testTable.rows.map((_, i) => i), f, testLimit);
  } else {
    test = gatherSplit(standardised, classOf, testRows, f, testLimit);
  }
  const constant = columns.names.filter((_, j) => std[j] === 1 && trainRows.every((r) => values[r * f + j] === mean[j]));
  const notes = constant.length
    ? [`${table.file}: ${constant.length === 1 ? 'feature' : `${constant.length} features`} ${listSome(constant.map((c) => `'${c}'`))} ${constant.length === 1 ? 'is' : 'are'} constant over the training rows, so ${constant.length === 1 ? 'it carries' : 'they carry'} no information`]
    : [];
  const prepared: Prepared = { classes, sampleShape: [f], features: columns.names, labelColumn: ref.labelColumn, mean, std };
  const source = `csv (${testTable ? `${table.file}, test ${testTable.file}` : table.file})`;
  return { train, test, sampleShape: [f], numClasses: classes.length, classNames: classes, exactClassCount: true, source, prepared, notes };
}

interface SavedStats {
  features: string[];
  labelColumn: string;
  mean: number[];
  std: number[];
}

function savedStats(prepared: Prepared): SavedStats {
  const { features, labelColumn, mean, std } = prepared as Prepared & Partial<SavedStats>;
  if (!Array.isArray(features) || !Array.isArray(mean) || !Array.isArray(std) || typeof labelColumn !== 'string') {
    throw new DataError("the run's dataset.json lacks the CSV standardisation statistics (features, mean, std); was it written by `netspec train`?");
  }
  const f = features.length;
  const numbers = (list: unknown[], ok: (v: number) => boolean) => list.length === f && list.every((v) => typeof v === 'number' && ok(v));
  if (f === 0 || !features.every((n) => typeof n === 'string') || !numbers(mean, Number.isFinite) || !numbers(std, (v) => Number.isFinite(v) && v > 0)) {
    throw new DataError(
      "the run's dataset.json has CSV statistics that are not one finite mean and one positive standard deviation per named feature; the file was edited, or is not from `netspec train`",
    );
  }
  return { features, labelColumn, mean, std };
}

/** Rows of a table file with the training features, standardised with the saved statistics. */
async function preparedRows(file: string, delimiter: string, stats: SavedStats, classes: readonly string[]): Promise<TableRows> {
  const table = await readTable(path.resolve(file), file, delimiter);
  const label = table.header.indexOf(stats.labelColumn);
  const columns: Columns = {
    label,
    features: stats.features.map((n) => columnIndex(table, n, 'feature_columns, as trained')),
    names: stats.features,
  };
  const values = standardise(featureValues(table, columns), stats.mean, stats.std, table, stats.features);
  const rows: TableRows = { values: Float32Array.from(values), count: table.rows.length, lines: table.rows.map((r) => r.line) };
  if (label >= 0) rows.labels = Int32Array.from(table.rows, (r) => classes.indexOf(r.cells[label]!.trim()));
  return rows;
}

export const csvKind: DatasetKind<CsvRef> = {
  kind: 'csv',
  schema,
  refFields: { file: 'path', labelColumn: 'column', testFile: 'path?', testSplit: 'fraction', splitSeed: 'seed', featureColumns: 'texts?', delimiter: 'text?', classes: 'texts?' },
  lower(raw, { seed }) {
    const ref: CsvRef = {
      kind: 'csv',
      file: raw.file as string,
      labelColumn: raw.label_column as string,
      testSplit: typeof raw.test_split === 'number' ? raw.test_split : 0.2,
      splitSeed: typeof raw.split_seed === 'number' ? raw.split_seed : seed,
    };
    const testFile = optionalString(raw, 'test_file');
    if (testFile !== undefined) ref.testFile = testFile;
    const features = optionalStrings(raw, 'feature_columns');
    if (features) ref.featureColumns = features;
    const delimiter = optionalString(raw, 'delimiter');
    if (delimiter !== undefined) ref.delimiter = delimiter;
    const classes = optionalStrings(raw, 'classes');
    if (classes) ref.classes = classes;
    return ref;
  },
  load: loadCsv,
  async loadTest(ref, ctx, prepared) {
    const stats = savedStats(prepared);
    // The same split as in training, then the saved statistics (not recomputed) on the test rows.
    const data = await loadCsv(ref, { ...ctx, testLimit: ctx.testLimit ?? ctx.limit });
    if (JSON.stringify(data.classNames) !== JSON.stringify(prepared.classes)) {
      throw new DataError(`the classes of ${data.source} are now ${data.classNames.join(', ')} but the model was trained on ${prepared.classes.join(', ')}; the file changed since training`);
    }
    const now = data.prepared as Prepared & SavedStats;
    const same = JSON.stringify([now.mean, now.std, now.features]) === JSON.stringify([stats.mean, stats.std, stats.features]);
    if (!same) throw new DataError(`the training rows of ${data.source} changed since training, so its test rows may differ too; evaluate needs the data the run was trained on`);
    return { split: data.test, source: data.source };
  },
  predictor(ref, prepared) {
    const stats = savedStats(prepared);
    return {
      input: 'rows',
      describe: `${stats.features.length} feature columns (${listSome(stats.features, 4)}) standardised with the training rows' mean and standard deviation`,
      prepare: (file) => preparedRows(file, ref.delimiter ?? defaultDelimiter(file), stats, prepared.classes),
    };
  },
};
