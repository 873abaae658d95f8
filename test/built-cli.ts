// The command the tests run: bin/netspec.js on dist/, as users run it, built from the current
// sources. When the sources changed since the last build (the hash scripts/build.ts records,
// scripts/build-inputs.ts), the first test file to ask rebuilds dist/ while the others wait
// for it, so a test never runs code older than src/. Starting from dist/ rather than from the
// TypeScript sources (scripts/netspec-source.js, through tsx) saves over a second per start.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_INPUTS_STAMP, buildInputsHash } from '../scripts/build-inputs.js';

/** A build that holds the lock longer than this has died; the lock is taken over. */
const STALE_LOCK_MS = 10 * 60_000;

function stampIs(root: string, hash: string): boolean {
  try {
    statSync(join(root, 'dist', 'cli', 'main.js'));
    return readFileSync(join(root, BUILD_INPUTS_STAMP), 'utf8').trim() === hash;
  } catch {
    return false;
  }
}

const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Holds a lock folder (mkdir is atomic) while `f` runs; waits while another process holds it. */
function withLock<T>(lock: string, f: () => T): T {
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmdirSync(lock);
      } catch {
        // Released meanwhile: try again.
      }
      sleep(200);
    }
  }
  try {
    return f();
  } finally {
    rmdirSync(lock);
  }
}

/** bin/netspec.js, with dist/ rebuilt first when it is not built from the sources as they are now. */
export function builtCli(root: string): string {
  const hash = buildInputsHash(root);
  if (!stampIs(root, hash)) {
    mkdirSync(join(root, '.cache'), { recursive: true });
    withLock(join(root, '.cache', 'dist-build.lock'), () => {
      if (stampIs(root, buildInputsHash(root))) return;
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'build.ts')], { cwd: root, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`npm run build failed, so the tests cannot run the command:\n${r.stdout}${r.stderr}`);
    });
  }
  return join(root, 'bin', 'netspec.js');
}
