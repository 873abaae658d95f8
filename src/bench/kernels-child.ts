// The child process of `netspec bench` that says where a training step goes: the SIMD
// ceiling of this machine (ceiling.ts), then one replica's step of the default data-parallel
// training (wasm, 1 thread, half the spec's batch on the bench's 2 replicas) profiled kernel
// by kernel (kernel-profile.ts). A replica computes exactly this step between two gradient
// exchanges, so its rows are what the default `train` spends its cores on.
import os from 'node:os';
import { selectBackend } from '../backend/select.js';
import { CeilingSampler, measureCeiling, type Ceiling } from './ceiling.js';
import { profileSteps, type StepProfile } from './kernel-profile.js';
import { specStep } from './spec-step.js';
import type { WorkerPlan } from './types.js';

/** The bench's data-parallel configuration (wasm-dp2): replicas per step. */
export const BENCH_REPLICAS = 2;

export interface KernelReport {
  status: 'ok' | 'failed';
  reason: string;
  backend?: string;
  threads?: number;
  /** Samples per profiled step: one replica's shard of the spec's batch. */
  batch?: number;
  ceiling?: Ceiling;
  profile?: StepProfile;
}

export async function runKernelProfile(plan: WorkerPlan): Promise<KernelReport> {
  const backend = await selectBackend('wasm', { threads: 1 });
  const probe = specStep(plan.spec, 1);
  const batch = Math.ceil(probe.config.batchSize / BENCH_REPLICAS);
  probe.dispose();
  const { step, dispose } = specStep(plan.spec, batch);
  for (let i = 0; i < plan.warmupBatches; i++) await step();
  // The ceiling's one-thread samples between the profiled steps: both under the same conditions.
  const sampler = new CeilingSampler();
  const profile = await profileSteps(step, plan.batches, 'cpu', () => sampler.sample());
  dispose();
  // Every core at once, as the replicas run: capped at the bench's replicas, which is what they use.
  const ceiling = await measureCeiling(Math.min(os.cpus().length, BENCH_REPLICAS), sampler.samples);
  return { status: 'ok', reason: backend.reason, backend: backend.name, threads: 1, batch, ceiling, profile };
}
