// `netspec train SPEC`: compile (a spec error stops here, before any data is loaded), pick the
// backend, train with progress, evaluate on the test set and record everything in a run folder.
import { dirname, resolve } from 'node:path';
import { compileSpecFile } from '../compile/index.js';
import { layerKind } from '../layers/registry.js';
import type { BackendPreference } from '../backend/select.js';
import { buildModel, crossCheck } from '../emit/live.js';
import { renderSummary } from '../emit/summary.js';
import { lowerTraining } from '../compile/lower.js';
import { trainAndRecord } from '../train/index.js';
import type { InferredModel, TrainingConfig } from '../types.js';
import { EXIT, printDiagnostics, UserError } from './errors.js';
import { interruptOnSigint } from './interrupt.js';
import { reportAfterTrain } from './report-command.js';
import { asUserError, chooseBackendAndMode, finishRun } from './run-output.js';
import { dim } from './style.js';
import { dataLoadOptions, printDataSummary } from './data-output.js';

export interface TrainFlags {
  epochs?: number;
  batchSize?: number;
  limit?: number;
  backend?: BackendPreference;
  out: string;
  seed?: number;
  threads?: number;
  /** Data-parallel replicas; 1 trains in one process; omitted: chosen by chooseTrainMode. */
  workers?: number;
  /** Images declaring more pixels are refused before decoding. */
  maxPixels?: number;
  /** False: decode image folders afresh (commander's --no-cache). */
  cache?: boolean;
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

  // Replicas exchange gradients only: each would keep batch norm's moving statistics of its own
  // shard and draw its own dropout masks, so they would drift apart.
  const unsupported = model.layers
    .filter((l) => layerKind(l.node.kind).replicasDiffer !== undefined)
    .map((l) => `'${l.node.name}' (${l.node.kind}, line ${l.node.loc.line})`);
  const { backend, workers } = await chooseBackendAndMode(flags, { unsupported, batchSize: cfg.batchSize, subject: spec, verb: 'Train' });
  const parallel = workers > 1;
  process.stdout.write(`\n${renderSummary(model)}\n\n`);

  const live = buildModel(model, { seed: cfg.seed });
  const disagreements = crossCheck(model, live);
  if (disagreements.length) throw new UserError(disagreements.map((d) => d.message).join('\n'));

  const interrupt = interruptOnSigint();
  try {
    const run = await trainAndRecord({
      model: live,
      cfg,
      specName: model.ir.name,
      specDir: dirname(resolve(spec)),
      resolvedSpec: { spec, name: model.ir.name, sha256: model.ir.source.sha256, inputShape: model.ir.inputShape, training: cfg, flags },
      loadOptions: dataLoadOptions(flags),
      backend: backend.name,
      runsRoot: flags.out,
      signal: interrupt.signal,
      ...(parallel ? { workers } : {}),
      onData: printDataSummary,
      onRunDir: (dir) => process.stdout.write(`${dim('run folder:')} ${dir}\n`),
    });
    const { training } = run;
    process.stdout.write(
      `\ntrained ${training.history.length} epoch(s) in ${training.seconds.toFixed(1)} s, ` +
        `${Math.round(training.samplesPerSec).toLocaleString('en-US')} samples/s on ${backend.name}` +
        `${parallel ? ` (${workers} data-parallel replicas)` : ''}\n`,
    );
    await reportAfterTrain(run.dir, model);
    return finishRun(run);
  } catch (error) {
    throw asUserError(error);
  } finally {
    interrupt.dispose();
    live.dispose();
  }
}
