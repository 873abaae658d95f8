// Property-based fuzzing of the front half of the pipeline: whatever text arrives, compiling it
// either succeeds or returns positioned diagnostics, never throws, and never takes long. Then
// the file system around it: output paths through any chain of folders, files, pipes and links,
// and inputs that are devices, pipes or folders. The seed is fixed so a failure reproduces;
// fast-check prints the shrunk counterexample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { describeFailure } from '../src/cli/errors.js';
import { compileSpecFile, compileSpecText, type CompileResult } from '../src/compile/index.js';
import { readIdxFile } from '../src/data/idx.js';
import { writeFileAtomic } from '../src/lib/atomic-write.js';
import { ensureDir } from '../src/lib/dirs.js';
import { readModelJson } from '../src/train/model-io.js';
import { readRunResults } from '../src/train/run-dir.js';
import { CLI, ROOT, tempDir, withCpuTime } from './helpers.js';

const SEED = 20_261_127;
/**
 * Generous: a case normally takes about a millisecond; this only catches blow-ups. Measured in
 * this process's CPU time, not wall time, so a machine busy with other work cannot trip it.
 */
const MAX_CASE_CPU_MS = 2000;
/** File-system cases are checked for hangs in wall time (a blocked read uses no CPU), generously for a busy machine. */
const MAX_CASE_MS = 10_000;
const SPEC_FILES = readdirSync(join(ROOT, 'specs'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const SPECS = SPEC_FILES.map((f) => readFileSync(join(ROOT, 'specs', f), 'utf8'));

/** How many cases each property ran and how many compiled, for docs/reliability.md. */
const tally = new Map<string, { cases: number; ok: number }>();

/** What the fuzzer tries to write through `__proto__`, `constructor` and `prototype` keys. */
const POLLUTION = { polluted: 'yes', prototype: { polluted: 'yes' } };
const BUILT_INS: object[] = [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype];
const snapshot = (): Map<PropertyKey, PropertyDescriptor>[] =>
  BUILT_INS.map((p) => new Map(Reflect.ownKeys(p).map((k) => [k, Reflect.getOwnPropertyDescriptor(p, k)!])));
const PRISTINE = snapshot();
const same = (a: PropertyDescriptor, b: PropertyDescriptor): boolean => a.value === b.value && a.get === b.get && a.set === b.set;

/**
 * Fails if compiling `text` added or changed a property of a built-in prototype. It first puts
 * the prototypes back, so the cases after it (and fast-check's shrinking) start clean and the
 * smallest polluting input is found quickly.
 */
function assertNoPollution(text: string): void {
  const changed: string[] = [];
  BUILT_INS.forEach((p, i) => {
    const before = PRISTINE[i]!;
    for (const k of Reflect.ownKeys(p)) {
      const original = before.get(k);
      if (original && same(original, Reflect.getOwnPropertyDescriptor(p, k)!)) continue;
      changed.push(`${original ? 'changed' : 'added'} ${String(k)}`);
      Reflect.deleteProperty(p, k);
      if (original) Reflect.defineProperty(p, k, original);
    }
  });
  assert.deepEqual(changed, [], `a built-in prototype was polluted by ${JSON.stringify(text.slice(0, 300))}`);
}

/** Compiles `text` and checks the contract; returns the result for further checks. */
function compileChecked(label: string, text: string): CompileResult {
  let compiled: { value: CompileResult; cpuMs: number };
  try {
    compiled = withCpuTime(() => compileSpecText('fuzz.yaml', text));
  } catch (error) {
    assert.fail(`compileSpecText threw on ${JSON.stringify(text.slice(0, 300))}: ${(error as Error).stack}`);
  }
  const { value: result, cpuMs } = compiled;
  assert.ok(cpuMs < MAX_CASE_CPU_MS, `compiling took ${cpuMs.toFixed(0)} ms of CPU time (limit ${MAX_CASE_CPU_MS})`);
  // No key of any spec may reach a built-in prototype, whatever the key and value.
  assertNoPollution(text);
  const count = tally.get(label) ?? { cases: 0, ok: 0 };
  tally.set(label, { cases: count.cases + 1, ok: count.ok + (result.ok ? 1 : 0) });
  if (result.ok) {
    const { totals, layers } = result.model;
    assert.ok(Number.isSafeInteger(totals.trainable + totals.nonTrainable), 'parameter count must be a safe integer');
    assert.ok(totals.trainable + totals.nonTrainable <= 50_000_000, 'a model over the default budget compiled');
    for (const l of layers)
      assert.ok(
        l.outputShape.every((d) => Number.isSafeInteger(d) && d > 0),
        `bad shape ${l.outputShape}`,
      );
    return result;
  }
  assert.ok(result.diagnostics.length > 0, 'a failed compile must say why');
  for (const d of result.diagnostics) {
    assert.equal(d.file, 'fuzz.yaml');
    assert.ok(Number.isInteger(d.line) && d.line >= 1, `line ${d.line}`);
    assert.ok(Number.isInteger(d.col) && d.col >= 1, `col ${d.col}`);
    assert.equal(typeof d.message, 'string');
    assert.ok(d.message.trim().length > 0, 'empty message');
    assert.ok(!/\n/.test(d.message), `multi-line message: ${d.message}`);
    assert.doesNotMatch(d.message, /\bat .+:\d+:\d+\)|undefined|\[object Object\]|NaN/, `leaky message: ${d.message}`);
  }
  return result;
}

// --- Arbitraries -------------------------------------------------------------------------

/** Fragments that YAML and the spec language give meaning to, so random text hits real paths. */
const YAML_TOKENS = [
  '[',
  ']',
  '{',
  '}',
  ':',
  ': ',
  ', ',
  '- ',
  '\n',
  '\n  ',
  '\n    ',
  '\t',
  ' ',
  '#',
  '&a ',
  '*a',
  '&b ',
  '*b',
  '<<: ',
  '!!binary ',
  '!!str ',
  '!x ',
  '? ',
  '|\n  ',
  '>-\n  ',
  "'",
  '"',
  '\\',
  '---\n',
  '...\n',
  '%YAML 1.1\n',
  '%TAG ! tag:x,2000:\n',
  '@',
  '`',
  'name',
  'input',
  'layers',
  'kind',
  'dense',
  'conv2d',
  'flatten',
  'reshape',
  'units',
  'filters',
  'kernel',
  'training',
  'expect',
  'params',
  'shape',
  'target_shape',
  '-1',
  '0',
  '1',
  '28',
  '784',
  '1e309',
  '.nan',
  '.inf',
  '-.inf',
  '0x1F',
  '1_000',
  'yes',
  'null',
  '~',
  '__proto__',
  'constructor',
  'prototype',
  'polluted',
  'é',
  '日本',
  '\u2028',
  '\u0000',
  '\uFEFF',
  '\r\n',
];
const yamlishText = fc.array(fc.constantFrom(...YAML_TOKENS), { maxLength: 60 }).map((parts) => parts.join(''));

/** Structured but random: any JSON value, or a mapping keyed by real spec keys, written as YAML. */
const specKeys = fc.constantFrom('name', 'input', 'layers', 'expect', 'training', 'description', 'kind', 'units', 'x', '__proto__', 'constructor');
const jsonAsYaml = fc
  .oneof(fc.jsonValue({ maxDepth: 6 }), fc.dictionary(specKeys, fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 }))
  .map((value) => stringify(value));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Mutation =
  | { op: 'number'; at: number; value: number }
  | { op: 'delete'; at: number }
  | { op: 'duplicate-layer'; at: number }
  | { op: 'swap-kind'; at: number; kind: string }
  | { op: 'junk-key'; at: number; key: string; value: Json }
  | { op: 'retype'; at: number; value: Json };

