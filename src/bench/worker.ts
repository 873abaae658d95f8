// One measured tfjs configuration, run inside its own child process: backends are
// process-global, and a fresh process also keeps one backend's memory and threads from
// disturbing the next. Training goes through trainModel, the same loop `netspec train` runs
// (shuffled batch gather, Adam minimize, loss and accuracy read back every batch), so the
// figure is what a user gets, not a best case.
import * as tf from '@tensorflow/tfjs';
import { dirname, resolve } from 'node:path';
import { selectBackend, type BackendPreference } from '../backend/select.js';
import { loadDataset, type Dataset, type DataSplit } from '../data/datasets.js';
import { formatDiagnostic } from '../compile/diagnostics.js';
import { modelInputShape, sliceBatch } from '../train/batches.js';
import { createReplicaPool, type ReplicaPool } from '../train/parallel/pool.js';
import { buildCheckedModel } from '../train/live-model.js';
import { compileRun } from '../train/prepare.js';
import { trainModel } from '../train/trainer.js';
import type { TrainingConfig } from '../types.js';
import type { RepMeasurement, ReplicaStepBreakdown, RuntimeResult, WorkerConfig, WorkerMode, WorkerPlan } from './types.js';
import { runKernelProfile, type KernelReport } from './kernels-child.js';

/** `workers`: data-parallel training over that many replicas; `threads` is then per replica. */
const BACKENDS: Record<WorkerConfig, { preference: BackendPreference; threads?: number; workers?: number }> = {
  'wasm-2': { preference: 'wasm', threads: 2 },
  'wasm-1': { preference: 'wasm', threads: 1 },
  // The main thread only gathers batches (the replicas train), so 1 thread there too.
  'wasm-dp2': { preference: 'wasm', threads: 1, workers: 2 },
  cpu: { preference: 'cpu' },
  node: { preference: 'node' },
};

/** The pure-JS backend takes seconds per batch: a few batches give a figure without eating the time budget. */
export const CPU_LIMITS = { batches: 2, inferBatches: 1, warmupBatches: 1 };

async function threadsInUse(backend: string): Promise<number | undefined> {
  if (backend !== 'wasm') return undefined;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  return wasm.getThreadsCount();
}

/** The first `count` samples of a split, without copying. */
function head(split: DataSplit, count: number, pixels: number): DataSplit {
  const n = Math.min(count, split.count);
  return { images: split.images.subarray(0, n * pixels), labels: split.labels.subarray(0, n), count: n };
}

