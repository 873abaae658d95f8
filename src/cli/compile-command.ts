// `netspec compile`: every spec (or the ones named) -> checked summary + generated/<name>.ts.
// A spec that fails keeps its previous generated file; the others still compile.
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { compileSpecFile, type CompileOptions } from '../compile/index.js';
import { outputPath } from '../emit/output-path.js';
import { renderSummary } from '../emit/summary.js';
import { TARGET_NAMES, TARGETS, type TargetName } from '../emit/targets.js';
import { FileWriteError, writeFileAtomic } from '../lib/atomic-write.js';
import { ensureDir, removeCreated } from '../lib/dirs.js';
import { isSystemError } from '../lib/fs-errors.js';
import { FileReadError, readRegularFileSync } from '../lib/safe-read.js';
import { liveModelProblems } from '../train/live-model.js';
import type { InferredModel } from '../types.js';
import { EXIT, printDiagnostics, reportFailure, UsageError } from './errors.js';
import { DEFAULT_REPORT_DIR, reportAfterCompile } from './report-command.js';
import { dim, green, yellow } from './style.js';
import { commandHint } from './command-hint.js';
import { requireExisting } from './args.js';

export interface CompileCommandOptions extends CompileOptions {
  check?: boolean;
  outDir: string;
  specsDir: string;
  quiet?: boolean;
  /** Only this target (default: every target). */
  target?: TargetName;
  /** Also write reports/<name>/index.html (never with --check). Off unless asked: the CLI turns it on. */
  report?: boolean;
  reportDir?: string;
}

export function listSpecs(dir: string): string[] {
  if (!existsSync(dir)) throw new UsageError(`no spec files given and the folder ${dir}/ does not exist`);
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** Generated files are small; what is at an output path is compared only if it is one of them. */
const MAX_GENERATED_BYTES = 16 * 1024 * 1024;

/** The text at `path` now: undefined when nothing is there. Not a file, or too large: a FileReadError. */
function currentText(path: string): string | undefined {
  try {
    return readRegularFileSync(path, MAX_GENERATED_BYTES).toString('utf8');
  } catch (error) {
    if (error instanceof FileReadError && error.problem === 'missing') return undefined;
    throw error;
  }
}

/** A failure about one spec's own output file (not its folder): it fails that spec only. */
function isOutputError(error: unknown, target: string): boolean {
  if (error instanceof FileReadError || error instanceof FileWriteError) return true;
  if (!isSystemError(error)) return false;
  const where = error.dest ?? error.path;
  if (where === undefined) return false;
  return where === target || (dirname(where) === dirname(target) && basename(where).startsWith(`.${basename(target)}.`));
}

interface Output {
  path: string;
  code: string;
}

/** The files one compiled spec becomes, one per selected target, or why its name cannot be a file. */
function outputsOf(model: InferredModel, source: string, options: CompileCommandOptions): Output[] | { error: string } {
  const outputs: Output[] = [];
  for (const name of selectedTargets(options)) {
    const target = TARGETS[name];
    const where = outputPath(join(options.outDir, target.folder), model.ir.name, target.ext, target.stem(model.ir.name));
    if ('error' in where) return where;
    outputs.push({ path: where.path, code: target.emit(model, source) });
  }
  return outputs;
}

const selectedTargets = (options: CompileCommandOptions): TargetName[] => (options.target ? [options.target] : TARGET_NAMES);

export async function compileCommand(files: string[], options: CompileCommandOptions): Promise<number> {
  for (const f of files) requireExisting(f, 'spec file');
  const all = files.length === 0;
  const specs = all ? listSpecs(options.specsDir) : files;
  if (!specs.length) throw new UsageError(`no .yaml specs found in ${options.specsDir}/`);
  const projectRoot = resolve(options.outDir, '..');
  const claimed = new Map<string, string>();
  let failed = false;
  const stale: string[] = [];
  const reportDir = options.reportDir ?? DEFAULT_REPORT_DIR;
  const writesReports = options.report === true && !options.check;
  // Output folders are made before anything is written: one that cannot be made stops the
  // command at once (every spec would fail the same way). Folders left empty are removed.
  const created: string[] = [];
  const folders = [...selectedTargets(options).map((t) => join(options.outDir, TARGETS[t].folder)), ...(writesReports ? [reportDir] : [])];
  try {
    if (!options.check) for (const folder of folders) created.push(...ensureDir(folder));
  } catch (error) {
    removeCreated(created);
    throw error;
  }

  /** Compiles and writes one spec; true when it failed. A file that cannot be written fails this spec only. */
  const compileOne = async (file: string): Promise<boolean> => {
    const result = compileSpecFile(file, options);
    const diagnostics = result.ok ? await liveModelProblems(result.model) : result.diagnostics;
    if (!result.ok || diagnostics.length) {
      printDiagnostics(diagnostics);
      return true;
    }
    const model = result.model;
    const source = relative(projectRoot, resolve(file)).split(sep).join('/');
    const outputs = outputsOf(model, source, options);
    const owner = Array.isArray(outputs) ? outputs.map((o) => claimed.get(resolve(o.path))).find((o) => o !== undefined) : undefined;
    if (!Array.isArray(outputs) || owner) {
      const message = !Array.isArray(outputs) ? outputs.error : `name '${model.ir.name}' is also used by ${owner}; each spec needs its own name`;
      printDiagnostics([{ file, line: 1, col: 1, path: '/name', stage: 'semantic', message }]);
      return true;
    }
    for (const o of outputs) claimed.set(resolve(o.path), file);
    if (!options.quiet) process.stdout.write(`${dim(file)}\n${renderSummary(model)}\n\n`);
    let outputFailed = false;
    for (const { path, code } of outputs) {
      try {
        const current = currentText(path);
        if (options.check) {
          if (current !== code) stale.push(`${path} is ${current === undefined ? 'missing' : 'stale'} (from ${file})`);
        } else if (current !== code) {
          await writeFileAtomic(path, code);
          process.stdout.write(`${green('wrote')} ${path}\n`);
        } else if (!options.quiet) {
          process.stdout.write(`${dim(`${path} is up to date`)}\n`);
        }
      } catch (error) {
        if (!isOutputError(error, path)) throw error;
        reportFailure(error);
        outputFailed = true;
      }
    }
    if (outputFailed) return true;
    if (writesReports) await reportAfterCompile(model, reportDir, options.quiet);
    return false;
  };

  try {
    for (const file of specs) failed = (await compileOne(file)) || failed;
  } finally {
    removeCreated(created);
  }

  if (options.check && all) {
    for (const name of selectedTargets(options)) {
      const folder = join(options.outDir, TARGETS[name].folder);
      if (!existsSync(folder)) continue;
      for (const f of readdirSync(folder)
        .filter((f) => f.endsWith(TARGETS[name].ext))
        .sort()) {
        const path = join(folder, f);
        if (!claimed.has(resolve(path))) stale.push(`${path} has no spec in ${options.specsDir}/`);
      }
    }
  }
  for (const line of stale) process.stderr.write(`${yellow(line)}\n`);
  if (options.check && stale.length) {
    const command = commandHint('compile', ...(options.target ? ['--target', options.target] : []));
    process.stderr.write(`${options.outDir}/ does not match ${options.specsDir}/: run \`${command}\` and commit the result\n`);
  }
  if (options.check && !stale.length && !failed) process.stdout.write(`${green('ok')}: generated files match their specs\n`);
  return failed || stale.length ? EXIT.spec : EXIT.ok;
}
