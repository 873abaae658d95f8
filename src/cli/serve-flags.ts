// The flags of `netspec serve`. The command itself (serve-command.ts: the page's bundle, the
// server, the live model check) loads when it runs, so that registering it loads nothing heavy.
import { Option, type Command } from 'commander';
import { nonNegativeInt } from './args.js';
import type { ServeFlags } from './serve-command.js';

export function registerServeCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description(
      'open the spec playground in a browser: edit a spec and see its summary, diagram and errors as you type; with a run folder, draw a digit and see what the model says',
    )
    .argument('[run-dir]', 'a run folder to try, e.g. runs/mnist-cnn/2026-11-27T18-03-11Z')
    .addOption(new Option('--port <n>', 'port to listen on (default: a free one)').argParser(nonNegativeInt).default(0))
    .option('--host <address>', 'address to listen on; anything but 127.0.0.1 lets other machines read and save your specs', '127.0.0.1')
    .option('--specs-dir <dir>', 'the specs the playground opens and saves', 'specs')
    .option('--out-dir <dir>', 'where saving a spec writes its generated files (as compile does)', 'generated')
    .option('--web-dir <dir>', "where the page's built files are (default: dist/web/ in the netspec folder)")
    .addHelpText('after', '\nExamples:\n  $ netspec serve\n  $ netspec serve runs/mnist-cnn/2026-11-27T18-03-11Z\n  $ netspec serve --port 8080')
    .action(async (runDir: string | undefined, o: ServeFlags) => setExit(await (await import('./serve-command.js')).serveCommand(runDir, o)));
}
