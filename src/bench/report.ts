// The JSON record of a bench run: enough to compare runs later or on other machines (machine,
// load, configuration) and every repetition's raw figures, not only the medians in the table.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname } from 'node:path';
import { writeJsonAtomic } from '../lib/atomic-write.js';
import { summarise, type StartupTimes, type Summary } from './stats.js';
import type { RuntimeResult, WorkerPlan } from './types.js';
import type { KernelReport } from './kernels-child.js';
import type { TrainMemory } from './children.js';
import type { OtherSpecResult } from './other-specs.js';

export const REPORT_SCHEMA = 'netspec-bench/1';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  platform: string;
  arch: string;
  node: string;
  tfjs: string;
  /** 1, 5 and 15 minute load averages when the run started: above the core count means the figures are pessimistic. */
  loadAverageStart: number[];
  loadAverageEnd?: number[];
}

export interface BenchConfig extends Omit<WorkerPlan, 'budgetSeconds'> {
  /** Per runtime: seconds after which no further repetition starts. */
  budgetSeconds: Record<string, number>;
  batchSize: number;
  optimizer: string;
  /** tfjs configurations measured, in order. */
  configs: string[];
  /** ompWaitPolicy: OpenMP's wait policy the peer ran with (see peerWaitPolicy in children.ts). */
  torch: { requested: boolean; python?: string; version?: string; ompWaitPolicy?: string };
  /** Repetitions of the startup timings (after one warm-up spawn). */
  startupReps: number;
}

export interface BenchReport {
  schema: typeof REPORT_SCHEMA;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  machine: MachineInfo;
  config: BenchConfig;
  /** Seconds, one entry per repetition. */
  startup: StartupTimes;
  /** Raw results per runtime, every repetition included. */
  runtimes: RuntimeResult[];
  /** The medians and ratios the table shows. */
  summary: Summary[];
  /** The SIMD ceiling and one replica's step kernel by kernel (kernels-child.ts). */
  kernels?: KernelReport;
  /** Peak memory of a default `netspec train` (one epoch). */
  memory?: TrainMemory;
  /** Further specs: the default mode next to PyTorch with 2 threads (other-specs.ts). */
  otherSpecs?: OtherSpecResult[];
}

const round = (xs: number[]): number[] => xs.map((x) => Math.round(x * 100) / 100);

export function machineInfo(): MachineInfo {
  const require = createRequire(import.meta.url);
  const tfjs = (require('@tensorflow/tfjs/package.json') as { version: string }).version;
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: os.platform(),
    arch: os.arch(),
    node: process.version,
    tfjs,
    loadAverageStart: round(os.loadavg()),
  };
}

export function buildReport(parts: {
  started: Date;
  finished: Date;
  machine: MachineInfo;
  config: BenchConfig;
  startup: StartupTimes;
  runtimes: RuntimeResult[];
  kernels?: KernelReport;
  memory?: TrainMemory;
  others?: OtherSpecResult[];
}): BenchReport {
  return {
    schema: REPORT_SCHEMA,
    startedAt: parts.started.toISOString(),
    finishedAt: parts.finished.toISOString(),
    durationSeconds: Math.round((parts.finished.getTime() - parts.started.getTime()) / 100) / 10,
    machine: { ...parts.machine, loadAverageEnd: parts.machine.loadAverageEnd ?? round(os.loadavg()) },
    config: parts.config,
    startup: parts.startup,
    runtimes: parts.runtimes,
    summary: summarise(parts.runtimes),
    ...(parts.kernels ? { kernels: parts.kernels } : {}),
    ...(parts.memory ? { memory: parts.memory } : {}),
    ...(parts.others?.length ? { otherSpecs: parts.others } : {}),
  };
}

/** bench-results/bench-2026-11-27T18-03-11Z.json: sortable, and safe in file names everywhere. */
export function defaultReportPath(at: Date): string {
  return `bench-results/bench-${at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-')}.json`;
}

export async function writeReport(file: string, report: BenchReport): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  await writeJsonAtomic(file, report);
}
