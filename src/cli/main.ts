// The `netspec` command line: one program, a subcommand per job. Every failure ends in a plain
// message and a documented exit code (1 spec, data or file errors, 2 usage errors; 130 and 143
// when a signal stops training), never a stack trace: errors.ts decides which, for all commands.
//
// Registering the commands loads only what their flags need: each command's code is imported
// when it runs, so --help and usage errors start fast and load neither tfjs nor the validator.
import { Command, CommanderError, Option } from 'commander';
import { nonNegativeInt, positiveInt, refuseEmptyPaths, requireExisting } from './args.js';
import { TARGET_FILES, TARGET_NAMES } from '../emit/target-names.js';
import { TEMPLATE_NAMES } from './init-templates.js';
import { DEFAULT_MAX_PIXELS } from '../data/images/header.js';
import { DEFAULT_REPORT_DIR, registerReportCommand } from './report-command.js';
import { registerBenchCommand } from './bench-command.js';
import { registerDiffCommand } from './diff-command.js';
import { registerTorchCommands } from './torch-flags.js';
import { registerServeCommand } from './serve-flags.js';
import { EXIT, reportFailure, UsageError } from './errors.js';

/**
 * Commands that take the budget flags (--max-mult-adds, ...), as they take --max-params. The
 * flags come from the budget table, which loads the schema: they are added only when the
 * command line names one of these commands (to run it, or `help compile`).
 */
const BUDGETED = ['compile', 'train'];

