// `netspec train --resume RUN_DIR`: continue an interrupted run from its checkpoint, in the
// same folder, to the epoch count it was started with.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend, type BackendPreference } from '../backend/select.js';
import { DataError } from '../data/datasets.js';
import { formatTestSummary, ModelFileError, resumeAndRecord, TrainingDivergedError } from '../train/index.js';
import { EXIT, UsageError, UserError } from './errors.js';
import { interruptOnSigint } from './interrupt.js';
import { bold, dim, green, yellow } from './style.js';

export async function resumeCommand(dir: string, flags: { backend?: BackendPreference; threads?: number }): Promise<number> {
  if (!existsSync(join(dir, 'model.json'))) {
    throw new UsageError(`${dir} has no checkpoint (no model.json); pass a run folder printed by \`netspec train\``);
  }
  let backend;
  try {
    backend = await selectBackend(flags.backend, flags.threads ? { threads: flags.threads } : {});
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  process.stdout.write(`${dim('backend:')} ${bold(backend.name)} (${backend.reason})\n`);
  const interrupt = interruptOnSigint();
  try {
    const run = await resumeAndRecord({
      dir,
      backend: backend.name,
      signal: interrupt.signal,
      onResume: ({ epoch, batchesDone, epochs }) =>
        process.stdout.write(`${dim('resuming:')} ${dir} at epoch ${epoch}/${epochs} after batch ${batchesDone}\n`),
    });
    const { training, results } = run;
    process.stdout.write(`\nrun now has ${training.history.length} completed epoch(s)\n`);
    if (training.interrupted) {
      process.stdout.write(`${yellow('stopped early')}: checkpoint and metrics so far saved in ${dir}\n`);
      process.stdout.write(`continue with: netspec train --resume ${dir}\n`);
      return EXIT.interrupted;
    }
    if (results.test) process.stdout.write(`${formatTestSummary(results.test)}\n`);
    process.stdout.write(`${green('saved')} ${dir}  (reload with: npm run evaluate -- ${dir})\n`);
    return EXIT.ok;
  } catch (error) {
    // Data, divergence and checkpoint problems are the user's to fix: a plain message, exit 1.
    if (error instanceof DataError || error instanceof TrainingDivergedError || error instanceof ModelFileError) {
      throw new UserError(error.message);
    }
    throw error;
  } finally {
    interrupt.dispose();
  }
}