const KINDS = ['conv2d', 'max_pool2d', 'avg_pool2d', 'global_avg_pool2d', 'flatten', 'dense', 'dropout', 'batch_norm', 'reshape', 'lstm', ''];
const nastyInt = fc.oneof(fc.constantFrom(0, -1, 1, 2, 3, 7, 2 ** 31, 2 ** 53, 1e12, -1e12, 1e300), fc.integer({ min: -1000, max: 100_000 }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('number' as const), at: fc.nat(), value: nastyInt }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate-layer' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap-kind' as const), at: fc.nat(), kind: fc.constantFrom(...KINDS) }),
  fc.record({
    op: fc.constant('junk-key' as const),
    at: fc.nat(),
    key: fc.constantFrom('__proto__', 'constructor', 'prototype', 'unit', 'Filters', 'kernel_size', 'x', ''),
    value: fc.oneof(
      fc.constant(POLLUTION).map((p) => structuredClone(p)),
      fc.jsonValue({ maxDepth: 2 }),
    ) as fc.Arbitrary<Json>,
  }),
  fc.record({ op: fc.constant('retype' as const), at: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json> }),
);

/** Every [container, key] pair of a document, in a stable order, so mutations can pick one by index. */
function slots(doc: Json): [Json[] | Record<string, Json>, string | number][] {
  const found: [Json[] | Record<string, Json>, string | number][] = [];
  const walk = (node: Json): void => {
    if (Array.isArray(node)) node.forEach((v, i) => (found.push([node, i]), walk(v)));
    else if (node !== null && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) {
        found.push([node, k]);
        walk(v);
      }
  };
  walk(doc);
  return found;
}

