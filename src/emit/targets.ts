// The source-code targets `netspec compile` writes: each is an emitter plus where its file goes
// under the output folder. `compile` writes them all, `compile --check` checks them all, and
// `--target` narrows either to one.
import type { InferredModel } from '../types.js';
import { emitKeras } from './keras.js';
import { pythonModuleName } from './python-names.js';
import { emitPytorch } from './pytorch.js';
import { TARGET_FILES, type TargetName } from './target-names.js';
import { emitTypeScript } from './typescript.js';

export { pythonModuleName };
export { TARGET_NAMES, type TargetName } from './target-names.js';

export interface EmitTarget {
  /** Folder under the output folder ('' for the output folder itself). */
  folder: string;
  /** Extension of its files, dot included. */
  ext: string;
  /** The file's name without extension: the spec's name, or a Python module name made from it. */
  stem(name: string): string;
  /** What the file is, for --help. */
  describe: string;
  emit(model: InferredModel, source: string): string;
}

export const TARGETS = {
  ts: { folder: '', ext: '.ts', stem: (name: string) => name, describe: TARGET_FILES.ts, emit: emitTypeScript },
  keras: { folder: 'keras', ext: '.py', stem: pythonModuleName, describe: TARGET_FILES.keras, emit: emitKeras },
  pytorch: { folder: 'pytorch', ext: '.py', stem: pythonModuleName, describe: TARGET_FILES.pytorch, emit: emitPytorch },
} as const satisfies Record<TargetName, EmitTarget>;
