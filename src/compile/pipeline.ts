// The front half of the pipeline on loaded text: validate -> lower -> infer. It touches no
// file, no tfjs and nothing Node-only, so the browser page runs exactly this code; the caller
// supplies the SHA-256 function (node:crypto in Node, a small pure implementation in the page).
import { inferModel, DEFAULT_LIMITS, type Limits } from './infer.js';
import type { LoadResult } from './load.js';
import { lowerSpec } from './lower.js';
import type { InferredModel, SpecDiagnostic } from '../types.js';
import { validateSpec } from './validate.js';

export type CompileResult = { ok: true; model: InferredModel } | { ok: false; diagnostics: SpecDiagnostic[] };

export interface CompileOptions {
  limits?: Partial<Limits>;
  /** The batch size training will use, when it is not the spec's (train --batch-size): the training memory is for it. */
  batchSize?: number;
}

/** Hex SHA-256 of the spec text as UTF-8. */
export type Sha256Hex = (text: string) => string;

export function compileLoaded(file: string, loaded: LoadResult, options: CompileOptions, sha256: Sha256Hex): CompileResult {
  if (!loaded.ok) return { ok: false, diagnostics: loaded.diagnostics };
  const schemaErrors = validateSpec(loaded.doc, loaded.positions, file);
  if (schemaErrors.length) return { ok: false, diagnostics: schemaErrors };
  const lowered = lowerSpec(loaded.doc as Record<string, unknown>, loaded.positions, file, sha256(loaded.text));
  if (!lowered.ir) return { ok: false, diagnostics: lowered.diagnostics };
  const inferred = inferModel(lowered.ir, loaded.positions, { ...DEFAULT_LIMITS, ...options.limits }, options.batchSize);
  if (!inferred.model) return { ok: false, diagnostics: inferred.diagnostics };
  return { ok: true, model: inferred.model };
}
