// The compiler front end as the page runs it: the same load -> validate -> lower -> infer code
// as the command line, the same summary, diagram and messages. Only the SHA-256 of the spec
// text differs in how it is computed (node:crypto is not in a browser), not in its value.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { loadSpecText } from '../compile/load.js';
import { compileLoaded, type CompileOptions, type CompileResult } from '../compile/pipeline.js';

export { formatDiagnostic } from '../compile/diagnostics.js';
export { renderSummary } from '../emit/summary.js';
export { renderArchitectureSvg } from '../report/architecture.js';
export type { CompileResult } from '../compile/pipeline.js';

const sha256Hex = (text: string): string => bytesToHex(sha256(utf8ToBytes(text)));

export function compileSpecText(file: string, text: string, options: CompileOptions = {}): CompileResult {
  return compileLoaded(file, loadSpecText(file, text), options, sha256Hex);
}
