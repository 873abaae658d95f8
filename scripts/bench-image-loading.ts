// `npm run bench:images`: how fast an image folder loads. Writes the 60,000 MNIST training
// digits as 28x28 PNG files, one folder per digit, into a temporary folder, then loads them as
// `netspec train` does, each load in a fresh process: first with an empty cache (every file
// decoded, in parallel), then again (from the cache). Prints images/s, seconds and peak memory.
//
//   npm run bench:images                   # 60,000 images
//   npm run bench:images -- --count 6000   # fewer, per class as MNIST has them
//   npm run bench:images -- --keep DIR     # write into DIR (or reuse the images there) and leave it
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDataset } from '../src/data/datasets.js';
import { writeDigitFolder } from '../src/data/samples.js';

interface LoadMeasurement {
  images: number;
  seconds: number;
  /** CPU time of the loading process (all its threads), seconds: what the load costs on an idle machine. */
  cpuSeconds: number;
  /** Peak resident memory of the loading process, MiB. */
  peakMiB: number;
  /** Resident memory of the same process before loading, MiB. */
  baseMiB: number;
}

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

/** In the child: one load of the folder, measured. */
async function measureLoad(root: string, cacheDir: string, workers: string | undefined): Promise<void> {
  const baseMiB = process.memoryUsage().rss / 1024 ** 2;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const data = await loadDataset({ kind: 'image_folder', dir: root, testSplit: 0.1, splitSeed: 42, resize: 'stretch' }, '.', {
    inputShape: [28, 28, 1],
    cacheDir,
    ...(workers !== undefined ? { workers: Number(workers) } : {}),
  } as never);
  const seconds = (performance.now() - started) / 1000;
  const result: LoadMeasurement = {
    images: data.train.count + data.test.count,
    seconds,
    cpuSeconds: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(cpu)),
    peakMiB: process.resourceUsage().maxRSS / 1024,
    baseMiB,
  };
  process.stdout.write(JSON.stringify(result));
}

function loadInChild(root: string, cacheDir: string): LoadMeasurement {
  const run = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--load', root, '--cache', cacheDir], {
    encoding: 'utf8',
    maxBuffer: 1024 ** 2,
  });
  if (run.status !== 0) throw new Error(`the loading process failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as LoadMeasurement;
}

async function main(): Promise<void> {
  const load = option('--load');
  if (load) return measureLoad(load, option('--cache')!, option('--workers'));

  const count = Number(option('--count') ?? 60000);
  const keep = option('--keep');
  const root = keep ?? mkdtempSync(path.join(os.tmpdir(), 'netspec-image-bench-'));
  const cacheDir = path.join(root, '.cache');
  try {
    if (keep && existsSync(path.join(root, 'digits'))) {
      console.log(`using the images already in ${path.join(root, 'digits')}`);
    } else {
      const writeStarted = performance.now();
      const written = await writeDigitFolder(path.join(root, 'digits'), { perClass: count >= 60000 ? Infinity : Math.ceil(count / 10), mixed: false });
      console.log(`wrote ${written.toLocaleString('en-US')} PNG files (28x28 grey) in ${((performance.now() - writeStarted) / 1000).toFixed(1)} s to ${root}`);
    }
    rmSync(cacheDir, { recursive: true, force: true });
    const loadAverage = os.loadavg()[0]!;
    const first = loadInChild(path.join(root, 'digits'), cacheDir);
    const second = loadInChild(path.join(root, 'digits'), cacheDir);
    const row = (label: string, m: LoadMeasurement): string =>
      `| ${label} | ${m.images.toLocaleString('en-US')} | ${m.seconds.toFixed(2)} | ${Math.round(m.images / m.seconds).toLocaleString('en-US')} | ${m.cpuSeconds.toFixed(2)} | ${Math.round(m.peakMiB)} | ${Math.round(m.baseMiB)} |`;
    console.log(`\n${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}\n`);
    console.log(`load average before the loads: ${loadAverage.toFixed(1)} (on a shared machine, wall time stretches; CPU seconds do not)\n`);
    console.log('| load | images | seconds | images/s | CPU seconds | peak memory (MiB) | before loading (MiB) |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    console.log(row('first (decode every file)', first));
    console.log(row('second (from the cache)', second));
  } finally {
    if (!keep) rmSync(root, { recursive: true, force: true });
  }
}

await main();
