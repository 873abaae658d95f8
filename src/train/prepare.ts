// Everything a run does before its first batch, as one library call: compile the spec,
// resolve its training settings (the spec's, defaults filled in, with the caller's overrides),
// choose the backend and whether data-parallel replicas can reproduce the run, then build the
// live model and cross-check it against the compiler. `netspec train`, `train --resume`
// (resume.ts), `bench` and `report` start here; the CLI only parses flags and prints what the
// events below report.

import os from 'node:os';
import type * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendPreference, type SelectedBackend } from '../backend/select.js';
import { compileSpecFile } from '../compile/index.js';
import type { Limits } from '../compile/infer.js';
import { trainingSettings } from '../compile/lower.js';
import type { InferredModel, SpecDiagnostic, TrainingConfig } from '../types.js';
import { buildCheckedModel, liveModelProblems } from './live-model.js';
import { chooseTrainMode, settleTrainMode } from './mode.js';
import { RunRequestError } from './run-error.js';
import { applyOverrides, type TrainingOverrides } from './settings.js';

/** What a caller may ask of a run besides the spec's own settings. */
export interface RunRequest extends TrainingOverrides {
  /** Size limits checked at compile time, before any tensor is allocated. */
  limits?: Partial<Limits>;
  backend?: BackendPreference;
  /** wasm threads, training in one process. */
  threads?: number;
  /** Data-parallel replicas; 1 trains in one process; omitted: chosen by chooseTrainMode. */
  workers?: number;
}

/** What preparing reports as it goes, in order; the CLI prints these. */
export interface PrepareEvents {
  /** The backend is up: its name and why it was chosen. */
  onBackend?(backend: SelectedBackend): void;
  /** How the run uses the cores, in one line. */
  onMode?(reason: string): void;
  /** The compiled model, just before the live one is built. */
  onModel?(model: InferredModel): void;
}

export type Compiled = { ok: true; model: InferredModel; cfg: TrainingConfig } | { ok: false; diagnostics: SpecDiagnostic[] };

/** Compiles `spec` and resolves its training settings: the spec's (defaults filled in) with `request`'s overrides. */
export function compileRun(spec: string, request: RunRequest = {}): Compiled {
  // The batch size is known before compiling when given as a flag: training memory is per batch.
  const compiled = compileSpecFile(spec, {
    ...(request.limits ? { limits: request.limits } : {}),
    ...(request.batchSize !== undefined ? { batchSize: request.batchSize } : {}),
  });
  if (!compiled.ok) return compiled;
  return { ok: true, model: compiled.model, cfg: applyOverrides(trainingSettings(compiled.model.ir), request) };
}

/**
 * compileRun, then the live model built once and checked against the compiler, as `compile`
 * does: for commands that use a spec without training it here (report, bench).
 */
export async function compileChecked(spec: string, request: RunRequest = {}): Promise<Compiled> {
  const compiled = compileRun(spec, request);
  if (!compiled.ok) return compiled;
  const problems = await liveModelProblems(compiled.model);
  return problems.length ? { ok: false, diagnostics: problems } : compiled;
}

/** The most replicas --workers may ask for, per core. */
export const REPLICAS_PER_CORE = 4;

/** What choosing how a run uses the cores needs to know about it. */
export interface ModeFacts {
  batchSize: number;
}

export interface RunMode {
  backend: SelectedBackend;
  /** 1: one process. */
  workers: number;
}

/**
 * Brings up the backend and decides between replicas and one process, reporting each. An
 * explicit `workers` the machine or batch cannot honour, or a backend that does not load, is a
 * RunRequestError (the CLI's usage error).
 */
export async function chooseRunMode(request: RunRequest, facts: ModeFacts, events: PrepareEvents = {}): Promise<RunMode> {
  const { batchSize } = facts;
  const cores = os.cpus().length;
  // Each replica is a worker thread with its own backend and memory: beyond a few per core they
  // only queue for the cores, and a mistyped --workers 1000 would start a thousand backends.
  const maxWorkers = REPLICAS_PER_CORE * cores;
  if (request.workers !== undefined && request.workers > maxWorkers) {
    throw new RunRequestError(
      `--workers ${request.workers} is more than ${maxWorkers} (${REPLICAS_PER_CORE} per core on this machine's ${cores}); replicas beyond the cores only wait for them`,
    );
  }
  if (request.workers !== undefined && request.workers > batchSize) {
    throw new RunRequestError(`--workers ${request.workers} is more than the batch size (${batchSize}): every replica needs at least one sample of each batch`);
  }
  const mode = chooseTrainMode({ ...request, batchSize, cores });
  let backend: SelectedBackend;
  try {
    // With replicas this process only gathers batches and validates: 1 thread, so that it does
    // not compete with them for the cores.
    backend = await selectBackend(request.backend, mode.threads ? { threads: mode.threads } : {});
  } catch (error) {
    throw new RunRequestError((error as Error).message);
  }
  const { workers, reason } = settleTrainMode(mode, backend.name, request.workers);
  events.onBackend?.(backend);
  events.onMode?.(reason);
  return { backend, workers };
}

/** A run ready for its first batch. The caller disposes `live`. */
export interface PreparedRun extends RunMode {
  spec: string;
  model: InferredModel;
  cfg: TrainingConfig;
  /** The live model, initialised from the run's seed and checked against the compiler. */
  live: tf.LayersModel;
}

export type Prepared = { ok: true; run: PreparedRun } | { ok: false; diagnostics: SpecDiagnostic[] };

/**
 * Compile, settings, backend and mode, live model: in that order, so a spec error stops the
 * run before any backend starts, and the model is built on the backend that will train it.
 */
export async function prepareRun(spec: string, request: RunRequest = {}, events: PrepareEvents = {}): Promise<Prepared> {
  const compiled = compileRun(spec, request);
  if (!compiled.ok) return compiled;
  const { model, cfg } = compiled;
  const mode = await chooseRunMode(request, { batchSize: cfg.batchSize }, events);
  events.onModel?.(model);
  const built = buildCheckedModel(model, { seed: cfg.seed });
  if (!built.ok) return built;
  return { ok: true, run: { spec, model, cfg, live: built.live, ...mode } };
}
