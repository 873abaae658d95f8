// How `train` spreads a run over the machine's cores: data-parallel replicas (one 1-thread wasm
// backend per core, src/train/parallel) or one process whose wasm backend runs one thread per
// core. On 2 cores replicas train this project's MNIST CNN ~1.2x faster than one process with
// 2 threads (`npm run bench`, wasm-dp2 against wasm-2): in one process only the convolutions use
// the second core, while each replica keeps its core busy through the whole step. Replicas are
// the default where that was measured to pay (batch norm and dropout train per replica, as
// DistributedDataParallel does: see src/train/parallel/pool.ts); anything else trains in one
// process, and the reason is printed.

import type { BackendPreference } from '../backend/select.js';

export interface TrainModeInput {
  /** --workers, if given (1 means one process). */
  workers?: number;
  /** --threads, if given. */
  threads?: number;
  backend?: BackendPreference;
  batchSize: number;
  cores: number;
}

export interface TrainMode {
  /** 1: one process. */
  workers: number;
  /** wasm threads for this process's backend; undefined leaves the default (one per core). */
  threads?: number;
  /** Why, for the `training:` line. */
  reason: string;
}

/** Cores up to which replicas (1 thread each) are the default; beyond, one process gets every core. */
export const MAX_AUTO_REPLICAS = 4;
/** The smallest shard worth a replica: below it, fixed costs per step dominate. */
const MIN_SHARD = 16;

export function chooseTrainMode(input: TrainModeInput): TrainMode {
  const { workers, threads, backend, batchSize, cores } = input;
  const oneProcess = (why: string): TrainMode => ({ workers: 1, ...(threads !== undefined ? { threads } : {}), reason: `in one process (${why})` });
  if (workers !== undefined) {
    return workers > 1 ? { workers, threads: threads ?? 1, reason: `${workers} data-parallel replicas (--workers ${workers})` } : oneProcess('--workers 1');
  }
  if (threads !== undefined) return oneProcess('--threads was given');
  if (backend === 'cpu' || backend === 'node') return oneProcess(`--backend ${backend}`);
  if (cores < 2) return oneProcess('1 core');
  if (cores > MAX_AUTO_REPLICAS) return oneProcess(`${cores} cores: one process uses them all; --workers N for replicas`);
  const replicas = Math.min(cores, Math.floor(batchSize / MIN_SHARD));
  if (replicas < 2) return oneProcess(`batch ${batchSize} is too small to split`);
  return { workers: replicas, threads: 1, reason: `${replicas} data-parallel replicas, one per core; --workers 1 trains in one process` };
}

/**
 * The mode once the backend is known: replicas run the wasm backend, so when the default
 * brought up another one (tfjs-node loaded) the run stays in one process. An explicit
 * --workers keeps its replicas, which start wasm themselves.
 */
export function settleTrainMode(mode: TrainMode, backend: string, explicitWorkers: number | undefined): TrainMode {
  if (mode.workers > 1 && backend !== 'wasm' && explicitWorkers === undefined) {
    return { workers: 1, reason: `in one process (the ${backend} backend)` };
  }
  return mode;
}
