// Reading files a user named and creating output folders, when the path is not what it claims:
// devices, pipes, sockets, folders, oversized files, files in the way, and special file systems.
// Each case must end promptly with an error that names the path and says what it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ensureDir, removeCreated } from '../src/lib/dirs.js';
import { describeFsError } from '../src/lib/fs-errors.js';
import { FileReadError, readRegularFile, readRegularFileSync } from '../src/lib/safe-read.js';
import { tempDir } from './helpers.js';

const dir = tempDir();
const both = async (path: string, max: number): Promise<[unknown, unknown]> => {
  const outcome = async (read: () => Promise<Buffer> | Buffer): Promise<unknown> => {
    try {
      return await read();
    } catch (error) {
      return error;
    }
  };
  return [await outcome(() => readRegularFileSync(path, max)), await outcome(() => readRegularFile(path, max))];
};

/** Both readers fail with this problem and a message naming the path and matching `detail`. */
async function refuses(path: string, problem: FileReadError['problem'], detail: RegExp, max = 1024): Promise<void> {
  const started = performance.now();
  for (const error of await both(path, max)) {
    assert.ok(error instanceof FileReadError, `${path}: expected a FileReadError, got ${String(error)}`);
    assert.equal(error.problem, problem, error.message);
    assert.equal(error.path, path);
    assert.ok(error.message.startsWith(`${path}: `), error.message);
    assert.match(error.detail, detail);
  }
  assert.ok(performance.now() - started < 2000, `${path} took ${(performance.now() - started).toFixed(0)} ms`);
}

test('a regular file, or a link to one, reads whole', async () => {
  const file = join(dir, 'a.yaml');
  writeFileSync(file, 'name: x\n');
  symlinkSync(file, join(dir, 'link.yaml'));
  for (const path of [file, join(dir, 'link.yaml')]) {
    for (const bytes of await both(path, 1024)) assert.equal((bytes as Buffer).toString(), 'name: x\n');
  }
  // Exactly at the limit is allowed; one byte over is not.
  for (const bytes of await both(file, 8)) assert.equal((bytes as Buffer).length, 8);
  await refuses(file, 'too-large', /is 8 bytes, over the limit of 7 bytes/, 7);
});

test('devices, links to devices and folders are refused before any byte is read', async () => {
  symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
  await refuses('/dev/zero', 'not-a-file', /is a character device, not a regular file; give the path of a regular file/);
  await refuses(join(dir, 'zero.yaml'), 'not-a-file', /character device/);
  await refuses('/dev/urandom', 'not-a-file', /character device/);
  await refuses(dir, 'not-a-file', /is a folder, not a regular file/);
  await refuses(join(dir, 'missing.yaml'), 'missing', /no such file/);
  await refuses(join(dir, 'a.yaml', 'below'), 'unreadable', /not a folder \(ENOTDIR\)/);
});

test('a named pipe with no writer is refused at once instead of blocking', async (t) => {
  const fifo = join(dir, 'pipe.yaml');
  if (spawnSync('mkfifo', [fifo]).status !== 0) return t.skip('mkfifo is not available');
  await refuses(fifo, 'not-a-file', /is a named pipe, not a regular file/);
});

test('a Unix socket is refused', async () => {
  const socket = join(dir, 'sock.yaml');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  try {
    await refuses(socket, 'not-a-file', /socket/);
  } finally {
    server.close();
  }
});

test('the size limit holds for files whose size stat cannot tell (/proc reports 0 bytes)', async () => {
  // /proc/self/maps is a regular file of size 0 that holds several KiB.
  for (const bytes of await both('/proc/self/maps', 10 * 1024 * 1024)) assert.ok((bytes as Buffer).length > 100);
  await refuses('/proc/self/maps', 'too-large', /is larger than 16 bytes, over the limit of 16 bytes/, 16);
});

test('ensureDir makes missing parents, reports what it made, and removeCreated takes them away', () => {
  const target = join(dir, 'out', 'a', 'b');
  const created = ensureDir(target);
  assert.deepEqual(created, [join(dir, 'out'), join(dir, 'out', 'a'), target]);
  assert.deepEqual(ensureDir(target), [], 'nothing to make the second time');
  removeCreated(created);
  assert.equal(existsSync(join(dir, 'out')), false);
  // A folder that gained a file stays, with everything above it.
  const again = ensureDir(target);
  writeFileSync(join(target, 'keep'), '');
  removeCreated(again);
  assert.deepEqual(readdirSync(target), ['keep']);
});

test('ensureDir refuses a file in the way, naming it, and never loops on /proc', () => {
  const file = join(dir, 'plain-file');
  writeFileSync(file, '');
  const cases: [string, RegExp][] = [
    [file, /^cannot create the folder .*plain-file: already exists and is not a folder \(EEXIST\)/],
    [join(file, 'sub', 'deeper'), /^cannot create the folder .*plain-file: a part of the path is not a folder \(ENOTDIR\)/],
    ['/proc/netspec-test', /^cannot create the folder \/proc\/netspec-test: operation not permitted \(EPERM\)/],
    ['/proc/netspec-test/a/b', /^cannot create the folder \/proc\/netspec-test: operation not permitted/],
  ];
  for (const [path, message] of cases) {
    const started = performance.now();
    assert.throws(
      () => ensureDir(path),
      (error: unknown) => {
        assert.match(describeFsError(error) ?? String(error), message);
        return true;
      },
    );
    assert.ok(performance.now() - started < 1000, `${path} took too long`);
  }
});

test('describeFsError words real Node errors, names where a rename was going, and hides temp names', () => {
  const file = join(dir, 'not-a-folder');
  writeFileSync(file, '');
  let error: unknown;
  try {
    mkdirSync(join(file, 'x'));
  } catch (e) {
    error = e;
  }
  assert.match(describeFsError(error)!, /^cannot create the folder .*not-a-folder\/x: a part of the path is not a folder \(ENOTDIR\); choose a path/);
  const rename = Object.assign(new Error('EISDIR'), { code: 'EISDIR', syscall: 'rename', path: 'out/.a.ts.123.0a1b.tmp', dest: 'out/a.ts' });
  assert.equal(describeFsError(rename), 'cannot write out/a.ts: is a folder, not a file (EISDIR); give the path of a file');
  const write = Object.assign(new Error('ENOSPC'), { code: 'ENOSPC', syscall: 'open', path: 'runs/x/.model.json.99.ffee.tmp' });
  assert.match(describeFsError(write)!, /^cannot open runs\/x\/model\.json: no space left on the device \(ENOSPC\)/);
  assert.equal(describeFsError(new Error('plain')), undefined);
  assert.equal(describeFsError(Object.assign(new Error('x'), { code: 'ERR_SOMETHING' })), undefined);
});
