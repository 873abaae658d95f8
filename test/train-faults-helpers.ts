// Shared by the fault tests (faults-*.test.ts): a tiny IDX dataset and spec in a temp project,
// running `train` and interrupting it, and reading what a run folder recorded.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PAUSE_ENV, type PausePoint } from '../src/lib/pause-point.js';
import { CLI, tempDir } from './helpers.js';

/** An IDX file of unsigned bytes: magic 0x00 0x00 0x08 <ndims>, big-endian sizes, then data. */
export function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/**
 * A tiny learnable dataset of 8x8 images: the class is which quarter of the image is bright,
 * with seeded noise. Small enough that a whole training run takes a moment.
 */
export function writeIdxDataset(dir: string, train = 400, test = 100): void {
  mkdirSync(dir, { recursive: true });
  let seed = 12345;
  const noise = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24) % 60;
  const split = (count: number): [Buffer, Buffer] => {
    const pixels = new Uint8Array(count * 64);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const label = i % 4;
      labels[i] = label;
      for (let p = 0; p < 64; p++) {
        const [y, x] = [Math.floor(p / 8), p % 8];
        const quarter = (y < 4 ? 0 : 2) + (x < 4 ? 0 : 1);
        pixels[i * 64 + p] = (quarter === label ? 180 : 0) + noise();
      }
    }
    return [idx([count, 8, 8], pixels), idx([count], labels)];
  };
  const [trainImages, trainLabels] = split(train);
  const [testImages, testLabels] = split(test);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), trainImages);
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), trainLabels);
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), testImages);
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), testLabels);
}

export interface SpecOptions {
  input?: string;
  learningRate?: number;
  epochs?: number;
  /** The default path's optimizer and a batch replicas split (2 x 16), or SGD on batches of 8. */
  adam?: boolean;
  /** A small convolution first, so a run also takes the conv gradient kernels. */
  conv?: boolean;
}

export function specText(opts: SpecOptions = {}): string {
  const conv = opts.conv ? '  - kind: conv2d\n    filters: 4\n    kernel: 3\n    activation: relu\n' : '';
  const optimizer = opts.adam
    ? `{ name: adam, learning_rate: ${opts.learningRate ?? 0.002} }`
    : `{ name: sgd, learning_rate: ${opts.learningRate ?? 0.05}, momentum: 0.9 }`;
  return `name: quarters
input: ${opts.input ?? '[8, 8, 1]'}
layers:
${conv}  - kind: flatten
  - kind: dense
    units: 16
    activation: relu
  - kind: dense
    units: 4
    activation: softmax
training:
  dataset: { idx_dir: data }
  optimizer: ${optimizer}
  batch_size: ${opts.adam ? 32 : 8}
  epochs: ${opts.epochs ?? 6}
  seed: 3
`;
}

/** A project folder (default: a new temp folder) with the dataset and a spec; returns the spec's path. */
export function project(spec: string = specText(), dir: string = tempDir()): { dir: string; spec: string } {
  writeIdxDataset(join(dir, 'data'));
  writeFileSync(join(dir, 'quarters.yaml'), spec);
  return { dir, spec: join(dir, 'quarters.yaml') };
}

/** Exit 1 with a one-line `error:` message and no stack trace. */
export function assertPlainFailure(run: { status: number | null; stderr: string }, message: RegExp): void {
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, message);
  assert.doesNotMatch(run.stderr, /\n\s+at .+[:(]\d+:\d+/, 'no stack trace');
}

export function runDirOf(stdout: string): string {
  const dir = /run folder: (\S+)/.exec(stdout)?.[1];
  assert.ok(dir, `no run folder in:\n${stdout}`);
  return dir;
}

export const metrics = (dir: string): { epochs: { epoch: number }[]; interrupted: boolean } => JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
export const results = (dir: string): { test: { accuracy: number; loss: number } | null; training: { interrupted: boolean; replicas: number } } =>
  JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));

export interface ChildRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Whether the pause point was reached. */
  paused: boolean;
}

/** Only a backstop against a hang (a child that never exits); no test waits for it. */
const HANG_MS = 240_000;

/**
 * Runs the CLI with a pause point (see src/lib/pause-point.ts) and calls `onPause` once the child
 * has stopped there, e.g. to send SIGINT (which also lets it go on) or SIGKILL. Event-driven: no
 * timer decides when the signal lands. A child that exits without reaching the point resolves
 * with `paused: false`, so a test fails rather than waits; one that hangs is killed and fails.
 */
export function runWithPause(
  args: string[],
  cwd: string,
  at: { point: PausePoint; count: number },
  onPause: (child: ChildProcess) => void | Promise<void>,
): Promise<ChildRun> {
  const marker = `netspec: paused at ${at.point}@${at.count}`;
  return new Promise((resolve, reject) => {
    const env = { ...process.env, NO_COLOR: '1', [PAUSE_ENV]: `${at.point}@${at.count}` };
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    let paused = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!paused && stderr.includes(marker)) {
        paused = true;
        Promise.resolve(onPause(child)).catch((error: unknown) => {
          child.kill('SIGKILL');
          reject(error);
        });
      }
    });
    const hang = setTimeout(() => {
      stderr += `\n[killed: still running after ${HANG_MS / 1000} s]`;
      child.kill('SIGKILL');
    }, HANG_MS);
    child.on('close', (status, signal) => {
      clearTimeout(hang);
      resolve({ status, signal, stdout, stderr, paused });
    });
  });
}

/** The one run folder under `out` (runs/<spec>/<timestamp>). */
export function onlyRunDir(out: string, spec = 'quarters'): string {
  const runs = readdirSync(join(out, spec));
  assert.equal(runs.length, 1, `run folders: ${runs}`);
  return join(out, spec, runs[0]!);
}

/** Per-epoch loss, accuracy and validation figures, each a finite number (NaN would be null in JSON). */
export function epochFigures(dir: string): number[][] {
  return (metrics(dir).epochs as unknown as Record<string, unknown>[]).map((e) =>
    ['loss', 'accuracy', 'val_loss', 'val_accuracy'].map((k) => {
      const v = e[k];
      assert.ok(typeof v === 'number' && Number.isFinite(v), `epoch ${e.epoch} ${k} is ${JSON.stringify(v)}`);
      return v;
    }),
  );
}

/** Test loss and accuracy of a finished run, as finite numbers. */
export function testFigures(dir: string): number[] {
  const test = results(dir).test;
  assert.ok(test && Number.isFinite(test.loss) && Number.isFinite(test.accuracy), `test results: ${JSON.stringify(test)}`);
  return [test.loss, test.accuracy];
}
