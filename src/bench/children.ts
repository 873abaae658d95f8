// Child processes of `netspec bench`: tfjs workers, the PyTorch peer and the startup timings.
// Everything runs one child at a time: on a small machine two measurements side by side would
// each measure the other.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelReport } from './kernels-child.js';
import { RESULT_MARKER, type RuntimeResult, type WorkerConfig, type WorkerPlan } from './types.js';

export const CLI = fileURLToPath(new URL('../../bin/netspec.js', import.meta.url));
export const TORCH_PEER = fileURLToPath(new URL('../../bench/torch_peer.py', import.meta.url));

export interface ChildOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Seconds from spawn until stdout first contained `watch`, when asked for. */
  seenAfter?: number;
}

export interface ChildOptions {
  timeoutMs: number;
  /** Time how long until stdout contains this text. */
  watch?: string;
  cwd?: string;
  /** Added to the inherited environment. */
  env?: NodeJS.ProcessEnv;
}

export function runChild(command: string, args: string[], opts: ChildOptions): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let seenAfter: number | undefined;
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: opts.cwd, env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (opts.watch && seenAfter === undefined && stdout.includes(opts.watch)) seenAfter = (performance.now() - t0) / 1000;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const finish = (code: number | null): void => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, ...(seenAfter !== undefined ? { seenAfter } : {}) });
    };
    child.on('error', (err) => {
      stderr += String(err.message);
      finish(null);
    });
    child.on('close', finish);
  });
}

/** The result line a worker or the peer printed, if any. */
export function parseResult(stdout: string): RuntimeResult | undefined {
  const line = stdout.split('\n').reverse().find((l) => l.startsWith(RESULT_MARKER));
  return line ? (JSON.parse(line.slice(RESULT_MARKER.length)) as RuntimeResult) : undefined;
}

/** Last non-empty lines of a child's output: enough to say what went wrong, short enough for a table note. */
export function tail(text: string, lines = 2): string {
  return text.trim().split('\n').filter(Boolean).slice(-lines).join(' | ').slice(0, 300);
}

/** Turns a child's outcome into a result; anything but a clean result line is a failure. */
export function outcomeToResult(id: string, outcome: ChildOutcome): RuntimeResult {
  const parsed = outcome.code === 0 ? parseResult(outcome.stdout) : undefined;
  if (parsed) return parsed;
  const why = outcome.timedOut ? 'timed out' : `exit code ${outcome.code}`;
  return { id, status: 'failed', reason: `${why}: ${tail(outcome.stderr) || tail(outcome.stdout) || 'no output'}`, reps: [] };
}

export function planArgs(plan: WorkerPlan): string[] {
  return ['--reps', String(plan.reps), '--batches', String(plan.batches), '--warmup', String(plan.warmupBatches), '--infer-batches', String(plan.inferBatches), '--infer-batch-size', String(plan.inferBatchSize), '--budget', String(plan.budgetSeconds)];
}

export async function runWorkerChild(config: WorkerConfig, plan: WorkerPlan): Promise<RuntimeResult> {
  const args = [CLI, 'bench', plan.spec, '--worker', config, ...planArgs(plan)];
  // The budget only stops further repetitions; the slack covers start-up and one slow repetition.
  const outcome = await runChild(process.execPath, args, { timeoutMs: (plan.budgetSeconds + 180) * 1000 });
  return outcomeToResult(config, outcome);
}

/** Either the interpreter to use (python, version) or why there is none (reason). */
export interface PythonProbe {
  python?: string;
  version?: string;
  reason?: string;
}

/** The first interpreter that can import torch (Debian's python3 often has it when a pyenv one does not). */
export function findTorchPython(candidates: readonly string[]): PythonProbe {
  const failures: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
    if (r.status === 0) return { python, version: r.stdout.trim() };
    failures.push(`${python}: ${r.error ? r.error.message : tail(r.stderr, 1) || `exit code ${r.status}`}`);
  }
  return { reason: `no interpreter could import torch (${failures.join('; ')})` };
}

