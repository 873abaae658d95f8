// The source-code targets `netspec compile --target` can write: each is an emitter plus the
// extension of the file it writes into the output folder.
import type { InferredModel } from '../types.js';
import { emitKeras } from './keras.js';
import { emitTypeScript } from './typescript.js';

export interface EmitTarget {
  /** Extension of generated files, dot included: generated/<name><ext>. */
  ext: string;
  /** What to run to regenerate, for the message `--check` prints when files are stale. */
  regenerate: string;
  emit(model: InferredModel, source: string): string;
}

export const TARGETS = {
  ts: { ext: '.ts', regenerate: 'npm run compile', emit: emitTypeScript },
  keras: { ext: '.py', regenerate: 'npx netspec compile --target keras', emit: emitKeras },
} as const satisfies Record<string, EmitTarget>;

export type TargetName = keyof typeof TARGETS;
export const TARGET_NAMES = Object.keys(TARGETS) as TargetName[];