function applyMutation(doc: Json, m: Mutation): void {
  const all = slots(doc);
  const pick = <T>(items: T[]): T | undefined => (items.length ? items[m.at % items.length] : undefined);
  const layers = (doc as { layers?: Json }).layers;
  const layerList = Array.isArray(layers) ? layers : [];
  const set = (container: Json[] | Record<string, Json>, key: string | number, value: Json): void => {
    // defineProperty: a '__proto__' key must stay data, as the loader keeps it.
    Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
  };
  switch (m.op) {
    case 'number': {
      const slot = pick(all.filter(([c, k]) => typeof (c as Record<string, Json>)[k] === 'number'));
      if (slot) set(slot[0], slot[1], m.value);
      break;
    }
    case 'delete': {
      const slot = pick(all);
      if (slot && Array.isArray(slot[0])) slot[0].splice(Number(slot[1]), 1);
      else if (slot) delete (slot[0] as Record<string, Json>)[slot[1]];
      break;
    }
    case 'duplicate-layer': {
      const layer = pick(layerList);
      if (layer !== undefined) layerList.splice(m.at % layerList.length, 0, structuredClone(layer));
      break;
    }
    case 'swap-kind': {
      const layer = pick(layerList.filter((l) => l !== null && typeof l === 'object' && !Array.isArray(l)));
      if (layer) (layer as Record<string, Json>).kind = m.kind;
      break;
    }
    case 'junk-key': {
      const holder = pick(
        [doc, ...all.map(([c, k]) => (c as Record<string, Json>)[k] as Json)].filter(
          (v): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v),
        ),
      );
      if (holder) set(holder, m.key, m.value);
      break;
    }
    case 'retype': {
      const slot = pick(all);
      if (slot) set(slot[0], slot[1], m.value);
      break;
    }
  }
}

const mutatedSpec = fc
  .record({
    spec: fc.nat({ max: SPECS.length - 1 }),
    mutations: fc.array(mutation, { minLength: 1, maxLength: 5 }),
  })
  .map(({ spec, mutations }) => {
    const doc = parse(SPECS[spec]!) as Json;
    for (const m of mutations) applyMutation(doc, m);
    return stringify(doc);
  });

