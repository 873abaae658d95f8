// `netspec serve` as a user meets it: the command starts the server on a copy of the project
// with a run folder (a small model trained here), and Debian's headless Chromium, driven by
// playwright-core (nothing downloaded), uses the page: a mistake typed into the spec gets a
// marker on its line with the command line's message, fixing it brings the summary back; a
// digit drawn with mouse strokes is recognised; a picture gives what `predict` gives; hostile
// text stays text. No console errors and no request leaves 127.0.0.1; Ctrl-C stops it cleanly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { selectBackend } from '../src/backend/select.js';
import { compileSpecText } from '../src/compile/index.js';
import { formatDiagnostic } from '../src/compile/diagnostics.js';
import { loadDataset, loadSplit } from '../src/data/datasets.js';
import { sampleIndices, TEST_SAMPLE_SIZE } from '../src/serve/run.js';
import { loadModelFromDir, saveModelToDir } from '../src/train/model-io.js';
import { writeDatasetRecord, writeResolvedSpec } from '../src/train/run-dir.js';
import { chromiumAvailable, CHROMIUM_PATH, launchChromium } from '../scripts/chromium.js';
import { CLI, ROOT, tempDir } from './helpers.js';

// Locally a missing browser only skips; in CI (.ci/run installs chromium) it must run.
const skip = !chromiumAvailable() && !process.env.CI ? `${CHROMIUM_PATH} not found (apt-get install -y chromium); skipped outside CI` : false;

const project = tempDir();
const runDir = join(project, 'runs', 'digits', 'trained');
const SPEC = join(project, 'specs', 'mnist-cnn.yaml');
const TEST_LIMIT = 2000;
let browser: Browser | undefined;
let server: ChildProcess | undefined;
let origin = '';
let serverOutput = '';

/** A small digit classifier, trained here in a few seconds and saved as a run folder like `train` writes. */
async function trainRun(): Promise<void> {
  await selectBackend('wasm');
  const data = await loadDataset({ kind: 'mnist' }, '.', { limit: 5000, testLimit: 1 });
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential({
    name: 'digits',
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(2) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.002), loss: 'sparseCategoricalCrossentropy' });
  const x = tf.tensor4d(data.train.images, [data.train.count, 28, 28, 1]);
  const y = tf.tensor1d(Array.from(data.train.labels), 'float32');
  await model.fit(x, y, { epochs: 3, batchSize: 64, shuffle: false, verbose: 0 });
  tf.dispose([x, y]);
  mkdirSync(runDir, { recursive: true });
  await saveModelToDir(model, runDir);
  model.dispose();
  await writeResolvedSpec(runDir, { spec: 'specs/digits.yaml', name: 'digits' });
  await writeDatasetRecord(runDir, {
    ref: { kind: 'mnist' },
    specDir: join(project, 'specs'),
    options: { limit: 5000, testLimit: TEST_LIMIT },
    source: 'mnist',
  });
}

/** Starts `netspec serve` in the project copy and waits for the address it prints. */
function startServe(): Promise<string> {
  server = spawn(process.execPath, [CLI, 'serve', runDir], { cwd: project, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no address in time:\n${serverOutput}`)), 150_000);
    const read = (chunk: Buffer): void => {
      serverOutput += chunk.toString();
      const url = /netspec playground: (http:\/\/127\.0\.0\.1:\d+)\//.exec(serverOutput)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    server!.stdout!.on('data', read);
    server!.stderr!.on('data', read);
    server!.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${serverOutput}`)));
  });
}

before(
  async () => {
    if (skip) return;
    for (const folder of ['specs', 'generated']) cpSync(join(ROOT, folder), join(project, folder), { recursive: true });
    await trainRun();
    origin = await startServe();
    browser = await launchChromium();
  },
  { timeout: 480_000 },
);

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) server.kill('SIGKILL');
});

interface Opened {
  page: Page;
  problems: string[];
}

/** Opens the page and records console errors and warnings, page errors and any request not to the server. */
async function open(hash = ''): Promise<Opened> {
  const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(`${origin}/`)) problems.push(`request leaving the server: ${r.url()}`);
  });
  await page.goto(`${origin}/${hash}`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  return { page, problems };
}

