// Shared test helpers: temporary folders, running the CLI, compiling specs that must be valid.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after } from 'node:test';
import { compileSpecFile, compileSpecText } from '../src/compile/index.js';
import { formatDiagnostic } from '../src/compile/diagnostics.js';
import type { InferredModel } from '../src/types.js';
import { builtCli } from './built-cli.js';

export const ROOT = resolve(import.meta.dirname, '..');
/** The command as users run it (bin/netspec.js), built from the sources as they are now (built-cli.ts). */
export const CLI = builtCli(ROOT);
/** The command run from its TypeScript sources (tsx), as the repository's npm scripts run it. */
export const SOURCE_CLI = join(ROOT, 'scripts', 'netspec-source.js');

/**
 * A temporary folder removed when the test file ends. `insideProject` puts it under the
 * project's .cache/ so that modules written there resolve the project's node_modules.
 */
export function tempDir(insideProject = false): string {
  const parent = insideProject ? join(ROOT, '.cache') : tmpdir();
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, 'netspec-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = {}, cli = CLI): CliRun {
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** runCli with the command started from its TypeScript sources. */
export const runSourceCli = (args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = {}): CliRun => runCli(args, cwd, env, SOURCE_CLI);

function unwrap(result: ReturnType<typeof compileSpecFile>): InferredModel {
  if (!result.ok) throw new Error(`expected a valid spec:\n${result.diagnostics.map(formatDiagnostic).join('\n')}`);
  return result.model;
}

export const compileValid = (file: string): InferredModel => unwrap(compileSpecFile(file));
export const compileValidText = (file: string, text: string): InferredModel => unwrap(compileSpecText(file, text));

/** CI=true (which .ci/run sets): every test must run there, so a missing requirement fails instead of skipping. */
export const IN_CI = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());

/**
 * The `skip` option of a test that needs something outside npm (`missing` says what is absent,
 * or is undefined when all is there): skipped with the reason locally, run in CI, where the test
 * then fails through assertAvailable.
 */
export function skipUnlessCi(missing: string | undefined): string | false {
  return missing !== undefined && !IN_CI ? `${missing}; skipped outside CI` : false;
}

/** First line of such a test: in CI a missing requirement is a failure that says what to install. */
export function assertAvailable(missing: string | undefined): void {
  if (missing !== undefined) assert.fail(`CI=true and this test cannot run: ${missing}`);
}

/**
 * Runs `f` and returns its result with the CPU time this process spent, in ms: a bound on it,
 * unlike one on wall time, does not move when other work keeps the machine busy.
 */
export function withCpuTime<T>(f: () => T): { value: T; cpuMs: number } {
  const started = process.cpuUsage();
  const value = f();
  const used = process.cpuUsage(started);
  return { value, cpuMs: (used.user + used.system) / 1000 };
}