/** Character-level damage to a real spec's text: deletions, insertions and repeats of a slice. */
const damagedSpecText = fc
  .record({
    spec: fc.nat({ max: SPECS.length - 1 }),
    edits: fc.array(fc.record({ at: fc.nat(), length: fc.nat({ max: 20 }), insert: fc.constantFrom(...YAML_TOKENS) }), { minLength: 1, maxLength: 4 }),
  })
  .map(({ spec, edits }) => {
    let text = SPECS[spec]!;
    for (const e of edits) {
      const at = e.at % (text.length + 1);
      text = text.slice(0, at) + e.insert + text.slice(at + e.length);
    }
    return text;
  });

// --- Properties --------------------------------------------------------------------------

test('random YAML-ish text never throws and always yields positioned diagnostics', () => {
  fc.assert(
    fc.property(yamlishText, (text) => void compileChecked('yaml-ish text', text)),
    { seed: SEED, numRuns: 1500 },
  );
});

test('random JSON values written as YAML never throw', () => {
  fc.assert(
    fc.property(jsonAsYaml, (text) => void compileChecked('JSON values as YAML', text)),
    { seed: SEED, numRuns: 800 },
  );
});

test('mutated real specs (numbers, deleted keys, duplicated layers, swapped kinds, junk keys) never throw', () => {
  fc.assert(
    fc.property(mutatedSpec, (text) => void compileChecked('mutated specs', text)),
    { seed: SEED, numRuns: 1500 },
  );
});

test('character-level damage to real specs never throws', () => {
  fc.assert(
    fc.property(damagedSpecText, (text) => void compileChecked('damaged spec text', text)),
    { seed: SEED, numRuns: 1000 },
  );
});

test('the unmutated specs compile (the mutations start from valid input)', () => {
  for (const text of SPECS) assert.equal(compileChecked('unmutated specs', text).ok, true);
});

/** Every file below `dir` with its size and mtime, so any write shows up as a difference. */
function listing(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const s = statSync(full);
        files.set(relative(dir, full), `${s.size}:${s.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return files;
}

test('the CLI compiling mutated specs writes only generated/<name>.ts, generated/keras/ and generated/pytorch/<module>.py, and reports/<name>/', () => {
  // The project sits one level down so that a write escaping it (../x) is seen in the outer listing.
  const outer = tempDir();
  const project = join(outer, 'project');
  mkdirSync(join(project, 'specs'), { recursive: true });
  const samples = fc.sample(mutatedSpec, { seed: SEED, numRuns: 24 });
  // Hostile names next to the mutations: the schema refuses them, and nothing may be written for them.
  const names = ['../escape', '/tmp/abs', 'con', 'a`b', 'x*/y', 'line\nbreak', 'ok-name'];
  samples.forEach((text, i) => writeFileSync(join(project, 'specs', `m${String(i).padStart(2, '0')}.yaml`), text));
  names.forEach((name, i) => {
    const doc = parse(SPECS[0]!) as Record<string, Json>;
    doc.name = name;
    writeFileSync(join(project, 'specs', `n${i}.yaml`), stringify(doc));
  });
  const before = listing(outer);
  const run = spawnSync(process.execPath, [CLI, 'compile', '--quiet'], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
  });
  assert.ok(run.status === 0 || run.status === 1, `exit ${run.status}: ${run.stderr}`);
  assert.doesNotMatch(run.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  const after = listing(outer);
  const changed = [...after].filter(([f, stamp]) => before.get(f) !== stamp).map(([f]) => f);
  const removed = [...before.keys()].filter((f) => !after.has(f));
  assert.deepEqual(removed, []);
  // compile writes the modules and, unless --no-report, an HTML report folder per spec; nothing else.
  for (const f of changed) {
    assert.match(
      f,
      /^project\/(generated\/[a-z][a-z0-9_-]*\.ts|generated\/(?:keras|pytorch)\/[a-z][a-z0-9_]*\.py|reports\/[a-z][a-z0-9_-]*\/[^/]+)$/,
      `unexpected write: ${f}`,
    );
  }
  assert.ok(changed.includes('project/generated/ok-name.ts'), 'the one valid hostile-list name is written');
  for (const bad of ['escape', 'abs', 'con']) assert.ok(!changed.some((f) => f.includes(bad)), `${bad} was written`);
});

