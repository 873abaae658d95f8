// `netspec train --resume RUN_DIR`: continue an interrupted run from its checkpoint, in the
// same folder, to the epoch count it was started with.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { BackendPreference } from '../backend/select.js';
import { resumeAndRecord, resumeFacts } from '../train/index.js';
import { UsageError } from './errors.js';
import { interruptOnSigint } from './interrupt.js';
import { asUserError, chooseBackend, finishRun } from './run-output.js';
import { bold, dim } from './style.js';
import { chooseTrainMode, settleTrainMode } from './train-mode.js';

export async function resumeCommand(dir: string, flags: { backend?: BackendPreference; threads?: number; workers?: number }): Promise<number> {
  if (!existsSync(join(dir, 'model.json'))) {
    throw new UsageError(`${dir} has no checkpoint (no model.json); pass a run folder printed by \`netspec train\``);
  }
  // The same choice as `train` makes: a run may have started one way and continue the other,
  // since the replicas start from the checkpoint's weights and optimizer state.
  const { batchSize, unsupported } = await resumeFacts(dir).catch((error: unknown) => { throw asUserError(error); });
  if (flags.workers !== undefined && flags.workers > 1 && unsupported.length) {
    throw new UsageError(`--workers does not support batch_norm or dropout layers yet; ${dir} has ${unsupported.join(', ')}. Resume without --workers`);
  }
  const mode = chooseTrainMode({ ...flags, unsupported, batchSize, cores: os.cpus().length });
  const backend = await chooseBackend(flags.backend, mode.threads ? { threads: mode.threads } : {});
  const { workers, reason } = settleTrainMode(mode, backend.name, flags.workers);
  process.stdout.write(`${dim('backend:')} ${bold(backend.name)} (${backend.reason})\n`);
  process.stdout.write(`${dim('training:')} ${reason}\n`);
  const interrupt = interruptOnSigint();
  try {
    const run = await resumeAndRecord({
      dir,
      backend: backend.name,
      signal: interrupt.signal,
      ...(workers > 1 ? { workers } : {}),
      onResume: ({ epoch, batchesDone, epochs }) =>
        process.stdout.write(`${dim('resuming:')} ${dir} at epoch ${epoch}/${epochs} after batch ${batchesDone}\n`),
    });
    process.stdout.write(`\nrun now has ${run.training.history.length} completed epoch(s)\n`);
    return finishRun(run);
  } catch (error) {
    throw asUserError(error);
  } finally {
    interrupt.dispose();
  }
}