/** The command a command line runs or asks help for: its first word, or the word after `help`. */
function commandWord(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('netspec')
    .description('Compile declarative YAML model specs to TensorFlow.js, and train them.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .hook('preAction', (_program, action) => refuseEmptyPaths(action));

  program
    .command('compile')
    .description('validate and shape-check specs, print their summaries and write generated/<name>.ts and generated/keras/<name>.py')
    .argument('[specs...]', 'spec files (default: every .yaml file in specs/)')
    .option('--check', 'write nothing; exit 1 when a generated file is missing or stale')
    .option('-w, --watch', 'recompile whenever a spec is saved (Ctrl-C to stop)')
    .option('--out-dir <dir>', 'where generated files go', 'generated')
    .option('--specs-dir <dir>', 'where specs are found when none are named', 'specs')
    .option('-q, --quiet', 'do not print summaries')
    .option('--no-report', 'do not write the HTML report reports/<name>/index.html')
    .option('--report-dir <dir>', 'where HTML reports go', DEFAULT_REPORT_DIR)
    .addOption(
      new Option('--target <target>', `only one target (default: all): ${TARGET_NAMES.map((t) => `${t}: ${TARGET_FILES[t]}`).join('; ')}`).choices(
        TARGET_NAMES,
      ),
    )
    .addOption(new Option('--max-params <n>', 'refuse models with more parameters than this').argParser(positiveInt))
    .addOption(new Option('--max-activations <n>', 'refuse layers that output more values per sample').argParser(positiveInt))
    .addHelpText(
      'after',
      '\nExamples:\n  $ netspec compile\n  $ netspec compile specs/mnist-cnn.yaml\n  $ netspec compile --check\n  $ netspec compile --watch\n  $ netspec compile --target keras specs/mnist-cnn.yaml',
    )
    .action(async (specs: string[], o) => {
      const { budgetLimits } = await import('./budget-flags.js');
      const limits: Record<string, number> = {};
      if (o.maxParams) limits.maxParams = o.maxParams;
      if (o.maxActivations) limits.maxActivations = o.maxActivations;
      Object.assign(limits, budgetLimits(o));
      const options = {
        check: o.check,
        outDir: o.outDir,
        specsDir: o.specsDir,
        quiet: o.quiet,
        limits,
        target: o.target,
        report: o.report,
        reportDir: o.reportDir,
      };
      if (o.watch && o.check) throw new UsageError('--watch and --check do not go together: --check writes nothing');
      if (o.watch) setExit(await (await import('./watch.js')).watchCompile(specs, options));
      else setExit(await (await import('./compile-command.js')).compileCommand(specs, options));
    });

  program
    .command('train')
    .description('train a spec on its dataset, evaluate it, and save everything under runs/<spec>/<timestamp>/')
    .argument('[spec]', 'spec file, e.g. specs/mnist-cnn.yaml (not with --resume)')
    .option('--resume <run-dir>', 'continue an interrupted run from its checkpoint, in the same folder')
    .addOption(new Option('--max-params <n>', 'refuse models with more parameters than this').argParser(positiveInt))
    .addOption(new Option('--max-activations <n>', 'refuse layers that output more values per sample').argParser(positiveInt))
    .addOption(new Option('--epochs <n>', "override the spec's epochs").argParser(positiveInt))
    .addOption(new Option('--batch-size <n>', "override the spec's batch size").argParser(positiveInt))
    .addOption(new Option('--limit <n>', 'train on the first N training samples only (quick runs)').argParser(positiveInt))
    .addOption(new Option('--backend <name>', 'force a backend').choices(['node', 'wasm', 'cpu']))
    .addOption(new Option('--threads <n>', 'wasm threads, training in one process (default: one per core)').argParser(positiveInt))
    .addOption(
      new Option('--workers <n>', 'data-parallel replicas, each with 1-thread wasm (default: one per core on 2-4 cores); 1 trains in one process').argParser(
        positiveInt,
      ),
    )
    .addOption(new Option('--seed <n>', "override the spec's seed").argParser(nonNegativeInt))
    .addOption(
      new Option(
        '--max-pixels <n>',
        `refuse images declaring more pixels than this, before decoding (default ${DEFAULT_MAX_PIXELS.toLocaleString('en-US')})`,
      ).argParser(positiveInt),
    )
    .option('--no-cache', 'decode image folders afresh instead of using the cache in .cache/netspec')
    .option('--out <dir>', 'parent folder of run folders', 'runs')
    .addHelpText(
      'after',
      '\nExamples:\n  $ netspec train specs/mnist-cnn.yaml\n  $ netspec train specs/mnist-cnn.yaml --epochs 1 --limit 5000\n  $ netspec train specs/lenet5.yaml --backend cpu --seed 7',
    )
    .action(async (spec: string | undefined, o, command: Command) => {
      if (o.resume !== undefined) {
        if (spec !== undefined) throw new UsageError('--resume continues a run with its own spec; give either a spec or --resume, not both');
        // A resumed run keeps the settings and folder it started with: these would be ignored.
        const applies = new Set(['resume', 'backend', 'threads', 'workers']);
        const fixed = command.options.filter((o) => !applies.has(o.attributeName()) && command.getOptionValueSource(o.attributeName()) === 'cli');
        if (fixed.length > 0) {
          const flags = fixed.map((o) => o.long).join(', ');
          throw new UsageError(
            `${flags} cannot change a resumed run: it continues with the settings and folder it started with; start a new run to change them`,
          );
        }
        setExit(await (await import('./resume-command.js')).resumeCommand(o.resume, o));
        return;
      }
      if (spec === undefined) throw new UsageError('missing the spec file to train (or --resume RUN_DIR)');
      requireExisting(spec, 'spec file');
      setExit(await (await import('./train-command.js')).trainCommand(spec, o));
    });

  program
    .command('evaluate')
    .description('reload a saved run and evaluate it on its test set (reproduces the saved accuracy)')
    .argument('<run-dir>', 'a run folder, e.g. runs/mnist-cnn/2026-11-27T18-03-11Z')
    .addOption(new Option('--backend <name>', 'force a backend').choices(['node', 'wasm', 'cpu']))
    .addOption(new Option('--max-pixels <n>', 'refuse images declaring more pixels than this, before decoding').argParser(positiveInt))
    .option('--no-cache', 'decode image folders afresh instead of using the cache in .cache/netspec')
    .addHelpText('after', '\nExample:\n  $ netspec evaluate runs/mnist-cnn/2026-11-27T18-03-11Z')
    .action(async (dir: string, o) => setExit(await (await import('./evaluate-command.js')).evaluateCommand(dir, o)));

  program
    .command('init')
    .description('write a starter spec to specs/<name>.yaml from a template')
    .argument('<name>', 'the model name: lowercase letters, digits and single - or _, e.g. my-cnn')
    .addOption(new Option('--template <template>', 'starting architecture').choices([...TEMPLATE_NAMES]).default('cnn'))
    .option('--specs-dir <dir>', 'where the spec goes', 'specs')
    .option('--force', 'overwrite an existing spec of that name')
    .addHelpText('after', '\nExamples:\n  $ netspec init my-cnn\n  $ netspec init digits-mlp --template mlp\n  $ netspec init classic --template lenet --force')
    .action(async (name: string, o) => setExit(await (await import('./init-command.js')).initCommand(name, o)));

  program
    .command('predict')
    .description(
      'classify new inputs with a trained run, prepared as its training data was: images (top classes each) or a CSV file of rows (a CSV of predictions)',
    )
    .argument('<run-dir>', 'a run folder, e.g. runs/mnist-cnn/2026-11-27T18-03-11Z')
    .argument('<inputs...>', 'image files of any size and format (PNG, JPEG, GIF, WebP, TIFF, AVIF), or one CSV file for a run trained on a table')
    .option('--json', 'print machine-readable JSON instead of text')
    .addOption(new Option('--top <n>', 'classes listed per image').argParser(positiveInt).default(3))
    .option('--out <file>', 'write the predictions of a CSV file (or the --json output) to this file instead of standard output')
    .addOption(
      new Option(
        '--max-pixels <n>',
        `refuse images declaring more pixels than this, before decoding (default ${DEFAULT_MAX_PIXELS.toLocaleString('en-US')})`,
      ).argParser(positiveInt),
    )
    .addOption(new Option('--backend <name>', 'force a backend').choices(['node', 'wasm', 'cpu']))
    .addHelpText(
      'after',
      '\nExamples:\n  $ netspec predict runs/mnist-cnn/2026-11-27T18-03-11Z seven.png\n  $ netspec predict runs/pets/2026-11-27T18-03-11Z photos/*.jpg --json\n  $ netspec predict runs/iris/2026-11-27T18-03-11Z new-flowers.csv --out predictions.csv',
    )
    .action(async (dir: string, inputs: string[], o) => setExit(await (await import('./predict-command.js')).predictCommand(dir, inputs, o)));

  registerReportCommand(program, setExit);
  registerDiffCommand(program, setExit);
  registerBenchCommand(program, setExit);
  registerTorchCommands(program, setExit);
  registerServeCommand(program, setExit);

  return program;
}

/**
 * Errors raised outside the command's own promise chain (a callback, a worker, a stream) end
 * the process the same plain way as any other.
 */
let strayErrorsReported = false;
function reportStrayErrors(): void {
  if (strayErrorsReported) return;
  strayErrorsReported = true;
  const onError = (error: unknown): void => {
    process.exitCode = reportFailure(error);
    process.exit();
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
}

/**
 * A reader that goes away early (`netspec compile spec.yaml | head`) closes the pipe under the
 * output. What it read is all it wanted, so the command carries on and finishes its files
 * instead of failing on its next line of output (a training run trains on, silently, and saves
 * its run folder as usual).
 */
let pipesOutlived = false;
function outliveClosedPipes(): void {
  if (pipesOutlived) return;
  pipesOutlived = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      stream.write = (() => true) as typeof stream.write;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => (exitCode = code));
  const named = commandWord(argv);
  if (named !== undefined && BUDGETED.includes(named)) {
    const { addBudgetOptions } = await import('./budget-flags.js');
    addBudgetOptions(program.commands.find((c) => c.name() === named)!);
  }
  reportStrayErrors();
  outliveClosedPipes();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; commander has already printed its message.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportFailure(error);
  }
}
