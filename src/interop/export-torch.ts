// A netspec run as a PyTorch state_dict for the generated module of its spec.
import { pytorchPlan } from '../emit/pytorch.js';
import { loadModelFromDir } from '../train/model-io.js';
import type { InferredModel } from '../types.js';
import { writeStateDict } from './torch-files.js';
import { StateMismatch, torchStateOf } from './torch-state.js';

/** Writes the weights of the model saved in `runDir` to `out`; returns how many tensors. */
export async function exportTorchStateDict(model: InferredModel, runDir: string, out: string, python?: string): Promise<number> {
  const live = await loadModelFromDir(runDir);
  try {
    const tensors = await torchStateOf(pytorchPlan(model), live).catch((error: unknown) => {
      throw error instanceof StateMismatch ? new StateMismatch(`${runDir} does not hold a model of ${model.ir.source.file}: ${error.message}`) : error;
    });
    await writeStateDict(model, tensors, out, python);
    return tensors.length;
  } finally {
    live.dispose();
  }
}
