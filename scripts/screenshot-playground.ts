// Screenshots the page `netspec serve` shows (for the docs): the seed spec in the editor with a
// mistake typed into it, and a 7 drawn on the pad of a trained run. Usage:
//   npx tsx scripts/screenshot-playground.ts <run-dir> [out.png] [--width 1400] [--scale 1.5]
// Default out.png: docs/playground.png. Needs /usr/bin/chromium (apt-get install -y chromium).
import path from 'node:path';
import { bundleState, buildWebBundle, DEFAULT_WEB_DIR } from '../src/serve/bundle.js';
import { startServer } from '../src/serve/server.js';
import { chromiumAvailable, CHROMIUM_PATH, launchChromium } from './chromium.js';

const args = process.argv.slice(2);
const valueOf = (name: string, fallback: number): number => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const width = valueOf('--width', 1400);
const scale = valueOf('--scale', 1.5);
const positional = args.filter((a, i) => !a.startsWith('--') && !['--width', '--scale'].includes(args[i - 1] ?? ''));
const [runDir, out = 'docs/playground.png'] = positional;
if (!runDir) {
  process.stderr.write('usage: npx tsx scripts/screenshot-playground.ts <run-dir> [out.png] [--width 1400] [--scale 1.5]\n');
  process.exit(2);
}
if (!chromiumAvailable()) {
  process.stderr.write(`${CHROMIUM_PATH} not found: install it with apt-get install -y chromium\n`);
  process.exit(1);
}

if (bundleState() !== 'fresh') await buildWebBundle();
// Saving is never used here; the specs folder is only read.
const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  webDir: DEFAULT_WEB_DIR,
  specs: { dir: path.resolve('specs'), outDir: path.resolve('generated'), display: 'specs' },
  run: { dir: path.resolve(runDir), shown: runDir },
});
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width, height: 1000 }, deviceScaleFactor: scale });
  await page.goto(`${server.url}#spec=mnist-cnn.yaml`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 120_000 });
  // A mistake, so the marker and the message show: the first kernel made negative.
  const line = await page.locator('.cm-content .cm-line').evaluateAll((lines) => lines.findIndex((l) => l.textContent?.trim() === 'kernel: 3'));
  await page.locator('.cm-content .cm-line').nth(line).click();
  await page.keyboard.press('End');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('-3');
  await page.waitForSelector('#verdict.bad');
  const pad = page.locator('#pad');
  await pad.scrollIntoViewIfNeeded();
  const box = (await pad.boundingBox())!;
  const stroke: Array<[number, number]> = [
    [70, 60],
    [205, 60],
    [200, 75],
    [150, 160],
    [115, 235],
  ];
  await page.mouse.move(box.x + stroke[0]![0], box.y + stroke[0]![1]);
  await page.mouse.down();
  for (const [x, y] of stroke.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 12 });
  await page.mouse.up();
  await page.waitForFunction(() => document.querySelectorAll('#top3 li').length === 3);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: out, fullPage: true });
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await browser.close();
  await server.close();
}
