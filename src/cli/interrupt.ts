// Ctrl-C during training: the first SIGINT asks the loop to stop after the current batch and
// checkpoint (the command then exits 130); a second one quits at once, for a user who means it.
import { EXIT } from './errors.js';
import { yellow } from './style.js';

export function interruptOnSigint(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write(`\n${yellow('interrupted: finishing the current batch and saving a checkpoint (Ctrl-C again to quit now)')}\n`);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}
