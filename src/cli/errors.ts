// The two kinds of failure a user can cause, and how the CLI reports them.
import { formatDiagnostic } from '../compile/diagnostics.js';
import type { SpecDiagnostic } from '../types.js';
import { red } from './style.js';

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {}

/** A problem with a spec or with data it names (exit code 1); the message is already plain words. */
export class UserError extends Error {}

export const EXIT = { ok: 0, spec: 1, usage: 2, interrupted: 130 } as const;

export function printDiagnostics(diagnostics: readonly SpecDiagnostic[]): void {
  for (const d of diagnostics) process.stderr.write(`${red(formatDiagnostic(d), process.stderr)}\n`);
}
