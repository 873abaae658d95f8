// `netspec report <spec.yaml | run-dir>`, plus the two hooks that `compile` and `train` call
// so that their own files only gain a line each. A report is a by-product: when one cannot be
// written after training, the run is still good, so that case warns instead of failing. The report
// builder loads only when a report is written, so registering the command loads nothing heavy.
import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import type { InferredModel } from '../types.js';
import { EXIT, printDiagnostics, UsageError } from './errors.js';
import { dim, green, yellow } from './style.js';

export const DEFAULT_REPORT_DIR = 'reports';

function announce(result: { file: string; written: string[] }, quiet = false): void {
  if (result.written.length) process.stdout.write(`${green('wrote')} ${result.file}\n`);
  else if (!quiet) process.stdout.write(`${dim(`${result.file} is up to date`)}\n`);
}

export interface ReportFlags {
  /** Parent folder of spec reports (run reports always go inside the run folder). */
  out: string;
}

export async function reportCommand(target: string, flags: ReportFlags): Promise<number> {
  if (!existsSync(target)) throw new UsageError(`${target} does not exist; give a spec file or a run folder`);
  const { looksLikeRunDir, writeRunReport, writeSpecReport } = await import('../report/build.js');
  if (statSync(target).isDirectory()) {
    if (!looksLikeRunDir(target)) throw new UsageError(`${target} is a folder but not a run folder (no resolved-spec.json, metrics.json or results.json)`);
    announce(await writeRunReport(target));
    return EXIT.ok;
  }
  const { compileChecked } = await import('../train/prepare.js');
  const compiled = await compileChecked(target);
  if (!compiled.ok) {
    printDiagnostics(compiled.diagnostics);
    return EXIT.spec;
  }
  announce(await writeSpecReport(compiled.model, flags.out));
  return EXIT.ok;
}

/** Called by `compile` for each spec that compiled. */
export async function reportAfterCompile(model: InferredModel, reportDir: string, quiet = false): Promise<void> {
  const { writeSpecReport } = await import('../report/build.js');
  announce(await writeSpecReport(model, reportDir), quiet);
}

/**
 * Called by `train` and `train --resume` once the run folder is complete (or stopped early).
 * Without the model (a resume does not compile the spec), the report compiles the run's spec.
 */
export async function reportAfterTrain(runDir: string, model?: InferredModel): Promise<void> {
  try {
    const { writeRunReport } = await import('../report/build.js');
    announce(await writeRunReport(runDir, model ? { model } : {}));
  } catch (error) {
    process.stderr.write(`${yellow(`warning: could not write the run report: ${(error as Error).message}`)}\n`);
  }
}

/** Registers `netspec report` on the program (kept here so main.ts only gains one line). */
export function registerReportCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('report')
    .description('(re)build the self-contained HTML report of a spec (reports/<name>/index.html) or of a run (<run-dir>/report.html)')
    .argument('<spec-or-run-dir>', 'a spec file, e.g. specs/mnist-cnn.yaml, or a run folder, e.g. runs/mnist-cnn/2026-11-27T18-03-11Z')
    .option('--out <dir>', 'parent folder of spec reports (run reports go inside the run folder)', DEFAULT_REPORT_DIR)
    .addHelpText(
      'after',
      '\nExamples:\n  $ netspec report specs/mnist-cnn.yaml             # writes reports/mnist-cnn/index.html\n' +
        '  $ netspec report runs/mnist-cnn/2026-11-27T18-03-11Z  # writes report.html + SVGs in the run folder',
    )
    .action(async (target: string, o: ReportFlags) => setExit(await reportCommand(target, o)));
}
