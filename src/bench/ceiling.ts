// The machine's ceiling for netspec's SIMD kernels: GFLOP/s of a register-only loop of
// independent multiply-adds (`ceiling` in src/backend/simd/kernels.wat), on one thread and on
// every core at once. Kernels are judged against it: a tile loop cannot beat it, since it has
// the same instructions plus the loads.
//
// Tier-up: V8 first compiles wasm with its baseline compiler, and a function only moves to the
// optimizing one between calls (wasm has no on-stack replacement), so one long call would be
// timed in baseline code. The loop is therefore called many times briefly before anything is
// timed, and each timed sample is itself many calls.
import { Worker } from 'node:worker_threads';
import { fusedMultiplyAddAvailable, kernelBytes, type SimdExports } from '../backend/simd/module.js';

/** Floating-point operations per round of the loop: ten f32x4 multiply-adds. */
export const FLOPS_PER_ROUND = 80;
const WARMUP_CALLS = 3000;
const ROUNDS_PER_CALL = 20_000;
const CALLS_PER_SAMPLE = 10;
const SAMPLES = 15;

export interface CeilingFigures {
  /** Median GFLOP/s of one thread alone, by its CPU time. */
  oneThread: number;
  /** The best sample of one thread alone: the ceiling when nothing else ran. */
  oneThreadBest: number;
  /** GFLOP/s of all threads together, each running the loop at the same time (median, wall time). */
  allThreads: number;
  threads: number;
}

export interface Ceiling {
  /** Figures of the binary the kernels use on this machine. */
  used: CeilingFigures;
  /** Whether that binary fuses multiply-adds (relaxed SIMD, where the CPU has FMA). */
  fused: boolean;
  /** The plain binary's one-thread median, when the fused one is used: the gain it brings. */
  plainOneThread?: number;
}

function instance(fused: boolean): SimdExports {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
  return new WebAssembly.Instance(new WebAssembly.Module(kernelBytes(false, fused)), { env: { memory } }).exports as unknown as SimdExports;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** The process's CPU time in ms: with one thread running, the time that thread ran. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * GFLOP/s samples of the loop on this thread, after tier-up, by `clock`: CPU time (what a
 * thread does while it runs, which kernel profiles compare with) or wall time (with other
 * threads of this process running, whose CPU time would count too).
 */
function samplesOn(kernels: SimdExports, samples = SAMPLES, clock: () => number = cpuMs, warmupCalls = WARMUP_CALLS): number[] {
  for (let i = 0; i < warmupCalls; i++) kernels.ceiling(100);
  const out: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = clock();
    for (let c = 0; c < CALLS_PER_SAMPLE; c++) kernels.ceiling(ROUNDS_PER_CALL);
    const ms = clock() - t0;
    out.push((CALLS_PER_SAMPLE * ROUNDS_PER_CALL * FLOPS_PER_ROUND) / ms / 1e6);
  }
  return out;
}

// Plain JS (a worker thread does not inherit the TypeScript loader): the same loop, started
// together with the main thread's through a shared counter, reporting its samples.
const PEER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { bytes, start, warmup, rounds, calls, samples, flops } = workerData;
const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
const k = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
for (let i = 0; i < warmup; i++) k.ceiling(100);
const flag = new Int32Array(start);
Atomics.add(flag, 0, 1);
while (Atomics.load(flag, 0) < workerData.parties) {}
const out = [];
for (let s = 0; s < samples; s++) {
  const t0 = performance.now();
  for (let c = 0; c < calls; c++) k.ceiling(rounds);
  out.push((calls * rounds * flops) / (performance.now() - t0) / 1e6);
}
parentPort.postMessage(out);
`;

/** Every thread runs the loop at once; the sum of their per-sample rates, median over samples. */
async function allThreadsAtOnce(fused: boolean, threads: number): Promise<number> {
  const start = new SharedArrayBuffer(4);
  const flag = new Int32Array(start);
  const bytes = kernelBytes(false, fused);
  const data = {
    bytes,
    start,
    warmup: WARMUP_CALLS,
    rounds: ROUNDS_PER_CALL,
    calls: CALLS_PER_SAMPLE,
    samples: SAMPLES,
    flops: FLOPS_PER_ROUND,
    parties: threads,
  };
  const peers = Array.from({ length: threads - 1 }, () => new Worker(PEER_SOURCE, { eval: true, workerData: data }));
  const results = peers.map(
    (w) =>
      new Promise<number[]>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      }),
  );
  try {
    const own = instance(fused);
    for (let i = 0; i < WARMUP_CALLS; i++) own.ceiling(100);
    Atomics.add(flag, 0, 1);
    while (Atomics.load(flag, 0) < threads) {
      /* the peers are warming up */
    }
    const mine = samplesOn(own, SAMPLES, () => performance.now());
    const theirs = await Promise.all(results);
    return median(mine.map((rate, s) => rate + theirs.reduce((sum, t) => sum + t[s]!, 0)));
  } finally {
    await Promise.all(peers.map((w) => w.terminate()));
  }
}

/**
 * One-thread samples taken one at a time, e.g. between the steps a kernel profile times, so
 * that the ceiling and the kernels are measured under the same conditions: on a shared
 * machine the speed on offer moves by a third within a minute, even by CPU time (another
 * virtual machine on the same physical core).
 */
export class CeilingSampler {
  private readonly kernels = instance(fusedMultiplyAddAvailable());
  readonly samples: number[] = [];

  constructor() {
    for (let i = 0; i < WARMUP_CALLS; i++) this.kernels.ceiling(100);
  }

  /** One sample: about 10 ms of the loop. */
  sample(): void {
    this.samples.push(...samplesOn(this.kernels, 1, cpuMs, 0));
  }
}

/**
 * Measures the ceiling of the binary the kernels use here (and the plain one's, to compare);
 * `oneThread` are samples already taken (CeilingSampler), else they are taken now.
 */
export async function measureCeiling(threads: number, oneThread?: readonly number[]): Promise<Ceiling> {
  const fused = fusedMultiplyAddAvailable();
  const one = oneThread && oneThread.length > 0 ? [...oneThread] : samplesOn(instance(fused));
  const used: CeilingFigures = {
    oneThread: median(one),
    oneThreadBest: Math.max(...one),
    allThreads: threads > 1 ? await allThreadsAtOnce(fused, threads) : median(one),
    threads,
  };
  return { used, fused, ...(fused ? { plainOneThread: median(samplesOn(instance(false))) } : {}) };
}
