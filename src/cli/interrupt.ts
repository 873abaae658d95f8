// Ctrl-C and SIGTERM during training: the first signal asks the loop to stop after the current
// batch and checkpoint (the command then exits 130 for SIGINT, 143 for SIGTERM, as a shell
// reports a process ended by that signal); a second one quits at once, for a user who means it.
// The handlers are armed only once training is about to start: before that (compiling, loading
// data) there is nothing to save, and a signal must end the process at once, not wait for a
// load that may take long to finish.
import { EXIT } from './errors.js';
import { yellow } from './style.js';

const EXIT_FOR = { SIGINT: EXIT.interrupted, SIGTERM: EXIT.terminated } as const;
type StopSignal = keyof typeof EXIT_FOR;

export interface Interrupt {
  /** Aborted by the first SIGINT or SIGTERM once armed. */
  signal: AbortSignal;
  /** Starts catching SIGINT and SIGTERM (call when there is a checkpoint to save). */
  arm(): void;
  /** The exit code for the signal that stopped the run (130 or 143); 130 before any. */
  exitCode(): number;
  dispose(): void;
}

export function interruptOnSignals(): Interrupt {
  const controller = new AbortController();
  let received: StopSignal | undefined;
  const handlers = (Object.keys(EXIT_FOR) as StopSignal[]).map((name) => {
    const handler = (): void => {
      if (controller.signal.aborted) process.exit(EXIT_FOR[name]);
      received = name;
      const again = name === 'SIGINT' ? 'Ctrl-C again' : 'another SIGINT or SIGTERM';
      process.stderr.write(
        `\n${yellow(`${name === 'SIGINT' ? 'interrupted' : 'terminated'}: finishing the current batch and saving a checkpoint (${again} to quit now)`)}\n`,
      );
      controller.abort();
    };
    return [name, handler] as const;
  });
  let armed = false;
  return {
    signal: controller.signal,
    arm: () => {
      if (armed) return;
      armed = true;
      for (const [name, handler] of handlers) process.on(name, handler);
    },
    exitCode: () => EXIT_FOR[received ?? 'SIGINT'],
    dispose: () => handlers.forEach(([name, handler]) => process.off(name, handler)),
  };
}
