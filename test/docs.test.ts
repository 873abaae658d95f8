// docs/spec-reference.md is generated from the schema and must be current; the README's quick
// start stays exactly three commands, and the README stays a front door.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSchema, renderSpecReference, withSpecReference } from '../src/docs/spec-reference.js';
import { specSchemaText } from '../src/compile/spec-schema.js';
import { ROOT } from './helpers.js';

test('schema/model-spec.schema.json is the schema the compiler validates with (run `npm run docs` after changing a layer kind)', () => {
  assert.equal(readFileSync(join(ROOT, 'schema', 'model-spec.schema.json'), 'utf8'), specSchemaText());
});

test('docs/spec-reference.md is current (run `npm run docs` after changing a layer kind)', () => {
  const page = readFileSync(join(ROOT, 'docs', 'spec-reference.md'), 'utf8');
  assert.equal(page, withSpecReference(page));
});

test('the reference documents every layer kind and every top-level key', () => {
  const reference = renderSpecReference();
  const schema = loadSchema() as { properties: Record<string, unknown>; definitions: { layer: { oneOf: unknown[] } } };
  for (const key of Object.keys(schema.properties)) assert.match(reference, new RegExp(`\\| \`${key}\` \\|`));
  assert.equal((reference.match(/^#### `/gm) ?? []).length, schema.definitions.layer.oneOf.length);
});

test('README quick start is exactly install, train, test', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const quick = readme.split('## Quick start')[1]!.split('```sh\n')[1]!.split('```')[0]!;
  assert.equal(quick, 'npm install\nnpm run train -- specs/mnist-cnn.yaml\nnpm test\n');
});

test('the README is a front door: at most about 15 KB, with the pipeline map in its first half, and every link it makes resolves', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.ok(Buffer.byteLength(readme) <= 16 * 1024, `README.md is ${Buffer.byteLength(readme)} bytes`);
  assert.ok(readme.indexOf('## How it works') < readme.length / 2, 'How it works sits in the first half');
  for (const [, target] of readme.matchAll(/\]\(((?:docs|specs|schema|src)\/[^)#\s]+)/g)) {
    assert.ok(existsSync(join(ROOT, target!)), `README links to ${target}, which does not exist`);
  }
});
