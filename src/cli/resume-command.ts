// `netspec train --resume RUN_DIR`: continue an interrupted run from its checkpoint, in the
// same folder, to the epoch count it was started with.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendPreference } from '../backend/select.js';
import { resumeAndRecord, resumeFacts } from '../train/index.js';
import { UsageError } from './errors.js';
import { interruptOnSigint } from './interrupt.js';
import { asUserError, chooseBackendAndMode, finishRun } from './run-output.js';
import { dim } from './style.js';

export async function resumeCommand(dir: string, flags: { backend?: BackendPreference; threads?: number; workers?: number }): Promise<number> {
  if (!existsSync(join(dir, 'model.json'))) {
    throw new UsageError(`${dir} has no checkpoint (no model.json); pass a run folder printed by \`netspec train\``);
  }
  // The same choice as `train` makes: a run may have started one way and continue the other,
  // since the replicas start from the checkpoint's weights and optimizer state.
  const { batchSize, unsupported } = await resumeFacts(dir).catch((error: unknown) => { throw asUserError(error); });
  const { backend, workers } = await chooseBackendAndMode(flags, { unsupported, batchSize, subject: dir, verb: 'Resume' });
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
