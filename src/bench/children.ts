// Child processes of `netspec bench`: tfjs workers, the PyTorch peer and the startup timings.
// Everything runs one child at a time: on a small machine two measurements side by side would
// each measure the other.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelReport } from './kernels-child.js';
import { RESULT_MARKER, type RuntimeResult, type WorkerConfig, type WorkerPlan } from './types.js';

/** The command as installed: the built code in dist/. Its startup is what the bench times. */
export const BUILT_CLI = fileURLToPath(new URL('../../bin/netspec.js', import.meta.url));
/**
 * The command the measuring children run: the built one, or, when the bench itself runs from the
 * TypeScript sources, the sources too (through tsx), so that both measure the same code.
 */
export const CLI = new URL(import.meta.url).pathname.endsWith('.ts') ? fileURLToPath(new URL('../../scripts/netspec-source.js', import.meta.url)) : BUILT_CLI;
/** Runs the spec's generated PyTorch module as netspec's trainer runs a model. */
export const TORCH_PEER = fileURLToPath(new URL('./torch_peer.py', import.meta.url));

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
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(RESULT_MARKER));
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
  return [
    '--reps',
    String(plan.reps),
    '--batches',
    String(plan.batches),
    '--warmup',
    String(plan.warmupBatches),
    '--infer-batches',
    String(plan.inferBatches),
    '--infer-batch-size',
    String(plan.inferBatchSize),
    '--budget',
    String(plan.budgetSeconds),
  ];
}

export async function runWorkerChild(config: WorkerConfig, plan: WorkerPlan): Promise<RuntimeResult> {
  const args = [CLI, 'bench', plan.spec, '--worker', config, ...planArgs(plan)];
  // The budget only stops further repetitions; the slack covers start-up and one slow repetition.
  const outcome = await runChild(process.execPath, args, { timeoutMs: (plan.budgetSeconds + 180) * 1000 });
  return outcomeToResult(config, outcome);
}

export { findTorchPython, type PythonProbe } from '../interop/python.js';

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
  /** Threads per process. */
  threads: number;
  /** Processes, started by torchrun when more than 1 (each trains on its share of every batch). */
  processes: number;
  plan: WorkerPlan;
  /** The spec's generated PyTorch module (src/emit/pytorch.ts). */
  module: string;
  dataDir: string;
}

/** A port free on the loopback address for torchrun's rendezvous. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function runTorchPeer(a: PeerArgs): Promise<RuntimeResult> {
  const peer = [TORCH_PEER, '--module', a.module, '--threads', String(a.threads), '--data', a.dataDir, ...planArgs(a.plan)];
  // torchrun's --redirects/--tee name a rank that does not exist ("no redirection"): Debian's
  // torchrun (PyTorch 1.13 on Python 3.11) cannot parse its own default.
  const args =
    a.processes > 1
      ? [
          '-m',
          'torch.distributed.run',
          `--nproc_per_node=${a.processes}`,
          '--master_addr=127.0.0.1',
          `--master_port=${await freePort()}`,
          `--redirects=${a.processes}:0`,
          `--tee=${a.processes}:0`,
          ...peer,
        ]
      : peer;
  const env = { OMP_WAIT_POLICY: peerWaitPolicy(), OMP_NUM_THREADS: String(a.threads) };
  const outcome = await runChild(a.python, args, { timeoutMs: (a.plan.budgetSeconds + 180) * 1000, env });
  return outcomeToResult(a.processes > 1 ? `torch-dp${a.processes}` : `torch-${a.threads}`, outcome);
}

/** The kernels child (kernels-child.ts): the ceiling and one replica's step, kernel by kernel. */
export async function runKernelsChild(plan: WorkerPlan): Promise<KernelReport> {
  const args = [CLI, 'bench', plan.spec, '--worker', 'kernels', ...planArgs(plan)];
  const outcome = await runChild(process.execPath, args, { timeoutMs: (plan.budgetSeconds + 180) * 1000 });
  const line =
    outcome.code === 0
      ? outcome.stdout
          .split('\n')
          .reverse()
          .find((l) => l.startsWith(RESULT_MARKER))
      : undefined;
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
    if (outcome.code !== 0 || !line)
      return { command, reason: `${outcome.timedOut ? 'timed out' : `exit code ${outcome.code}`}: ${tail(outcome.stderr) || 'no output'}` };
    return { command, peakRssMiB: Math.round(Number(line.slice(RSS_MARKER.length)) / 1024), seconds };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
