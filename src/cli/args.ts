// Option parsers shared by the subcommands; commander turns their errors into usage errors.
import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { fsReason } from '../lib/fs-errors.js';
import { UsageError } from './errors.js';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer; got '${value}'`);
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer; got '${value}'`);
  return n;
}

/** Option placeholders that name a file, a folder or a program. */
const PATH_PLACEHOLDER = /<(dir|file|run-dir|exe)>/;

/**
 * Refuses an empty path given to any option or argument of `command` (`--out-dir ""`, or a
 * variable that was never set): joined with a file name it would quietly mean the current
 * folder, and in a message it reads as nothing at all. (An empty model name is refused by the
 * rules for names.)
 */
export function refuseEmptyPaths(command: Command): void {
  for (const option of command.options) {
    if (PATH_PLACEHOLDER.test(option.flags) && command.getOptionValue(option.attributeName()) === '') {
      throw new UsageError(`${option.long} is empty; give a path, or leave the option out`);
    }
  }
  command.registeredArguments.forEach((argument, i) => {
    const value: unknown = command.processedArgs[i];
    if (argument.name() !== 'name' && (value === '' || (Array.isArray(value) && value.includes('')))) {
      throw new UsageError(`the <${argument.name()}> argument is empty; give a path`);
    }
  });
}

/**
 * Refuses a path that cannot be reached, saying why: missing, a link to nothing, a link that
 * loops, a folder on the way that is not one, no permission. `what` names it ("spec file").
 */
export function requireExisting(path: string, what: string): void {
  try {
    statSync(path);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT') {
      let target: string | undefined;
      try {
        target = lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined;
      } catch {
        // the path itself is missing
      }
      throw new UsageError(target === undefined ? `${what} ${path} does not exist` : `${what} ${path} is a symbolic link to ${target}, which does not exist`);
    }
    const [reason, todo] = fsReason(code) ?? ['cannot be reached', 'check the path'];
    throw new UsageError(`${what} ${path}: ${reason} (${code || 'unknown error'}); ${todo}`);
  }
}
