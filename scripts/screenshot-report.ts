// Screenshots a report page (for the README), and with --svgs also renders every SVG next to
// it to PNG. Usage:
//   npx tsx scripts/screenshot-report.ts <report.html> [out.png] [--svgs] [--width 1280] [--scale 1.5]
// Default out.png: docs/report.png. Needs /usr/bin/chromium (apt-get install -y chromium).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromiumAvailable, CHROMIUM_PATH, launchChromium } from './chromium.js';

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(name);
const valueOf = (name: string, fallback: number): number => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const width = valueOf('--width', 1280);
// 1.5x: sharp on high-density screens while keeping the README image a few hundred kB.
const scale = valueOf('--scale', 1.5);
const positional = args.filter((a, i) => !a.startsWith('--') && !['--width', '--scale'].includes(args[i - 1] ?? ''));
const [report, out = 'docs/report.png'] = positional;
if (!report) {
  process.stderr.write('usage: npx tsx scripts/screenshot-report.ts <report.html> [out.png] [--svgs] [--width 1280] [--scale 1.5]\n');
  process.exit(2);
}
if (!chromiumAvailable()) {
  process.stderr.write(`${CHROMIUM_PATH} not found: install it with apt-get install -y chromium\n`);
  process.exit(1);
}

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: scale });
  await page.goto(pathToFileURL(path.resolve(report)).href);
  await page.screenshot({ path: out, fullPage: true });
  process.stdout.write(`wrote ${out}\n`);
  if (flag('--svgs')) {
    const dir = path.dirname(path.resolve(report));
    for (const svg of readdirSync(dir).filter((f) => f.endsWith('.svg'))) {
      await page.goto(pathToFileURL(path.join(dir, svg)).href);
      const png = path.join(dir, svg.replace(/\.svg$/, '.png'));
      await page.locator('svg').first().screenshot({ path: png, omitBackground: false });
      process.stdout.write(`wrote ${png}\n`);
    }
  }
} finally {
  await browser.close();
}
