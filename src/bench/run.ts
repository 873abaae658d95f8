// `netspec bench`: runs every measurement one after the other, then prints the table and
// writes the JSON record. It reports speeds and never judges them: the exit code is 1 only
// when something crashed (a worker, the peer, the compile), whatever the figures are.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic } from '../compile/diagnostics.js';
import { compileChecked } from '../train/prepare.js';
import { emitPytorch } from '../emit/pytorch.js';
import type { InferredModel, TrainingConfig } from '../types.js';
import {
  BUILT_CLI,
  findTorchPython,
  measureTrainMemory,
  peerWaitPolicy,
  runChild,
  runKernelsChild,
  runTorchPeer,
  runWorkerChild,
  tail,
  TORCH_PEER,
  type PythonProbe,
} from './children.js';
import { formatKernelTable } from './kernel-table.js';
import { formatCpuWork, formatReplicaSteps } from './table.js';
import { buildReport, defaultReportPath, machineInfo, writeReport, type BenchReport, type MachineInfo } from './report.js';
import type { StartupTimes } from './stats.js';
import { formatStartup, formatThroughput, referenceMissing } from './table.js';
import { WORKER_CONFIGS, type RuntimeResult, type WorkerPlan } from './types.js';
import { runInRounds, type Contender } from './rounds.js';
import { BENCH_REPLICAS } from './kernels-child.js';
import { benchOtherSpec, formatOtherSpec, IDX_ONLY, peerDataDir, type OtherSpecResult } from './other-specs.js';

export interface BenchOptions {
  spec: string;
  /** Further specs, each measured in the default mode next to PyTorch (other-specs.ts). */
  otherSpecs?: string[];
  reps: number;
  batches: number;
  /** Untimed training batches before the first repetition, the same for every runtime. */
  warmup: number;
  inferBatches: number;
  inferBatchSize: number;
  /** Where the JSON goes; default bench-results/bench-<timestamp>.json. */
  json?: string;
  torch: boolean;
  /** Python to run the peer with; default: the first of /usr/bin/python3 and python3 that has torch. */
  python?: string;
  /** Progress, one line at a time (the CLI sends it to stderr, the table to stdout). */
  log: (line: string) => void;
}

/**
 * Seconds after which no further repetition starts. The pure-JS cpu backend takes seconds per
 * batch, so it gets less; together they keep a default run within about five minutes.
 */
const BUDGET_SECONDS = { 'wasm-2': 90, 'wasm-1': 90, 'wasm-dp2': 90, cpu: 40, node: 90, torch: 60 };
const PYTHONS = ['/usr/bin/python3', 'python3'];
/** Turn order within a round: the headline ratios' runtimes next to each other. */
const ROUND_ORDER = ['torch-2', 'wasm-2', 'wasm-dp2', 'torch-dp2', 'wasm-1', 'torch-1', 'cpu', 'node'];
/** PyTorch's configurations: threads per process, and processes (data-parallel under torchrun). */
const TORCH_CONFIGS = [
  { id: 'torch-2', threads: 2, processes: 1 },
  { id: 'torch-1', threads: 1, processes: 1 },
  { id: 'torch-dp2', threads: 1, processes: 2 },
];

interface Peer {
  probe: PythonProbe;
  /** Why this spec has no peer although the probe found python (its dataset). */
  reason?: string;
  dataDir?: string;
  /** The spec's generated PyTorch module, written for this run. */
  module?: string;
}

/**
 * The peer is the spec's own PyTorch module (src/emit/pytorch.ts), written into `scratch`. Python
 * is probed whenever the peer is wanted: further specs may read IDX files where this one does not.
 */
function preparePeer(o: BenchOptions, model: InferredModel, dataDir: string | undefined, scratch: string): Peer {
  if (!o.torch) return { probe: { reason: 'skipped with --no-torch' } };
  const probe = findTorchPython(o.python ? [o.python] : PYTHONS);
  if (!dataDir) return { probe, reason: IDX_ONLY };
  const module = join(scratch, 'peer_model.py');
  writeFileSync(module, emitPytorch(model, o.spec));
  return { probe, dataDir, module };
}

/**
 * Spawn-to-output times of the built command (compile to its summary, --help), of Node doing
 * nothing and of PyTorch building the same model; all four take turns, so that a change in load
 * hits each.
 */
