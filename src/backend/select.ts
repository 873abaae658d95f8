/**
 * Picks the tfjs backend: tfjs-node (native TensorFlow) when installed, else
 * wasm (XNNPACK, SIMD, multi-threaded), else the pure-JS cpu backend. Also
 * installs the fast conv gradients for the backends that need them.
 */
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { installFastGradients } from './gradients/index.js';
import { withThreadedWasmInit } from './wasm-threads.js';

export type BackendPreference = 'node' | 'wasm' | 'cpu';

export interface SelectOptions {
  /** Install the composite conv backprop kernels (default true). */
  fastGradients?: boolean;
  /** wasm threads; default: number of CPUs. 1 disables the threaded binary. */
  threads?: number;
  /** How each backend is brought up (default: for real); tests pass their own to play each situation. */
  loaders?: BackendLoaders;
}

/** Brings up one backend each, or throws why it cannot. */
export interface BackendLoaders {
  node(): Promise<void>;
  /** Returns a short note on threads and SIMD for the reason line. */
  wasm(threads: number): Promise<string>;
  cpu(): Promise<void>;
}

export interface SelectedBackend {
  name: string;
  reason: string;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}

async function loadNode(): Promise<void> {
  // The package name is built at run time so TypeScript does not require the
  // optional dependency to be installed for type checking.
  const pkg = ['@tensorflow', 'tfjs-node'].join('/');
  await import(pkg);
  if (!(await tf.setBackend('tensorflow'))) throw new Error('backend "tensorflow" failed to initialise');
}

/** Initialise wasm; returns a short note on threads/SIMD for the reason line. */
async function loadWasm(threads: number): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const init = async () => {
    if (!(await tf.setBackend('wasm'))) throw new Error('backend "wasm" failed to initialise');
  };
  let fellBack = '';
  if (threads > 1 && simd) {
    // The threaded binary only exists with SIMD; see wasm-threads.ts.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(threads);
    try {
      await withThreadedWasmInit(init);
    } catch (err) {
      // Prefer a working single-threaded backend over failing outright.
      fellBack = `; threaded init failed: ${message(err)}`;
    }
  }
  if (tf.getBackend() !== 'wasm') {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setThreadsCount(1);
    await init();
  }
  const running = wasm.getThreadsCount();
  // tfjs runs at most one thread per core, however many are asked for.
  const capped = running >= threads || fellBack !== '' ? '' : simd ? `, one per core (${threads} asked)` : `: threads need SIMD (${threads} asked)`;
  return `${running} thread(s)${capped}, SIMD ${simd ? 'on' : 'off'}${fellBack}`;
}

async function loadCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error('backend "cpu" failed to initialise');
}

const REAL_LOADERS: BackendLoaders = { node: loadNode, wasm: loadWasm, cpu: loadCpu };

/**
 * Why tfjs-node did not load, in a few words. Not installed: the import cannot find the package
 * itself. Installed without its native binary (its install script, which downloads it, did not
 * run): tfjs-node's own error names tfjs_binding.node. Anything else (a missing libtensorflow, a
 * dependency of tfjs-node): the error's first line.
 */
export function nodeUnavailableReason(err: unknown): string {
  const text = message(err);
  if (/tfjs_binding\.node/.test(text)) return `tfjs-node is installed without its native binary (${text})`;
  const code = (err as { code?: unknown } | null)?.code;
  const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /cannot find (module|package)/i.test(text);
  if (notFound && /['"]@tensorflow\/tfjs-node['"]/.test(text)) return 'tfjs-node not installed (optional dependency)';
  return `tfjs-node failed to load (${text})`;
}

/**
 * Selects and initialises a backend. With an explicit preference that cannot
 * load, throws (the CLI prints the message and exits with code 2); without a
 * preference, falls through node -> wasm -> cpu and says why in `reason`.
 */
export async function selectBackend(preference?: BackendPreference, options: SelectOptions = {}): Promise<SelectedBackend> {
  const threads = Math.max(1, Math.floor(options.threads ?? os.cpus().length));
  const load = options.loaders ?? REAL_LOADERS;
  // tfjs's console advice ("install the node backend") is not for netspec's users: the backend
  // line printed by the commands already says which backend runs and why.
  tf.env().set('PROD', true);
  const finish = (name: string, reason: string): SelectedBackend => {
    if (options.fastGradients !== false) installFastGradients(name);
    return { name, reason };
  };

  if (preference === 'node') {
    try {
      await load.node();
    } catch (err) {
      throw new Error(
        `--backend node: cannot load @tensorflow/tfjs-node (${message(err)}). ` +
          'It is an optional dependency with native binaries; install it, or use --backend wasm.',
        { cause: err },
      );
    }
    return finish('tensorflow', 'tfjs-node requested with --backend');
  }
  if (preference === 'wasm') {
    try {
      const note = await load.wasm(threads);
      return finish('wasm', `wasm requested with --backend (${note})`);
    } catch (err) {
      throw new Error(`--backend wasm: cannot initialise the wasm backend (${message(err)})`, { cause: err });
    }
  }
  if (preference === 'cpu') {
    await load.cpu();
    return finish('cpu', 'cpu requested with --backend (pure JavaScript, slow)');
  }

  let why: string;
  try {
    await load.node();
    return finish('tensorflow', 'tfjs-node is installed; using native TensorFlow');
  } catch (err) {
    why = nodeUnavailableReason(err);
  }
  try {
    const note = await load.wasm(threads);
    return finish('wasm', `${why}; using wasm (${note})`);
  } catch (err) {
    await load.cpu();
    return finish('cpu', `${why}; wasm failed (${message(err)}); using cpu (slow)`);
  }
}
