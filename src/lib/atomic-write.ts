// Atomic file writes: readers (and crashes) see either the old file or the complete new
// one, never a half-written file. The data goes to a temp file in the same folder (rename is
// only atomic within one file system), is fsynced so it is on disk before the rename makes it
// visible, and the folder is fsynced so the rename itself survives a power loss.
//
// A temp file exists only while its write is in flight. If the process ends meanwhile (an
// error, process.exit, Ctrl-C or SIGTERM), it is removed on the way out; only kill -9 can leave
// one, and the next save into a run folder clears those (model-io.ts).

import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { lstat, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Temp files end in .tmp, which .gitignore already ignores, and start with a dot to stay out of listings. */
export function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  return path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

const inFlight = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Removes every temp file still being written. Synchronous, so it can run in an 'exit' handler. */
export function removeTempFiles(): void {
  for (const file of inFlight) rmSync(file, { force: true });
  inFlight.clear();
}

/**
 * On a signal nobody else handles, the default would end the process at once and leave the
 * temp file behind: remove it, then let the signal take its default course (so the exit
 * status still says which signal ended the process). When another handler is installed (a
 * training run that checkpoints on Ctrl-C), that handler decides, and the write completes.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  removeTempFiles();
  detach();
  process.kill(process.pid, signal);
}

let attached = false;
function attach(): void {
  if (attached) return;
  attached = true;
  process.on('exit', removeTempFiles);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function detach(): void {
  if (!attached) return;
  attached = false;
  process.off('exit', removeTempFiles);
  for (const s of SIGNALS) process.off(s, onSignal);
}

function track(file: string): void {
  inFlight.add(file);
  attach();
}

function untrack(file: string): void {
  inFlight.delete(file);
  if (inFlight.size === 0) detach();
}

async function fsyncDir(dir: string): Promise<void> {
  // Some platforms (Windows) cannot open a folder for fsync; the rename is still atomic there.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}

/** A target that is there but is not a file: replacing it by rename would destroy it. */
export class FileWriteError extends Error {
  override name = 'FileWriteError';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`cannot write ${path}: ${detail}`);
  }
}

/**
 * Refuses a target that exists and is neither a regular file nor a link. The rename would
 * replace it whole: a folder's name, or, for root, a device such as /dev/null.
 */
async function checkReplaceable(target: string): Promise<void> {
  const stats = await lstat(target).catch(() => undefined);
  if (!stats || stats.isFile() || stats.isSymbolicLink()) return;
  const kind = stats.isDirectory() ? 'a folder' : stats.isFIFO() ? 'a named pipe' : stats.isSocket() ? 'a socket' : 'a device';
  throw new FileWriteError(target, `it is ${kind}, not a file; give the path of a file`);
}

/** Writes `data` to `target` atomically. On failure the temp file is removed and `target` is untouched. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await checkReplaceable(target);
  const temp = tempPathFor(target);
  track(temp);
  try {
    // 'wx': never follows a link someone planted at the temp name, never reuses a file.
    const handle = await open(temp, 'wx', 0o666);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  } finally {
    untrack(temp);
  }
  await fsyncDir(path.dirname(target));
}

/** JSON with two-space indentation and a final newline, written atomically. */
export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, JSON.stringify(value, null, 2) + '\n');
}
