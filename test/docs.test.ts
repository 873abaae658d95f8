// The README's spec reference is generated from the schema and must be current.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSchema, renderSpecReference, withSpecReference } from '../src/docs/spec-reference.js';
import { specSchemaText } from '../src/compile/spec-schema.js';
import { ROOT } from './helpers.js';

test('schema/model-spec.schema.json is the schema the compiler validates with (run `npm run docs` after changing a layer kind)', () => {
  assert.equal(readFileSync(join(ROOT, 'schema', 'model-spec.schema.json'), 'utf8'), specSchemaText());
});

test('README.md carries the current spec reference (run `npm run docs` after changing a layer kind)', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.equal(readme, withSpecReference(readme));
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
