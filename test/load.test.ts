// Stage 1 (load): positions, syntax diagnostics and the defences against hostile YAML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { loadSpecText, MAX_SPEC_BYTES, type LoadResult } from '../src/compile/load.js';
import { loadSpecFile } from '../src/compile/load-file.js';
import { findInvalidUtf8 } from '../src/lib/utf8.js';
import type { SpecDiagnostic } from '../src/types.js';
import { withCpuTime } from './helpers.js';

function loaded(result: LoadResult): Extract<LoadResult, { ok: true }> {
  if (!result.ok) assert.fail(`expected the spec to load, got: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  return result;
}

function failed(result: LoadResult): SpecDiagnostic[] {
  if (result.ok) assert.fail('expected the spec to be rejected');
  assert.ok(result.diagnostics.length > 0);
  for (const d of result.diagnostics) assert.equal(d.stage, 'syntax');
  return result.diagnostics;
}

const scratch = mkdtempSync(join(tmpdir(), 'netspec-load-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const SMALL = `name: tiny
input: [28, 28, 1]
layers:
  - kind: conv2d
    filters: 8
    kernel: [3, 3]
  - kind: flatten
  - {kind: dense, units: 10}
`;

/** Where `needle` occurs on a line (1-based), counted independently of the YAML parser. */
function at(text: string, line: number, needle: string, occurrence = 0): { line: number; col: number } {
  const content = text.split('\n')[line - 1] ?? '';
  let index = -1;
  for (let i = 0; i <= occurrence; i++) index = content.indexOf(needle, index + 1);
  assert.ok(index >= 0, `'${needle}' not on line ${line}`);
  return { line, col: index + 1 };
}

test('locate returns the position of each value', () => {
  const { positions, doc } = loaded(loadSpecText('tiny.yaml', SMALL));
  assert.deepEqual(doc, {
    name: 'tiny',
    input: [28, 28, 1],
    layers: [{ kind: 'conv2d', filters: 8, kernel: [3, 3] }, { kind: 'flatten' }, { kind: 'dense', units: 10 }],
  });
  assert.deepEqual(positions.locate(''), { line: 1, col: 1 });
  assert.deepEqual(positions.locate('/name'), at(SMALL, 1, 'tiny'));
  assert.deepEqual(positions.locate('/input'), at(SMALL, 2, '['));
  assert.deepEqual(positions.locate('/input/1'), at(SMALL, 2, '28', 1));
  assert.deepEqual(positions.locate('/layers'), at(SMALL, 4, '-'));
  assert.deepEqual(positions.locate('/layers/0'), at(SMALL, 4, 'kind'));
  assert.deepEqual(positions.locate('/layers/0/kernel'), at(SMALL, 6, '['));
  assert.deepEqual(positions.locate('/layers/0/kernel/1'), at(SMALL, 6, '3', 1));
  assert.deepEqual(positions.locate('/layers/2'), at(SMALL, 8, '{'));
  assert.deepEqual(positions.locate('/layers/2/units'), at(SMALL, 8, '10'));
});

test('locateKey returns the position of the key; missing paths fall back to the nearest ancestor', () => {
  const { positions } = loaded(loadSpecText('tiny.yaml', SMALL));
  assert.deepEqual(positions.locateKey('/layers/0/kernel'), at(SMALL, 6, 'kernel'));
  assert.deepEqual(positions.locateKey('/layers/2/units'), at(SMALL, 8, 'units'));
  assert.deepEqual(positions.locate('/layers/0/strides'), at(SMALL, 4, 'kind'));
  assert.deepEqual(positions.locateKey('/layers/0/strides'), at(SMALL, 4, 'kind'));
  assert.deepEqual(positions.locate('/layers/9/kernel'), at(SMALL, 4, '-'));
  assert.deepEqual(positions.locate('/nothing/here'), { line: 1, col: 1 });
});

test('an empty value is located at its key', () => {
  const { positions, doc } = loaded(loadSpecText('x.yaml', 'name: x\ninput:\nlayers: []\n'));
  assert.equal((doc as { input: unknown }).input, null);
  assert.deepEqual(positions.locate('/input'), { line: 2, col: 1 });
});

test('keys with / and ~ are escaped as JSON pointer segments', () => {
  const { positions } = loaded(loadSpecText('x.yaml', 'a/b: 1\nc~d: 2\n'));
  assert.deepEqual(positions.locateKey('/a~1b'), { line: 1, col: 1 });
  assert.deepEqual(positions.locate('/c~0d'), { line: 2, col: 6 });
});

test('syntax errors carry line and column', () => {
  const [d] = failed(loadSpecText('x.yaml', 'name: x\nlayers: [1, 2\ninput: 3\n'));
  assert.equal(d?.line, 3);
  assert.equal(d?.col, 1);
  assert.equal(d?.file, 'x.yaml');
  assert.match(d?.message ?? '', /YAML syntax error: flow sequence/);
  assert.doesNotMatch(d?.message ?? '', /at line|\n/);
});

test('duplicate keys are an error at the second key, naming the first line', () => {
  const [d] = failed(loadSpecText('x.yaml', 'name: a\ninput: [1]\nname: b\n'));
  assert.deepEqual([d?.line, d?.col], [3, 1]);
  assert.match(d?.message ?? '', /duplicate key 'name': it was already given on line 1/);
});

test('duplicate keys inside a nested flow mapping are found too', () => {
  const text = 'layers:\n  - {kind: dense, units: 3, units: 4}\n';
  const [d] = failed(loadSpecText('x.yaml', text));
  assert.deepEqual({ line: d?.line, col: d?.col }, at(text, 2, 'units', 1));
  assert.match(d?.message ?? '', /duplicate key 'units'/);
});

test('a second YAML document is refused', () => {
  const [d] = failed(loadSpecText('x.yaml', 'name: a\n---\nname: b\n'));
  assert.equal(d?.line, 2);
  assert.match(d?.message ?? '', /exactly one YAML document/);
});

test('tabs in indentation are refused with a plain message', () => {
  const [d] = failed(loadSpecText('x.yaml', 'layers:\n\t- kind: flatten\n'));
  assert.equal(d?.line, 2);
  assert.match(d?.message ?? '', /tabs are not allowed in YAML indentation/);
});

test('YAML tags beyond plain JSON types are refused', () => {
  const diagnostics = failed(loadSpecText('x.yaml', 'a: !!binary aGVsbG8=\nb: !custom x\nc: !!set {x}\n'));
  assert.deepEqual(
    diagnostics.map((d) => [d.line, d.col]),
    [
      [1, 4],
      [2, 4],
      [3, 4],
    ],
  );
  assert.match(diagnostics[0]?.message ?? '', /the YAML tag '!!binary' is not allowed/);
  assert.match(diagnostics[1]?.message ?? '', /'!custom'/);
});

test('explicit tags for plain types are fine', () => {
  assert.deepEqual(loaded(loadSpecText('x.yaml', 'a: !!str 3\nb: !!int "4"\n')).doc, { a: '3', b: 4 });
});

test('YAML 1.1 directives, infinities and complex keys are refused', () => {
  assert.match(failed(loadSpecText('x.yaml', '%YAML 1.1\n---\nuse_bias: yes\n'))[0]?.message ?? '', /only YAML 1.2/);
  assert.match(failed(loadSpecText('x.yaml', 'rate: .inf\n'))[0]?.message ?? '', /must be finite/);
  assert.match(failed(loadSpecText('x.yaml', '? [a, b]\n: 1\n'))[0]?.message ?? '', /keys must be plain names/);
});

test('aliases expand, with nodes inside located at the anchor', () => {
  const text = 'layers:\n  - &d {kind: dense, units: 3}\n  - *d\n';
  const { doc, positions } = loaded(loadSpecText('x.yaml', text));
  assert.deepEqual(doc, {
    layers: [
      { kind: 'dense', units: 3 },
      { kind: 'dense', units: 3 },
    ],
  });
  assert.deepEqual(positions.locate('/layers/1'), at(text, 3, '*d'));
  assert.deepEqual(positions.locate('/layers/1/units'), at(text, 2, '3'));
});

test('undefined and self-referencing aliases are errors', () => {
  assert.match(failed(loadSpecText('x.yaml', 'a: *nowhere\n'))[0]?.message ?? '', /anchor '&nowhere' that is not defined/);
  assert.match(failed(loadSpecText('x.yaml', 'a: &x [1, *x]\n'))[0]?.message ?? '', /inside the node it refers to/);
});

test('a billion-laughs alias bomb is refused quickly', () => {
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  const names = 'abcdefghij';
  for (let i = 1; i < names.length; i++) {
    const previous = `*${names[i - 1]}`;
    levels.push(`${names[i]}: &${names[i]} [${Array(9).fill(previous).join(',')}]`);
  }
  const { value: diagnostics, cpuMs } = withCpuTime(() => failed(loadSpecText('bomb.yaml', `${levels.join('\n')}\n`)));
  assert.ok(cpuMs < 1000, `expansion must stop early (${cpuMs} ms of CPU time)`);
  assert.match(diagnostics[0]?.message ?? '', /too many alias expansions \(more than 100\)/);
});

test('__proto__ and constructor keys stay plain data and pollute nothing', () => {
  const { doc } = loaded(loadSpecText('x.yaml', '__proto__: {polluted: true}\nconstructor: {prototype: {polluted: true}}\n'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(doc), Object.prototype);
  assert.deepEqual(Object.keys(doc as object), ['__proto__', 'constructor']);
  assert.ok(Object.hasOwn(doc as object, '__proto__'));
  assert.deepEqual(Object.getOwnPropertyDescriptor(doc, '__proto__')?.value, { polluted: true });
});

test('text over 1 MiB is refused before parsing, naming the limit', () => {
  const text = `description: "${'x'.repeat(MAX_SPEC_BYTES)}"\n`;
  const [d] = failed(loadSpecText('big.yaml', text));
  assert.deepEqual([d?.line, d?.col], [1, 1]);
  assert.match(d?.message ?? '', /over the limit of 1048576 bytes \(1 MiB\)/);
});

test('an oversized file is refused without parsing', () => {
  const file = join(scratch, 'big.yaml');
  writeFileSync(file, `# ${'x'.repeat(MAX_SPEC_BYTES)}\n`);
  assert.match(failed(loadSpecFile(file))[0]?.message ?? '', /1 MiB/);
});