/**
 * OpenMP's wait policy for the peer: the user's OMP_WAIT_POLICY, else PASSIVE. With the default
 * (spinning) policy, PyTorch with 2 threads on a 2-core machine that anything else is using
 * collapsed to ~200 samples/s against ~3,800 with PASSIVE, an order of magnitude of noise in the
 * reference every ratio divides by. PASSIVE costs little when the machine is idle, and it errs
 * towards PyTorch's best, so the ratios never flatter netspec.
 */
export function peerWaitPolicy(): string {
  return process.env.OMP_WAIT_POLICY ?? 'PASSIVE';
}

export interface PeerArgs {
  python: string;
  threads: number;
  plan: WorkerPlan;
  dataDir: string;
  batchSize: number;
  learningRate: number;
}

export async function runTorchPeer(a: PeerArgs): Promise<RuntimeResult> {
  const args = [TORCH_PEER, '--threads', String(a.threads), '--data', a.dataDir, '--batch-size', String(a.batchSize), '--lr', String(a.learningRate), ...planArgs(a.plan)];
  const outcome = await runChild(a.python, args, { timeoutMs: (a.plan.budgetSeconds + 180) * 1000, env: { OMP_WAIT_POLICY: peerWaitPolicy() } });
  return outcomeToResult(`torch-${a.threads}`, outcome);
}

/** The kernels child (kernels-child.ts): the ceiling and one replica's step, kernel by kernel. */
export async function runKernelsChild(plan: WorkerPlan): Promise<KernelReport> {
  const args = [CLI, 'bench', plan.spec, '--worker', 'kernels', ...planArgs(plan)];
  const outcome = await runChild(process.execPath, args, { timeoutMs: (plan.budgetSeconds + 180) * 1000 });
  const line = outcome.code === 0 ? outcome.stdout.split('\n').reverse().find((l) => l.startsWith(RESULT_MARKER)) : undefined;
  if (line) return JSON.parse(line.slice(RESULT_MARKER.length)) as KernelReport;
  const why = outcome.timedOut ? 'timed out' : `exit code ${outcome.code}`;
  return { status: 'failed', reason: `${why}: ${tail(outcome.stderr) || tail(outcome.stdout) || 'no output'}` };
}

/** Peak resident memory of a training run, from the child itself as it exits. */
export interface TrainMemory {
  /** The command measured, as a user would type it. */
  command: string;
  peakRssMiB?: number;
  seconds?: number;
  /** Why there is no figure. */
  reason?: string;
}

const RSS_MARKER = 'NETSPEC_PEAK_RSS_KIB ';
// Loaded before the CLI: reports the process's peak RSS (worker threads included: they share it) on exit.
const RSS_PRELOAD = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\n${RSS_MARKER}'+process.resourceUsage().maxRSS+'\\n'))`;

/** Peak RSS of `netspec train SPEC --epochs 1` (the spec's defaults otherwise), in a scratch run folder. */
export async function measureTrainMemory(spec: string): Promise<TrainMemory> {
  const command = `netspec train ${spec} --epochs 1`;
  const out = mkdtempSync(join(os.tmpdir(), 'netspec-bench-train-'));
  try {
    const t0 = performance.now();
    const outcome = await runChild(process.execPath, ['--import', RSS_PRELOAD, CLI, 'train', spec, '--epochs', '1', '--out', out], { timeoutMs: 900_000 });
    const seconds = Math.round((performance.now() - t0) / 100) / 10;
    const line = outcome.stderr.split('\n').find((l) => l.startsWith(RSS_MARKER));
    if (outcome.code !== 0 || !line) return { command, reason: `${outcome.timedOut ? 'timed out' : `exit code ${outcome.code}`}: ${tail(outcome.stderr) || 'no output'}` };
    return { command, peakRssMiB: Math.round(Number(line.slice(RSS_MARKER.length)) / 1024), seconds };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
