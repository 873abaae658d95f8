// Decoding many images on every core: worker threads each take chunks of files until none are
// left. Small folders decode in-process, where starting workers would cost more than it saves.
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { moduleNextTo, spawnModuleWorker } from '../../train/parallel/spawn.js';
import { decodeMany, type DecodeReply, type DecodeRequest } from './decode-many.js';

/** Below this many files, decoding stays in this thread. */
export const WORKER_THRESHOLD = 1500;
const CHUNK = 256;
const MAX_WORKERS = 4;

export interface PoolOptions {
  /** Worker threads to use (default: one per core, at most 4); 0 decodes in-process. */
  workers?: number;
  /** Called with the number of files decoded so far. */
  onProgress?: (done: number, total: number) => void;
}

export async function decodeInParallel(request: DecodeRequest, options: PoolOptions = {}): Promise<DecodeReply> {
  const total = request.files.length;
  const workers = Math.min(options.workers ?? Math.min(os.availableParallelism(), MAX_WORKERS), Math.ceil(total / CHUNK));
  if (workers <= 0 || (options.workers === undefined && total < WORKER_THRESHOLD)) {
    const reply = await decodeMany(request);
    options.onProgress?.(total, total);
    return reply;
  }

  const sampleBytes = request.target.height * request.target.width * request.target.channels;
  const pixels = new Uint8Array(total * sampleBytes);
  const flags = new Uint8Array(total);
  const errors: [number, string][] = [];
  let nextChunk = 0;
  let done = 0;
  const threads: Worker[] = [];

  const runWorker = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = spawnModuleWorker(moduleNextTo('./decode-worker', import.meta.url));
      threads.push(worker);
      let start = 0;
      const sendNext = (): void => {
        start = nextChunk++ * CHUNK;
        if (start >= total) {
          resolve();
          return;
        }
        worker.postMessage({ ...request, files: request.files.slice(start, start + CHUNK) } satisfies DecodeRequest);
      };
      worker.on('message', (message: DecodeReply | { ready: true }) => {
        if ('ready' in message) {
          sendNext();
          return;
        }
        pixels.set(message.pixels, start * sampleBytes);
        flags.set(message.flags, start);
        for (const [i, text] of message.errors) errors.push([start + i, text]);
        done += message.flags.length;
        options.onProgress?.(done, total);
        sendNext();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`an image decoding worker stopped with exit code ${code}`))));
    });

  try {
    await Promise.all(Array.from({ length: workers }, runWorker));
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
  errors.sort((a, b) => a[0] - b[0]);
  return { pixels, flags, errors };
}
