// The generated programs' data section (src/emit/templates/python-data.hbs, shared by the
// PyTorch and Keras programs) against netspec's own loaders: the same seeded generator and
// splits, the same files in the same order, the same classes, and the same samples: exactly for
// CSV tables and for images already at the input size, within a stated tolerance when resized.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { loadDataset, type DatasetRef } from '../src/data/datasets.js';
import { lowerDataset } from '../src/data/registry.js';
import { sortClassNames } from '../src/data/classes.js';
import { writeDigitCsv, writeDigitFolder } from '../src/data/samples.js';
import { listImageFolder } from '../src/data/images/scan.js';
import { shuffledOrder, stratifiedSplit } from '../src/data/splits.js';
import { datasetEntries, pythonDataSection } from '../src/emit/python-data.js';
import { emitKeras } from '../src/emit/keras.js';
import { emitPytorch } from '../src/emit/pytorch.js';
import { mulberry32 } from '../src/train/rng.js';
import { compileValid, ROOT, tempDir } from './helpers.js';
import { pillowForTests } from './torch-helpers.js';

const py = pillowForTests();

/** The data section alone, as a module of its own, for a dataset of a spec at `specFile` (absolute). */
function dataModule(dir: string, ref: DatasetRef, specFile: string): string {
  const file = join(dir, `data_${Math.random().toString(36).slice(2)}.py`);
  const header = [
    'import csv',
    'import gzip',
    'import io',
    'import math',
    'import os',
    'import re',
    'import struct',
    'import sys',
    '',
    'import numpy as np',
    '',
  ];
  const mapping = ['DATASET = {', ...datasetEntries(ref, specFile).map((e) => `    ${e},`), '}'];
  writeFileSync(file, [...header, ...mapping, pythonDataSection()].join('\n'));
  return file;
}

