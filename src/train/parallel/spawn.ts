// Starting a worker thread that runs TypeScript. Workers do not inherit the tsx loader that
// bin/netspec.js registers on the main thread (Node 20 keeps module hooks per thread), and
// under `node --test` process.execArgv carries test-runner flags a worker must not get. So
// every worker starts from a tiny CommonJS bootstrap that registers tsx itself, with an empty
// execArgv, and then imports the TypeScript entry.

import { Worker } from 'node:worker_threads';

export function spawnTsWorker(entry: URL): Worker {
  // The ESM build: the CommonJS one resolves its own chunks wrongly when imported from a worker.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); })` +
    `.catch((err) => { setImmediate(() => { throw err; }); });`;
  return new Worker(bootstrap, { eval: true, execArgv: [] });
}
