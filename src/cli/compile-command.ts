// `netspec compile`: every spec (or the ones named) -> checked summary + generated/<name>.ts.
// A spec that fails keeps its previous generated file; the others still compile.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { compileSpecFile, type CompileOptions } from '../compile/index.js';
import { buildModel, crossCheck } from '../emit/live.js';
import { outputPath } from '../emit/output-path.js';
import { renderSummary } from '../emit/summary.js';
import { TARGET_NAMES, TARGETS, type TargetName } from '../emit/targets.js';
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
  for (const f of files) if (!existsSync(f)) throw new UsageError(`spec file ${f} does not exist`);
  const all = files.length === 0;
  const specs = all ? listSpecs(options.specsDir) : files;
  if (!specs.length) throw new UsageError(`no .yaml specs found in ${options.specsDir}/`);
  const projectRoot = resolve(options.outDir, '..');
  const claimed = new Map<string, string>();
  let failed = false;
  const stale: string[] = [];

  for (const file of specs) {
    const result = compileSpecFile(file, options);
    const diagnostics = result.ok ? await checkAgainstLive(result.model) : result.diagnostics;
    if (!result.ok || diagnostics.length) {
      printDiagnostics(diagnostics);
      failed = true;
      continue;
    }
    const model = result.model;
    const source = relative(projectRoot, resolve(file)).split(sep).join('/');
    const outputs = outputsOf(model, source, options);
    const owner = Array.isArray(outputs) ? outputs.map((o) => claimed.get(resolve(o.path))).find((o) => o !== undefined) : undefined;
    if (!Array.isArray(outputs) || owner) {
      const message = !Array.isArray(outputs) ? outputs.error : `name '${model.ir.name}' is also used by ${owner}; each spec needs its own name`;
      printDiagnostics([{ file, line: 1, col: 1, path: '/name', stage: 'semantic', message }]);
      failed = true;
      continue;
    }
    for (const o of outputs) claimed.set(resolve(o.path), file);
    if (!options.quiet) process.stdout.write(`${dim(file)}\n${renderSummary(model)}\n\n`);
    for (const { path, code } of outputs) {
      const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
      if (options.check) {
        if (current !== code) stale.push(`${path} is ${current === undefined ? 'missing' : 'stale'} (from ${file})`);
      } else if (current !== code) {
        // A fresh project (e.g. just after `netspec init`) may not have the output folders yet.
        mkdirSync(dirname(path), { recursive: true });
        await writeFileAtomic(path, code);
        process.stdout.write(`${green('wrote')} ${path}\n`);
      } else if (!options.quiet) {
        process.stdout.write(`${dim(`${path} is up to date`)}\n`);
      }
    }
    if (options.report && !options.check) await reportAfterCompile(model, options.reportDir ?? DEFAULT_REPORT_DIR, options.quiet);
  }

  if (options.check && all) {
    for (const name of selectedTargets(options)) {
      const folder = join(options.outDir, TARGETS[name].folder);
      if (!existsSync(folder)) continue;
      for (const f of readdirSync(folder).filter((f) => f.endsWith(TARGETS[name].ext)).sort()) {
        const path = join(folder, f);
        if (!claimed.has(resolve(path))) stale.push(`${path} has no spec in ${options.specsDir}/`);
      }
    }
  }
  for (const line of stale) process.stderr.write(`${yellow(line)}\n`);
  if (options.check && stale.length) {
    const command = options.target ? `npx netspec compile --target ${options.target}` : 'npm run compile';
    process.stderr.write(`${options.outDir}/ does not match ${options.specsDir}/: run \`${command}\` and commit the result\n`);
  }
  if (options.check && !stale.length && !failed) process.stdout.write(`${green('ok')}: generated files match their specs\n`);
  return failed || stale.length ? EXIT.spec : EXIT.ok;
}
