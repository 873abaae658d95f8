// The shapes that cross process boundaries in `netspec bench`: what a worker child (tfjs) or
// the PyTorch peer prints, and what the parent assembles. Plain data, so JSON round-trips it.

/** The tfjs backend configurations measured, each in its own child process (backends are process-global). */
// 'wasm-dp2' is data-parallel training (src/train/parallel): 2 worker threads with a 1-thread
// wasm backend each, the gradients averaged on the main thread.
export const WORKER_CONFIGS = ['wasm-2', 'wasm-1', 'wasm-dp2', 'cpu', 'node'] as const;
export type WorkerConfig = (typeof WORKER_CONFIGS)[number];
/** What a child process can be asked to do: measure one configuration, or profile kernels (kernels-child.ts). */
export const WORKER_MODES = [...WORKER_CONFIGS, 'kernels'] as const;
export type WorkerMode = (typeof WORKER_MODES)[number];

/** One repetition: a timed training run of some batches, then timed inference. */
export interface RepMeasurement {
  trainSamples: number;
  trainSeconds: number;
  trainSamplesPerSec: number;
  /**
   * CPU time of all the process's threads while it trained: unlike samples/s, the work per
   * sample hardly moves when other processes compete for the cores.
   */
  trainCpuSeconds?: number;
  inferSamples: number;
  inferSeconds: number;
  inferSamplesPerSec: number;
}

/**
 * What one measured runtime reports. `unavailable` is not an error (tfjs-node not installed,
 * no torch): the table says so and the run still exits 0. `failed` means something crashed.
 */
export interface RuntimeResult {
  /** e.g. 'wasm-2', 'torch-1'. */
  id: string;
  status: 'ok' | 'unavailable' | 'failed';
  /** Why it is unavailable or failed, or the backend's own description of itself when ok. */
  reason: string;
  /** Backend or library actually used, e.g. 'wasm', 'cpu', 'tensorflow', 'torch 1.13.0'. */
  backend?: string;
  /** Threads actually in use, when the runtime says. */
  threads?: number;
  batchSize?: number;
  inferBatchSize?: number;
  /** Training batches per repetition actually used (cpu uses fewer). */
  batches?: number;
  reps: RepMeasurement[];
  /** Set when the time budget cut the repetitions short. */
  truncated?: string;
  /** Data-parallel runs: where a timed step's time went, medians over the timed steps. */
  steps?: ReplicaStepBreakdown;
  /** The child's peak resident memory (process.resourceUsage().maxRSS), MiB. */
  peakRssMiB?: number;
}

/** One data-parallel step, as the main thread and the slowest replica saw it, in ms. */
export interface ReplicaStepBreakdown {
  /** The whole step on the main thread: shards out, replies back. */
  step: number;
  /** The slowest replica computing its shard's gradient. */
  compute: number;
  /** Then waiting for the other replicas and summing their gradients. */
  exchange: number;
  /** Then applying the summed gradient. */
  update: number;
  /** The step less the longest any replica spent on it: gathering and sending the shards, messages, the trainer's loop. */
  other: number;
}

/** Parameters a worker (or the peer) is run with. */
export interface WorkerPlan {
  spec: string;
  reps: number;
  /** Training batches per repetition. */
  batches: number;
  /** Untimed training batches first (kernel set-up, Adam's slots, wasm tier-up). */
  warmupBatches: number;
  /** Inference batches (of inferBatchSize samples) per repetition. */
  inferBatches: number;
  inferBatchSize: number;
  /** Stop repeating once this much time has gone by (at least one repetition always runs). */
  budgetSeconds: number;
}

/** Prefix of the one stdout line that carries a child's JSON result (tfjs prints banners on stdout too). */
export const RESULT_MARKER = 'NETSPEC_BENCH_RESULT ';
