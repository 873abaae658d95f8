// What train and train --resume share: choosing the backend and how the run uses the cores as
// the user asked, the closing lines of a run, and turning data or checkpoint problems into
// plain messages.
import os from 'node:os';
import { selectBackend, type BackendPreference, type SelectOptions, type SelectedBackend } from '../backend/select.js';
import { DataError } from '../data/datasets.js';
import { formatTestSummary, ModelFileError, TrainingDivergedError, type RecordedRun } from '../train/index.js';
import { EXIT, UsageError, UserError } from './errors.js';
import { bold, dim, green, yellow } from './style.js';
import { chooseTrainMode, settleTrainMode } from './train-mode.js';

/** The requested backend; one that cannot load is a usage error (exit 2). */
export async function chooseBackend(preference: BackendPreference | undefined, options: SelectOptions = {}): Promise<SelectedBackend> {
  try {
    return await selectBackend(preference, options);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** What the run is, for choosing between replicas and one process (train-mode.ts). */
export interface RunFacts {
  /** Layers replicas cannot reproduce, described for messages. */
  unsupported: string[];
  batchSize: number;
  /** The spec file or run folder, and the command's verb, for the refusal below. */
  subject: string;
  verb: 'Train' | 'Resume';
}

/**
 * The backend and how the run uses the cores, each said in one printed line. An explicit
 * --workers N on a model replicas cannot reproduce is a usage error.
 */
export async function chooseBackendAndMode(
  flags: { backend?: BackendPreference; threads?: number; workers?: number },
  facts: RunFacts,
): Promise<{ backend: SelectedBackend; workers: number }> {
  const { unsupported, batchSize, subject, verb } = facts;
  if (flags.workers !== undefined && flags.workers > 1 && unsupported.length) {
    throw new UsageError(`--workers does not support batch_norm or dropout layers yet; ${subject} has ${unsupported.join(', ')}. ${verb} without --workers`);
  }
  const mode = chooseTrainMode({ ...flags, unsupported, batchSize, cores: os.cpus().length });
  // With replicas this process only gathers batches and validates: 1 thread, so that it does
  // not compete with them for the cores.
  const backend = await chooseBackend(flags.backend, mode.threads ? { threads: mode.threads } : {});
  const { workers, reason } = settleTrainMode(mode, backend.name, flags.workers);
  process.stdout.write(`${dim('backend:')} ${bold(backend.name)} (${backend.reason})\n`);
  process.stdout.write(`${dim('training:')} ${reason}\n`);
  return { backend, workers };
}

/** Prints how the run ended and returns the exit code (130 when it was interrupted). */
export function finishRun(run: Pick<RecordedRun, 'dir' | 'training' | 'results'>): number {
  const { dir, training, results } = run;
  if (training.interrupted) {
    process.stdout.write(`${yellow('stopped early')}: checkpoint and metrics so far saved in ${dir}\n`);
    process.stdout.write(`continue with: netspec train --resume ${dir}\n`);
    return EXIT.interrupted;
  }
  if (results.test) process.stdout.write(`${formatTestSummary(results.test)}\n`);
  process.stdout.write(`${green('saved')} ${dir}  (reload with: npm run evaluate -- ${dir})\n`);
  return EXIT.ok;
}

/** Data, divergence and checkpoint problems are the user's to fix: a plain message, exit 1. */
export function asUserError(error: unknown): unknown {
  const plain = error instanceof DataError || error instanceof TrainingDivergedError || error instanceof ModelFileError;
  return plain ? new UserError(error.message) : error;
}
