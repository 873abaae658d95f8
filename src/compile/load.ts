// Stage 1: spec text -> plain JSON-like data plus an index from JSON-pointer paths to the
// line/column where each node was written, so later stages can point at the exact spot.
//
// The YAML is deliberately held to what JSON can express (text, finite numbers, booleans,
// null, lists, mappings with text keys): a spec is data, so tags, cycles, merge keys and
// YAML 1.1 quirks only add ways to be surprised. Reading the file is load-file.ts's job, so this
// module runs in a browser page as well as in Node.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Alias, Document, Node, YAMLError } from 'yaml';
import { compareDiagnostics } from './diagnostics.js';
import type { SourcePos, SpecDiagnostic } from '../types.js';

/** Specs are small hand-written files; anything larger is a mistake or an attack. */
export const MAX_SPEC_BYTES = 1024 * 1024;
/** Alias dereferences allowed per file (yaml's own default for maxAliasCount is also 100). */
export const MAX_ALIAS_EXPANSIONS = 100;
/**
 * Lists and mappings nested deeper than this are refused. A real spec nests 5 levels
 * (/layers/0/expect/shape/0); the limit keeps later stages (ajv, lowering), which recurse,
 * far from the call-stack limit whatever the file holds.
 */
export const MAX_NESTING_DEPTH = 32;

/** Where nodes of a loaded spec were written. Paths are JSON pointers: '/layers/2/kernel'. */
export interface PositionIndex {
  /** Position of the node's value; for a path that does not exist, its nearest existing ancestor. */
  locate(path: string): SourcePos;
  /** Position of the mapping key that holds the node (for "unknown key"); else like locate. */
  locateKey(path: string): SourcePos;
  /**
   * Where the node was written as this path sees it: inside a copy made with an alias (*name),
   * the alias itself rather than the anchored original, since the copy is what is at fault.
   */
  locateUse(path: string): SourcePos;
}

export type LoadResult = { ok: true; doc: unknown; positions: PositionIndex; text: string } | { ok: false; diagnostics: SpecDiagnostic[] };

const YAML_OPTIONS = {
  prettyErrors: true,
  uniqueKeys: true,
  strict: true,
  stringKeys: true,
  version: '1.2',
  schema: 'core',
  merge: false,
  // Leave !!binary, !!set, !!timestamp, ... unresolved so yaml warns about them.
  resolveKnownTags: false,
} as const;

/** Parses spec text (already decoded) into data and positions, or positioned syntax diagnostics. */
export function loadSpecText(file: string, text: string): LoadResult {
  const size = utf8Length(text);
  if (size > MAX_SPEC_BYTES) return failAtStart(file, tooLargeMessage(size));

  const lineCounter = new LineCounter();
  const document = parseDocument(text, { ...YAML_OPTIONS, lineCounter });
  const at = (offset: number): SourcePos => toSourcePos(lineCounter, offset);
  const problems: SpecDiagnostic[] = [];
  const report = (offset: number, message: string, path = ''): void => {
    problems.push({ file, ...at(offset), message, path, stage: 'syntax' });
  };

  if (document.directives.yaml.version !== '1.2') {
    report(
      Math.max(0, text.indexOf('%YAML')),
      `only YAML 1.2 is supported; remove the %YAML ${document.directives.yaml.version} directive ` + '(YAML 1.1 reads words like yes/no/on/off as booleans)',
    );
  }
  const materializer = new Materializer(document, at, report);
  const doc = materializer.materialize();
  for (const error of [...document.errors, ...document.warnings]) {
    // The materializer reports duplicate keys itself, naming the key and its first occurrence.
    if (error.code === 'DUPLICATE_KEY' && materializer.duplicateKeyOffsets.has(error.pos[0])) continue;
    report(error.pos[0], friendlyYamlMessage(error));
  }

  if (problems.length > 0) return { ok: false, diagnostics: firstPerLine(problems) };
  return { ok: true, doc, positions: new PathPositions(materializer.positions, at(0), materializer.aliasPaths), text };
}

interface NodePositions {
  value: SourcePos;
  key?: SourcePos;
}

class PathPositions implements PositionIndex {
  constructor(
    private readonly byPath: ReadonlyMap<string, NodePositions>,
    private readonly fallback: SourcePos,
    private readonly aliases: ReadonlySet<string>,
  ) {}

  locate(path: string): SourcePos {
    for (let p: string | undefined = path; p !== undefined; p = parentPath(p)) {
      const found = this.byPath.get(p);
      if (found) return found.value;
    }
    return this.fallback;
  }

  locateKey(path: string): SourcePos {
    return this.byPath.get(path)?.key ?? this.locate(path);
  }

