/**
 * A second thread for the SIMD kernels worth splitting: the tiled forward
 * convolution and the two tiled conv gradients are compute-bound and take
 * milliseconds, so running half of one on another core nearly halves it,
 * while waking a thread costs tens of microseconds. (The memory-bound
 * kernels gain nothing from a second thread: measured.)
 *
 * Only on the threaded tfjs build, whose heap is a shared WebAssembly.Memory:
 * the helper instantiates the same kernels.wat against that same memory, so
 * both threads read x and dy and write their own rows of the output in place.
 * While the helper runs, tfjs's own thread pool is idle, so the process
 * still keeps at most as many cores busy as it was given threads.
 *
 * Hand-off through a small shared control block (Atomics): the caller writes
 * the arguments and bumps a sequence number, runs its own half, then waits
 * for the helper to publish the same number. A trap in the helper is caught
 * there and reported back as a failure instead of leaving the caller waiting.
 */
import { Worker } from 'node:worker_threads';

/** Control block words. */
const SEQ = 0; // bumped by the caller for each job
const DONE = 1; // set by the helper to the job's SEQ when finished
const FAILED = 2; // 1 when the helper's last job threw
const KERNEL = 3; // index into SPLIT_KERNELS
const FUSED = 4; // 1: the binary with fused multiply-adds (module.ts), 0: the plain one
const ARGS = 5; // the argument count, then the kernel's arguments
const MAX_ARGS = 24;

/** The kernels.wat exports a helper can run. */
export const SPLIT_KERNELS = [
  'filterGradTiles',
  'filterGradRows',
  'inputGradTiles',
  'convTiles',
  'winogradConv',
  'winograd4Conv',
  'winograd4FilterGrad',
  'winograd4InputGrad',
  'maxPool2x2',
] as const;
export type SplitKernel = (typeof SPLIT_KERNELS)[number];

// Plain JS: a worker thread does not inherit the TypeScript loader.
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { bytes, memory, control } = workerData;
const load = (b) => b && new WebAssembly.Instance(new WebAssembly.Module(b), { env: { memory } }).exports;
const binaries = [load(bytes.plain), load(bytes.fused)];
const ctl = new Int32Array(control);
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  const seq = Atomics.load(ctl, ${SEQ});
  if (seq === seen) continue;
  seen = seq;
  const argc = ctl[${ARGS}];
  const args = Array.from(ctl.subarray(${ARGS + 1}, ${ARGS + 1} + argc));
  let failed = 0;
  try { binaries[ctl[${FUSED}]][${JSON.stringify(SPLIT_KERNELS)}[ctl[${KERNEL}]]](...args); } catch { failed = 1; }
  Atomics.store(ctl, ${FAILED}, failed);
  Atomics.store(ctl, ${DONE}, seq);
  Atomics.notify(ctl, ${DONE});
}
`;

export interface SplitHelper {
  /**
   * Runs kernel(...helperArgs) on the helper, from the fused binary if `fused`, while `own()`
   * runs here, and returns true when both are done; returns false, having run nothing, when
   * the helper is gone.
   */
  run(kernel: SplitKernel, helperArgs: number[], own: () => void, fused: boolean): boolean;
}

/** The two binaries of the kernels for a shared memory (module.ts); `fused` may be missing. */
export interface HelperBinaries {
  plain: Uint8Array;
  fused: Uint8Array | null;
}

const helpers = new WeakMap<WebAssembly.Memory, SplitHelper | null>();

/** The helper for this (shared) memory, started on first use; null for an unshared memory. */
export function splitHelperFor(memory: WebAssembly.Memory, bytes: () => HelperBinaries): SplitHelper | null {
  if (helpers.has(memory)) return helpers.get(memory)!;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const helper = shared ? startHelper(memory, bytes()) : null;
  helpers.set(memory, helper);
  return helper;
}

/** A job takes milliseconds; a helper silent for this long is stuck. */
const STUCK_MS = 30_000;

function startHelper(memory: WebAssembly.Memory, bytes: HelperBinaries): SplitHelper {
  const control = new SharedArrayBuffer((ARGS + 1 + MAX_ARGS) * Int32Array.BYTES_PER_ELEMENT);
  const ctl = new Int32Array(control);
  const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { bytes, memory, control } });
  // It waits on Atomics forever; it must not keep the process alive.
  worker.unref();
  let gone = false;
  worker.on('error', () => {
    gone = true;
  });
  worker.on('exit', () => {
    gone = true;
  });

  return {
    run(kernel, helperArgs, own, fused) {
      if (gone || helperArgs.length > MAX_ARGS || (fused && bytes.fused == null)) return false;
      ctl[KERNEL] = SPLIT_KERNELS.indexOf(kernel);
      ctl[FUSED] = fused ? 1 : 0;
      ctl[ARGS] = helperArgs.length;
      ctl.set(helperArgs, ARGS + 1);
      const seq = (Atomics.load(ctl, SEQ) + 1) | 0;
      Atomics.store(ctl, SEQ, seq);
      Atomics.notify(ctl, SEQ);
      // Even when our half throws, wait for the helper's: the caller frees the buffers it
      // writes (its scratch, the output) as the error passes, and the helper must be done.
      let ownError: { error: unknown } | null = null;
      try {
        own();
      } catch (error) {
        ownError = { error };
      }
      const started = performance.now();
      while (Atomics.load(ctl, DONE) !== seq) {
        Atomics.wait(ctl, DONE, Atomics.load(ctl, DONE), 1000);
        if (performance.now() - started > STUCK_MS) {
          // Never hand it another job, and stop it before its writes land in reused memory.
          gone = true;
          void worker.terminate();
          throw new Error('the SIMD helper thread stopped answering');
        }
      }
      if (ownError != null) throw ownError.error;
      if (Atomics.load(ctl, FAILED) !== 0) throw new Error(`${kernel} failed on the SIMD helper thread`);
      return true;
    },
  };
}
