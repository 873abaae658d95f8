// `netspec bench [specs...]`: training and inference speed per backend next to PyTorch, plus the
// startup time. The same command, with the hidden --worker option, is the child process that
// measures one backend; see src/bench/. Registered from here so main.ts gains one line.
import { Option, type Command } from 'commander';
import { positiveInt, requireExisting } from './args.js';
import { existsSync } from 'node:fs';
import type { BenchOptions } from '../bench/run.js';
import { RESULT_MARKER, WORKER_MODES, type WorkerMode } from '../bench/types.js';
import { EXIT, UserError } from './errors.js';
import { dim, green } from './style.js';

const DEFAULT_SPEC = 'specs/mnist-cnn.yaml';
/** Measured after the default spec when no spec is named, where the project has them. */
const EXAMPLE_GRAPH_SPECS = ['specs/resnet-mini.yaml', 'specs/mobilenet-mini.yaml'];

/** The command's options: the bench's own settings, plus the child-process mode. */
type BenchFlags = Pick<BenchOptions, 'reps' | 'batches' | 'warmup' | 'inferBatches' | 'inferBatchSize' | 'json' | 'torch' | 'python'> & {
  worker?: WorkerMode;
  budget: number;
};

/**
 * The spec measured in full and the further ones: those named, or the default spec followed by
 * the example graph specs the project has.
 */
export function benchSpecs(named: readonly string[]): { spec: string; otherSpecs: string[] } {
  const [spec = DEFAULT_SPEC, ...rest] = named;
  const otherSpecs = named.length === 0 ? EXAMPLE_GRAPH_SPECS.filter((file) => existsSync(file)) : rest;
  for (const file of [spec, ...otherSpecs]) requireExisting(file, 'spec file');
  return { spec, otherSpecs };
}

export async function benchCommand(specs: string[], o: BenchFlags): Promise<number> {
  const { spec, otherSpecs } = benchSpecs(specs);
  const plan = { spec, reps: o.reps, batches: o.batches, inferBatches: o.inferBatches, inferBatchSize: o.inferBatchSize };
  if (o.worker) {
    // Child mode: one machine-readable line; the parent turns a crash into a 'failed' row.
    // Imported here so that no other command pays for loading the measuring code.
    const { runWorkerMode } = await import('../bench/worker.js');
    const result = await runWorkerMode(o.worker, { ...plan, warmupBatches: o.warmup, budgetSeconds: o.budget });
    process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
    return EXIT.ok;
  }
  const { runBench } = await import('../bench/run.js');
  let outcome;
  try {
    outcome = await runBench({
      ...plan,
      otherSpecs,
      warmup: o.warmup,
      torch: o.torch,
      log: (line) => process.stderr.write(`${dim(line, process.stderr)}\n`),
      ...(o.json ? { json: o.json } : {}),
      ...(o.python ? { python: o.python } : {}),
    });
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  process.stdout.write(`\n${outcome.text}\n\n${green('wrote')} ${outcome.file}\n`);
  return outcome.exitCode;
}

export function registerBenchCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('bench')
    .description('measure training and inference samples/s per backend, next to PyTorch, and the startup time')
    .argument(
      '[specs...]',
      `spec files: the first is measured in every mode, with the kernel profile and the startup; each further one in the default mode next to PyTorch (default: ${DEFAULT_SPEC}, then ${EXAMPLE_GRAPH_SPECS.join(' and ')})`,
    )
    .addOption(
      new Option('--reps <n>', 'rounds: each runtime is timed once per round in a fresh process, runtimes taking turns (the median is shown)')
        .argParser(positiveInt)
        .default(3),
    )
    .addOption(new Option('--batches <n>', 'training batches per repetition (cpu runs at most 2)').argParser(positiveInt).default(20))
    .addOption(
      new Option('--warmup <n>', 'untimed training batches before the first repetition, for every runtime (cpu runs 1)').argParser(positiveInt).default(150),
    )
    .addOption(new Option('--infer-batches <n>', 'inference batches per repetition').argParser(positiveInt).default(4))
    .addOption(new Option('--infer-batch-size <n>', 'samples per inference batch').argParser(positiveInt).default(256))
    .option('--json <file>', 'where to write the JSON record (default: bench-results/bench-<timestamp>.json)')
    .option('--no-torch', 'do not run the PyTorch peer')
    .option('--python <exe>', 'python with torch for the peer (default: /usr/bin/python3, then python3)')
    .addOption(new Option('--worker <config>', 'internal: measure one configuration and print JSON').choices([...WORKER_MODES]).hideHelp())
    .addOption(new Option('--budget <seconds>', 'internal: worker time budget').argParser(positiveInt).default(90).hideHelp())
    .addHelpText(
      'after',
      '\nExamples:\n  $ netspec bench\n  $ netspec bench --reps 5 --json bench-results/today.json\n  $ netspec bench --no-torch --batches 10',
    )
    .action(async (specs: string[], o: BenchFlags) => setExit(await benchCommand(specs, o)));
}
