// Starting a worker thread from one of netspec's own modules. In the built package the module is
// JavaScript and starts as it is. Run from the TypeScript sources (tests, development), workers do
// not inherit the tsx loader registered on the main thread (Node 20 keeps module hooks per
// thread), and under `node --test` process.execArgv carries test-runner flags a worker must not
// get. So such a worker starts from a tiny bootstrap that registers tsx itself, with an empty
// execArgv, and then imports the TypeScript entry.

import { Worker } from 'node:worker_threads';

/**
 * The module `name` (without extension) next to the module at `from` (its import.meta.url): a
 * .ts file when netspec runs from its sources, the built .js file in the package.
 */
export function moduleNextTo(name: string, from: string): URL {
  return new URL(`${name}${new URL(from).pathname.endsWith('.ts') ? '.ts' : '.js'}`, from);
}

export function spawnModuleWorker(entry: URL): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { execArgv: [] });
  // The ESM build: the CommonJS one resolves its own chunks wrongly when imported from a worker.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); })` +
    `.catch((err) => { setImmediate(() => { throw err; }); });`;
  return new Worker(bootstrap, { eval: true, execArgv: [] });
}
