// `netspec compile`: every spec (or the ones named) -> checked summary + generated/<name>.ts.
// A spec that fails keeps its previous generated file; the others still compile.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { compileSpecFile, type CompileOptions } from '../compile/index.js';
import { buildModel, crossCheck } from '../emit/live.js';
import { outputPath } from '../emit/output-path.js';
import { renderSummary } from '../emit/summary.js';
import { TARGETS, type TargetName } from '../emit/targets.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import type { InferredModel, SpecDiagnostic } from '../types.js';
import { EXIT, printDiagnostics, UsageError } from './errors.js';
import { DEFAULT_REPORT_DIR, reportAfterCompile } from './report-command.js';
import { dim, green, yellow } from './style.js';

export interface CompileCommandOptions extends CompileOptions {
  check?: boolean;
  outDir: string;
  specsDir: string;
  quiet?: boolean;
  /** Which source to write (default ts): generated/<name>.ts or generated/<name>.py. */
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

/** tfjs on the cpu backend: building a model needs no fast kernels, and cpu starts instantly. */
export async function loadTfForBuilding(): Promise<typeof tfTypes> {
  const tf = await import('@tensorflow/tfjs');
  tf.env().set('PROD', true);
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  return tf;
}

/** Builds the live model and compares it with inference; problems become diagnostics at the layer. */
export async function checkAgainstLive(model: InferredModel): Promise<SpecDiagnostic[]> {
  const tf = await loadTfForBuilding();
  const live = buildModel(model);
  try {
    return crossCheck(model, live).map(({ layer, message }) => {
      const node = model.layers[layer ?? 0]?.node;
      return {
        file: model.ir.source.file,
        line: node?.loc.line ?? 1,
        col: node?.loc.col ?? 1,
        path: node?.path ?? '/layers',
        stage: 'check' as const,
        message: `the live tfjs model disagrees with the compiler: ${message}`,
      };
    });
  } finally {
    live.dispose();
    tf.disposeVariables();
  }
}

export async function compileCommand(files: string[], options: CompileCommandOptions): Promise<number> {
  for (const f of files) if (!existsSync(f)) throw new UsageError(`spec file ${f} does not exist`);
  const all = files.length === 0;
  const specs = all ? listSpecs(options.specsDir) : files;
  if (!specs.length) throw new UsageError(`no .yaml specs found in ${options.specsDir}/`);
  const projectRoot = resolve(options.outDir, '..');
  const claimed = new Map<string, string>();
  let failed = false;
  const stale: string[] = [];
  const emitter = TARGETS[options.target ?? 'ts'];

  for (const file of specs) {
    const result = compileSpecFile(file, options);
    const diagnostics = result.ok ? await checkAgainstLive(result.model) : result.diagnostics;
    if (!result.ok || diagnostics.length) {
      printDiagnostics(diagnostics);
      failed = true;
      continue;
    }
    const model = result.model;
    const target = outputPath(options.outDir, model.ir.name, emitter.ext);
    const owner = 'path' in target ? claimed.get(target.path) : undefined;
    if ('error' in target || owner) {
      const message = 'error' in target ? target.error : `name '${model.ir.name}' is also used by ${owner}; each spec needs its own name`;
      printDiagnostics([{ file, line: 1, col: 1, path: '/name', stage: 'semantic', message }]);
      failed = true;
      continue;
    }
    claimed.set(target.path, file);
    if (!options.quiet) process.stdout.write(`${dim(file)}\n${renderSummary(model)}\n\n`);
    const source = relative(projectRoot, resolve(file)).split(sep).join('/');
    const code = emitter.emit(model, source);
    const current = existsSync(target.path) ? readFileSync(target.path, 'utf8') : undefined;
    if (options.check) {
      if (current !== code) stale.push(`${target.path} is ${current === undefined ? 'missing' : 'stale'} (from ${file})`);
    } else if (current !== code) {
      // A fresh project (e.g. just after `netspec init`) may not have the output folder yet.
      mkdirSync(options.outDir, { recursive: true });
      await writeFileAtomic(target.path, code);
      process.stdout.write(`${green('wrote')} ${target.path}\n`);
    } else if (!options.quiet) {
      process.stdout.write(`${dim(`${target.path} is up to date`)}\n`);
    }
    if (options.report && !options.check) await reportAfterCompile(model, options.reportDir ?? DEFAULT_REPORT_DIR, options.quiet);
  }

  if (options.check && all && existsSync(options.outDir)) {
    for (const f of readdirSync(options.outDir).filter((f) => f.endsWith(emitter.ext)).sort()) {
      const path = join(options.outDir, f);
      if (![...claimed.keys()].some((p) => resolve(p) === resolve(path))) stale.push(`${path} has no spec in ${options.specsDir}/`);
    }
  }
  for (const line of stale) process.stderr.write(`${yellow(line)}\n`);
  if (options.check && stale.length) {
    process.stderr.write(`generated/ does not match specs/: run \`${emitter.regenerate}\` and commit the result\n`);
  }
  if (options.check && !stale.length && !failed) process.stdout.write(`${green('ok')}: generated files match their specs\n`);
  return failed || stale.length ? EXIT.spec : EXIT.ok;
}
