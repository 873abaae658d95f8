// The flags of `netspec import-torch` and `netspec export-torch`. The commands themselves
// (torch-command.ts) load when one runs, so that registering them loads nothing heavy.
import { Option, type Command } from 'commander';
import type { ExportFlags, ImportFlags } from './torch-command.js';

const PYTHON_HELP = 'a Python that has torch (default: $NETSPEC_PYTHON, else /usr/bin/python3, then python3)';

export function registerTorchCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command('import-torch')
    .description('turn a PyTorch checkpoint of a spec into a run folder that evaluate, predict and report take (needs torch)')
    .argument('<spec>', 'the spec the checkpoint was trained from, e.g. specs/mnist-cnn.yaml')
    .argument('<checkpoint>', 'checkpoint.pt written by generated/pytorch/<name>.py, or any state_dict of that module')
    .option('--out <dir>', 'parent folder of run folders', 'runs')
    .addOption(new Option('--backend <name>', 'backend for evaluating the test set').choices(['node', 'wasm', 'cpu']))
    .option('--python <exe>', PYTHON_HELP)
    .addHelpText('after', '\nExample:\n  $ netspec import-torch specs/mnist-cnn.yaml runs/mnist-cnn/pytorch-2026-11-27T18-03-11Z/checkpoint.pt')
    .action(async (spec: string, checkpoint: string, o: ImportFlags) =>
      setExit(await (await import('./torch-command.js')).importTorchCommand(spec, checkpoint, o)),
    );

  program
    .command('export-torch')
    .description("write a run's weights as a PyTorch state_dict for generated/pytorch/<name>.py (needs torch)")
    .argument('<run-dir>', 'a run folder, e.g. runs/mnist-cnn/2026-11-27T18-03-11Z')
    .option('--spec <file>', 'the spec of the run (default: the one recorded in the run folder)')
    .option('--out <file>', 'where the state_dict goes (default: <run-dir>/<name>.pt)')
    .option('--python <exe>', PYTHON_HELP)
    .addHelpText('after', '\nExample:\n  $ netspec export-torch runs/mnist-cnn/2026-11-27T18-03-11Z')
    .action(async (dir: string, o: ExportFlags) => setExit(await (await import('./torch-command.js')).exportTorchCommand(dir, o)));
}