/** The line number shown beside the gutter marker of a problem (lines may scroll, so by position). */
async function markedLines(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const numbers = [...document.querySelectorAll('.cm-lineNumbers .cm-gutterElement')];
    return [...document.querySelectorAll('.cm-gutter-lint .cm-gutterElement')]
      .filter((marker) => marker.querySelector('.cm-lint-marker-error'))
      .map((marker) => {
        const top = marker.getBoundingClientRect().top;
        const number = numbers.find((n) => Math.abs(n.getBoundingClientRect().top - top) < 2);
        return Number(number?.textContent);
      });
  });
}

/** Pastes text into the editor, as Ctrl-V does: a paste event carrying the text. */
async function paste(page: Page, text: string): Promise<void> {
  await page.locator('.cm-content').evaluate((content, pasted) => {
    const clipboardData = new DataTransfer();
    clipboardData.setData('text/plain', pasted);
    content.dispatchEvent(new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true }));
  }, text);
}

/** Puts the cursor at the end of a line of the editor (1-based). */
async function endOfLine(page: Page, line: number): Promise<void> {
  await page
    .locator('.cm-content .cm-line')
    .nth(line - 1)
    .click();
  // End stops at each point where a long line wraps; a few presses reach the line's real end.
  for (let i = 0; i < 4; i++) await page.keyboard.press('End');
}

