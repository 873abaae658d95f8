// `netspec train --resume RUN_DIR`: continue an interrupted run from its checkpoint, in the
// same folder, to the epoch count it was started with. The library reads and checks the folder
// (and explains one it cannot continue); this command prints what happens.
import type { BackendPreference } from '../backend/select.js';
import { prepareResume, resumeAndRecord } from '../train/index.js';
import { EXIT } from './errors.js';
import { interruptOnSignals } from './interrupt.js';
import { reportAfterTrain } from './report-command.js';
import { finishRun, printRunMode } from './run-output.js';
import { dim, green } from './style.js';

export async function resumeCommand(dir: string, flags: { backend?: BackendPreference; threads?: number; workers?: number }): Promise<number> {
  const request = {
    ...(flags.backend !== undefined ? { backend: flags.backend } : {}),
    ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
    ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
  };
  const prepared = await prepareResume(dir, request, printRunMode);
  if ('finished' in prepared) {
    const accuracy = prepared.results.test ? `, test accuracy ${(prepared.results.test.accuracy * 100).toFixed(2)}%` : '';
    process.stdout.write(`${green('finished')}: ${dir} already trained all ${prepared.epochs} epoch(s)${accuracy}; there is nothing to resume\n`);
    process.stdout.write(`evaluate it again with: netspec evaluate ${dir}\n`);
    return EXIT.ok;
  }
  const interrupt = interruptOnSignals();
  try {
    const run = await resumeAndRecord(prepared, {
      signal: interrupt.signal,
      onResume: ({ epoch, batchesDone, epochs }) => {
        interrupt.arm();
        process.stdout.write(
          epoch > epochs
            ? `${dim('resuming:')} ${dir} trained all ${epochs} epoch(s); evaluating it on the test set\n`
            : `${dim('resuming:')} ${dir} at epoch ${epoch}/${epochs} after batch ${batchesDone}\n`,
        );
      },
    });
    process.stdout.write(`\nrun now has ${run.training.history.length} completed epoch(s)\n`);
    await reportAfterTrain(run.dir);
    return finishRun(run, interrupt.exitCode());
  } finally {
    interrupt.dispose();
  }
}
