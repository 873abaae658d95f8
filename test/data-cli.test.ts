// The data kinds through the real command line: train, evaluate and predict on an image folder
// of mixed PNGs and JPEGs and on a CSV table, class names everywhere, data that does not fit
// the spec refused before any run folder exists, IDX files found with .gz, and Fashion-MNIST
// as Debian ships it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadDataset } from '../src/data/datasets.js';
import { DIGIT_NAMES, writeDigitCsv, writeDigitFolder } from '../src/data/samples.js';
import { resolveDatasetFiles } from '../src/data/datasets.js';
import { runCli, tempDir } from './helpers.js';

const FASHION = '/usr/share/datasets/fashion-mnist';

function spec(name: string, input: string, units: number, dataset: string, epochs = 3): string {
  return `name: ${name}
input: ${input}
layers:
${input.includes(',') ? '  - kind: flatten\n' : ''}  - kind: dense
    units: 32
    activation: relu
  - kind: dense
    units: ${units}
    activation: softmax
training:
  dataset: ${dataset}
  optimizer: { name: adam, learning_rate: 0.01 }
  batch_size: 16
  epochs: ${epochs}
  seed: 3
`;
}

/** The last line of stderr: the cpu backend prints a banner of its own first. */
const lastLine = (text: string): string => text.trim().split('\n').at(-1)!;

const runFolder = (out: string, name: string): string => {
  const dirs = readdirSync(join(out, name));
  assert.equal(dirs.length, 1, dirs.join(', '));
  return join(out, name, dirs[0]!);
};

