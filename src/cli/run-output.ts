// What train and train --resume print around the library's run sequence: the backend and
// mode lines as preparing reports them, and the closing lines of a run.
import { selectBackend, type BackendPreference, type SelectOptions, type SelectedBackend } from '../backend/select.js';
import { formatTestSummary, type PrepareEvents, type RecordedRun } from '../train/index.js';
import { EXIT, UsageError } from './errors.js';
import { bold, dim, green, yellow } from './style.js';
import { commandHint } from './command-hint.js';

/** The requested backend, for commands that only evaluate; one that cannot load is a usage error (exit 2). */
export async function chooseBackend(preference: BackendPreference | undefined, options: SelectOptions = {}): Promise<SelectedBackend> {
  try {
    return await selectBackend(preference, options);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Prints the `backend:` and `training:` lines as the library decides them. */
export const printRunMode: Pick<PrepareEvents, 'onBackend' | 'onMode'> = {
  onBackend: (backend) => process.stdout.write(`${dim('backend:')} ${bold(backend.name)} (${backend.reason})\n`),
  onMode: (reason) => process.stdout.write(`${dim('training:')} ${reason}\n`),
};

/** Prints how the run ended and returns the exit code (`stoppedCode`, 130 or 143, when a signal stopped it). */
export function finishRun(run: Pick<RecordedRun, 'dir' | 'training' | 'results'>, stoppedCode: number = EXIT.interrupted): number {
  const { dir, training, results } = run;
  if (training.interrupted) {
    process.stdout.write(`${yellow('stopped early')}: checkpoint and metrics so far saved in ${dir}\n`);
    process.stdout.write(`continue with: ${commandHint('train', '--resume', dir)}\n`);
    return stoppedCode;
  }
  if (training.stoppedEarly) {
    process.stdout.write(`${yellow('early stopping')}: stopped after epoch ${training.stoppedEarly.epoch}: ${training.stoppedEarly.reason}\n`);
  }
  if (training.keptEpoch !== undefined && training.keptEpoch !== training.history.length) {
    process.stdout.write(`kept the weights of epoch ${training.keptEpoch}, the best one\n`);
  }
  if (results.test) process.stdout.write(`${formatTestSummary(results.test)}\n`);
  process.stdout.write(`${green('saved')} ${dir}  (reload with: ${commandHint('evaluate', dir)})\n`);
  return EXIT.ok;
}
