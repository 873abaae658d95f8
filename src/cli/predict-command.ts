// `netspec predict RUN_DIR inputs...`: classify new inputs with a trained run, prepared as its
// training data was: pictures of any size and format for image runs, a CSV file of rows for
// table runs (written back as a CSV of predictions).
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { BackendPreference } from '../backend/select.js';
import { DataError } from '../data/datasets.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { isInside } from '../lib/dirs.js';
import { imageLine, predictionsCsv, rowAccuracy } from '../predict/output.js';
import { predictRun, type ImagePrediction } from '../predict/run.js';
import { EXIT, UsageError, UserError } from './errors.js';
import { chooseBackend } from './run-output.js';
import { dim, green } from './style.js';

export interface PredictFlags {
  backend?: BackendPreference;
  json?: boolean;
  /** How many classes to list per image (default 3). */
  top?: number;
  /** Where a table's predictions go (default: standard output). */
  out?: string;
  maxPixels?: number;
}

/** Predicts images with a run; errors name the file and are UserErrors. */
export async function predictImages(dir: string, files: string[], top = 3): Promise<ImagePrediction[]> {
  try {
    const result = await predictRun(dir, files, { top });
    if (result.input !== 'images') throw new UserError(`the run in ${dir} was trained on a table, not images`);
    return result.predictions;
  } catch (error) {
    throw error instanceof DataError ? new UserError(error.message) : error;
  }
}

/** The file's real path, through any links, also when only its folder exists yet. */
function identity(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    try {
      return join(realpathSync(dirname(file)), basename(file));
    } catch {
      return resolve(file);
    }
  }
}

/** --out must not write over an input, or into the run folder (its model.json, its results). */
function refuseOwnFiles(out: string, dir: string, inputs: string[]): void {
  const target = identity(out);
  if (inputs.some((input) => identity(input) === target)) {
    throw new UsageError(`--out ${out} is one of the inputs; write the predictions to another file`);
  }
  const run = identity(dir);
  if (target === run || isInside(run, target)) {
    throw new UsageError(`--out ${out} is inside the run folder ${dir}; write the predictions outside it, so the run stays as it was saved`);
  }
}

export async function predictCommand(dir: string, inputs: string[], flags: PredictFlags): Promise<number> {
  if (!existsSync(join(dir, 'model.json'))) {
    throw new UsageError(`${dir} is not a run folder (it has no model.json); pass a folder under runs/<spec>/`);
  }
  if (flags.out !== undefined) refuseOwnFiles(flags.out, dir, inputs);
  // netspec's kernels (forward convolutions, pooling, and the stock kernels' 'same' padding fix),
  // the same kernels evaluate and train run (per call choices such as Winograd's tile follow the
  // batch, so results agree up to rounding).
  const backend = await chooseBackend(flags.backend);
  let result;
  try {
    result = await predictRun(dir, inputs, { top: flags.top ?? 3, ...(flags.maxPixels !== undefined ? { maxPixels: flags.maxPixels } : {}) });
  } catch (error) {
    throw error instanceof DataError ? new UserError(error.message) : error;
  }
  const { stdout, stderr } = process;
  if (flags.json) {
    const body =
      result.input === 'images'
        ? { run: dir, backend: backend.name, classes: result.classes, predictions: result.predictions }
        : { run: dir, backend: backend.name, classes: result.classes, file: result.file, predictions: result.predictions };
    const text = `${JSON.stringify(body, null, 2)}\n`;
    if (flags.out) await writeFileAtomic(flags.out, text);
    else stdout.write(text);
    return EXIT.ok;
  }
  if (result.input === 'images') {
    if (flags.out) throw new UsageError('--out writes the predictions of table rows; for images, redirect the output or use --json');
    stdout.write(`${dim(`backend: ${backend.name} (${backend.reason})`)}\n`);
    for (const p of result.predictions) stdout.write(`${imageLine(p)}\n`);
    return EXIT.ok;
  }
  const csv = predictionsCsv(result.predictions, result.classes);
  const accuracy = rowAccuracy(result.predictions);
  // The CSV may go to standard output for a pipe, so everything else goes to standard error.
  stderr.write(`${dim(`backend: ${backend.name} (${backend.reason}); ${result.describe}`, stderr)}\n`);
  if (flags.out) {
    await writeFileAtomic(flags.out, csv);
    stderr.write(`${green('wrote', stderr)} ${result.predictions.length.toLocaleString('en-US')} predictions to ${flags.out}\n`);
  } else stdout.write(csv);
  if (accuracy) stderr.write(`${accuracy}\n`);
  return EXIT.ok;
}
