// Builds report files and writes them: reports/<name>/ for a compiled spec, report.html plus
// SVGs inside a run folder. Reading a run folder tolerates missing records (a run stopped
// before its first epoch has no metrics) so a report can always be made of what exists.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { compileSpecFile } from '../compile/index.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { ensureDir } from '../lib/dirs.js';
import { FileReadError, readRegularText } from '../lib/safe-read.js';
import { METRICS_JSON, type MetricsFile } from '../train/metrics.js';
import {
  DATASET_JSON,
  readMetricsFile,
  readRunJson,
  readRunResults,
  RESOLVED_SPEC_JSON,
  RESULTS_JSON,
  safeFolderName,
  type RunResults,
} from '../train/run-dir.js';
import type { InferredModel, TrainingConfig } from '../types.js';
import { renderArchitectureSvg } from './architecture.js';
import { confusionSpec, curvesSpec, renderVegaLite } from './charts.js';
import { renderReportHtml, type RunView } from './html.js';

/** File name -> contents. */
export type ReportFiles = Record<string, string>;

export const SPEC_REPORT_HTML = 'index.html';
export const RUN_REPORT_HTML = 'report.html';

export function buildSpecReport(model: InferredModel): ReportFiles {
  const architecture = renderArchitectureSvg(model);
  return {
    [SPEC_REPORT_HTML]: renderReportHtml({ model, title: model.ir.name, architectureSvg: architecture }),
    'architecture.svg': architecture,
  };
}

/** What resolved-spec.json holds (written by `netspec train`); every field optional for old runs. */
interface ResolvedSpec {
  spec?: string;
  name?: string;
  sha256?: string;
  training?: TrainingConfig;
}

async function readOptional<T>(dir: string, file: string): Promise<T | null> {
  return existsSync(path.join(dir, file)) ? readRunJson<T>(dir, file) : null;
}

/** The spec a run was trained from: its folder is in dataset.json (absolute), its name in resolved-spec.json. */
export function runSpecPath(dir: string, resolved: ResolvedSpec | null, specDir: string | undefined): string | null {
  if (!resolved?.spec) return null;
  const candidates = [specDir ? path.resolve(specDir, path.basename(resolved.spec)) : null, path.resolve(dir, resolved.spec), path.resolve(resolved.spec)];
  return candidates.find((c): c is string => c !== null && existsSync(c)) ?? null;
}

/** Compiles the run's spec again; a changed or missing spec becomes a note instead of an error. */
function modelForRun(dir: string, resolved: ResolvedSpec | null, specDir: string | undefined, notes: string[]): InferredModel | null {
  const file = runSpecPath(dir, resolved, specDir);
  if (!file) {
    notes.push(`The spec of this run (${resolved?.spec ?? 'unknown'}) was not found; only the training results are shown.`);
    return null;
  }
  // Shown in the footer: relative to where the command runs when the spec lies below it.
  const rel = path.relative(process.cwd(), file);
  const compiled = compileSpecFile(rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file);
  if (!compiled.ok) {
    notes.push(`The spec ${file} no longer compiles; only the training results are shown.`);
    return null;
  }
  if (resolved?.sha256 && compiled.model.ir.source.sha256 !== resolved.sha256) {
    notes.push(`${file} has changed since this run; the architecture shown is the current spec's, not necessarily the trained one.`);
  }
  return compiled.model;
}

export interface RunReportOptions {
  /** The model as trained, when the caller has it (skips compiling the spec again). */
  model?: InferredModel;
}

