// `netspec init`: every template is a spec that compiles cleanly, whatever (valid) name it is
// given; the command refuses names that cannot be file names and never overwrites silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { starterSpec } from '../src/cli/init-command.js';
import { TEMPLATE_NAMES } from '../src/cli/init-templates.js';
import { compileSpecText } from '../src/compile/index.js';
import { runCli, tempDir } from './helpers.js';

const PARAMS = { mlp: 101770, cnn: 34826, lenet: 61706, 'image-folder': 16618, csv: 2410, idx: 34826 };

test('each template compiles with zero diagnostics, under its own name, with the editor schema line first', () => {
  assert.deepEqual([...TEMPLATE_NAMES].sort(), Object.keys(PARAMS).sort());
  // `null` and `true` are slugs that YAML would read as other types unless quoted.
  for (const name of ['my-net', 'digits_2', 'null', 'true']) {
    for (const template of TEMPLATE_NAMES) {
      const text = starterSpec(name, template);
      assert.equal(text.split('\n')[0], '# yaml-language-server: $schema=../schema/model-spec.schema.json');
      const result = compileSpecText(`specs/${name}.yaml`, text);
      assert.ok(result.ok, `${template}/${name}: ${JSON.stringify(!result.ok && result.diagnostics)}`);
      assert.equal(result.model.ir.name, name);
      assert.equal(result.model.totals.trainable + result.model.totals.nonTrainable, PARAMS[template]);
      assert.deepEqual(result.model.outputShape, [10]);
      assert.ok(result.model.ir.training, 'the starter has a training section');
    }
  }
});

test('netspec init writes a spec that netspec compile accepts, and says what to do next', () => {
  const dir = tempDir();
  const specs = join(dir, 'specs');
  const r = runCli(['init', 'my-cnn', '--template', 'cnn', '--specs-dir', specs]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote .*my-cnn\.yaml/);
  assert.match(r.stdout, /netspec train .*my-cnn\.yaml/);
  assert.equal(readFileSync(join(specs, 'my-cnn.yaml'), 'utf8'), starterSpec('my-cnn', 'cnn'));
  // Run from the temporary folder, so nothing compile writes beside generated/ lands in the project.
  const compiled = runCli(['compile', '-q', join(specs, 'my-cnn.yaml'), '--out-dir', join(dir, 'generated')], dir);
  assert.equal(compiled.status, 0, compiled.stderr);
  assert.ok(existsSync(join(dir, 'generated', 'my-cnn.ts')));
});

test('netspec init refuses bad names (exit 2) and existing files unless --force (exit 1)', () => {
  const dir = tempDir();
  const specs = join(dir, 'specs');
  for (const bad of ['My-Net', '../escape', 'a--b', 'con', '1net', 'x'.repeat(65), 'a/b']) {
    const r = runCli(['init', bad, '--specs-dir', specs]);
    assert.equal(r.status, 2, bad);
    assert.match(r.stderr, /error: name/, bad);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.equal(runCli(['init', 'ok', '--template', 'resnet', '--specs-dir', specs]).status, 2);
  assert.ok(!existsSync(join(dir, 'escape.yaml')));

  const file = join(specs, 'mine.yaml');
  assert.equal(runCli(['init', 'mine', '--template', 'mlp', '--specs-dir', specs]).status, 0);
  writeFileSync(file, '# my own work\n');
  const refused = runCli(['init', 'mine', '--template', 'lenet', '--specs-dir', specs]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /already exists.*--force/);
  assert.equal(readFileSync(file, 'utf8'), '# my own work\n', 'left untouched');
  assert.equal(runCli(['init', 'mine', '--template', 'lenet', '--force', '--specs-dir', specs]).status, 0);
  assert.equal(readFileSync(file, 'utf8'), starterSpec('mine', 'lenet'));
});