async function timeStartups(o: BenchOptions, peer: Peer): Promise<StartupTimes> {
  const times: StartupTimes = { netspec: [], help: [], node: [], torch: [] };
  if (!peer.probe.python || !peer.module) times.torchReason = peer.reason ?? peer.probe.reason;
  // A fresh output folder: the compile writes its generated file there, not into the project.
  const out = mkdtempSync(join(os.tmpdir(), 'netspec-bench-'));
  try {
    for (let i = 0; i <= o.reps; i++) {
      const warmUp = i === 0; // fills the OS file cache
      const bare = await runChild(process.execPath, ['-e', "console.log('ready')"], { timeoutMs: 60_000, watch: 'ready' });
      if (!warmUp && bare.seenAfter !== undefined) times.node.push(bare.seenAfter);
      const help = await runChild(process.execPath, [BUILT_CLI, '--help'], { timeoutMs: 60_000, watch: 'Usage: netspec' });
      if (help.seenAfter === undefined) times.helpError ??= tail(help.stderr) || `exit code ${help.code}`;
      else if (!warmUp) times.help.push(help.seenAfter);
      const ours = await runChild(process.execPath, [BUILT_CLI, 'compile', o.spec, '--out-dir', join(out, 'generated'), '--no-report'], {
        timeoutMs: 120_000,
        watch: 'Total params',
      });
      if (ours.seenAfter === undefined) times.netspecError ??= tail(ours.stderr) || `exit code ${ours.code}`;
      else if (!warmUp) times.netspec.push(ours.seenAfter);
      if (peer.probe.python && peer.module) {
        const theirs = await runChild(peer.probe.python, [TORCH_PEER, '--module', peer.module!, '--startup'], { timeoutMs: 120_000, watch: 'Total params' });
        if (theirs.seenAfter === undefined) times.torchReason ??= `failed: ${tail(theirs.stderr) || `exit code ${theirs.code}`}`;
        else if (!warmUp) times.torch.push(theirs.seenAfter);
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return times;
}

function describeMachine(m: MachineInfo): string {
  const load = (l: number[] | undefined): string => (l ?? []).map((x) => x.toFixed(2)).join(' / ');
  return (
    `machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}-${m.arch}, node ${m.node}, tfjs ${m.tfjs}\n` +
    `load average (1/5/15 min): ${load(m.loadAverageStart)} at start, ${load(m.loadAverageEnd)} at end`
  );
}

export interface BenchOutcome {
  report: BenchReport;
  file: string;
  text: string;
  exitCode: number;
}

export async function runBench(o: BenchOptions): Promise<BenchOutcome> {
  const started = new Date();
  const machine = machineInfo();
  o.log(`load average at start: ${machine.loadAverageStart.join(' ')} on ${machine.cpus} cpus`);
  const compiled = await compileChecked(o.spec);
  if (!compiled.ok) throw new Error(compiled.diagnostics.map(formatDiagnostic).join('\n'));
  const { cfg } = compiled;
  // The peer reads IDX files; other dataset kinds are compared on netspec's side only.
  const dataDir = peerDataDir(cfg, o.spec);
  const scratch = mkdtempSync(join(os.tmpdir(), 'netspec-bench-peer-'));
  try {
    return await benchWith(o, started, machine, cfg, preparePeer(o, compiled.model, dataDir, scratch));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function benchWith(o: BenchOptions, started: Date, machine: MachineInfo, cfg: TrainingConfig, peer: Peer): Promise<BenchOutcome> {
  const plan = (budgetSeconds: number): WorkerPlan => ({
    spec: o.spec,
    reps: 1,
    batches: o.batches,
    warmupBatches: o.warmup,
    inferBatches: o.inferBatches,
    inferBatchSize: o.inferBatchSize,
    budgetSeconds,
  });

  o.log('timing startup (netspec --help and compile, node -e, import torch)...');
  const startup = await timeStartups(o, peer);

  // One repetition per process and round; the rounds interleave the runtimes (rounds.ts).
  const contenders: Contender[] = WORKER_CONFIGS.map((config) => ({
    id: config,
    measure: () => runWorkerChild(config, plan(BUDGET_SECONDS[config])),
  }));
  for (const { id, threads, processes } of TORCH_CONFIGS) {
    const python = peer.probe.python;
    const measure =
      !python || !peer.module
        ? async (): Promise<RuntimeResult> => ({ id, status: 'unavailable', reason: peer.reason ?? peer.probe.reason ?? 'no python', reps: [] })
        : () => runTorchPeer({ python, threads, processes, plan: plan(BUDGET_SECONDS.torch), module: peer.module!, dataDir: peer.dataDir! });
    contenders.push({ id, measure });
  }
  // Each ratio's two runtimes side by side in every round; tables keep the usual order.
  const turns = [...contenders].sort((a, b) => ROUND_ORDER.indexOf(a.id) - ROUND_ORDER.indexOf(b.id));
  const measured = await runInRounds(turns, o.reps, o.log);
  const runtimes = contenders.map((c) => measured.find((r) => r.id === c.id)!);

  // Once each, after the rounds: what the ratios above are made of, and what the default run costs in memory.
  o.log("profiling one replica's training step kernel by kernel, and the SIMD ceiling...");
  const kernels = await runKernelsChild(plan(BUDGET_SECONDS['wasm-1']));
  o.log(`measuring the peak memory of netspec train ${o.spec} --epochs 1...`);
  const memory = await measureTrainMemory(o.spec);
  const others: OtherSpecResult[] = [];
  for (const spec of o.otherSpecs ?? []) {
    others.push(
      await benchOtherSpec({
        spec,
        reps: o.reps,
        plan,
        budgets: { replicas: BUDGET_SECONDS['wasm-dp2'], oneProcess: BUDGET_SECONDS['wasm-2'], torch: BUDGET_SECONDS.torch },
        probe: peer.probe,
        log: o.log,
      }),
    );
  }

  const report = buildReport({
    started,
    finished: new Date(),
    machine,
    config: {
      spec: o.spec,
      reps: o.reps,
      batches: o.batches,
      warmupBatches: o.warmup,
      inferBatches: o.inferBatches,
      inferBatchSize: o.inferBatchSize,
      budgetSeconds: BUDGET_SECONDS,
      batchSize: cfg.batchSize,
      optimizer: `${cfg.optimizer.name} ${cfg.optimizer.learningRate}`,
      configs: [...WORKER_CONFIGS],
      torch: {
        requested: o.torch,
        ...(peer.probe.python ? { python: peer.probe.python, version: peer.probe.version } : {}),
        ompWaitPolicy: peerWaitPolicy(),
      },
      startupReps: o.reps,
    },
    startup,
    runtimes,
    kernels,
    memory,
    others,
  });
  const file = o.json ?? defaultReportPath(started);
  await writeReport(file, report);
  const missing = referenceMissing(runtimes);
  const text = [
    formatThroughput(report.summary, { spec: o.spec, reps: o.reps, warmup: o.warmup, ...(missing ? { referenceMissing: missing } : {}) }),
    formatCpuWork(report.summary),
    ...formatReplicaSteps(runtimes),
    kernels.status === 'ok' && kernels.profile && kernels.ceiling
      ? formatKernelTable(kernels.profile, kernels.ceiling, {
          what: `one replica's training step (${kernels.backend}, ${kernels.threads} thread, batch ${kernels.batch}: the default training on ${BENCH_REPLICAS} cores)`,
          threads: 1,
        })
      : `Kernel profile: failed: ${kernels.reason}`,
    ...others.map((other) => formatOtherSpec(other, o.reps, o.warmup)),
    memory.peakRssMiB !== undefined
      ? `Peak memory of \`${memory.command}\` (default mode): ${memory.peakRssMiB} MiB resident (${memory.seconds} s)`
      : `Peak memory of \`${memory.command}\`: not measured: ${memory.reason}`,
    formatStartup(startup, o.reps),
    describeMachine(report.machine) +
      (peer.probe.python ? `\npytorch: ${peer.probe.python}, torch ${peer.probe.version}, OMP_WAIT_POLICY=${peerWaitPolicy()}` : ''),
  ]
    .filter((part) => part !== '')
    .join('\n\n');
  const crashed =
    runtimes.some((r) => r.status === 'failed') ||
    others.some((other) => other.runtimes.some((r) => r.status === 'failed')) ||
    startup.netspecError !== undefined ||
    startup.helpError !== undefined ||
    kernels.status === 'failed' ||
    memory.peakRssMiB === undefined;
  return { report, file, text, exitCode: crashed ? 1 : 0 };
}
