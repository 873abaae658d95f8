// compile --watch: errors appear as soon as a spec is saved broken, and the fix recompiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT, tempDir } from './helpers.js';

test('compile --watch reports a broken save at its line, then recompiles the fix', async () => {
  const dir = tempDir();
  cpSync(join(ROOT, 'specs'), join(dir, 'specs'), { recursive: true });
  mkdirSync(join(dir, 'generated'));
  const child = spawn(process.execPath, [CLI, 'compile', '--watch', '-q', '--no-report'], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const waitFor = async (check: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    await waitFor(() => (stdout.match(/watching for changes/g) ?? []).length === 1, 'the first compile');
    assert.match(stdout, /wrote generated[/\\]mlp\.ts/);

    const spec = join(dir, 'specs', 'mlp.yaml');
    const original = readFileSync(spec, 'utf8');
    writeFileSync(spec, original.replace('units: 128', 'units: -128'));
    await waitFor(() => /mlp\.yaml:\d+:\d+: units must be/.test(stderr), 'the error of the broken save');

    writeFileSync(spec, original.replace('rate: 0.2', 'rate: 0.3'));
    await waitFor(() => (stdout.match(/wrote generated[/\\]mlp\.ts/g) ?? []).length === 2, 'the recompile of the fix');
    assert.match(readFileSync(join(dir, 'generated', 'mlp.ts'), 'utf8'), /rate: 0\.3/);
  } finally {
    child.kill('SIGINT');
  }
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  assert.equal(code, 0);
});

test('SIGTERM ends compile --watch with exit 143', async () => {
  const dir = tempDir();
  cpSync(join(ROOT, 'specs', 'mlp.yaml'), join(dir, 'mlp.yaml'));
  const child = spawn(process.execPath, [CLI, 'compile', 'mlp.yaml', '--watch', '-q', '--no-report'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  // Sent the moment "watching" appears: the handler must already be listening.
  child.stdout.on('data', (d) => {
    stdout += d;
    if (/watching for changes/.test(stdout)) child.kill('SIGTERM');
  });
  const [code, signal] = await new Promise<[number | null, string | null]>((done) => child.on('exit', (c, s) => done([c, s])));
  assert.deepEqual([code, signal], [143, null], 'ended by its handler, not killed by the signal');
});
