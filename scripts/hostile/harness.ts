// The machinery of the hostile-input sweep (scripts/hostile-sweep.ts): a throwaway project per
// case, the CLI run in a child process with a deadline and optional signals, and the checks
// every case must pass whatever it does: a documented exit code, no stack trace, no hang, no
// file written outside the output the case names, and no run folder that `--resume` cannot
// explain.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describeFailure } from '../../src/cli/errors.js';
import { prepareResume } from '../../src/train/resume.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'bin', 'netspec.js');
export const DEADLINE_MS = 20_000;
const EXIT_CODES = new Set([0, 1, 2, 130, 143]);

export interface Project {
  dir: string;
  spec: string;
  /** A finished two-epoch run folder, copied into this project (when the case asks for one). */
  run: string;
}

export interface SignalPlan {
  /** Send the first signal once stdout matches this (or after this many ms). */
  after: RegExp | number;
  signal: NodeJS.Signals;
  /** A second signal this many ms after the first. */
  again?: number;
}

export interface Case {
  cls: string;
  name: string;
  args: (p: Project) => string[];
  setup?: (p: Project) => void;
  /** Relative paths (from the project) the case may create or change: its named output. */
  writes?: RegExp[];
  /** Exit codes this case must end with (beyond the global rule). */
  codes?: number[];
  /** What stderr (or stdout) must say. */
  says?: RegExp;
  signal?: SignalPlan;
  /** Extra checks after the run; return a problem or undefined. */
  after?: (p: Project, out: Outcome) => string | undefined | Promise<string | undefined>;
  needsRun?: boolean;
  /** Undo what setup did outside the project (a mount). */
  teardown?: (p: Project) => void;
}

export interface Outcome {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

export interface Verdict {
  cls: string;
  name: string;
  ok: boolean;
  problems: string[];
  outcome: string;
}

/** One IDX file of unsigned bytes. */
export function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** A learnable 8x8, 4-class dataset: the bright quarter is the class. */
export function writeDataset(dir: string, train = 400, test = 100): void {
  mkdirSync(dir, { recursive: true });
  let seed = 12345;
  const noise = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24) % 60;
  const split = (count: number): [Buffer, Buffer] => {
    const pixels = new Uint8Array(count * 64);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      labels[i] = i % 4;
      for (let p = 0; p < 64; p++) pixels[i * 64 + p] = ((Math.floor(p / 8) < 4 ? 0 : 2) + (p % 8 < 4 ? 0 : 1) === i % 4 ? 180 : 0) + noise();
    }
    return [idx([count, 8, 8], pixels), idx([count], labels)];
  };
  const [a, b] = split(train);
  const [c, d] = split(test);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), a);
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), b);
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), c);
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), d);
}

export function specText(o: { epochs?: number; extra?: string; layers?: string; input?: string; name?: string; batch?: number } = {}): string {
  return `name: ${o.name ?? 'quarters'}
input: ${o.input ?? '[8, 8, 1]'}
layers:
${
  o.layers ??
  `  - kind: flatten
  - kind: dense
    units: 16
    activation: relu
  - kind: dense
    units: 4
    activation: softmax`
}
training:
  dataset: { idx_dir: data }
  optimizer: { name: sgd, learning_rate: 0.05, momentum: 0.9 }
  batch_size: ${o.batch ?? 8}
  epochs: ${o.epochs ?? 2}
  seed: 3
${o.extra ?? ''}`;
}

export const SCRATCH = mkdtempSync(join(tmpdir(), 'netspec-sweep-'));
let counter = 0;
let template: string | undefined;

/** A finished run folder made once and copied into projects that need one. */
export async function trainedTemplate(): Promise<string> {
  if (template) return template;
  const dir = join(SCRATCH, 'template');
  mkdirSync(dir);
  writeDataset(join(dir, 'data'));
  writeFileSync(join(dir, 'quarters.yaml'), specText());
  const out = await runCli(['train', 'quarters.yaml', '--backend', 'cpu', '--out', 'runs'], dir);
  if (out.code !== 0) throw new Error(`could not train the template run: ${out.stderr}`);
  const run = /run folder: (\S+)/.exec(out.stdout)![1]!;
  template = join(dir, run);
  return template;
}

export async function newProject(needsRun: boolean): Promise<Project> {
  const dir = join(SCRATCH, `case-${String(++counter).padStart(3, '0')}`);
  mkdirSync(dir);
  writeDataset(join(dir, 'data'));
  writeFileSync(join(dir, 'quarters.yaml'), specText());
  const run = join(dir, 'runs', 'quarters', 'done');
  if (needsRun) {
    mkdirSync(join(dir, 'runs', 'quarters'), { recursive: true });
    cpSync(await trainedTemplate(), run, { recursive: true });
    // The copy reads this project's data, as a run folder moved with its project would.
    const record = join(run, 'dataset.json');
    writeFileSync(record, JSON.stringify({ ...JSON.parse(readFileSync(record, 'utf8')), specDir: dir }));
  }
  return { dir, spec: join(dir, 'quarters.yaml'), run };
}

