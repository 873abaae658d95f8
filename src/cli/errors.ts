// How the CLI reports failures: every error, wherever it was raised, becomes one plain line
// and one of the documented exit codes. This is the one place that decides which.
//   - the user's mistakes in calling a command: exit 2;
//   - problems with a spec, its data, a run folder or the file system: exit 1, with a message
//     that names the file and says what to do;
//   - anything else is a bug: one "internal error" line and a hint, exit 1; NETSPEC_DEBUG=1
//     prints the full trace as well.
import { formatDiagnostic } from '../compile/diagnostics.js';
import { describeFsError } from '../lib/fs-errors.js';
import type { SpecDiagnostic } from '../types.js';
import { red } from './style.js';

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {}

/** A problem with a spec or with data it names (exit code 1); the message is already plain words. */
export class UserError extends Error {}

export const EXIT = { ok: 0, spec: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

/**
 * Library errors whose messages are written for the user (they name the file and what to do).
 * Matched by name so that this module loads none of the heavy modules that define them.
 */
const PLAIN_ERRORS = new Set(['DataError', 'ModelFileError', 'TrainingDivergedError', 'ImageError', 'FileReadError', 'FileWriteError', 'RunError']);
/** Library errors that mean the command asked for something impossible: usage errors. */
const REQUEST_ERRORS = new Set(['RunRequestError']);

/** True when NETSPEC_DEBUG asks for stack traces of internal errors. */
export function debugEnabled(): boolean {
  const value = process.env.NETSPEC_DEBUG;
  return value !== undefined && value !== '' && value !== '0';
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n').find((line) => line.trim() !== '') ?? '').trim() || (error instanceof Error ? error.name : 'unknown error');
}

/** Out of memory, as V8 and Node report it for buffers and typed arrays. */
function isOutOfMemory(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    code === 'ERR_WORKER_OUT_OF_MEMORY' || (error instanceof RangeError && /allocation failed|invalid (typed )?array length|out of memory/i.test(error.message))
  );
}

/**
 * The wasm backend's heap could not hold what a step needed: a wasm process addresses at most
 * 4 GiB, and tfjs reports a failed allocation as an access out of bounds or an abort.
 */
function isWasmHeapExhausted(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /memory access out of bounds|Aborted\(OOM\)|Cannot enlarge memory/.test(text);
}

export interface Failure {
  exitCode: number;
  /** The line(s) to print after "error: ". */
  message: string;
  /** Printed only with NETSPEC_DEBUG=1. */
  trace?: string;
}

/** The exit code and message for any error. */
export function describeFailure(error: unknown): Failure {
  if (error instanceof UsageError) return { exitCode: EXIT.usage, message: error.message };
  if (error instanceof UserError) return { exitCode: EXIT.spec, message: error.message };
  if (error instanceof Error && REQUEST_ERRORS.has(error.name)) return { exitCode: EXIT.usage, message: error.message };
  if (error instanceof Error && PLAIN_ERRORS.has(error.name)) return { exitCode: EXIT.spec, message: error.message };
  const fs = describeFsError(error);
  if (fs) return { exitCode: EXIT.spec, message: fs };
  const trace = error instanceof Error ? error.stack : undefined;
  if (isOutOfMemory(error)) {
    return {
      exitCode: EXIT.spec,
      message: `out of memory (${firstLine(error)}); use a smaller model, batch size or dataset limit (--limit), or a machine with more memory`,
      ...(trace ? { trace } : {}),
    };
  }
  if (isWasmHeapExhausted(error)) {
    return {
      exitCode: EXIT.spec,
      message:
        `the wasm backend ran out of memory (${firstLine(error)}): a wasm process addresses at most 4 GiB, and a batch's ` +
        'activations and their gradients did not fit; use a smaller --batch-size, or more --workers (each replica holds its share of a batch)',
      ...(trace ? { trace } : {}),
    };
  }
  return {
    exitCode: EXIT.spec,
    message:
      `internal error: ${firstLine(error)}\nThis is a bug in netspec, not in your input; please report it with the command you ran. ` +
      'Run it again with NETSPEC_DEBUG=1 to see where it happened.',
    ...(trace ? { trace } : {}),
  };
}

/** Prints the failure on stderr and returns its exit code. */
export function reportFailure(error: unknown): number {
  const failure = describeFailure(error);
  const [first = '', ...rest] = failure.message.split('\n');
  process.stderr.write(`${red(`error: ${first}`, process.stderr)}\n${rest.map((line) => `${line}\n`).join('')}`);
  if (failure.trace && debugEnabled()) process.stderr.write(`${failure.trace}\n`);
  return failure.exitCode;
}

export function printDiagnostics(diagnostics: readonly SpecDiagnostic[]): void {
  for (const d of diagnostics) process.stderr.write(`${red(formatDiagnostic(d), process.stderr)}\n`);
}