/** Runs `script` with the module imported as `d`; returns stdout. */
function runPython(module: string, script: string): string {
  const prelude = `import importlib.util, json, sys\nspec = importlib.util.spec_from_file_location("d", ${JSON.stringify(module)})\nd = importlib.util.module_from_spec(spec); spec.loader.exec_module(d)\n`;
  const r = spawnSync(py.python!, ['-c', prelude + script], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

interface PythonData {
  train: { x: Float32Array; y: number[] };
  test: { x: Float32Array; y: number[] };
  prepared: Record<string, unknown>;
}

/** load_dataset in Python, its arrays read back as float32. */
function pythonLoad(ref: DatasetRef, specFile: string, inputShape: number[], limit?: number): PythonData {
  const dir = tempDir();
  const module = dataModule(dir, ref, specFile);
  const script = [
    `data = d.load_dataset(${JSON.stringify(inputShape)}${limit === undefined ? '' : `, None, ${limit}`})`,
    'for which in ("train", "test"):',
    `    data[which][0].astype("<f4").tofile(${JSON.stringify(dir)} + "/" + which + ".bin")`,
    'print(json.dumps({"train": data["train"][1].tolist(), "test": data["test"][1].tolist(), "prepared": data["prepared"]}))',
  ].join('\n');
  const out = JSON.parse(runPython(module, script)) as { train: number[]; test: number[]; prepared: Record<string, unknown> };
  const floats = (which: string): Float32Array => {
    const bytes = readFileSync(join(dir, `${which}.bin`));
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  };
  return { train: { x: floats('train'), y: out.train }, test: { x: floats('test'), y: out.test }, prepared: out.prepared };
}

function lower(raw: Record<string, unknown>): DatasetRef {
  return lowerDataset(raw, { seed: 42 });
}

/** The largest difference between two pixel arrays, in levels of 255, and the mean one. */
function levels(a: Float32Array, b: Float32Array): { max: number; mean: number } {
  assert.equal(a.length, b.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) * 255;
    max = Math.max(max, d);
    sum += d;
  }
  return { max: Math.round(max), mean: sum / a.length };
}

test('mulberry32, the seeded shuffle and the stratified split match netspec, bit for bit', { skip: py.skip }, () => {
  const dir = tempDir();
  const module = dataModule(dir, lower({ kind: 'mnist' }), join(dir, 'spec.yaml'));
  const seeds = [0, 1, 42, 1234567, 0xffffffff, 2 ** 31];
  const labelSets = [[0, 1, 0, 1, 1, 0, 2, 2, 2, 2, 2, 0], Array.from({ length: 257 }, (_, i) => (i * 7919) % 5), [3, 3, 1]];
  const fractions = [0.2, 0.5, 0.1, 0.25];
  const script = [
    `seeds, label_sets, fractions = ${JSON.stringify(seeds)}, ${JSON.stringify(labelSets)}, ${JSON.stringify(fractions)}`,
    'out = {"floats": [], "orders": [], "splits": []}',
    'for seed in seeds:',
    '    rng = d.mulberry32(seed)',
    '    out["floats"].append([rng() for _ in range(1000)])',
    '    out["orders"].append(d.shuffled_order(300, seed))',
    '    out["splits"].append([d.stratified_split(labels, fraction, seed) for labels in label_sets for fraction in fractions])',
    'print(json.dumps(out))',
  ].join('\n');
  const out = JSON.parse(runPython(module, script)) as { floats: number[][]; orders: number[][]; splits: [number[], number[]][][] };
  seeds.forEach((seed, s) => {
    const rng = mulberry32(seed >>> 0);
    assert.deepEqual(
      out.floats[s],
      Array.from({ length: 1000 }, () => rng()),
      `mulberry32(${seed})`,
    );
    assert.deepEqual(out.orders[s], shuffledOrder(300, seed), `shuffled order, seed ${seed}`);
    const expected = labelSets.flatMap((labels) => fractions.map((f) => stratifiedSplit(labels, f, seed))).map((x) => [x.train, x.test]);
    assert.deepEqual(out.splits[s], expected, `stratified splits, seed ${seed}`);
  });
});

/** A PNG file of raw RGBA pixels. */
function writePng(file: string, width: number, height: number, rgba: (x: number, y: number) => [number, number, number, number], colorType = 6): void {
  const png = new PNG({ width, height, colorType: colorType as 6 });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) png.data.set(rgba(x, y), 4 * (y * width + x));
  }
  writeFileSync(file, PNG.sync.write(png, { colorType: colorType as 6 }));
}

/** Images at 12x10 in folders whose names sort numerically ("2" before "10"): colour, grey and with alpha. */
function writeExactFolder(root: string): void {
  const classes = ['10', '2', '9.5'];
  classes.forEach((name, c) => {
    mkdirSync(join(root, name, 'nested'), { recursive: true });
    for (let k = 0; k < 7; k++) {
      const seed = (c * 31 + k * 17) % 251;
      const pixel = (x: number, y: number): [number, number, number, number] => [
        (x * 23 + seed) % 256,
        (y * 41 + seed * 3) % 256,
        (x * y + seed * 7) % 256,
        (x * 50 + y) % 256,
      ];
      const folder = k === 6 ? join(root, name, 'nested') : join(root, name);
      writePng(join(folder, `img-${k}.png`), 12, 10, pixel, k % 3 === 0 ? 6 : k % 3 === 1 ? 2 : 0);
    }
    writeFileSync(join(root, name, 'notes.txt'), 'not an image');
    writeFileSync(join(root, name, '.hidden.png'), 'hidden');
  });
}