export function runCli(args: string[], cwd: string, plan?: SignalPlan): Promise<Outcome> {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    let timedOut = false;
    const send = (): void => {
      if (sent || !plan) return;
      sent = true;
      child.kill(plan.signal);
      if (plan.again !== undefined) setTimeout(() => child.kill(plan.signal), plan.again);
    };
    if (plan && typeof plan.after === 'number') setTimeout(send, plan.after);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (plan && plan.after instanceof RegExp && plan.after.test(stdout)) send();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, DEADLINE_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      done({ pid: child.pid ?? 0, code, signal, stdout, stderr, ms: performance.now() - started, timedOut });
    });
  });
}

/** Every entry below `dir` (links not followed), with what would show a write. */
export function listing(dir: string, skip: (full: string) => boolean = () => false): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = join(d, e.name);
      if (skip(full)) continue;
      try {
        const s = lstatSync(full);
        files.set(relative(dir, full), `${s.mode}:${s.size}:${s.mtimeMs}`);
        if (s.isDirectory()) walk(full);
      } catch {
        /* vanished */
      }
    }
  };
  walk(dir);
  return files;
}

/**
 * Files in the shared temp folder that this child left: netspec names its temp files after
 * the process (other programs on the machine write there too, so only these can be told apart).
 */
function tempLeftovers(pid: number): string[] {
  return readdirSync(tmpdir()).filter((f) => f.includes(`.${pid}.`) || f.includes(`-${pid}.`));
}

const TRACE = /\n\s+at \S.*[:(]\d+:\d+\)?\s*$|node:internal|^\s*(TypeError|RangeError|ReferenceError|SyntaxError|Error)\b/m;

/** Folders below `dir` that hold run records, for the resume check. */
function runFolders(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 5) return;
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => ['resolved-spec.json', 'model.json', 'metrics.json'].includes(e.name))) found.push(d);
    for (const e of entries) if (e.isDirectory() && !e.isSymbolicLink()) walk(join(d, e.name), depth + 1);
  };
  walk(dir, 0);
  return found;
}

/** Whether `--resume` would explain this folder: prepare it as a resume would, and classify any error. */
async function resumeExplains(dir: string): Promise<string | undefined> {
  try {
    await prepareResume(dir, { backend: 'cpu' });
    return undefined;
  } catch (error) {
    const failure = describeFailure(error);
    return failure.message.startsWith('internal error') ? `--resume cannot explain ${dir}: ${failure.message.split('\n')[0]}` : undefined;
  }
}

export async function runCase(c: Case): Promise<Verdict> {
  const p = await newProject(c.needsRun ?? false);
  c.setup?.(p);
  const isScratch = (full: string): boolean => full.includes('/mnt-ro');
  const before = listing(p.dir, isScratch);
  const runsBefore = new Map(runFolders(p.dir).map((d) => [d, JSON.stringify([...listing(d)])]));
  const out = await runCli(c.args(p), p.dir, c.signal);
  const problems: string[] = [];
  const codeOk = out.code !== null ? EXIT_CODES.has(out.code) : out.signal === c.signal?.signal && !out.timedOut;
  if (out.timedOut) problems.push(`hung: killed after ${DEADLINE_MS} ms`);
  else if (!codeOk) problems.push(`exit ${out.code ?? out.signal}`);
  if (c.codes && out.code !== null && !c.codes.includes(out.code)) problems.push(`exit ${out.code}, expected ${c.codes.join(' or ')}`);
  if (TRACE.test(out.stderr) || TRACE.test(out.stdout)) problems.push('stack trace');
  if (/internal error/.test(out.stderr)) problems.push(`internal error: ${out.stderr.split('\n').find((l) => /internal error/.test(l))}`);
  if (c.says && !c.says.test(out.stderr + out.stdout)) problems.push(`does not say ${c.says}`);
  const after = listing(p.dir, isScratch);
  const allowed = (f: string): boolean => (c.writes ?? []).some((re) => re.test(f));
  const changed = [...after].filter(([f, s]) => before.get(f) !== s && !allowed(f)).map(([f]) => f);
  const removed = [...before.keys()].filter((f) => !after.has(f) && !allowed(f));
  if (changed.length) problems.push(`stray writes: ${changed.slice(0, 4).join(', ')}`);
  if (removed.length) problems.push(`removed: ${removed.slice(0, 4).join(', ')}`);
  const strayTemp = tempLeftovers(out.pid);
  if (strayTemp.length) problems.push(`temp files left: ${strayTemp.join(', ')}`);
  for (const dir of runFolders(p.dir)) {
    if (runsBefore.get(dir) === JSON.stringify([...listing(dir)])) continue;
    const problem = await resumeExplains(dir);
    if (problem) problems.push(problem);
  }
  const extra = await c.after?.(p, out);
  if (extra) problems.push(extra);
  c.teardown?.(p);
  const firstLine = (
    out.stderr.split('\n').find((l) => l.startsWith('error') || /:\d+:\d+: /.test(l)) ??
    out.stdout.split('\n').filter(Boolean).at(-1) ??
    ''
  ).slice(0, 200);
  return {
    cls: c.cls,
    name: c.name,
    ok: problems.length === 0,
    problems,
    outcome: `${out.code ?? out.signal} in ${(out.ms / 1000).toFixed(1)} s: ${firstLine}`,
  };
}

export function cleanup(): void {
  rmSync(SCRATCH, { recursive: true, force: true });
}

export { existsSync };
