// The built package validates specs with the validator compiled ahead of time (ajv's standalone
// code, scripts/precompiled-validator.ts) instead of compiling the schema at every start. Both
// must judge every spec alike: the same verdict and the same errors, from which the messages are
// written, for every spec, good fixture and bad fixture in the repository.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import type { ValidateFunction } from 'ajv';
import { loadSpecText } from '../src/compile/load.js';
import { specValidator } from '../src/compile/spec-validator.js';
import { precompiledValidatorModule } from '../scripts/precompiled-validator.js';
import { ROOT, tempDir } from './helpers.js';

const yamlFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(dir, f))
    .sort();

test('the precompiled validator finds exactly what the validator compiled at run time finds', async () => {
  // Inside the project, so that its require of ajv's run-time helpers resolves.
  const file = join(tempDir(true), 'spec-validator.mjs');
  writeFileSync(file, precompiledValidatorModule());
  const precompiled = ((await import(pathToFileURL(file).href)) as { specValidator(): ValidateFunction }).specValidator();
  const compiled = specValidator();

  const files = [...yamlFiles('specs'), ...yamlFiles('test/fixtures')];
  let invalid = 0;
  for (const spec of files) {
    const loaded = loadSpecText(spec, readFileSync(join(ROOT, spec), 'utf8'));
    if (!loaded.ok) continue;
    const verdict = compiled(loaded.doc);
    assert.equal(precompiled(loaded.doc), verdict, spec);
    assert.deepEqual(precompiled.errors ?? null, compiled.errors ?? null, spec);
    if (!verdict) invalid++;
  }
  // The comparison covered specs the schema refuses, not only ones it accepts.
  assert.ok(invalid >= 20, `only ${invalid} of ${files.length} specs were refused by the schema`);
});