test(
  'an image folder at the input size: the same files, split, classes and pixels, exactly, in grey and RGB',
  { skip: py.skip, timeout: 120_000 },
  async () => {
    const dir = tempDir();
    writeExactFolder(join(dir, 'pics'));
    const spec = join(dir, 'spec.yaml');
    for (const channels of [1, 3]) {
      for (const raw of [
        { kind: 'image_folder', dir: 'pics', test_split: 0.3, split_seed: 7 },
        { kind: 'image_folder', dir: 'pics', test_dir: 'pics', split_seed: 3 },
      ]) {
        const ref = lower(raw);
        const shape = [10, 12, channels];
        const ours = await loadDataset(ref, dir, { inputShape: shape, cacheDir: false });
        const theirs = pythonLoad(ref, spec, shape);
        assert.deepEqual(theirs.prepared, ours.prepared, 'classes, sample shape and resize mode');
        assert.deepEqual(ours.classNames, ['2', '9.5', '10']);
        assert.deepEqual(theirs.train.y, [...ours.train.labels]);
        assert.deepEqual(theirs.test.y, [...ours.test.labels]);
        assert.deepEqual(theirs.train.x, ours.train.images, `training pixels, ${channels} channel(s)`);
        assert.deepEqual(theirs.test.x, ours.test.images, `test pixels, ${channels} channel(s)`);
      }
    }
    // The held-out files by name: the listing and the split, as netspec makes them.
    const listing = await listImageFolder(join(dir, 'pics'));
    const ref = lower({ kind: 'image_folder', dir: 'pics', test_split: 0.3, split_seed: 7 });
    const ordered = sortClassNames(listing.classes);
    const split = stratifiedSplit(
      Uint8Array.from(listing.files, (f) => ordered.indexOf(listing.classes[f.classIndex]!)),
      0.3,
      7,
    );
    const names = (indices: number[]): string[] => indices.map((i) => listing.files[i]!.path);
    const module = dataModule(dir, ref, spec);
    const out = JSON.parse(
      runPython(
        module,
        [
          `names, files = d.list_image_folder(${JSON.stringify(join(dir, 'pics'))})`,
          'classes = d.order_classes(names, "pics")',
          'train, test = d.stratified_split([classes.index(names[c]) for _, c in files], 0.3, 7)',
          'print(json.dumps({"train": [files[i][0] for i in train], "test": [files[i][0] for i in test]}))',
        ].join('\n'),
      ),
    ) as { train: string[]; test: string[] };
    assert.deepEqual(out.test, names(split.test), 'the same test files');
    assert.deepEqual(out.train, names(split.train), 'the same training files, in the same order');
  },
);

// The generated programs resample as libvips does (edges extended, the same sample positions),
// but Pillow's filter weights and rounding, and its JPEG decoder, are not libvips's. Measured on
// 200 sample digits (PNG and JPEG, 20 to 64 pixels, grey and colour; docs/data.md): 79-86% of
// values equal, mean differences 0.6-1.8 levels of 255, the largest 124, on a digit's edge.
const RESIZE_TOLERANCE = { max: 128, mean: 2.5 };

test(
  'a folder of mixed sizes and formats: the same classes, split and labels; pixels within the stated tolerance for each resize mode',
  { skip: py.skip, timeout: 300_000 },
  async () => {
    const dir = tempDir();
    await writeDigitFolder(join(dir, 'digits'), { perClass: 5 });
    const spec = join(dir, 'spec.yaml');
    for (const resize of ['stretch', 'crop', 'pad']) {
      for (const shape of [
        [28, 28, 1],
        [24, 32, 3],
      ]) {
        const ref = lower({ kind: 'image_folder', dir: 'digits', resize, split_seed: 5 });
        const ours = await loadDataset(ref, dir, { inputShape: shape, cacheDir: false });
        const theirs = pythonLoad(ref, spec, shape);
        assert.deepEqual(theirs.prepared, ours.prepared);
        assert.deepEqual(theirs.train.y, [...ours.train.labels]);
        assert.deepEqual(theirs.test.y, [...ours.test.labels]);
        const diff = levels(theirs.train.x, ours.train.images);
        assert.ok(diff.max <= RESIZE_TOLERANCE.max && diff.mean <= RESIZE_TOLERANCE.mean, `${resize} ${shape.join('x')}: ${JSON.stringify(diff)}`);
      }
    }
  },
);

