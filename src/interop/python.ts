// Finding a Python that can import torch, and running netspec's Python helpers with it. netspec
// needs torch only here: to read and write .pt files (pickles that only torch reads safely) and
// for the PyTorch peer of `netspec bench`. Everything else runs without Python.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The Debian package that provides torch, named in every message about a missing one. */
export const TORCH_PACKAGE = 'python3-torch';

/** Debian's interpreter first: a pyenv or venv python3 on the PATH often lacks Debian's torch. */
export const DEFAULT_PYTHONS: readonly string[] = ['/usr/bin/python3', 'python3'];

/** Either the interpreter to use (python, version) or why there is none (reason). */
export interface PythonProbe {
  python?: string;
  version?: string;
  reason?: string;
}

/** Last non-empty lines of a child's output: enough to say what went wrong, short enough for one message. */
export function tail(text: string, lines = 2): string {
  return text.trim().split('\n').filter(Boolean).slice(-lines).join(' | ').slice(0, 300);
}

/**
 * The probes: importing torch takes seconds, so a caller whose own script imports it anyway (and
 * says plainly when that fails, as torch_io.py does) only asks where torch is; `version` imports it.
 */
const PROBES = {
  version: 'import torch; print(torch.__version__)',
  locate: 'import importlib.util, sys\nif importlib.util.find_spec("torch") is None: sys.exit("ModuleNotFoundError: No module named \'torch\'")',
} as const;

/** The first of `candidates` that has torch, or why none has; `probe` 'version' imports it and gives its version. */
export function findTorchPython(candidates: readonly string[], probe: keyof typeof PROBES = 'version'): PythonProbe {
  const failures: string[] = [];
  let anyPython = false;
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', PROBES[probe]], { encoding: 'utf8', timeout: 120_000 });
    if (r.status === 0) return { python, ...(probe === 'version' ? { version: r.stdout.trim() } : {}) };
    if (!r.error) anyPython = true;
    const why = r.error ? ((r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : r.error.message) : tail(r.stderr, 1) || `exit code ${r.status}`;
    failures.push(`${python}: ${why}`);
  }
  const advice = anyPython
    ? `install PyTorch for it (on Debian or Ubuntu: apt-get install ${TORCH_PACKAGE})`
    : `install Python and PyTorch (on Debian or Ubuntu: apt-get install ${TORCH_PACKAGE})`;
  return { reason: `no Python here can import torch (${failures.join('; ')}); ${advice}, or name one with --python` };
}

/** The interpreter a command was told to use (--python, else NETSPEC_PYTHON), or the defaults. */
export function pythonCandidates(explicit?: string): readonly string[] {
  const chosen = explicit ?? process.env.NETSPEC_PYTHON;
  return chosen ? [chosen] : DEFAULT_PYTHONS;
}

/** A failure of a Python helper, in plain words (its last line of output says what happened). */
export class PythonError extends Error {
  override name = 'PythonError';
}

/** Runs `script args...`; resolves with stdout, or rejects with the script's own error line. */
export function runPythonScript(python: string, script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => reject(new PythonError(`${python}: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new PythonError(tail(stderr, 1).replace(/^error: /, '') || `${python} stopped (${signal ?? `exit code ${code}`})`));
    });
  });
}

/** netspec's own Python helper for .pt files (src/interop/torch_io.py). */
export const TORCH_IO = fileURLToPath(new URL('./torch_io.py', import.meta.url));
