// Reading and writing .pt files through torch_io.py, in a scratch folder that is always removed.
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { emitPytorch } from '../emit/pytorch.js';
import type { InferredModel } from '../types.js';
import { findTorchPython, PythonError, pythonCandidates, runPythonScript, TORCH_IO } from './python.js';
import { readPlainTensors, writePlainTensors, type PlainTensor } from './torch-state.js';

/** PyTorch is needed and missing, or a .pt file could not be read or written: the message says which. */
export class TorchFileError extends Error {
  override name = 'TorchFileError';
}

/** A Python with torch; torch_io.py imports it, and says so plainly when it cannot. */
function torchPython(explicit?: string): string {
  const probe = findTorchPython(pythonCandidates(explicit), 'locate');
  if (!probe.python) throw new TorchFileError(`reading and writing PyTorch files needs PyTorch: ${probe.reason}`);
  return probe.python;
}

async function inScratch<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'netspec-torch-'));
  try {
    return await work(dir);
  } catch (error) {
    throw error instanceof PythonError ? new TorchFileError(error.message) : error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The tensors of a checkpoint or state_dict file, and the record of a netspec-generated checkpoint. */
export async function readCheckpointTensors(file: string, python?: string): Promise<{ tensors: PlainTensor[]; meta: Record<string, unknown> | null }> {
  if (!existsSync(file)) throw new TorchFileError(`${file}: no such file`);
  if (!statSync(file).isFile()) throw new TorchFileError(`${file}: is not a file; give the checkpoint file (checkpoint.pt)`);
  const interpreter = torchPython(python);
  return inScratch(async (dir) => {
    await runPythonScript(interpreter, TORCH_IO, ['read', path.resolve(file), dir]);
    return readPlainTensors(dir);
  });
}

/**
 * Writes `tensors` as the state_dict of the module emitPytorch writes for `model`, loaded into
 * that module first (strictly), so the file is one `model.load_state_dict(torch.load(...))` takes.
 */
export async function writeStateDict(model: InferredModel, tensors: readonly PlainTensor[], out: string, python?: string): Promise<void> {
  const interpreter = torchPython(python);
  await inScratch(async (dir) => {
    const module = path.join(dir, 'model.py');
    await writeFile(module, emitPytorch(model, model.ir.source.file));
    await writePlainTensors(dir, tensors);
    await runPythonScript(interpreter, TORCH_IO, ['write', module, dir, path.resolve(out)]);
  });
}
