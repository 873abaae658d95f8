// `netspec serve [RUN_DIR]`: the spec playground (and, with a run folder, the model to draw on)
// in a browser, from a server on this machine. Builds the page first when it is missing or
// older than its sources; runs until Ctrl-C. Its flags are in serve-flags.ts.
import { existsSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BundleError, bundleState, buildWebBundle, DEFAULT_WEB_DIR } from '../serve/bundle.js';
import { isRunFolder } from '../serve/run.js';
import { startServer } from '../serve/server.js';
import { listSpecs } from '../serve/specs.js';
import { liveModelProblems } from '../train/live-model.js';
import { EXIT, UsageError, UserError } from './errors.js';
import { bold, dim, yellow } from './style.js';

export interface ServeFlags {
  port: number;
  host: string;
  specsDir: string;
  outDir: string;
  webDir?: string;
}

/** The page's bundle, built when it is missing or stale; a stale one that cannot be rebuilt is still served. */
async function ensureBundle(dir: string): Promise<void> {
  const state = bundleState(dir);
  if (state === 'fresh') return;
  process.stdout.write(dim(`${state === 'missing' ? 'building' : 'rebuilding'} the page into ${dir} ...\n`));
  try {
    const report = await buildWebBundle(dir);
    process.stdout.write(dim(`built in ${report.seconds.toFixed(1)} s\n`));
  } catch (error) {
    if (!(error instanceof BundleError)) throw error;
    if (state === 'stale') {
      process.stderr.write(`${yellow(`warning: ${error.message}; serving the previous build`)}\n`);
      return;
    }
    throw new UserError(`${error.message}\n(the page is built with \`npm run build:web\` in the netspec folder)`);
  }
}

/** The message for a host that is not one of this machine's addresses. */
const notOurAddress = (host: string): string => `${host} is not an address of this machine; leave --host out for 127.0.0.1`;

/** Refuses --host before the page is built: listening on a free port there tells whether it is ours. */
async function checkHost(host: string): Promise<void> {
  const probe = net.createServer();
  try {
    await new Promise<void>((listening, failed) => {
      probe.once('error', failed);
      probe.listen(0, host, listening);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new UsageError(notOurAddress(host));
    // Anything else (no permission, say) is for the real listen to report.
  } finally {
    probe.close();
  }
}

export async function serveCommand(runDir: string | undefined, flags: ServeFlags): Promise<number> {
  if (flags.port > 65535) throw new UsageError(`--port must be at most 65535; got ${flags.port}`);
  if (runDir !== undefined) {
    if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw new UsageError(`run folder ${runDir} does not exist`);
    if (!isRunFolder(runDir)) throw new UsageError(`${runDir} is not a run folder (it has no model.json); pass a folder under runs/<spec>/`);
  }
  for (const [flag, dir] of [
    ['--specs-dir', flags.specsDir],
    ['--out-dir', flags.outDir],
  ] as const) {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${flag} ${dir} is a file, not a folder; give a folder (it may not exist yet)`);
  }
  await checkHost(flags.host);
  const webDir = path.resolve(flags.webDir ?? DEFAULT_WEB_DIR);
  await ensureBundle(webDir);
  const specs = {
    dir: path.resolve(flags.specsDir),
    outDir: path.resolve(flags.outDir),
    display: flags.specsDir.replace(/\/+$/, ''),
    liveCheck: liveModelProblems,
  };

  let server;
  try {
    server = await startServer({
      host: flags.host,
      port: flags.port,
      webDir,
      specs,
      ...(runDir !== undefined ? { run: { dir: path.resolve(runDir), shown: runDir } } : {}),
      log: (line) => process.stderr.write(`${yellow(line)}\n`),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new UsageError(`port ${flags.port} on ${flags.host} is already in use; choose another with --port, or leave --port out for a free one`);
    if (code === 'EACCES') throw new UsageError(`not allowed to listen on port ${flags.port}; use a port above 1023, or leave --port out for a free one`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(notOurAddress(flags.host));
    throw error;
  }

  let count: number;
  try {
    count = listSpecs(specs).length;
  } catch (error) {
    // A server left listening would keep the process alive after the error is printed.
    await server.close();
    throw error;
  }
  process.stdout.write(`${bold('netspec playground')}: ${server.url}\n`);
  process.stdout.write(dim(`  specs: ${specs.display}/ (${count} spec${count === 1 ? '' : 's'}; Save writes the spec and its files in ${flags.outDir}/)\n`));
  process.stdout.write(
    dim(
      runDir !== undefined
        ? `  model: ${runDir}\n`
        : '  model: none (give a run folder, e.g. netspec serve runs/mnist-cnn/<timestamp>, to draw digits for it)\n',
    ),
  );
  if (!['127.0.0.1', 'localhost', '::1'].includes(flags.host)) {
    process.stdout.write(`${yellow(`warning: listening on ${flags.host}: anyone who can reach this machine can read and save your specs`)}\n`);
  }
  process.stdout.write(dim('Ctrl-C to stop\n'));

  // Ctrl-C is how a server is meant to end (as with compile --watch): exit 0. SIGTERM: 143.
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await server.close();
  process.stdout.write(dim('stopped\n'));
  return signal === 'SIGINT' ? EXIT.ok : 143;
}