  locateUse(path: string): SourcePos {
    let outermost: string | undefined;
    for (let p: string | undefined = path; p !== undefined; p = parentPath(p)) if (this.aliases.has(p)) outermost = p;
    return this.locate(outermost ?? path);
  }
}

/** '/layers/2/kernel' -> '/layers/2'; '' (the root) has no parent. */
function parentPath(path: string): string | undefined {
  if (path === '') return undefined;
  return path.slice(0, path.lastIndexOf('/'));
}

/** Escapes a mapping key for use as a JSON-pointer segment (RFC 6901). */
export function pointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Thrown to stop materializing at once when alias expansion or nesting exceeds its budget. */
class ExpansionLimitReached extends Error {}

/**
 * Turns the YAML syntax tree into plain data, recording each node's position by path.
 * Written by hand rather than using yaml's toJS so that positions, alias expansion and
 * object construction are all under our control:
 *  - keys are defined with Object.defineProperty, so a key named `__proto__` becomes an
 *    ordinary own property (plain assignment would replace the object's prototype);
 *    objects keep Object.prototype so they behave normally in assertions and printing,
 *    and the schema rejects unknown keys before any later stage reads them;
 *  - every alias dereference counts against MAX_ALIAS_EXPANSIONS, so "billion laughs"
 *    files stop after a hundred steps instead of exhausting memory;
 *  - an alias inside the node it refers to is reported instead of recursing forever.
 */
class Materializer {
  readonly positions = new Map<string, NodePositions>();
  readonly duplicateKeyOffsets = new Set<number>();
  /** Paths whose value was written as an alias (*name). */
  readonly aliasPaths = new Set<string>();
  private expansions = 0;
  private readonly ancestors = new Set<Node>();

  constructor(
    private readonly document: Document.Parsed,
    private readonly at: (offset: number) => SourcePos,
    private readonly report: (offset: number, message: string, path?: string) => void,
  ) {}

  materialize(): unknown {
    try {
      return this.value(this.document.contents, '', undefined, true);
    } catch (error) {
      if (error instanceof ExpansionLimitReached) return null;
      throw error;
    }
  }

  private value(node: unknown, path: string, key: SourcePos | undefined, recordSelf: boolean): unknown {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.alias(node, path, key);
    const range = (node as Node).range;
    if (recordSelf && range) {
      // An empty value (`kernel:` with nothing after it) has no text of its own; point at its key.
      const empty = range[0] === range[1];
      this.positions.set(path, { value: empty && key ? key : this.at(range[0]), ...(key ? { key } : {}) });
    }
    if (isScalar(node)) return this.scalar(node.value, range?.[0] ?? 0, path);
    if (isMap(node) || isSeq(node)) {
      if (this.ancestors.size >= MAX_NESTING_DEPTH) {
        this.report(
          range?.[0] ?? 0,
          `lists and mappings are nested more than ${MAX_NESTING_DEPTH} levels deep here; ` +
            'a spec needs only a few levels (layers, then a layer, then its values)',
          path,
        );
        throw new ExpansionLimitReached();
      }
      this.ancestors.add(node);
      try {
        return isMap(node) ? this.mapping(node.items, path) : node.items.map((item, i) => this.value(item, `${path}/${i}`, undefined, true));
      } finally {
        this.ancestors.delete(node);
      }
    }
    this.report(range?.[0] ?? 0, 'this YAML construct is not supported in a spec', path);
    return null;
  }

