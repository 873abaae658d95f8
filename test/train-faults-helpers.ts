// Shared by the fault tests (faults-*.test.ts): a tiny IDX dataset and spec in a temp project,
// running `train` and interrupting it, and reading what a run folder recorded.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

export function specText(opts: { input?: string; learningRate?: number; epochs?: number } = {}): string {
  return `name: quarters
input: ${opts.input ?? '[8, 8, 1]'}
layers:
  - kind: flatten
  - kind: dense
    units: 16
    activation: relu
  - kind: dense
    units: 4
    activation: softmax
training:
  dataset: { idx_dir: data }
  optimizer: { name: sgd, learning_rate: ${opts.learningRate ?? 0.05}, momentum: 0.9 }
  batch_size: 8
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

export const metrics = (dir: string): { epochs: { epoch: number }[]; interrupted: boolean } =>
  JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
export const results = (dir: string): { test: { accuracy: number; loss: number } | null; training: { interrupted: boolean } } =>
  JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));

/** Runs `train` and sends SIGINT as soon as the first epoch line is printed. */
export function trainAndInterrupt(cwd: string, spec: string, out: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'train', spec, '--backend', 'cpu', '--out', out], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/Epoch 1\/\d+/.test(stdout) && !child.killed) child.kill('SIGINT');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

