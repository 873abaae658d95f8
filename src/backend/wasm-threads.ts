/**
 * Multi-threaded XNNPACK for the wasm backend under Node.
 *
 * tfjs-backend-wasm 4.22 ships a threaded+SIMD binary but never uses it in
 * Node: the WASM_HAS_MULTITHREAD_SUPPORT flag is hard-wired to false there
 * (tfjs issue #3830). Forcing the flag on is not enough, for two reasons we
 * work around here, only for the duration of backend initialisation:
 *  1. Emscripten starts each pthread with `new Worker(url)`, and tfjs hands it
 *     a `blob:` URL, which Node's worker_threads rejects (ERR_WORKER_PATH).
 *     We hand out the path of wasm-pthread-worker.cjs instead, a file in this
 *     package that runs the same worker source; nothing is written at run time.
 *  2. The C++ side sizes its pool as min(requested, logical_cores / 2)
 *     (it assumes hyper-threading), which is 1 on a 2-vCPU machine. We report
 *     2x the real CPU count to it while it initialises, so the requested
 *     count (capped at the real core count) is what it uses.
 * Nothing is downloaded: all code and .wasm files come from the package.
 */
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** Shipped next to this module; see the file for why it exists. */
const WORKER_FILE = fileURLToPath(new URL('./wasm-pthread-worker.cjs', import.meta.url));

/**
 * Run `init` (which must call tf.setBackend('wasm')) with the patches above in
 * place, then restore them. The caller sets the flag and setThreadsCount.
 */
export async function withThreadedWasmInit<T>(init: () => Promise<T>): Promise<T> {
  const origCreate = URL.createObjectURL;
  const origCpus = os.cpus;
  URL.createObjectURL = ((obj: Blob) =>
    obj instanceof Blob && obj.type === 'application/javascript' ? WORKER_FILE : origCreate(obj)) as typeof URL.createObjectURL;
  os.cpus = () => {
    const cpus = origCpus();
    return [...cpus, ...cpus];
  };
  try {
    const result = await init();
    unrefThreads();
    return result;
  } finally {
    URL.createObjectURL = origCreate;
    os.cpus = origCpus;
  }
}

/**
 * Emscripten ref()s a worker while its pthread runs, and XNNPACK's pool
 * threads run forever, so Node would never exit on its own. The threads only
 * do work while the main thread is inside a kernel call, so unref them.
 */
function unrefThreads(): void {
  const pthread = (tf.backend() as unknown as { wasm?: { PThread?: { runningWorkers?: { unref(): void }[] } } }).wasm?.PThread;
  for (const worker of pthread?.runningWorkers ?? []) worker.unref();
}
