// The front half of the pipeline in one call: load -> validate -> lower -> infer. Pure: it
// reads the spec and nothing else, never touches tfjs, and reports problems as diagnostics.
import { createHash } from 'node:crypto';
import { loadSpecText } from './load.js';
import { loadSpecFile } from './load-file.js';
import { compileLoaded, type CompileOptions, type CompileResult } from './pipeline.js';

export type { CompileOptions, CompileResult } from './pipeline.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export function compileSpecFile(file: string, options: CompileOptions = {}): CompileResult {
  return compileLoaded(file, loadSpecFile(file), options, sha256);
}

export function compileSpecText(file: string, text: string, options: CompileOptions = {}): CompileResult {
  return compileLoaded(file, loadSpecText(file, text), options, sha256);
}
