// The TypeScript emitter: generated modules type-check under strict settings, build the same
// model as the live builder (same layers, shapes, counts and, given a seed, the same weights),
// are deterministic, and no spec string can turn into code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { buildModel, liveFacts } from '../src/emit/live.js';
import { emitTypeScript } from '../src/emit/typescript.js';
import { compileValid, compileValidText, ROOT, tempDir } from './helpers.js';

tf.env().set('PROD', true);
await tf.setBackend('cpu');

const specs = readdirSync(join(ROOT, 'specs'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

function typecheck(files: string[]): { status: number | null; output: string } {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(
    process.execPath,
    [
      tsc,
      '--noEmit',
      '--strict',
      '--noUncheckedIndexedAccess',
      '--noUnusedLocals',
      '--noUnusedParameters',
      '--exactOptionalPropertyTypes',
      '--target',
      'ES2022',
      '--module',
      'NodeNext',
      '--moduleResolution',
      'NodeNext',
      '--skipLibCheck',
      '--types',
      'node',
      ...files,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return { status: r.status, output: r.stdout + r.stderr };
}

test('every spec in specs/ has its generated module, byte for byte', () => {
  assert.ok(specs.length >= 3);
  for (const spec of specs) {
    const model = compileValid(join(ROOT, 'specs', spec));
    const expected = emitTypeScript(model, `specs/${spec}`);
    assert.equal(readFileSync(join(ROOT, 'generated', `${model.ir.name}.ts`), 'utf8'), expected, `generated/${model.ir.name}.ts`);
  }
});

test('generated modules type-check under strict settings', () => {
  const files = specs.map((s) => join(ROOT, 'generated', `${basename(s, '.yaml')}.ts`));
  const result = typecheck(files);
  assert.equal(result.status, 0, result.output);
});

test('each generated module builds the live model: same layers, shapes, counts and seeded weights', async () => {
  for (const spec of specs) {
    const model = compileValid(join(ROOT, 'specs', spec));
    const mod = await import(pathToFileURL(join(ROOT, 'generated', `${model.ir.name}.ts`)).href);
    const generated: tf.LayersModel = mod.default({ seed: 7 });
    const live = buildModel(model, { seed: 7 });
    assert.deepEqual(liveFacts(generated), liveFacts(live), spec);
    assert.deepEqual(
      generated.layers.map((l) => l.getClassName()).filter((c) => c !== 'InputLayer'),
      model.layers.map((l) => l.typeName),
    );
    const a = generated.getWeights();
    const b = live.getWeights();
    assert.equal(a.length, b.length);
    a.forEach((w, i) => assert.deepEqual(Array.from(w.dataSync()), Array.from(b[i]!.dataSync()), `${spec} weight ${i}`));
    assert.equal(mod.metadata.totalParams, model.totals.trainable + model.totals.nonTrainable);
    assert.equal(mod.metadata.totalParams, generated.countParams());
    generated.dispose();
    live.dispose();
  }
});

/** The emit-all child's output: every file compile derives from specs/, as file name -> text. */
function emitAllIn(env: NodeJS.ProcessEnv, cwd: string): Record<string, string> {
  const script = join(ROOT, 'test', 'fixtures', 'scripts', 'emit-all.ts');
  // tsx by its own URL: the second process runs in a folder outside the project.
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), script, join(ROOT, 'specs')], {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, string>;
}

test('emitting is deterministic across processes whose environment differs in order, locale, time zone and folder', () => {
  // Node keeps the order in which variables arrive; the second process gets them reversed.
  const base = Object.entries(process.env).filter(([k]) => !/^(LANG|LANGUAGE|LC_.*|TZ)$/.test(k));
  const first = emitAllIn(Object.fromEntries([...base, ['TZ', 'UTC'], ['LANG', 'en_US.UTF-8']]), ROOT);
  const second = emitAllIn(
    Object.fromEntries([['LC_ALL', 'de_DE.UTF-8'], ['LANG', 'de_DE.UTF-8'], ['TZ', 'Pacific/Kiritimati'], ...base.reverse()]),
    tempDir(),
  );
  assert.ok(Object.keys(first).length >= specs.length * 4, `files: ${Object.keys(first)}`);
  assert.deepEqual(Object.keys(second), Object.keys(first));
  for (const [file, text] of Object.entries(first)) assert.equal(second[file], text, file);
  // The committed module is the same text, so neither process was special.
  for (const spec of specs) assert.equal(first[`${spec} ts.ts`], readFileSync(join(ROOT, 'generated', `${basename(spec, '.yaml')}.ts`), 'utf8'));
});

test('hostile strings in a spec come out as inert string literals that still compile', async () => {
  const hostile = [
    '"); globalThis.pwned = 1; ("',
    "'; globalThis.pwned = 1; '",
    '*/ globalThis.pwned = 1; /*',
    '`${globalThis.pwned = 1}`',
    'line one\nglobalThis.pwned = 1;\r\n// ',
    '{{{addCalls}}} {{#each layers}}x{{/each}}',
    '\u2028globalThis.pwned = 1;\u2029',
    'ünïcødé 数字 🎉 \\u0022',
  ];
  const dir = tempDir(true);
  const description = hostile.join(' | ');
  const text = [
    'name: hostile',
    `description: ${JSON.stringify(description)}`,
    'input: [4]',
    'layers:',
    '  - kind: dense',
    '    units: 2',
    `    description: ${JSON.stringify(hostile[0])}`,
  ].join('\n');
  const model = compileValidText(join(dir, 'hostile.yaml'), text);
  const out = join(dir, 'hostile.ts');
  writeFileSync(out, emitTypeScript(model, '*/ "evil\npath`${x}`.yaml'));
  const result = typecheck([out]);
  assert.equal(result.status, 0, result.output);
  const mod = await import(pathToFileURL(out).href);
  assert.equal((globalThis as Record<string, unknown>).pwned, undefined);
  assert.equal(mod.metadata.description, description);
  assert.equal(mod.metadata.source, '*/ "evil\npath`${x}`.yaml');
  const built: tf.Sequential = mod.default();
  assert.equal((globalThis as Record<string, unknown>).pwned, undefined);
  assert.equal(built.countParams(), 10);
});
