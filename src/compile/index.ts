// The front half of the pipeline in one call: load -> validate -> lower -> infer. Pure: it
// reads the spec and nothing else, never touches tfjs, and reports problems as diagnostics.
import { createHash } from 'node:crypto';
import { inferModel, DEFAULT_LIMITS, type Limits } from './infer.js';
import { loadSpecFile, loadSpecText, type LoadResult } from './load.js';
import { lowerSpec } from './lower.js';
import type { InferredModel, SpecDiagnostic } from '../types.js';
import { validateSpec } from './validate.js';

export type CompileResult = { ok: true; model: InferredModel } | { ok: false; diagnostics: SpecDiagnostic[] };

export interface CompileOptions {
  limits?: Partial<Limits>;
  /** The batch size training will use, when it is not the spec's (train --batch-size): the training memory is for it. */
  batchSize?: number;
}

export function compileSpecFile(file: string, options: CompileOptions = {}): CompileResult {
  return compileLoaded(file, loadSpecFile(file), options);
}

export function compileSpecText(file: string, text: string, options: CompileOptions = {}): CompileResult {
  return compileLoaded(file, loadSpecText(file, text), options);
}

function compileLoaded(file: string, loaded: LoadResult, options: CompileOptions): CompileResult {
  if (!loaded.ok) return { ok: false, diagnostics: loaded.diagnostics };
  const schemaErrors = validateSpec(loaded.doc, loaded.positions, file);
  if (schemaErrors.length) return { ok: false, diagnostics: schemaErrors };
  const sha256 = createHash('sha256').update(loaded.text).digest('hex');
  const lowered = lowerSpec(loaded.doc as Record<string, unknown>, loaded.positions, file, sha256);
  if (!lowered.ir) return { ok: false, diagnostics: lowered.diagnostics };
  const inferred = inferModel(lowered.ir, loaded.positions, { ...DEFAULT_LIMITS, ...options.limits }, options.batchSize);
  if (!inferred.model) return { ok: false, diagnostics: inferred.diagnostics };
  return { ok: true, model: inferred.model };
}