test('an image folder of PNGs and JPEGs of mixed sizes trains, evaluates exactly, and predict names the class of a new picture', () => {
  const dir = tempDir();
  return writeDigitFolder(join(dir, 'digits'), { perClass: 12 }).then(() => {
    writeFileSync(join(dir, 'digits.yaml'), spec('digits', '[16, 16, 1]', 10, '{ kind: image_folder, dir: digits, resize: pad }'));
    const out = join(dir, 'runs');
    const train = runCli(['train', 'digits.yaml', '--out', out, '--backend', 'cpu', '--workers', '1'], dir);
    assert.equal(train.status, 0, train.stderr);
    assert.match(
      train.stdout,
      /data: image folder \(.*digits\): 100 training and 20 test samples, 10 classes \(eight, five, four, nine, one, seven, six, three, two, zero\)/,
    );
    assert.match(train.stdout, /note: 120 images of 120 were padded with black to the aspect ratio of 16x16, grey\nnote: 30 images converted to grey\n/);
    assert.match(train.stdout, /actual \| eight  five  four  nine   one seven   six three   two  zero \| recall/);
    const run = runFolder(out, 'digits');
    const record = JSON.parse(readFileSync(join(run, 'dataset.json'), 'utf8'));
    assert.deepEqual(record.prepared, { classes: [...DIGIT_NAMES].sort(), sampleShape: [16, 16, 1], resize: 'pad' });
    assert.deepEqual(JSON.parse(readFileSync(join(run, 'results.json'), 'utf8')).test.classes, [...DIGIT_NAMES].sort());
    const svg = readFileSync(join(run, 'confusion.svg'), 'utf8');
    assert.match(svg, />seven</, 'the axes name the classes');
    assert.match(svg, /aria-label="predicted: seven; actual: seven; /, 'so do the cells');
    assert.equal((svg.match(/aria-roledescription="rect mark" d="M0,0h/g) ?? []).length, 1, 'only the top-left cell sits at the origin');
    assert.match(
      readFileSync(join(run, 'report.html'), 'utf8'),
      /<dt>Data<\/dt><dd>image folder \(digits\)<\/dd><dt>Classes<\/dt><dd>10: eight, five, four, nine, one, seven, six, three, two, zero<\/dd>/,
    );

    const evaluated = runCli(['evaluate', run, '--backend', 'cpu'], dir);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    assert.match(evaluated.stdout, /reproduced: loss, accuracy and confusion matrix equal the saved results exactly/);
    assert.match(evaluated.stdout, /zero \|/);

    const picture = join(
      dir,
      'digits',
      'seven',
      readdirSync(join(dir, 'digits', 'seven')).find((f) => f.endsWith('.jpg'))!,
    );
    const predicted = runCli(['predict', run, picture, '--backend', 'cpu'], dir);
    assert.equal(predicted.status, 0, predicted.stderr);
    assert.match(
      predicted.stdout,
      new RegExp(`${picture.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: (zero|one|two|three|four|five|six|seven|eight|nine) \\(\\d+\\.\\d%\\)  `),
    );
    const json = JSON.parse(runCli(['predict', run, picture, '--json', '--top', '2', '--backend', 'cpu'], dir).stdout);
    assert.deepEqual(json.classes, [...DIGIT_NAMES].sort());
    assert.equal(json.predictions[0].top.length, 2);
    assert.equal(json.predictions[0].top[0].name, json.classes[json.predictions[0].top[0].class]);

    // A picture too large by its header is refused before decoding, with the flag that allows it.
    const bomb = join(dir, 'bomb.png');
    const png = readFileSync(
      join(
        dir,
        'digits',
        'one',
        readdirSync(join(dir, 'digits', 'one')).find((f) => f.endsWith('.png'))!,
      ),
    );
    png.writeUInt32BE(30000, 16);
    png.writeUInt32BE(30000, 20);
    writeFileSync(bomb, png);
    const refused = runCli(['predict', run, bomb, '--backend', 'cpu'], dir);
    assert.equal(refused.status, 1);
    assert.equal(
      lastLine(refused.stderr),
      `error: ${bomb}: declares 30000x30000 = 900,000,000 pixels, over the limit of 50,000,000 pixels (it would take about 3,434 MiB to decode, and may be a decompression bomb); shrink the image, or raise the limit with --max-pixels 900000000`,
    );
    // A damaged record in the run folder is a plain message too.
    const recordFile = join(run, 'dataset.json');
    const saved = readFileSync(recordFile, 'utf8');
    writeFileSync(recordFile, saved.replace('"sampleShape": [', '"sampleShape": [-1, '));
    assert.equal(
      lastLine(runCli(['predict', run, picture, '--backend', 'cpu'], dir).stderr),
      "error: the run's dataset.json has a damaged 'prepared' record (class names and sample shape); it was not written by `netspec train`, or was edited",
    );
    writeFileSync(recordFile, saved.replace('"kind": "image_folder"', '"kind": "photos"'));
    assert.equal(
      lastLine(runCli(['evaluate', run, '--backend', 'cpu'], dir).stderr),
      `error: ${recordFile}: ref.kind must be one of mnist, idx, image_folder, csv; the file was edited, or is not from \`netspec train\``,
    );
    writeFileSync(recordFile, saved);
    const empty = join(dir, 'empty.png');
    writeFileSync(empty, '');
    assert.equal(
      lastLine(runCli(['predict', run, empty, '--backend', 'cpu'], dir).stderr),
      `error: ${empty}: the file is empty (0 bytes); expected a PNG image`,
    );
  });
});

test('a CSV spec trains a dense network, and predict on a CSV writes a prediction per row', async () => {
  const dir = tempDir();
  await writeDigitCsv(join(dir, 'digits.csv'), 600);
  writeFileSync(join(dir, 'table.yaml'), spec('table', '[64]', 10, '{ kind: csv, file: digits.csv, label_column: digit }', 8));
  const out = join(dir, 'runs');
  const train = runCli(['train', 'table.yaml', '--out', out, '--backend', 'cpu', '--workers', '1'], dir);
  assert.equal(train.status, 0, train.stderr);
  assert.match(train.stdout, /data: csv \(digits\.csv\): 479 training and 121 test samples, 10 classes/);
  const accuracy = Number(/Test: loss [\d.]+ {2}accuracy ([\d.]+)%/.exec(train.stdout)?.[1]);
  assert.ok(accuracy > 60, `8x8 digits are learnable: ${accuracy}%`);
  const run = runFolder(out, 'table');
  assert.match(runCli(['evaluate', run, '--backend', 'cpu'], dir).stdout, /reproduced/);

  const rows = readFileSync(join(dir, 'digits.csv'), 'utf8').split('\n').slice(0, 21).join('\n') + '\n';
  writeFileSync(join(dir, 'new.csv'), rows);
  const predicted = runCli(['predict', run, 'new.csv', '--out', 'predictions.csv', '--backend', 'cpu'], dir);
  assert.equal(predicted.status, 0, predicted.stderr);
  assert.match(predicted.stderr, /wrote 20 predictions to predictions\.csv/);
  assert.match(predicted.stderr, /accuracy \d+\.\d% \(\d+ of 20 rows with a known label\)/);
  const lines = readFileSync(join(dir, 'predictions.csv'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 21);
  assert.equal(
    lines[0],
    `line,predicted,probability,actual,${[...DIGIT_NAMES]
      .sort()
      .map((c) => `probability_${c}`)
      .join(',')}`,
  );
  for (const [i, line] of lines.slice(1).entries()) {
    const cells = line.split(',');
    assert.equal(cells[0], String(i + 2));
    assert.ok(DIGIT_NAMES.includes(cells[1]!) && DIGIT_NAMES.includes(cells[3]!));
    const probabilities = cells.slice(4).map(Number);
    assert.ok(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    assert.equal(Number(cells[2]), Math.max(...probabilities));
  }
  // Without --out the CSV goes to standard output, ready for a pipe.
  const piped = runCli(['predict', run, 'new.csv', '--backend', 'cpu'], dir);
  assert.equal(piped.stdout, readFileSync(join(dir, 'predictions.csv'), 'utf8'));
  // --out never writes over an input or into the run folder (through a link neither).
  const model = readFileSync(join(run, 'model.json'));
  symlinkSync(run, join(dir, 'the-run'));
  for (const [target, message] of [
    ['new.csv', /^error: --out new\.csv is one of the inputs; write the predictions to another file$/m],
    [join(run, 'model.json'), /^error: --out .*model\.json is inside the run folder .*; write the predictions outside it, so the run stays as it was saved$/m],
    [join('the-run', 'predictions.csv'), /is inside the run folder/],
    [join(run, '..predictions.csv'), /is inside the run folder/],
  ] as const) {
    const refused = runCli(['predict', run, 'new.csv', '--out', target, '--backend', 'cpu'], dir);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, message);
  }
  assert.equal(readFileSync(join(dir, 'new.csv'), 'utf8'), rows, 'the input is untouched');
  assert.deepEqual(readFileSync(join(run, 'model.json')), model, 'the run is untouched');
  assert.equal(existsSync(join(run, 'predictions.csv')), false);
  assert.equal(existsSync(join(run, '..predictions.csv')), false);
});

test('data that does not fit the spec is refused before any run folder exists', async () => {
  const dir = tempDir();
  await writeDigitCsv(join(dir, 'digits.csv'), 100);
  await writeDigitFolder(join(dir, 'digits'), { perClass: 3, mixed: false });
  const out = join(dir, 'runs');
  const cases: [string, string, number, string][] = [
    [
      'features',
      '[60]',
      10,
      `error: the model's input shape [60] does not fit the rows of csv (digits.csv), which have 64 features; expected the spec's input to be [64]`,
    ],
    [
      'classes',
      '[64]',
      4,
      "error: csv (digits.csv) has 10 classes (eight, five, four, nine, one, seven, six, three, two, zero) but the model's output has 4 units; expected the last layer to have 10 units, one per class",
    ],
  ];
  for (const [name, input, units, message] of cases) {
    writeFileSync(join(dir, `${name}.yaml`), spec(name, input, units, '{ kind: csv, file: digits.csv, label_column: digit }'));
    const run = runCli(['train', `${name}.yaml`, '--out', out, '--backend', 'cpu'], dir);
    assert.equal(run.status, 1, run.stdout);
    assert.equal(lastLine(run.stderr), message);
  }
  writeFileSync(join(dir, 'folder.yaml'), spec('folder', '[28, 28, 1]', 12, '{ kind: image_folder, dir: digits }'));
  const folder = runCli(['train', 'folder.yaml', '--out', out, '--backend', 'cpu'], dir);
  assert.equal(folder.status, 1);
  assert.match(folder.stderr, /has 10 classes \(.*\) but the model's output has 12 units; expected the last layer to have 10 units, one per class/);
  // One sample per class: nothing can be held out, and a run without a test set would end in a NaN test loss.
  writeFileSync(join(dir, 'single.csv'), 'a,b,label\n1,2,x\n3,4,y\n');
  writeFileSync(join(dir, 'single.yaml'), spec('single', '[2]', 2, '{ kind: csv, file: single.csv, label_column: label }'));
  const single = runCli(['train', 'single.yaml', '--out', out, '--backend', 'cpu'], dir);
  assert.equal(single.status, 1, single.stdout);
  assert.equal(
    lastLine(single.stderr),
    'error: csv (single.csv) has no test samples: a class needs at least 2 samples for one to be held out for testing; add samples, or name a separate test set in the dataset',
  );
  assert.equal(existsSync(out), false, 'no run folder for data that does not fit');
});

test('IDX files are found with .gz when the names say nothing of it, and classes name numbered labels', async () => {
  const dir = tempDir();
  const files = resolveDatasetFiles({ kind: 'mnist' }, '.');
  mkdirSync(join(dir, 'data'));
  for (const [from, name] of [
    [files.train.images, 'train-images-idx3-ubyte'],
    [files.train.labels, 'train-labels-idx1-ubyte'],
    [files.test.images, 't10k-images-idx3-ubyte'],
    [files.test.labels, 't10k-labels-idx1-ubyte'],
  ] as const) {
    writeFileSync(join(dir, 'data', `${name}.gz`), gzipSync(readFileSync(from), { level: 1 }));
  }
  const classes = DIGIT_NAMES;
  const data = await loadDataset(
    {
      kind: 'idx',
      dir: 'data',
      train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
      test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte.gz' },
      classes,
    },
    dir,
    { limit: 100, testLimit: 100 },
  );
  assert.equal(data.train.count, 100);
  assert.deepEqual(data.classNames, DIGIT_NAMES);
  assert.equal(data.exactClassCount, true);
  await assert.rejects(
    loadDataset(
      {
        kind: 'idx',
        dir: 'data',
        train: { images: 'nope', labels: 'train-labels-idx1-ubyte' },
        test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
      },
      dir,
    ),
    { message: `${join(dir, 'data', 'nope')}: file not found (nor nope.gz beside it)` },
  );
  await assert.rejects(
    loadDataset(
      {
        kind: 'idx',
        dir: 'data',
        train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
        test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
        classes: ['a', 'b'],
      },
      dir,
    ),
    { message: `the dataset's classes names 2 classes but the labels of idx (${join(dir, 'data')}) go up to 9 (10 classes); name every label from 0 to 9` },
  );
});

test('mnist with named classes: the names reach the confusion matrix', () => {
  const dir = tempDir();
  const names = DIGIT_NAMES.map((n) => n.toUpperCase());
  writeFileSync(join(dir, 'named.yaml'), spec('named', '[28, 28, 1]', 10, `{ kind: mnist, classes: [${names.join(', ')}] }`, 1));
  const run = runCli(['train', 'named.yaml', '--limit', '300', '--out', join(dir, 'runs'), '--backend', 'cpu', '--workers', '1'], dir);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /10 classes \(ZERO, ONE, TWO, THREE, FOUR, FIVE, SIX, SEVEN, EIGHT, NINE\)/);
  assert.match(run.stdout, /actual \| {2}ZERO {3}ONE {3}TWO THREE/);
});

test(
  'Fashion-MNIST as Debian ships it (gzip files) trains from its folder without naming the files',
  { skip: !existsSync(FASHION) && process.env.CI !== 'true' ? `${FASHION} is missing (apt-get install dataset-fashion-mnist)` : false },
  async () => {
    const data = await loadDataset(
      {
        kind: 'idx',
        dir: FASHION,
        train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
        test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
      },
      '.',
    );
    assert.equal(data.train.count, 60000);
    assert.equal(data.test.count, 10000);
    assert.deepEqual(data.sampleShape, [28, 28, 1]);
    assert.equal(data.numClasses, 10);
    // Fashion-MNIST's test set is balanced: 1,000 images of each class.
    const counts = new Array<number>(10).fill(0);
    for (const l of data.test.labels) counts[l]! += 1;
    assert.deepEqual(counts, new Array<number>(10).fill(1000));
  },
);
