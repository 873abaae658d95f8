// `netspec train SPEC`: the library prepares the run (compile, settings, backend and mode, live
// model; a spec error stops it before any data is loaded) and trains it into a run folder;
// this command turns the flags into a request and prints what happens.
import type { BackendPreference } from '../backend/select.js';
import type { BudgetLimits } from '../compile/budgets.js';
import { renderSummary } from '../emit/summary.js';
import { prepareRun, trainPrepared, type RunRequest } from '../train/index.js';
import { budgetLimits } from './budget-flags.js';
import { EXIT, printDiagnostics } from './errors.js';
import { interruptOnSignals } from './interrupt.js';
import { reportAfterTrain } from './report-command.js';
import { finishRun, printRunMode } from './run-output.js';
import { dim } from './style.js';
import { dataLoadOptions, printDataSummary } from './data-output.js';

export interface TrainFlags extends BudgetLimits {
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

/** The library's request from the command line's flags. */
export function runRequest(flags: Omit<TrainFlags, 'out' | 'limit' | 'maxPixels' | 'cache'>): RunRequest {
  const pick = <K extends keyof RunRequest>(key: K, value: RunRequest[K] | undefined): Partial<RunRequest> => (value === undefined ? {} : { [key]: value });
  const limits = {
    ...(flags.maxParams !== undefined ? { maxParams: flags.maxParams } : {}),
    ...(flags.maxActivations !== undefined ? { maxActivations: flags.maxActivations } : {}),
    ...budgetLimits({ ...flags }),
  };
  return {
    ...pick('epochs', flags.epochs),
    ...pick('batchSize', flags.batchSize),
    ...pick('seed', flags.seed),
    ...pick('backend', flags.backend),
    ...pick('threads', flags.threads),
    ...pick('workers', flags.workers),
    ...(Object.keys(limits).length ? { limits } : {}),
  };
}

export async function trainCommand(spec: string, flags: TrainFlags): Promise<number> {
  const prepared = await prepareRun(spec, runRequest(flags), {
    ...printRunMode,
    onModel: (model) => process.stdout.write(`\n${renderSummary(model)}\n\n`),
  });
  if (!prepared.ok) {
    printDiagnostics(prepared.diagnostics);
    return EXIT.spec;
  }
  const { run } = prepared;
  const interrupt = interruptOnSignals();
  try {
    const recorded = await trainPrepared(run, {
      loadOptions: dataLoadOptions(flags),
      runsRoot: flags.out,
      signal: interrupt.signal,
      flags: { ...flags },
      onData: printDataSummary,
      onRunDir: (dir) => {
        // From here the folder holds a checkpoint: a signal stops training and saves another.
        interrupt.arm();
        process.stdout.write(`${dim('run folder:')} ${dir}\n`);
      },
    });
    const { training } = recorded;
    const parallel = run.workers > 1;
    process.stdout.write(
      `\ntrained ${training.history.length} epoch(s) in ${training.seconds.toFixed(1)} s, ` +
        `${Math.round(training.samplesPerSec).toLocaleString('en-US')} samples/s on ${run.backend.name}` +
        `${parallel ? ` (${run.workers} data-parallel replicas)` : ''}\n`,
    );
    await reportAfterTrain(recorded.dir, run.model);
    return finishRun(recorded, interrupt.exitCode());
  } finally {
    interrupt.dispose();
    run.live.dispose();
  }
}
