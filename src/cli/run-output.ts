// What train and train --resume share: choosing the backend as the user asked, the closing
// lines of a run, and turning data or checkpoint problems into plain messages.
import { selectBackend, type BackendPreference, type SelectOptions, type SelectedBackend } from '../backend/select.js';
import { DataError } from '../data/datasets.js';
import { formatTestSummary, ModelFileError, TrainingDivergedError, type RecordedRun } from '../train/index.js';
import { EXIT, UsageError, UserError } from './errors.js';
import { green, yellow } from './style.js';

/** The requested backend; one that cannot load is a usage error (exit 2). */
export async function chooseBackend(preference: BackendPreference | undefined, options: SelectOptions = {}): Promise<SelectedBackend> {
  try {
    return await selectBackend(preference, options);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
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