test(
  "a mistake typed into the spec gets a marker on its line with the command line's message; fixing it brings back 93,322",
  { skip, timeout: 120_000 },
  async () => {
    const { page, problems } = await open('#spec=mnist-cnn.yaml');
    try {
      assert.match(await page.locator('#verdict').innerText(), /mnist-cnn: 8 layers, 93,322 parameters/);
      const original = readFileSync(SPEC, 'utf8');
      const line = original.split('\n').findIndex((l) => l.trim() === 'kernel: 3') + 1;
      assert.ok(line > 0);
      await endOfLine(page, line);
      await page.keyboard.press('Backspace');
      await page.keyboard.type('-3');

      // What the command line prints for the same text (test/serve.test.ts checks the printed lines are these).
      const mistaken = original
        .split('\n')
        .map((l, i) => (i === line - 1 ? l.replace('kernel: 3', 'kernel: -3') : l))
        .join('\n');
      const expected = compileSpecText('specs/mnist-cnn.yaml', mistaken);
      assert.ok(!expected.ok && expected.diagnostics.length === 1);
      const cliLines = expected.diagnostics.map(formatDiagnostic);
      const { line: reported, message } = expected.diagnostics[0]!;
      assert.equal(reported, line);

      await page.waitForSelector('#verdict.bad');
      assert.deepEqual(await page.locator('#diagnostics li').allInnerTexts(), cliLines);
      assert.deepEqual(await markedLines(page), [line]);
      assert.equal(await page.locator('.cm-lintRange-error').innerText(), '-3');
      await page.locator('.cm-lint-marker-error').hover();
      assert.equal(await page.locator('.cm-tooltip-lint .cm-diagnostic').innerText(), message);
      assert.equal(await page.locator('#summary.stale').count(), 1, 'the last good summary stays, dimmed');

      await endOfLine(page, line);
      await page.keyboard.press('Backspace');
      await page.keyboard.press('Backspace');
      await page.keyboard.type('3');
      await page.waitForSelector('#verdict.good');
      assert.match(await page.locator('#summary:not(.stale)').innerText(), /Total params: 93,322 \(/);
      assert.equal(await page.locator('#diagnostics li').count(), 0);
      assert.deepEqual(await markedLines(page), []);
      assert.equal(await page.locator('#diagram svg g.layer').count(), 8);
      assert.equal(await page.locator('#save').isDisabled(), true, 'back to the text on disk: nothing to save');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  },
);

test('Save writes the edited spec and its generated files through the server', { skip, timeout: 120_000 }, async () => {
  const { page, problems } = await open('#spec=mnist-cnn.yaml');
  try {
    const line =
      readFileSync(SPEC, 'utf8')
        .split('\n')
        .findIndex((l) => l.startsWith('description:')) + 1;
    await endOfLine(page, line);
    await page.keyboard.type(' Edited in the playground.');
    await page.locator('#save').click();
    await page.waitForFunction(() => document.getElementById('save-status')!.textContent!.startsWith('saved'));
    assert.equal(
      await page.locator('#save-status').innerText(),
      'saved specs/mnist-cnn.yaml; wrote generated/mnist-cnn.ts, generated/keras/mnist_cnn.py, generated/pytorch/mnist_cnn.py',
    );
    assert.match(readFileSync(SPEC, 'utf8'), /^description: .* Edited in the playground\.$/m);
    assert.match(readFileSync(join(project, 'generated', 'mnist-cnn.ts'), 'utf8'), /Edited in the playground\./);
    assert.equal(await page.locator('#save').isDisabled(), true);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test('hostile spec text shows literally in the summary, diagram, markers and messages, and runs nothing', { skip, timeout: 120_000 }, async () => {
  const { page, problems } = await open('#spec=mnist-cnn.yaml');
  try {
    const payload = `<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>`;
    const layerNote = `</title><svg onload="window.pwned=1"></svg>`;
    const hostile = readFileSync(SPEC, 'utf8')
      .replace(/^description: .*$/m, `description: ${JSON.stringify(payload)}`)
      .replace('  - kind: flatten\n', `  - kind: flatten\n    description: ${JSON.stringify(layerNote)}\n`);
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+A');
    await paste(page, hostile);
    await page.waitForSelector('#verdict.good');
    const tooltip = await page.locator('#diagram g.layer').nth(5).locator('title').textContent();
    assert.ok(tooltip?.endsWith(layerNote), tooltip ?? '');

    const kind = `<img src=x onerror="window.pwned=1">`;
    await page.keyboard.press('Control+A');
    await paste(page, hostile.replace('kind: flatten', `kind: ${JSON.stringify(kind)}`));
    await page.waitForSelector('#verdict.bad');
    assert.ok((await page.locator('#diagnostics li').first().innerText()).includes(`unknown layer kind '${kind}'`));
    await page.locator('.cm-lint-marker-error').first().hover();
    assert.ok((await page.locator('.cm-tooltip-lint').innerText()).includes(kind));
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => (window as { pwned?: number }).pwned), undefined);
    assert.equal(await page.locator('img, svg[onload], script:not([src])').count(), 0);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

/** Draws strokes on the pad with the mouse; points in the pad's own 280x280 pixels. */
async function draw(page: Page, strokes: Array<Array<[number, number]>>): Promise<void> {
  const pad = page.locator('#pad');
  await pad.scrollIntoViewIfNeeded();
  const box = (await pad.boundingBox())!;
  for (const stroke of strokes) {
    const [first, ...rest] = stroke;
    await page.mouse.move(box.x + first![0], box.y + first![1]);
    await page.mouse.down();
    for (const [x, y] of rest) await page.mouse.move(box.x + x, box.y + y, { steps: 12 });
    await page.mouse.up();
  }
}

/** An MNIST digit at 3x size, dark on white, as a PNG: what a scan of a written digit looks like. */
function scanOf(digit: Float32Array): Buffer {
  const png = new PNG({ width: 84, height: 84 });
  for (let i = 0; i < 84 * 84; i++) {
    const v = Math.round(255 * (1 - digit[Math.floor(Math.floor(i / 84) / 3) * 28 + Math.floor((i % 84) / 3)]!));
    png.data.set([v, v, v, 255], 4 * i);
  }
  return PNG.sync.write(png);
}

/** The CLI in a child process, without blocking this one (the page goes on meanwhile). */
function runCliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

const topClasses = (page: Page): Promise<Array<{ class: number; probability: number }>> =>
  page
    .locator('#top3 li')
    .evaluateAll((items) =>
      items.map((li) => ({ class: Number((li as HTMLElement).dataset.class), probability: Number((li as HTMLElement).dataset.probability) })),
    );

test('a 7 drawn with mouse strokes is ranked 7 first; a picture opened gives the probabilities predict gives', { skip, timeout: 120_000 }, async () => {
  const { page, problems } = await open();
  try {
    const file = join(project, 'scan.png');
    const { split } = await loadSplit({ kind: 'mnist' }, '.', 'test', 1);
    writeFileSync(file, scanOf(split.images.subarray(0, 784)));
    // `predict` on the same file runs meanwhile, in its own process.
    const viaCli = runCliAsync(['predict', runDir, file, '--json', '--backend', 'wasm']);
    assert.match(await page.locator('#run-info').innerText(), /digits from .*trained.*, trained from specs\/digits\.yaml/);
    // A bar across the top, then a slanted stroke down to the bottom left.
    await draw(page, [
      [
        [70, 60],
        [205, 60],
        [200, 75],
        [150, 160],
        [115, 235],
      ],
    ]);
    await page.waitForFunction(() => document.querySelectorAll('#top3 li').length === 3);
    const seven = await topClasses(page);
    assert.equal(seven[0]!.class, 7, JSON.stringify(seven));
    assert.ok(seven[0]!.probability > 0.5 && seven[0]!.probability >= seven[1]!.probability && seven[1]!.probability >= seven[2]!.probability);
    assert.equal(await page.locator('#top3 li .name').first().innerText(), '7');
    await page.locator('#clear').click();
    assert.equal(await page.locator('#top3 li').count(), 0);

    // An MNIST test digit, enlarged and inverted like a scan, through the file picker and through `predict`.
    await page.locator('#picture').setInputFiles(file);
    await page.waitForFunction(() => document.getElementById('prepared-from')!.textContent!.includes('scan.png'));
    const inPage = await topClasses(page);
    const cli = await viaCli;
    assert.equal(cli.status, 0, cli.stderr);
    const viaPredict = (JSON.parse(cli.stdout) as { predictions: Array<{ top: Array<{ class: number; probability: number }> }> }).predictions[0]!.top;
    assert.deepEqual(
      inPage.map((t) => t.class),
      viaPredict.map((t) => t.class),
    );
    inPage.forEach((t, i) => assert.ok(Math.abs(t.probability - viaPredict[i]!.probability) < 1e-4, `${t.probability} vs ${viaPredict[i]!.probability}`));
    assert.equal(inPage[0]!.class, split.labels[0]);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test('the test images shown as wrong are the ones the model gets wrong', { skip, timeout: 120_000 }, async () => {
  const { page, problems } = await open();
  try {
    await page.waitForFunction(() => /misclassified|all/.test(document.getElementById('mistakes-info')!.textContent!), null, { timeout: 60_000 });
    const info = await page.locator('#mistakes-info').innerText();
    const shown = await page.locator('#mistakes figure').evaluateAll((figures) => figures.map((f) => Number((f as HTMLElement).dataset.index)));

    // The same sample, the same model, in Node.
    const { split } = await loadSplit({ kind: 'mnist' }, '.', 'test', TEST_LIMIT);
    const indices = sampleIndices(split.count, TEST_SAMPLE_SIZE);
    const model = await loadModelFromDir(runDir);
    const x = tf.tensor4d(Float32Array.from(indices.flatMap((i) => Array.from(split.images.subarray(i * 784, (i + 1) * 784)))), [indices.length, 28, 28, 1]);
    const predicted = (model.predict(x) as tf.Tensor).argMax(-1).dataSync();
    const wrong = indices.filter((index, k) => predicted[k] !== split.labels[index]);
    tf.dispose([x]);
    model.dispose();

    assert.ok(wrong.length > 0, 'a small model gets some test images wrong');
    assert.equal(
      info,
      `${wrong.length} of 1,000 test images (evenly spread over all 2,000) are misclassified (${((100 * wrong.length) / 1000).toFixed(1)}%)${wrong.length > 24 ? '; the first 24' : ''}:`,
    );
    assert.deepEqual(shown, wrong.slice(0, 24));
    const caption = await page.locator('#mistakes figcaption').first().innerText();
    assert.match(caption, new RegExp(`^#${wrong[0]}: a ${split.labels[wrong[0]!]}, seen as \\d \\(\\d+%\\)$`));
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

/** A raw request to the running server: the path goes out exactly as written. */
function rawStatus(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${path}`, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('path traversal against the running server is refused, and Ctrl-C stops it cleanly', { skip, timeout: 60_000 }, async () => {
  for (const path of [
    '/run/../../../../etc/passwd',
    '/run/..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/api/specs/..%2f..%2fpackage.json',
    '/assets/../../package.json',
  ]) {
    const reply = await rawStatus(path);
    assert.ok([403, 404].includes(reply.status), `${path}: ${reply.status}`);
    assert.ok(!reply.body.includes('root:') && !reply.body.includes('"dependencies"'), path);
  }
  const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));
  server!.kill('SIGINT');
  assert.equal(await exited, 0, serverOutput);
  assert.match(serverOutput, /stopped\n$/);
});
