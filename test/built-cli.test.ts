// The tests run the built command (test/built-cli.ts): it must be built from the sources as they
// are, and the hash that decides a rebuild must see every change that alters the build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_INPUTS_STAMP, buildInputsHash } from '../scripts/build-inputs.js';
import { CLI, ROOT, runCli, runSourceCli, tempDir } from './helpers.js';

test('the command the tests run is bin/netspec.js, built from the sources as they are now', () => {
  assert.equal(CLI, join(ROOT, 'bin', 'netspec.js'));
  assert.equal(readFileSync(join(ROOT, BUILD_INPUTS_STAMP), 'utf8').trim(), buildInputsHash(ROOT));
  const outputs = [runCli, runSourceCli].map((run) => {
    const out = tempDir();
    const r = run(['compile', 'specs/lenet5.yaml', '--no-report', '--out-dir', out]);
    assert.equal(r.status, 0, r.stderr);
    return { ...r, stdout: r.stdout.replaceAll(out, 'OUT'), module: readFileSync(join(out, 'lenet5.ts'), 'utf8') };
  });
  assert.deepEqual(outputs[0], outputs[1]);
});

test('the build hash moves with a source file, a build script or the lock file, and not with the page or the tests', () => {
  const root = tempDir();
  mkdirSync(join(root, 'src', 'web'), { recursive: true });
  mkdirSync(join(root, 'scripts'));
  mkdirSync(join(root, 'test'));
  writeFileSync(join(root, 'src', 'a.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'src', 'web', 'page.ts'), 'export const page = 1;\n');
  writeFileSync(join(root, 'scripts', 'build.ts'), '// build\n');
  writeFileSync(join(root, 'package-lock.json'), '{}\n');
  writeFileSync(join(root, 'test', 'x.test.ts'), '// test\n');
  const before = buildInputsHash(root);
  const changed = (file: string, text: string): boolean => {
    const copy = tempDir();
    cpSync(root, copy, { recursive: true });
    writeFileSync(join(copy, file), text);
    return buildInputsHash(copy) !== before;
  };
  assert.equal(buildInputsHash(root), before, 'the hash of the same files');
  assert.ok(changed('src/a.ts', 'export const a = 2;\n'));
  assert.ok(changed('src/b.wat', '(module)\n'), 'a new file under src/');
  assert.ok(changed('scripts/build.ts', '// build, changed\n'));
  assert.ok(changed('package-lock.json', '{ "lockfileVersion": 3 }\n'));
  assert.ok(!changed('src/web/page.ts', 'export const page = 2;\n'), 'the page is built by build:web, not into the command');
  assert.ok(!changed('test/x.test.ts', '// changed\n'));
});