export async function buildRunReport(dir: string, options: RunReportOptions = {}): Promise<ReportFiles> {
  const resolved = await readOptional<ResolvedSpec>(dir, RESOLVED_SPEC_JSON);
  const metrics: MetricsFile | null = existsSync(path.join(dir, METRICS_JSON)) ? await readMetricsFile(dir) : null;
  const results: RunResults | null = existsSync(path.join(dir, RESULTS_JSON)) ? await readRunResults(dir) : null;
  const dataset = await readOptional<{ specDir?: string; source?: string; prepared?: { classes?: string[] } }>(dir, DATASET_JSON);
  if (!resolved && !metrics && !results) {
    throw new Error(`${dir} is not a netspec run folder: it has none of ${RESOLVED_SPEC_JSON}, ${METRICS_JSON}, ${RESULTS_JSON}`);
  }
  const notes: string[] = [];
  const model = options.model ?? modelForRun(dir, resolved, dataset?.specDir, notes);
  const epochs = metrics?.epochs ?? [];
  const files: ReportFiles = {};
  const run: RunView = {
    dir,
    epochs,
    interrupted: metrics?.interrupted ?? results?.training.interrupted ?? false,
    ...(metrics?.kept_epoch !== undefined ? { keptEpoch: metrics.kept_epoch } : {}),
    ...(metrics?.stopped_early ? { stoppedEarly: metrics.stopped_early } : {}),
    results,
    ...(resolved?.training ? { training: resolved.training } : {}),
    ...(dataset
      ? {
          data: {
            ...(typeof dataset.source === 'string' ? { source: dataset.source } : {}),
            ...(Array.isArray(dataset.prepared?.classes) ? { classes: dataset.prepared.classes } : {}),
          },
        }
      : {}),
  };
  if (epochs.length) run.curvesSvg = files['curves.svg'] = await renderVegaLite(curvesSpec(epochs, metrics?.kept_epoch), 'curves');
  if (results?.test)
    run.confusionSvg = files['confusion.svg'] = await renderVegaLite(
      confusionSpec(results.test.confusion, results.test.classes ?? dataset?.prepared?.classes),
      'confusion',
    );
  const architectureSvg = model ? (files['architecture.svg'] = renderArchitectureSvg(model)) : undefined;
  const title = model?.ir.name ?? resolved?.name ?? path.basename(path.dirname(path.resolve(dir)));
  files[RUN_REPORT_HTML] = renderReportHtml({ model, title, run, notes, ...(architectureSvg ? { architectureSvg } : {}) });
  return files;
}

/**
 * Writes each file atomically, skipping files whose content is already there (reports are
 * deterministic, so rebuilding an unchanged one touches nothing). Returns the paths written.
 */
export async function writeReportFiles(dir: string, files: ReportFiles): Promise<string[]> {
  ensureDir(dir);
  const written: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const target = path.join(dir, name);
    const current = await currentText(target);
    if (current === content) continue;
    await writeFileAtomic(target, content);
    written.push(target);
  }
  return written;
}

/** Reports are a few MiB at most; what is at a report's path is compared only if it is one. */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;

/** The text at `target` now, undefined when nothing is there; a folder or device there is a FileReadError. */
async function currentText(target: string): Promise<string | undefined> {
  try {
    return await readRegularText(target, MAX_REPORT_BYTES);
  } catch (error) {
    if (error instanceof FileReadError && error.problem === 'missing') return undefined;
    throw error;
  }
}

/** reports/<name>/ for a spec; the name is made safe for a folder like run folders are. */
export function specReportDir(root: string, model: InferredModel): string {
  return path.join(root, safeFolderName(model.ir.name));
}

export async function writeSpecReport(model: InferredModel, root: string): Promise<{ file: string; written: string[] }> {
  const dir = specReportDir(root, model);
  const written = await writeReportFiles(dir, buildSpecReport(model));
  return { file: path.join(dir, SPEC_REPORT_HTML), written };
}

export async function writeRunReport(dir: string, options: RunReportOptions = {}): Promise<{ file: string; written: string[] }> {
  const written = await writeReportFiles(dir, await buildRunReport(dir, options));
  return { file: path.join(dir, RUN_REPORT_HTML), written };
}

/** A folder with any run record is a run folder; anything else given to `netspec report` is a spec. */
export function looksLikeRunDir(target: string): boolean {
  return [RESOLVED_SPEC_JSON, METRICS_JSON, RESULTS_JSON].some((f) => existsSync(path.join(target, f)));
}
