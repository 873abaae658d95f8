// Hints that name another command (reload with, continue with, run compile) can be pasted as
// printed: npm's spelling only when an npm script of the project started netspec, npx when
// netspec runs from a project's node_modules, and arguments quoted for a POSIX shell.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { commandHint } from '../src/cli/command-hint.js';
import { ROOT, tempDir } from './helpers.js';

/** commandHint under the given npm variables and script path (and folder), restoring them afterwards. */
function hintUnder(env: Record<string, string | undefined>, script: string, ...args: Parameters<typeof commandHint>): string {
  return hintIn(process.cwd(), env, script, ...args);
}

function hintIn(cwd: string, env: Record<string, string | undefined>, script: string, ...args: Parameters<typeof commandHint>): string {
  const saved = { ...process.env };
  const savedArgv = process.argv[1];
  const savedCwd = process.cwd();
  try {
    for (const name of ['npm_package_json', 'npm_lifecycle_event', 'npm_lifecycle_script']) delete process.env[name];
    Object.assign(process.env, env);
    process.argv[1] = script;
    process.chdir(cwd);
    return commandHint(...args);
  } finally {
    process.chdir(savedCwd);
    process.env = saved;
    process.argv[1] = savedArgv!;
  }
}

test('a hint is spelled the way netspec was started', () => {
  const project = tempDir();
  const manifest = join(project, 'package.json');
  writeFileSync(manifest, JSON.stringify({ scripts: { train: 'netspec train', evaluate: 'netspec evaluate' } }));
  const byScript = { npm_package_json: manifest, npm_lifecycle_event: 'train', npm_lifecycle_script: 'netspec train' };

  assert.equal(hintUnder(byScript, '/p/node_modules/.bin/netspec', 'evaluate', 'runs/a'), 'npm run evaluate -- runs/a');
  // No such script in the project: npx from a local install, the bare name otherwise.
  assert.equal(hintUnder(byScript, '/p/node_modules/.bin/netspec', 'compile'), 'npx netspec compile');
  assert.equal(hintUnder({}, '/usr/lib/node_modules/netspec/bin/netspec.js', 'train', '--resume', 'r'), 'npx netspec train --resume r');
  assert.equal(hintUnder({}, '/usr/local/bin/netspec', 'train', '--resume', 'r'), 'netspec train --resume r');
  // A script that already names a spec would not take --resume or another spec: not used.
  writeFileSync(manifest, JSON.stringify({ scripts: { train: 'netspec train specs/m.yaml', evaluate: 'netspec evaluate' } }));
  assert.equal(hintUnder(byScript, '/p/node_modules/.bin/netspec', 'train', '--resume', 'r'), 'npx netspec train --resume r');
  // netspec's source launcher in its own folder: its npm scripts; from anywhere else, the bare name.
  const launcher = join(ROOT, 'scripts', 'netspec-source.js');
  assert.equal(hintIn(ROOT, {}, launcher, 'evaluate', 'runs/a'), 'npm run evaluate -- runs/a');
  assert.equal(hintIn(project, {}, launcher, 'evaluate', 'runs/a'), 'netspec evaluate runs/a');
  // A script that started something else (a test runner, say) says nothing about netspec's scripts.
  assert.equal(hintUnder({ ...byScript, npm_lifecycle_script: 'node --test' }, '/x/netspec.js', 'evaluate', 'r'), 'netspec evaluate r');
  // Arguments a shell would split or expand are quoted so that they come back unchanged.
  const odd = "runs/it's here $HOME";
  const hint = hintUnder({}, '/x/netspec.js', 'evaluate', odd);
  const echoed = spawnSync('sh', ['-c', `printf %s ${hint.slice('netspec evaluate '.length)}`], { encoding: 'utf8' });
  assert.equal(echoed.stdout, odd);
});
