// Further specs in one bench run (by default the example graph specs): for each, training in
// netspec's default mode and in one process with 2 threads, the way `netspec predict` also runs,
// next to PyTorch with 2 threads, taking turns as the main spec's runtimes do. The one-process
// row gives the inference figure a user of predict sees (the replicas' main thread infers on one
// thread). The full table, the kernel profile and the startup stay with the first spec.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { formatDiagnostic } from '../compile/diagnostics.js';
import { resolveDatasetFiles } from '../data/datasets.js';
import { emitPytorch } from '../emit/pytorch.js';
import { compileChecked } from '../train/prepare.js';
import { runTorchPeer, runWorkerChild, type PythonProbe } from './children.js';
import { runInRounds } from './rounds.js';
import { summarise, type Summary } from './stats.js';
import { formatThroughput, referenceMissing } from './table.js';
import type { RuntimeResult, WorkerPlan } from './types.js';
import type { TrainingConfig } from '../types.js';

/** Why a spec has no PyTorch peer although python with torch is there. */
export const IDX_ONLY = 'the PyTorch peer reads IDX datasets (mnist, idx) only';

/** The folder of the spec's IDX files, which the PyTorch peer reads; undefined for other dataset kinds. */
export function peerDataDir(cfg: TrainingConfig, spec: string): string | undefined {
  return cfg.dataset.kind === 'mnist' || cfg.dataset.kind === 'idx' ? resolveDatasetFiles(cfg.dataset, dirname(resolve(spec))).dir : undefined;
}

/** What `netspec bench` measures for each further spec: the default training mode, one process as predict runs, and the peer. */
export const OTHER_SPEC_RUNTIMES = ['wasm-dp2', 'wasm-2', 'torch-2'] as const;

export interface OtherSpecResult {
  spec: string;
  runtimes: RuntimeResult[];
  summary: Summary[];
}

export interface OtherSpecPlan {
  spec: string;
  reps: number;
  /** The plan of one repetition (its spec is replaced), and the budgets per runtime. */
  plan: (budgetSeconds: number) => WorkerPlan;
  budgets: { replicas: number; oneProcess: number; torch: number };
  /** The python that has torch, or why there is none. */
  probe: PythonProbe;
  log: (line: string) => void;
}

/** One further spec: its runtimes in rounds; a spec that does not compile is one failed row. */
export async function benchOtherSpec(o: OtherSpecPlan): Promise<OtherSpecResult> {
  const failed = (reason: string): OtherSpecResult => {
    const runtimes = OTHER_SPEC_RUNTIMES.map((id): RuntimeResult => ({ id, status: 'failed', reason, reps: [] }));
    return { spec: o.spec, runtimes, summary: summarise(runtimes) };
  };
  const compiled = await compileChecked(o.spec);
  if (!compiled.ok) return failed(compiled.diagnostics.map(formatDiagnostic).join('; '));
  const { cfg, model } = compiled;
  const plan = (budget: number): WorkerPlan => ({ ...o.plan(budget), spec: o.spec });
  const scratch = mkdtempSync(join(os.tmpdir(), 'netspec-bench-peer-'));
  try {
    const dataDir = peerDataDir(cfg, o.spec);
    const module = join(scratch, 'peer_model.py');
    writeFileSync(module, emitPytorch(model, o.spec));
    const python = o.probe.python;
    const torchReason = !dataDir ? IDX_ONLY : (o.probe.reason ?? 'no python');
    const runtimes = await runInRounds(
      [
        {
          id: 'torch-2',
          measure: () =>
            python && dataDir
              ? runTorchPeer({ python, threads: 2, processes: 1, plan: plan(o.budgets.torch), module, dataDir })
              : unavailable('torch-2', torchReason),
        },
        { id: 'wasm-2', measure: () => runWorkerChild('wasm-2', plan(o.budgets.oneProcess)) },
        { id: 'wasm-dp2', measure: () => runWorkerChild('wasm-dp2', plan(o.budgets.replicas)) },
      ],
      o.reps,
      (line) => o.log(`${o.spec}: ${line}`),
    );
    const ordered = OTHER_SPEC_RUNTIMES.map((id) => runtimes.find((r) => r.id === id)!);
    return { spec: o.spec, runtimes: ordered, summary: summarise(ordered) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function unavailable(id: string, reason: string): Promise<RuntimeResult> {
  return { id, status: 'unavailable', reason, reps: [] };
}

/** The table of one further spec, as the main spec's throughput table. */
export function formatOtherSpec(result: OtherSpecResult, reps: number, warmup: number): string {
  const missing = referenceMissing(result.runtimes);
  return formatThroughput(result.summary, { spec: result.spec, reps, warmup, ...(missing ? { referenceMissing: missing } : {}) });
}
