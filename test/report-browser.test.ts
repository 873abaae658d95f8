// The report as a browser sees it: Debian's headless Chromium (driven by playwright-core,
// nothing downloaded) opens the spec and run reports from file:// and checks that they render
// with no errors, no network requests, visible charts and one diagram box per layer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { writeRunReport, writeSpecReport } from '../src/report/build.js';
import { chromiumAvailable, CHROMIUM_PATH, launchChromium } from '../scripts/chromium.js';
import { assertAvailable, compileValid, compileValidText, ROOT, skipUnlessCi, tempDir } from './helpers.js';
import { writeSyntheticRun } from './report-fixtures.js';

// Locally a missing browser only skips; in CI (.ci/run installs chromium) it must run.
const missing = chromiumAvailable() ? undefined : `${CHROMIUM_PATH} not found (apt-get install -y chromium)`;
const skip = skipUnlessCi(missing);
const SEED = join(ROOT, 'specs', 'mnist-cnn.yaml');
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  assertAvailable(missing);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

interface Opened {
  page: Page;
  problems: string[];
}

/** Opens a file and records console errors, page errors and any request that is not file://. */
async function open(file: string): Promise<Opened> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`);
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, problems };
}

async function visibleSize(page: Page, selector: string): Promise<{ width: number; height: number }> {
  const box = await page.locator(selector).first().boundingBox();
  assert.ok(box, `${selector} is rendered`);
  return { width: box.width, height: box.height };
}

test('the spec report renders its diagram and table with no errors and no network', { skip }, async () => {
  const model = compileValid(SEED);
  const { file } = await writeSpecReport(model, tempDir());
  const { page, problems } = await open(file);
  try {
    assert.equal(await page.locator('#architecture svg g.input').count(), 1);
    const boxes = page.locator('#architecture svg g.layer');
    assert.equal(await boxes.count(), model.layers.length);
    for (let i = 0; i < model.layers.length; i++) {
      const box = await boxes.nth(i).boundingBox();
      assert.ok(box && box.width > 200 && box.height > 30, `layer box ${i} has a real size`);
    }
    const table = await page.locator('table.summary').innerText();
    assert.match(table, /Total params\s+93,322/);
    assert.equal(await page.locator('table.summary tbody tr').count(), model.layers.length);
    // Nothing is wider than the window: the layout fits a laptop screen without sideways scrolling.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test('the run report shows both charts at a real size, and each SVG file opens on its own', { skip }, async () => {
  const dir = tempDir();
  await writeSyntheticRun(dir, compileValid(SEED));
  const { file } = await writeRunReport(dir);
  const { page, problems } = await open(file);
  try {
    const curves = await visibleSize(page, '#curves svg');
    assert.ok(curves.width > 600 && curves.height > 200, JSON.stringify(curves));
    const confusion = await visibleSize(page, '#confusion svg');
    assert.ok(confusion.width > 300 && confusion.height > 300, JSON.stringify(confusion));
    assert.equal(await page.locator('#architecture svg g.layer').count(), 8);
    assert.match(await page.locator('table.summary').innerText(), /93,322/);
    assert.match(await page.locator('.facts').innerText(), /Test accuracy\s+95\.50%/);
    // Ten by ten coloured cells in the heatmap.
    assert.equal(await page.locator('#confusion svg .mark-rect.role-mark path').count(), 100);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
  for (const svg of ['architecture.svg', 'curves.svg', 'confusion.svg']) {
    const opened = await open(join(dir, svg));
    try {
      // An XML error would replace the document with a parsererror page.
      assert.equal(await opened.page.evaluate(() => document.documentElement.localName), 'svg', svg);
      const size = await visibleSize(opened.page, 'svg');
      assert.ok(size.width > 100 && size.height > 100, `${svg}: ${JSON.stringify(size)}`);
      assert.deepEqual(opened.problems, [], svg);
    } finally {
      await opened.page.close();
    }
  }
});

test('hostile spec text shows up literally and runs nothing, in the page and in the standalone SVG', { skip }, async () => {
  const payload = `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`;
  const layerNote = `</title><script>document.title='pwned'</script>`;
  const source = readFileSync(SEED, 'utf8')
    .replace(/^description: .*$/m, `description: ${JSON.stringify(payload)}`)
    .replace('  - kind: flatten\n', `  - kind: flatten\n    description: ${JSON.stringify(layerNote)}\n`);
  const { file } = await writeSpecReport(compileValidText('hostile.yaml', source), tempDir());
  const { page, problems } = await open(file);
  try {
    assert.equal(await page.title(), 'mnist-cnn · model report · netspec');
    assert.equal(await page.locator('header .description').innerText(), payload);
    assert.equal(await page.locator('img, script').count(), 0);
    const tooltip = await page.locator('#architecture g.layer').nth(5).locator('title').textContent();
    assert.ok(tooltip?.endsWith(layerNote), tooltip ?? '');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
  const svg = await open(join(file, '..', 'architecture.svg'));
  try {
    assert.equal(await svg.page.evaluate(() => document.documentElement.localName), 'svg');
    assert.equal(await svg.page.evaluate(() => document.querySelectorAll('script').length), 0);
    assert.deepEqual(svg.problems, []);
  } finally {
    await svg.page.close();
  }
});