// --- Output paths and special files ---------------------------------------------------------
// Paths are fuzzed as structures: a chain of path components, each of which may already exist
// as a folder, a file, a named pipe, a link (to a folder, to /dev/null, to nowhere, to itself),
// or lie under /proc. Whatever the chain, a write either lands as a regular file or fails with
// a plain message, leaves no temp file, changes nothing else, and returns promptly.

const COMPONENTS = ['missing', 'dir', 'file', 'fifo', 'link-dir', 'link-null', 'dangling', 'loop', 'proc'] as const;
type Component = (typeof COMPONENTS)[number];
const canMkfifo = spawnSync('mkfifo', ['--version']).status === 0;

const isFolder = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/**
 * Builds the chain under `root` and returns the path it names: each component is made (when
 * its parent is a folder) as the kind it names, called c0, c1, ...; `name` names the last one.
 */
function buildChain(root: string, chain: readonly Component[], name?: string): string {
  let at = root;
  chain.forEach((kind, i) => {
    if (kind === 'proc') {
      at = '/proc/netspec-fuzz';
      return;
    }
    const next = join(at, i === chain.length - 1 && name ? name : `c${i}`);
    if (isFolder(at) && !at.startsWith('/proc')) {
      if (kind === 'dir') mkdirSync(next);
      else if (kind === 'file') writeFileSync(next, 'x');
      else if (kind === 'fifo' && canMkfifo) spawnSync('mkfifo', [next]);
      else if (kind === 'link-dir') {
        mkdirSync(`${next}.real`);
        symlinkSync(`${next}.real`, next);
      } else if (kind === 'link-null') symlinkSync('/dev/null', next);
      else if (kind === 'dangling') symlinkSync(join(at, 'nowhere'), next);
      else if (kind === 'loop') symlinkSync(next, next);
    }
    at = next;
  });
  return at;
}

/** A path and where links in the chain really lead ('c0.real' for 'c0'), for comparing listings. */
const canonical = (path: string): string => path.replace(/\.real(?=\/|$)/g, '');

