// `netspec import-torch SPEC CHECKPOINT` and `netspec export-torch RUN_DIR`: weights between
// PyTorch and netspec runs. Both need a Python with torch, to read or write the .pt file; the
// library does the work (src/interop/), this file prints; torch-flags.ts declares the flags.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BackendPreference } from '../backend/select.js';
import { compileSpecFile } from '../compile/index.js';
import { useBuildBackend } from '../train/live-model.js';
import { DataError } from '../data/datasets.js';
import { pythonModuleName } from '../emit/python-names.js';
import { exportTorchStateDict } from '../interop/export-torch.js';
import { importTorchCheckpoint } from '../interop/import-torch.js';
import { TorchFileError } from '../interop/torch-files.js';
import { StateMismatch } from '../interop/torch-state.js';
import { runSpecPath } from '../report/build.js';
import { formatTestSummary } from '../train/index.js';
import { ModelFileError } from '../train/model-io.js';
import { DATASET_JSON, readRunJson, RESOLVED_SPEC_JSON } from '../train/run-dir.js';
import type { InferredModel } from '../types.js';
import { EXIT, printDiagnostics, UsageError, UserError } from './errors.js';
import { reportAfterTrain } from './report-command.js';
import { chooseBackend } from './run-output.js';
import { dim, green, yellow } from './style.js';
import { commandHint } from './command-hint.js';
import { requireExisting } from './args.js';

function compileOrReport(spec: string): InferredModel | undefined {
  requireExisting(spec, 'spec file');
  const compiled = compileSpecFile(spec);
  if (compiled.ok) return compiled.model;
  printDiagnostics(compiled.diagnostics);
  return undefined;
}

/** Problems with the files or data given are the user's to fix: a plain message, exit 1. */
function plainly(error: unknown): unknown {
  const plain = error instanceof TorchFileError || error instanceof StateMismatch || error instanceof DataError || error instanceof ModelFileError;
  return plain ? new UserError((error as Error).message) : error;
}

const percent = (x: number): string => `${(x * 100).toFixed(2)}%`;

export interface ImportFlags {
  out: string;
  backend?: BackendPreference;
  python?: string;
}

export async function importTorchCommand(spec: string, checkpoint: string, flags: ImportFlags): Promise<number> {
  const model = compileOrReport(spec);
  if (!model) return EXIT.spec;
  requireExisting(checkpoint, 'checkpoint');
  // As `evaluate` chooses it, so that evaluating the imported run reproduces its results exactly.
  const backend = await chooseBackend(flags.backend);
  process.stdout.write(`${dim('backend:')} ${backend.name} (${backend.reason})\n`);
  try {
    const run = await importTorchCheckpoint(model, {
      specFile: spec,
      checkpoint,
      runsRoot: flags.out,
      backend: backend.name,
      ...(flags.python ? { python: flags.python } : {}),
    });
    for (const note of run.notes) process.stdout.write(`${yellow('note:')} ${note}\n`);
    process.stdout.write(`${dim('run folder:')} ${run.dir}\n`);
    const test = run.results.test;
    if (test) process.stdout.write(`${formatTestSummary(test)}\n`);
    if (test && run.reported) {
      const same = percent(test.accuracy) === percent(run.reported.accuracy);
      process.stdout.write(
        `PyTorch reported: loss ${run.reported.loss.toFixed(4)}  accuracy ${percent(run.reported.accuracy)}` +
          `${same ? ` (${green('the same accuracy')})` : ` (${yellow('differs')}: the engines round differently, which can tip a close call)`}\n`,
      );
    }
    await reportAfterTrain(run.dir, model);
    process.stdout.write(`${green('saved')} ${run.dir}  (reload with: ${commandHint('evaluate', run.dir)})\n`);
    return EXIT.ok;
  } catch (error) {
    throw plainly(error);
  }
}

export interface ExportFlags {
  spec?: string;
  out?: string;
  python?: string;
}

/** The spec a run was trained from, as `report` finds it: --spec, else the one its records name. */
async function specOfRun(dir: string, given: string | undefined): Promise<string> {
  if (given) return given;
  const resolved = existsSync(path.join(dir, RESOLVED_SPEC_JSON)) ? await readRunJson<{ spec?: string }>(dir, RESOLVED_SPEC_JSON) : null;
  const dataset = existsSync(path.join(dir, DATASET_JSON)) ? await readRunJson<{ specDir?: string }>(dir, DATASET_JSON) : null;
  const found = runSpecPath(dir, resolved, dataset?.specDir);
  if (!found) throw new UsageError(`the spec of ${dir} (${resolved?.spec ?? 'not recorded'}) was not found; name it with --spec`);
  const rel = path.relative(process.cwd(), found);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : found;
}

export async function exportTorchCommand(dir: string, flags: ExportFlags): Promise<number> {
  if (!existsSync(path.join(dir, 'model.json'))) {
    throw new UsageError(`${dir} is not a run folder (it has no model.json); pass a folder under runs/<spec>/`);
  }
  const spec = await specOfRun(dir, flags.spec);
  const model = compileOrReport(spec);
  if (!model) return EXIT.spec;
  const out = flags.out ?? path.join(dir, `${pythonModuleName(model.ir.name)}.pt`);
  // Reading weights needs no fast kernels: cpu starts at once and says nothing.
  await useBuildBackend();
  try {
    const count = await exportTorchStateDict(model, dir, out, flags.python);
    process.stdout.write(`${green('wrote')} ${out}  (${count} tensors, the state_dict of generated/pytorch/${pythonModuleName(model.ir.name)}.py)\n`);
    process.stdout.write(`${dim('load it with:')} model = build_model(); model.load_state_dict(torch.load(${JSON.stringify(out)}))\n`);
    return EXIT.ok;
  } catch (error) {
    throw plainly(error);
  }
}