test('a missing file or a directory is a diagnostic at 1:1', () => {
  const [missing] = failed(loadSpecFile(join(scratch, 'nope.yaml')));
  assert.deepEqual([missing?.line, missing?.col, missing?.stage], [1, 1, 'syntax']);
  assert.match(missing?.message ?? '', /cannot read the spec file: no such file/);
  assert.match(failed(loadSpecFile(scratch))[0]?.message ?? '', /is a directory/);
});

test('non-UTF-8 bytes are refused, naming the byte offset and position', () => {
  const file = join(scratch, 'latin1.yaml');
  writeFileSync(file, Buffer.concat([Buffer.from('name: x\ndescription: caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
  const [d] = failed(loadSpecFile(file));
  assert.deepEqual([d?.line, d?.col], [2, 17]);
  assert.match(d?.message ?? '', /not valid UTF-8: byte 0xE9 at byte offset 24/);
});

test('findInvalidUtf8 accepts valid text and spots overlongs, surrogates and truncation', () => {
  assert.equal(findInvalidUtf8(Buffer.from('plain, café, 日本, 🎉', 'utf8')), undefined);
  assert.equal(findInvalidUtf8(Uint8Array.from([0x61, 0xc0, 0xaf])), 1); // overlong '/'
  assert.equal(findInvalidUtf8(Uint8Array.from([0xed, 0xa0, 0x80])), 0); // UTF-16 surrogate
  assert.equal(findInvalidUtf8(Uint8Array.from([0x61, 0x62, 0xe2, 0x82])), 2); // cut short
  assert.equal(findInvalidUtf8(Uint8Array.from([0xf5, 0x80, 0x80, 0x80])), 0); // above U+10FFFF
});

test('a UTF-8 file with a byte order mark loads', () => {
  const file = join(scratch, 'bom.yaml');
  writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('name: x\n')]));
  assert.deepEqual(loaded(loadSpecFile(file)).doc, { name: 'x' });
});

test('an empty file loads as null (validation explains what is missing)', () => {
  assert.equal(loaded(loadSpecText('x.yaml', '# nothing yet\n')).doc, null);
});

test('the seed spec loads', () => {
  const { doc } = loaded(loadSpecFile(join(import.meta.dirname, '..', 'specs', 'mnist-cnn.yaml')));
  assert.equal((doc as { name: string }).name, 'mnist-cnn');
});

test('10,000 nested flow lists or mappings give a clear diagnostic, not a RangeError', () => {
  for (const [open, close] of [
    ['[', ']'],
    ['{a: ', '}'],
  ] as const) {
    const text = `name: x\ninput: ${open.repeat(10_000)}1${close.repeat(10_000)}\n`;
    const { value: diagnostics, cpuMs } = withCpuTime(() => failed(loadSpecText('deep.yaml', text)));
    assert.ok(cpuMs < 2000, `deep nesting must be refused quickly (${cpuMs} ms of CPU time)`);
    assert.match(diagnostics[0]?.message ?? '', /nested (more than 32 levels deep|far too deeply)/);
    assert.equal(diagnostics[0]?.line, 2);
  }
});

test('nesting up to the limit loads; one level more is refused at the deepest node', () => {
  const nest = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
  assert.equal(loaded(loadSpecText('x.yaml', `a: ${nest(31)}\n`)).ok, true); // 31 lists + the top mapping = 32
  const [d] = failed(loadSpecText('x.yaml', `a: ${nest(32)}\n`));
  assert.deepEqual([d?.line, d?.col], [1, 35]);
  assert.match(d?.message ?? '', /nested more than 32 levels deep/);
});

test('merge keys (<<) are refused by name, in a layer and at the top level', () => {
  const text = 'base: &b {kind: dense, units: 10}\nlayers:\n  - <<: *b\n    units: 5\n';
  const [d] = failed(loadSpecText('x.yaml', text));
  assert.deepEqual({ line: d?.line, col: d?.col }, at(text, 3, '<<'));
  assert.match(d?.message ?? '', /merge keys \('<<'\) are not supported/);
  // Quoted, '<<' is an ordinary (if odd) key: the schema then calls it unknown.
  assert.ok(loaded(loadSpecText('x.yaml', '"<<": 1\n')));
});

test('an alias bomb built from merge keys is refused as well', () => {
  const lines = ['a: &a {x: 1, y: 2}'];
  for (let i = 1; i < 8; i++)
    lines.push(
      `l${i}: &l${i}\n  <<: [${Array(8)
        .fill(i === 1 ? '*a' : `*l${i - 1}`)
        .join(', ')}]`,
    );
  const { value: diagnostics, cpuMs } = withCpuTime(() => failed(loadSpecText('bomb.yaml', `${lines.join('\n')}\n`)));
  assert.ok(cpuMs < 1000, `${cpuMs} ms of CPU time`);
  assert.ok(diagnostics.some((d) => /merge keys|too many alias expansions/.test(d.message)));
});

test('__proto__, constructor and prototype keys through the whole compile pollute nothing', async () => {
  const { compileSpecText } = await import('../src/compile/index.js');
  const text = [
    'name: x',
    'input: [784]',
    '__proto__: {polluted: 1}',
    'constructor: {prototype: {polluted: 1}}',
    'layers:',
    '  - {kind: dense, units: 10, __proto__: {polluted: 1}, prototype: {polluted: 1}}',
    'training: {optimizer: {name: adam, __proto__: {polluted: 1}}}',
    '',
  ].join('\n');
  const result = compileSpecText('x.yaml', text);
  assert.equal(result.ok, false);
  if (!result.ok) assert.ok(result.diagnostics.some((d) => /unknown key '__proto__'/.test(d.message)));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
});