  private scalar(value: unknown, offset: number, path: string): unknown {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      this.report(offset, 'infinite and not-a-number values (.inf, .nan) are not allowed: numbers in a spec must be finite', path);
      return null;
    }
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value;
    this.report(offset, 'only plain values (text, numbers, true/false, null) are allowed here', path);
    return null;
  }

  private mapping(pairs: readonly { key: unknown; value: unknown }[], path: string): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    const firstLine = new Map<string, number>();
    for (const pair of pairs) {
      const keyNode = pair.key;
      // Non-scalar keys are already a yaml error thanks to stringKeys: true.
      if (!isScalar(keyNode)) continue;
      const key = String(keyNode.value);
      const keyOffset = keyNode.range?.[0] ?? 0;
      const keyPos = this.at(keyOffset);
      const seenOnLine = firstLine.get(key);
      if (seenOnLine !== undefined) {
        if (!this.duplicateKeyOffsets.has(keyOffset)) {
          this.duplicateKeyOffsets.add(keyOffset);
          this.report(
            keyOffset,
            `duplicate key '${key}': it was already given on line ${seenOnLine}; each key may appear only once in a mapping`,
            `${path}/${pointerSegment(key)}`,
          );
        }
        continue;
      }
      if (key === '<<' && keyNode.type === 'PLAIN') {
        // YAML 1.1 merge keys are off (merge: false), so '<<' would otherwise be an odd unknown key.
        this.report(
          keyOffset,
          "merge keys ('<<') are not supported in a spec; write the keys out, or repeat a whole layer with an alias (*name)",
          `${path}/${pointerSegment(key)}`,
        );
        continue;
      }
      firstLine.set(key, keyPos.line);
      const value = this.value(pair.value, `${path}/${pointerSegment(key)}`, keyPos, true);
      Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return object;
  }

  private alias(node: Alias, path: string, key: SourcePos | undefined): unknown {
    const offset = node.range?.[0] ?? 0;
    this.positions.set(path, { value: this.at(offset), ...(key ? { key } : {}) });
    this.aliasPaths.add(path);
    this.expansions += 1;
    if (this.expansions > MAX_ALIAS_EXPANSIONS) {
      this.report(
        offset,
        `too many alias expansions (more than ${MAX_ALIAS_EXPANSIONS}); a spec should not need this many, ` +
          'and deeply nested aliases can blow up into billions of nodes',
        path,
      );
      throw new ExpansionLimitReached();
    }
    const target = node.resolve(this.document);
    if (target === undefined) {
      this.report(offset, `alias '*${node.source}' refers to an anchor '&${node.source}' that is not defined before it`, path);
      return null;
    }
    if (this.ancestors.has(target)) {
      this.report(offset, `alias '*${node.source}' is inside the node it refers to, which would make an endless structure`, path);
      return null;
    }
    // The alias's own position stays recorded; nodes inside point at the anchored source.
    return this.value(target, path, key, false);
  }
}

/** Rewords the yaml library's messages where they mention its API or could be plainer. */
function friendlyYamlMessage(error: YAMLError): string {
  switch (error.code) {
    case 'MULTIPLE_DOCS':
      return 'a spec file must hold exactly one YAML document, but another one starts here; put each spec in its own file';
    case 'TAB_AS_INDENT':
      return 'tabs are not allowed in YAML indentation; indent with spaces';
    case 'TAG_RESOLVE_FAILED': {
      const tag = /Unresolved tag: (\S+)/.exec(error.message)?.[1]?.replace('tag:yaml.org,2002:', '!!') ?? 'here';
      return `the YAML tag '${tag}' is not allowed; a spec holds only plain values (text, numbers, true/false, null), lists and mappings`;
    }
    case 'RESOURCE_EXHAUSTION':
      // yaml catches its own stack overflow on absurdly deep nesting and reports it with this code.
      return (
        'lists and mappings are nested far too deeply here for the YAML parser to read (it ran out of stack); ' +
        `a spec may nest at most ${MAX_NESTING_DEPTH} levels`
      );
    case 'NON_STRING_KEY':
      return 'mapping keys must be plain names, not lists or mappings';
    case 'DUPLICATE_KEY':
      return 'this key appears twice in the same mapping; each key may appear only once';
    default: {
      // prettyErrors appends " at line N, column M:" and a code excerpt; the diagnostic has both.
      const plain = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').trim();
      return `YAML syntax error: ${plain.charAt(0).toLowerCase()}${plain.slice(1)}`;
    }
  }
}

/** One error often cascades into several on the same line; the first is the one to fix. */
function firstPerLine(diagnostics: SpecDiagnostic[]): SpecDiagnostic[] {
  const seenLines = new Set<number>();
  return [...diagnostics].sort(compareDiagnostics).filter((d) => {
    if (seenLines.has(d.line)) return false;
    seenLines.add(d.line);
    return true;
  });
}

function toSourcePos(lineCounter: LineCounter, offset: number): SourcePos {
  const { line, col } = lineCounter.linePos(offset);
  return { line: Math.max(1, line), col: Math.max(1, col) };
}

export function failAtStart(file: string, message: string): LoadResult {
  return { ok: false, diagnostics: [{ file, line: 1, col: 1, message, path: '', stage: 'syntax' }] };
}

export function tooLargeMessage(bytes: number | string): string {
  if (typeof bytes === 'string') {
    // The reader's own words when the size was not known in advance ("is larger than 1.0 MiB, ...").
    return `the spec file ${bytes.replace(/; is it the right file\?$/, '')}; specs are meant to be small hand-written files`;
  }
  const mib = (bytes / (1024 * 1024)).toFixed(1);
  return `the spec file is ${bytes} bytes (${mib} MiB), over the limit of ${MAX_SPEC_BYTES} bytes (1 MiB); ` + 'specs are meant to be small hand-written files';
}

/** Bytes the text takes as UTF-8, without allocating them (lone surrogates count as U+FFFD's 3). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