/** Every entry below `dir`, links not followed, with what shows a change. */
function lstatListing(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      const s = lstatSync(full);
      found.set(relative(dir, full), `${s.mode}:${s.size}:${s.mtimeMs}`);
      if (s.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return found;
}

/** The failure as the CLI would report it; never an internal error. */
function assertPlain(error: unknown, what: string): string {
  const failure = describeFailure(error);
  assert.equal(failure.exitCode, 1, `${what}: ${failure.message}`);
  assert.doesNotMatch(failure.message, /^internal error|^out of memory/, `${what}: ${(error as Error).stack}`);
  return failure.message;
}

const chainArb = fc.record({
  dirs: fc.array(fc.constantFrom(...COMPONENTS), { minLength: 1, maxLength: 3 }),
  target: fc.constantFrom<Component>('missing', 'missing', 'dir', 'file', 'fifo', 'link-null', 'dangling', 'loop'),
});

test('writing an output through any chain of folders, files, pipes and links succeeds or fails plainly', async () => {
  await fc.assert(
    fc.asyncProperty(chainArb, async ({ dirs, target }) => {
      const root = mkdtempSync(join(tmpdir(), 'netspec-fuzz-out-'));
      try {
        const folder = buildChain(root, dirs);
        const file = buildChain(folder, [target], 'out.ts');
        const before = lstatListing(root);
        const started = performance.now();
        let written = false;
        try {
          ensureDir(dirname(file));
          await writeFileAtomic(file, 'generated\n');
          written = true;
        } catch (error) {
          assertPlain(error, `${dirs.join('/')} -> ${target}`);
        }
        assert.ok(performance.now() - started < MAX_CASE_MS, 'took too long');
        const count = tally.get('output paths') ?? { cases: 0, ok: 0 };
        tally.set('output paths', { cases: count.cases + 1, ok: count.ok + (written ? 1 : 0) });
        if (written) {
          assert.ok(lstatSync(file).isFile(), 'the output is a regular file');
          assert.equal(readFileSync(file, 'utf8'), 'generated\n');
        }
        const after = lstatListing(root);
        assert.deepEqual(
          [...after.keys()].filter((f) => f.endsWith('.tmp')),
          [],
          'no temp file left',
        );
        // Only the chain's own folders and the output may have appeared or changed.
        const chain = new Set<string>();
        for (let p = relative(root, file); p && p !== '.' && !p.startsWith('..'); p = dirname(p)) chain.add(p);
        for (const [f, stamp] of after) if (before.get(f) !== stamp) assert.ok(chain.has(canonical(f)), `changed outside the output: ${f}`);
        for (const f of before.keys()) assert.ok(after.has(f), `removed: ${f}`);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }),
    { seed: SEED, numRuns: 300 },
  );
});

const INPUT_KINDS = ['regular', 'empty', 'oversized', 'dir', 'fifo', 'zero', 'urandom', 'null', 'dangling', 'loop', 'proc-status', 'under-file'] as const;
type InputKind = (typeof INPUT_KINDS)[number];

/** `dir/name` made as this kind (holding `text` when it is a regular file); 'under-file' puts it below a file. */
function makeInput(dir: string, kind: InputKind, text: string, name: string): string {
  const path = join(dir, name);
  if (kind === 'regular') writeFileSync(path, text);
  else if (kind === 'empty') writeFileSync(path, '');
  else if (kind === 'oversized') {
    writeFileSync(path, '');
    truncateSync(path, 5 * 2 ** 30);
  } else if (kind === 'dir') mkdirSync(path);
  else if (kind === 'fifo') spawnSync('mkfifo', [path]);
  else if (kind === 'zero') symlinkSync('/dev/zero', path);
  else if (kind === 'urandom') symlinkSync('/dev/urandom', path);
  else if (kind === 'null') symlinkSync('/dev/null', path);
  else if (kind === 'dangling') symlinkSync(join(dir, 'nowhere'), path);
  else if (kind === 'loop') symlinkSync(path, path);
  else if (kind === 'proc-status') symlinkSync('/proc/self/status', path);
  else return (writeFileSync(join(dir, 'blocker'), 'x'), join(dir, 'blocker', name));
  return path;
}

/** Each reader of a user-named file, with the error class its refusals must have. */
const READERS: Record<string, { plain: string; text: string; read: (dir: string, kind: InputKind, text: string) => Promise<unknown> }> = {
  spec: {
    plain: 'diagnostics',
    text: readFileSync(join(ROOT, 'specs', 'mlp.yaml'), 'utf8'),
    read: async (d, k, t) => compileSpecFile(makeInput(d, k, t, 'spec.yaml')),
  },
  'run record': { plain: 'DataError', text: '{"backend": "cpu"}', read: (d, k, t) => readRunResults(dirname(makeInput(d, k, t, 'results.json'))) },
  'model.json': {
    plain: 'ModelFileError',
    text: '{"modelTopology": {}, "weightsManifest": []}',
    read: (d, k, t) => readModelJson(dirname(makeInput(d, k, t, 'model.json'))),
  },
  'IDX file': {
    plain: 'DataError',
    text: '\u0000\u0000\u0008\u0001\u0000\u0000\u0000\u0001\u0007',
    read: (d, k, t) => readIdxFile(makeInput(d, k, t, 'labels-idx1-ubyte')),
  },
};

test('every reader of a user-named file refuses devices, pipes, folders and oversized files plainly and at once', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...Object.keys(READERS)), fc.constantFrom(...INPUT_KINDS), async (name, kind) => {
      if (kind === 'fifo' && !canMkfifo) return;
      const reader = READERS[name]!;
      const dir = mkdtempSync(join(tmpdir(), 'netspec-fuzz-in-'));
      try {
        const started = performance.now();
        let outcome: unknown;
        try {
          outcome = await reader.read(dir, kind, reader.text);
        } catch (error) {
          outcome = error;
        }
        assert.ok(performance.now() - started < MAX_CASE_MS, `${name} on ${kind} took ${(performance.now() - started).toFixed(0)} ms`);
        const label = `special files: ${name}`;
        const count = tally.get(label) ?? { cases: 0, ok: 0 };
        const accepted = outcome instanceof Error ? false : reader.plain !== 'diagnostics' || (outcome as CompileResult).ok;
        tally.set(label, { cases: count.cases + 1, ok: count.ok + (accepted ? 1 : 0) });
        if (reader.plain === 'diagnostics') {
          const result = outcome as CompileResult;
          assert.ok(result && typeof result === 'object' && 'ok' in result, `compiling threw on ${kind}: ${String(outcome)}`);
          if (!result.ok) for (const d of result.diagnostics) assert.doesNotMatch(d.message, /\n|undefined|\[object/);
          if (kind !== 'regular' && kind !== 'proc-status') assert.equal(result.ok, false, `a ${kind} spec was accepted`);
          return;
        }
        if (outcome instanceof Error) {
          assert.equal(outcome.name, reader.plain, `${name} on ${kind}: ${outcome.stack}`);
          assertPlain(outcome, `${name} on ${kind}`);
        } else {
          assert.ok(['regular', 'proc-status'].includes(kind), `${name} accepted a ${kind}`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
    { seed: SEED, numRuns: 200 },
  );
});

test('the CLI with random output folders writes only into them, or fails plainly', () => {
  const outer = tempDir();
  const spec = join(outer, 'spec.yaml');
  writeFileSync(spec, readFileSync(join(ROOT, 'specs', 'mlp.yaml'), 'utf8'));
  const samples = fc.sample(fc.record({ out: chainArb, report: chainArb }), { seed: SEED, numRuns: 6 });
  samples.forEach(({ out, report }, i) => {
    const root = join(outer, `p${i}`);
    mkdirSync(root);
    const outDir = buildChain(root, out.dirs);
    mkdirSync(join(root, 'r'));
    const reportDir = buildChain(join(root, 'r'), report.dirs);
    const before = lstatListing(outer);
    const run = spawnSync(process.execPath, [CLI, 'compile', spec, '-q', '--out-dir', outDir, '--report-dir', reportDir], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });
    assert.ok(run.status === 0 || run.status === 1, `exit ${run.status}: ${run.stderr}`);
    assert.doesNotMatch(run.stderr, /\n\s+at .+:\d+:\d+|internal error/, 'no stack trace, no internal error');
    if (run.status === 1) assert.match(run.stderr, /^error: cannot |: is a |not a regular file/m);
    const named = [relative(outer, outDir), relative(outer, reportDir)];
    for (const [f, stamp] of lstatListing(outer)) {
      if (before.get(f) === stamp) continue;
      const c = canonical(f);
      assert.ok(
        named.some((n) => c === n || c.startsWith(`${n}/`) || n.startsWith(`${c}/`)),
        `stray write: ${f}`,
      );
    }
  });
});

test('fuzz tallies', () => {
  // Printed for docs/reliability.md; asserted so the properties above really ran.
  for (const [label, { cases, ok }] of tally) {
    const [done, refused] = /^(output|special)/.test(label) ? ['written or read', 'refused plainly'] : ['compiled', 'refused with diagnostics'];
    console.log(`# fuzz ${label}: ${cases} cases, ${ok} ${done}, ${cases - ok} ${refused}`);
  }
  assert.ok((tally.get('mutated specs')?.cases ?? 0) >= 1500);
});