test('CSV tables: the same columns, classes, split, statistics and standardised values, exactly', { skip: py.skip, timeout: 120_000 }, async () => {
  const dir = tempDir();
  await writeDigitCsv(join(dir, 'digits.csv'), 300);
  // Quoted cells, padding, a numeric label column and a separate test file with its own order.
  const rows = Array.from({ length: 40 }, (_, i) => [
    `"${(i * 0.37).toFixed(3)}"`,
    ` ${(i % 7) * 1e3 - 2.5} `,
    String((i * i) % 13),
    i % 3 === 0 ? '10' : i % 3 === 1 ? '2' : '9.5',
    `"note, ${i}"`,
  ]);
  const table = (r: string[][]): string => ['a,b,c,grade,comment', ...r.map((row) => row.join(','))].join('\r\n') + '\r\n';
  writeFileSync(join(dir, 'grades.csv'), table(rows));
  writeFileSync(join(dir, 'grades-test.csv'), table(rows.slice(0, 9).reverse()));
  writeFileSync(join(dir, 'semi.csv'), 'x;y;label\n1;2;a\n3;4;b\n5;7;a\n\n6;1;b\n');
  const spec = join(dir, 'spec.yaml');
  const cases: Array<{ raw: Record<string, unknown>; limit?: number }> = [
    { raw: { kind: 'csv', file: 'digits.csv', label_column: 'digit' } },
    { raw: { kind: 'csv', file: 'digits.csv', label_column: 'digit', test_split: 0.35, split_seed: 9 }, limit: 50 },
    { raw: { kind: 'csv', file: 'grades.csv', label_column: 'grade', feature_columns: ['c', 'a', 'b'] } },
    { raw: { kind: 'csv', file: 'grades.csv', label_column: 'grade', feature_columns: ['b', 'c'], test_file: 'grades-test.csv', split_seed: 1 } },
    { raw: { kind: 'csv', file: 'semi.csv', label_column: 'label', delimiter: ';', test_split: 0.5 } },
  ];
  for (const { raw, limit } of cases) {
    const ref = lower(raw);
    const features = (raw.feature_columns as string[] | undefined)?.length ?? (raw.file === 'digits.csv' ? 64 : 2);
    const ours = await loadDataset(ref, dir, { inputShape: [features], ...(limit ? { limit, testLimit: Number.MAX_SAFE_INTEGER } : {}) });
    const theirs = pythonLoad(ref, spec, [features], limit);
    const what = JSON.stringify(raw);
    assert.deepEqual(theirs.prepared, ours.prepared, `${what}: classes, features, mean and std`);
    assert.deepEqual(theirs.train.y, [...ours.train.labels], what);
    assert.deepEqual(theirs.test.y, [...ours.test.labels], what);
    assert.deepEqual(theirs.train.x, ours.train.images, what);
    assert.deepEqual(theirs.test.x, ours.test.images, what);
  }
});

test('both programs embed the same data section, and every spec string in DATASET is a literal', () => {
  const model = compileValid(join(ROOT, 'specs', 'mlp.yaml'));
  const section = pythonDataSection();
  assert.ok(emitPytorch(model, 'specs/mlp.yaml').includes(section));
  assert.ok(emitKeras(model, 'specs/mlp.yaml').includes(section));
  const hostile = '"); import os; os.system("x") #\n{{data}}\u2028';
  const entries = datasetEntries(
    lower({ kind: 'csv', file: hostile, label_column: hostile, feature_columns: [hostile], classes: [hostile, 'b'] }),
    'specs/x.yaml',
  );
  if (py.skip) return;
  const script = 'import ast, json, sys\nprint(json.dumps(ast.literal_eval("{" + sys.stdin.read() + "}")))';
  const r = spawnSync(py.python!, ['-c', script], { input: entries.join(',\n'), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const back = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(back.label_column, hostile);
  assert.deepEqual(back.feature_columns, [hostile]);
  assert.deepEqual(back.classes, [hostile, 'b']);
  assert.equal(back.path, `specs/${hostile}`);
});
