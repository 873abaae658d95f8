// `netspec compile --watch`: compile once, then again whenever a watched spec is saved, so
// errors show up as they are made. Runs until Ctrl-C (exit 0) or SIGTERM (exit 143).
import { existsSync, watch } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { compileCommand, type CompileCommandOptions } from './compile-command.js';
import { EXIT, reportFailure } from './errors.js';
import { dim } from './style.js';

/** Editors save in bursts (write, rename, chmod): wait this long for the burst to end. */
const SETTLE_MS = 150;

/** Resolves with the exit code when SIGINT (0) or SIGTERM (143) arrives; listening starts at once. */
function untilStopped(): Promise<number> {
  return new Promise<number>((done) => {
    const stop = (signal: NodeJS.Signals): void => {
      // Removed after this signal's other listeners have run: the atomic writer's listener lets a
      // signal take its default course (death by signal) when it is the only listener left.
      setImmediate(() => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      });
      done(signal === 'SIGTERM' ? EXIT.terminated : EXIT.ok);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export async function watchCompile(files: string[], options: CompileCommandOptions): Promise<number> {
  // Listening before anything is printed: a signal sent as soon as "watching" appears must not
  // find the process without its handler (the default would end it with no chance to stop cleanly).
  const stopped = untilStopped();
  const run = async (changed: string[]): Promise<void> => {
    const stamp = new Date().toLocaleTimeString('en-GB');
    process.stdout.write(`${dim(`[${stamp}] compiling ${changed.length ? changed.join(', ') : 'all specs'}`)}\n`);
    // A failure (a spec folder gone, an output that cannot be written) is printed; watching goes on.
    await compileCommand(changed, options).catch((error: unknown) => void reportFailure(error));
    process.stdout.write(`${dim('watching for changes (Ctrl-C to stop)')}\n`);
  };
  await run(files);

  // Watch the folder rather than each file: editors often replace a file instead of writing it.
  const folders = files.length ? [...new Set(files.map((f) => resolve(f, '..')))] : [resolve(options.specsDir)];
  const named = new Set(files.map((f) => resolve(f)));
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const watchers = folders.map((folder) =>
    watch(folder, (_event, name) => {
      if (!name || !/\.ya?ml$/.test(name.toString())) return;
      const path = join(folder, name.toString());
      if (named.size && !named.has(resolve(path))) return;
      pending.add(path);
      clearTimeout(timer);
      timer = setTimeout(() => {
        const changed = [...pending].filter((p) => existsSync(p)); // a deleted spec has nothing to compile
        pending.clear();
        if (changed.length) void run(changed.map((p) => (named.size ? p : join(options.specsDir, basename(p)))));
      }, SETTLE_MS);
    }),
  );
  const code = await stopped;
  watchers.forEach((w) => w.close());
  clearTimeout(timer);
  return code;
}
