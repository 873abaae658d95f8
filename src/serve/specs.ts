// The specs folder as the page sees it: the list of specs, one spec's text, and saving one
// back. Saving applies every check `netspec compile` applies (syntax, schema, shapes, the live
// tfjs model, a name no other spec uses and that can be a file name), then writes the spec and
// its generated files atomically, so `compile --check` still passes after a save. A spec that
// fails a check is not written: the page gets the messages instead.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { compileSpecText } from '../compile/index.js';
import { formatDiagnostic } from '../compile/diagnostics.js';
import { loadSpecFile } from '../compile/load-file.js';
import { MAX_SPEC_BYTES } from '../compile/load.js';
import { outputPath } from '../emit/output-path.js';
import { TARGET_NAMES, TARGETS } from '../emit/targets.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { findInvalidUtf8 } from '../lib/utf8.js';
import type { InferredModel, SpecDiagnostic } from '../types.js';
import { fileInFolder, PathRefused } from './paths.js';

const SPEC_FILE = /\.ya?ml$/;

export interface SpecFolder {
  /** Absolute path of the specs folder. */
  dir: string;
  /** Absolute path of the generated-code folder (`compile --out-dir`). */
  outDir: string;
  /** How the folder is named in messages and in generated code, e.g. 'specs'. */
  display: string;
  /** The live-model check of `compile` (builds the model in tfjs and compares it with inference). */
  liveCheck?: (model: InferredModel) => Promise<SpecDiagnostic[]>;
}

export function listSpecs(folder: SpecFolder): string[] {
  if (!existsSync(folder.dir)) return [];
  return readdirSync(folder.dir, { withFileTypes: true })
    .filter((e) => SPEC_FILE.test(e.name) && !e.name.startsWith('.') && (e.isFile() || e.isSymbolicLink()))
    .map((e) => e.name)
    .filter((name) => {
      try {
        fileInFolder(folder.dir, name, 'spec', true);
        return true;
      } catch {
        return false; // links leading out of the folder are not listed either
      }
    })
    .sort();
}

function specPath(folder: SpecFolder, name: string, mustExist: boolean): string {
  if (!SPEC_FILE.test(name)) throw new PathRefused(`${JSON.stringify(name)} is not a spec file name (.yaml or .yml)`, 403);
  return fileInFolder(folder.dir, name, 'spec', mustExist);
}

/** The text of a spec; one the editor could not hold faithfully (over 1 MiB, not UTF-8) is refused with the reason. */
export function readSpec(folder: SpecFolder, name: string): string {
  const file = specPath(folder, name, true);
  if (statSync(file).size > MAX_SPEC_BYTES)
    throw new PathRefused(`${folder.display}/${name} is over the limit of ${MAX_SPEC_BYTES} bytes (1 MiB) for a spec`, 403);
  const bytes = readFileSync(file);
  const bad = findInvalidUtf8(bytes);
  if (bad !== undefined) throw new PathRefused(`${folder.display}/${name} is not valid UTF-8 (byte offset ${bad}); save it with UTF-8 encoding`, 403);
  return bytes.toString('utf8');
}

export type SaveResult = { saved: true; file: string; wrote: string[] } | { saved: false; diagnostics: string[] };

/** The name of the spec in `file`, when it can be read without errors; used to find name clashes. */
function specName(file: string): string | undefined {
  const loaded = loadSpecFile(file);
  const doc = loaded.ok ? (loaded.doc as { name?: unknown } | null) : null;
  return typeof doc?.name === 'string' ? doc.name : undefined;
}

const refusal = (shown: string, message: string, line = 1, col = 1): SaveResult => ({
  saved: false,
  diagnostics: [formatDiagnostic({ file: shown, line, col, message, path: '', stage: 'syntax' })],
});

/** Checks `bytes` as `compile` would and, when they pass, writes the spec and its generated files. */
export async function saveSpec(folder: SpecFolder, name: string, bytes: Uint8Array): Promise<SaveResult> {
  const file = specPath(folder, name, false);
  const shown = `${folder.display}/${name}`;
  if (bytes.length > MAX_SPEC_BYTES) return refusal(shown, `the spec is ${bytes.length} bytes, over the limit of ${MAX_SPEC_BYTES} bytes (1 MiB)`);
  const bad = findInvalidUtf8(bytes);
  if (bad !== undefined) return refusal(shown, `the spec is not valid UTF-8 (byte offset ${bad})`);
  const text = new TextDecoder().decode(bytes);

  const result = compileSpecText(shown, text);
  if (!result.ok) return { saved: false, diagnostics: result.diagnostics.map(formatDiagnostic) };
  const live = (await folder.liveCheck?.(result.model)) ?? [];
  if (live.length) return { saved: false, diagnostics: live.map(formatDiagnostic) };

  const model = result.model;
  const outputs: Array<{ path: string; code: string }> = [];
  const projectRoot = path.resolve(folder.outDir, '..');
  const source = path.relative(projectRoot, path.join(folder.dir, name)).split(path.sep).join('/');
  for (const target of TARGET_NAMES.map((t) => TARGETS[t])) {
    const where = outputPath(path.join(folder.outDir, target.folder), model.ir.name, target.ext, target.stem(model.ir.name));
    if ('error' in where) return refusal(shown, where.error);
    outputs.push({ path: where.path, code: target.emit(model, source) });
  }
  for (const other of listSpecs(folder)) {
    if (other === name || specName(path.join(folder.dir, other)) !== model.ir.name) continue;
    return refusal(shown, `name '${model.ir.name}' is also used by ${folder.display}/${other}; each spec needs its own name`);
  }

  await writeFileAtomic(file, text);
  const wrote: string[] = [];
  for (const output of outputs) {
    const current = existsSync(output.path) ? readFileSync(output.path, 'utf8') : undefined;
    if (current === output.code) continue;
    mkdirSync(path.dirname(output.path), { recursive: true });
    await writeFileAtomic(output.path, output.code);
    wrote.push(path.relative(projectRoot, output.path).split(path.sep).join('/'));
  }
  return { saved: true, file: shown, wrote };
}