/** A training run over exactly `batches` batches: one epoch, no validation, nothing saved. */
async function timeTraining(
  model: tf.LayersModel,
  data: Dataset,
  cfg: TrainingConfig,
  batches: number,
  pool?: ReplicaPool,
): Promise<Pick<RepMeasurement, 'trainSamples' | 'trainSeconds' | 'trainSamplesPerSec' | 'trainCpuSeconds'>> {
  const pixels = data.imageShape.reduce((a, b) => a * b, 1);
  const subset = { ...data, train: head(data.train, batches * cfg.batchSize, pixels) };
  // Every thread of the process: the replicas and the wasm backend's pool are threads of it.
  const cpu0 = process.cpuUsage();
  const result = await trainModel(model, subset, { ...cfg, epochs: 1, validationSplit: 0 }, pool ? { pool } : {});
  const cpu = process.cpuUsage(cpu0);
  // samplesPerSec counts time inside the batch loop only, as `netspec train` reports it.
  return {
    trainSamples: result.samplesSeen,
    trainSeconds: result.samplesSeen / result.samplesPerSec,
    trainSamplesPerSec: result.samplesPerSec,
    trainCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/** model.predict on `batches` batches of the test split, tensor creation and read-back included. */
async function timeInference(
  model: tf.LayersModel,
  test: DataSplit,
  batches: number,
  batchSize: number,
): Promise<Pick<RepMeasurement, 'inferSamples' | 'inferSeconds' | 'inferSamplesPerSec'>> {
  const inputShape = modelInputShape(model);
  let samples = 0;
  const t0 = performance.now();
  for (let i = 0; i < batches; i++) {
    const start = (i * batchSize) % Math.max(1, test.count - batchSize + 1);
    const end = Math.min(test.count, start + batchSize);
    const { x, y } = sliceBatch(test.images, test.labels, start, end, inputShape);
    const out = model.predict(x, { batchSize }) as tf.Tensor;
    await out.data();
    tf.dispose([x, y, out]);
    samples += end - start;
  }
  const seconds = (performance.now() - t0) / 1000;
  return { inferSamples: samples, inferSeconds: seconds, inferSamplesPerSec: samples / seconds };
}

export async function runWorker(config: WorkerConfig, plan: WorkerPlan): Promise<RuntimeResult> {
  const started = performance.now();
  const base = { id: config, reps: [] as RepMeasurement[] };
  const { preference, threads, workers } = BACKENDS[config];
  let backend;
  try {
    backend = await selectBackend(preference, threads ? { threads } : {});
  } catch (error) {
    // An optional backend that does not load is a fact to report, not a crash.
    return { ...base, status: 'unavailable', reason: (error as Error).message };
  }

  const compiled = compileRun(plan.spec);
  if (!compiled.ok) throw new Error(compiled.diagnostics.map(formatDiagnostic).join('\n'));
  const { cfg } = compiled;
  const onCpu = backend.name === 'cpu';
  const batches = onCpu ? Math.min(plan.batches, CPU_LIMITS.batches) : plan.batches;
  const inferBatches = onCpu ? Math.min(plan.inferBatches, CPU_LIMITS.inferBatches) : plan.inferBatches;
  const warmupBatches = onCpu ? Math.min(plan.warmupBatches, CPU_LIMITS.warmupBatches) : plan.warmupBatches;
  const data = await loadDataset(cfg.dataset, dirname(resolve(plan.spec)), {
    limit: Math.max(batches, warmupBatches) * cfg.batchSize,
    testLimit: inferBatches * plan.inferBatchSize,
  });
  const built = buildCheckedModel(compiled.model, { seed: cfg.seed });
  if (!built.ok) throw new Error(built.diagnostics.map(formatDiagnostic).join('\n'));
  const model = built.live;

  // Warm-up: first calls compile wasm kernels, allocate Adam's slots and fill caches.
  // One pool for warm-up and all repetitions: fresh workers would spend the first batches of
  // every repetition warming up their own backends, which the in-process configs do only once.
  const replicas = workers ? await createReplicaPool(model, { workers, loss: cfg.loss, seed: cfg.seed }) : undefined;
  const timing = replicas ? timedSteps(replicas) : undefined;
  const pool = timing?.pool;
  await timeTraining(model, data, cfg, warmupBatches, pool);
  timing?.reset();
  await timeInference(model, data.test, 1, plan.inferBatchSize);

  const reps: RepMeasurement[] = [];
  let truncated: string | undefined;
  for (let rep = 0; rep < plan.reps; rep++) {
    const elapsed = (performance.now() - started) / 1000;
    if (rep > 0 && elapsed > plan.budgetSeconds) {
      truncated = `${rep} of ${plan.reps} repetitions: the ${plan.budgetSeconds} s time budget ran out`;
      break;
    }
    const train = await timeTraining(model, data, cfg, batches, pool);
    const infer = await timeInference(model, data.test, inferBatches, plan.inferBatchSize);
    reps.push({ ...train, ...infer });
  }
  await pool?.close();
  model.dispose();
  const used = await threadsInUse(backend.name);
  return {
    ...base,
    status: 'ok',
    reason: workers ? `${workers} data-parallel replicas, each ${backend.reason.replace(/^wasm requested with --backend /, 'wasm ')}` : backend.reason,
    backend: backend.name,
    ...(used !== undefined ? { threads: used } : {}),
    batchSize: cfg.batchSize,
    inferBatchSize: plan.inferBatchSize,
    batches,
    reps,
    ...(truncated ? { truncated } : {}),
    ...(timing ? { steps: timing.breakdown() } : {}),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/** The pool with every step's timings recorded: where a data-parallel step goes. */
function timedSteps(inner: ReplicaPool): { pool: ReplicaPool; reset(): void; breakdown(): ReplicaStepBreakdown } {
  let rows: number[][] = [];
  const pool: ReplicaPool = {
    ...inner,
    step: async (x, y) => {
      const t0 = performance.now();
      const r = await inner.step(x, y);
      const ms = performance.now() - t0;
      rows.push([ms, r.workerMs, r.exchangeMs, r.updateMs, ms - r.replicaMs]);
      return r;
    },
  };
  const median = (i: number) => [...rows.map((r) => r[i]!)].sort((a, b) => a - b)[rows.length >> 1] ?? NaN;
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    pool,
    reset: () => {
      rows = [];
    },
    breakdown: () => {
      // Each its own median: the parts need not add up to the step (the slowest replica at
      // computing is not always the one that waited longest), so `other` is measured per step.
      const [step, compute, exchange, update, other] = [0, 1, 2, 3, 4].map(median) as [number, number, number, number, number];
      return { step: round(step), compute: round(compute), exchange: round(exchange), update: round(update), other: round(other) };
    },
  };
}

/** What a `--worker` child does: measure a configuration, or profile the kernels. */
export async function runWorkerMode(mode: WorkerMode, plan: WorkerPlan): Promise<RuntimeResult | KernelReport> {
  return mode === 'kernels' ? runKernelProfile(plan) : runWorker(mode, plan);
}
