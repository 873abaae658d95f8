// `netspec train SPEC`: compile (a spec error stops here, before any data is loaded), pick the
// backend, train with progress, evaluate on the test set and record everything in a run folder.
import { dirname, resolve } from 'node:path';
import { compileSpecFile } from '../compile.js';
import { selectBackend, type BackendPreference } from '../backend/select.js';
import { DataError } from '../data/datasets.js';
import { buildModel, crossCheck } from '../emit/live.js';
import { renderSummary } from '../emit/summary.js';
import { lowerTraining } from '../lower.js';
import { formatTestSummary, trainAndRecord, TrainingDivergedError } from '../train/index.js';
import { ModelFileError } from '../train/model-io.js';
import type { InferredModel, TrainingConfig } from '../types.js';
import { EXIT, printDiagnostics, UsageError, UserError } from './errors.js';
import { reportAfterTrain } from './report-command.js';
import { bold, dim, green, yellow } from './style.js';

export interface TrainFlags {
  epochs?: number;
  batchSize?: number;
  limit?: number;
  backend?: BackendPreference;
  out: string;
  seed?: number;
  threads?: number;
  /** Size limits checked at compile time, before any tensor is allocated (default: DEFAULT_LIMITS). */
  maxParams?: number;
  maxActivations?: number;
}

/** The spec's training section (defaults filled in) with the command line's overrides on top. */
export function resolveTraining(model: InferredModel, flags: TrainFlags): TrainingConfig {
  const cfg = { ...(model.ir.training ?? lowerTraining(undefined)) };
  if (flags.epochs !== undefined) cfg.epochs = flags.epochs;
  if (flags.batchSize !== undefined) cfg.batchSize = flags.batchSize;
  if (flags.seed !== undefined) cfg.seed = flags.seed;
  return cfg;
}

export async function trainCommand(spec: string, flags: TrainFlags): Promise<number> {
  const limits = {
    ...(flags.maxParams !== undefined ? { maxParams: flags.maxParams } : {}),
    ...(flags.maxActivations !== undefined ? { maxActivations: flags.maxActivations } : {}),
  };
  const compiled = compileSpecFile(spec, { limits });
  if (!compiled.ok) {
    printDiagnostics(compiled.diagnostics);
    return EXIT.spec;
  }
  const model = compiled.model;
  const cfg = resolveTraining(model, flags);

  let backend;
  try {
    backend = await selectBackend(flags.backend, flags.threads ? { threads: flags.threads } : {});
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  process.stdout.write(`${dim('backend:')} ${bold(backend.name)} (${backend.reason})\n\n`);
  process.stdout.write(`${renderSummary(model)}\n\n`);

  const live = buildModel(model, { seed: cfg.seed });
  const disagreements = crossCheck(model, live);
  if (disagreements.length) throw new UserError(disagreements.map((d) => d.message).join('\n'));

  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted); // a second Ctrl-C stops at once
    process.stderr.write(`\n${yellow('interrupted: finishing the current batch and saving a checkpoint (Ctrl-C again to quit now)')}\n`);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const run = await trainAndRecord({
      model: live,
      cfg,
      specName: model.ir.name,
      specDir: dirname(resolve(spec)),
      resolvedSpec: { spec, name: model.ir.name, sha256: model.ir.source.sha256, inputShape: model.ir.inputShape, training: cfg, flags },
      loadOptions: flags.limit !== undefined ? { limit: flags.limit, testLimit: Number.MAX_SAFE_INTEGER } : {},
      backend: backend.name,
      runsRoot: flags.out,
      signal: controller.signal,
      onRunDir: (dir) => process.stdout.write(`${dim('run folder:')} ${dir}\n`),
    });
    const { training, results } = run;
    process.stdout.write(
      `\ntrained ${training.history.length} epoch(s) in ${training.seconds.toFixed(1)} s, ` +
        `${Math.round(training.samplesPerSec).toLocaleString('en-US')} samples/s on ${backend.name}\n`,
    );
    await reportAfterTrain(run.dir, model);
    if (training.interrupted) {
      process.stdout.write(`${yellow('stopped early')}: checkpoint and metrics so far saved in ${run.dir}\n`);
      process.stdout.write(`continue with: netspec train --resume ${run.dir}\n`);
      return EXIT.interrupted;
    }
    if (results.test) process.stdout.write(`${formatTestSummary(results.test)}\n`);
    process.stdout.write(`${green('saved')} ${run.dir}  (reload with: npm run evaluate -- ${run.dir})\n`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof DataError || error instanceof TrainingDivergedError || error instanceof ModelFileError) {
      throw new UserError(error.message);
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    live.dispose();
  }
}
