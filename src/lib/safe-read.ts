// Reading a file a user named, without trusting it to be a file. A spec, a run's JSON or a
// dataset path can point at /dev/zero (endless), /dev/urandom, a named pipe (blocks until a
// writer appears), a socket or a folder; the size from stat is no guard, since devices and
// many /proc files report 0 bytes. So the path is opened without blocking, the open
// descriptor is checked with fstat (no window between check and read), and at most `maxBytes`
// plus one byte is read whatever the size claims.

import { constants, closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { fsReason, isSystemError } from './fs-errors.js';

export type FileReadProblem = 'missing' | 'not-a-file' | 'too-large' | 'unreadable';

/** A file that could not be read; `detail` says why in plain words, `message` adds the path. */
export class FileReadError extends Error {
  override name = 'FileReadError';
  constructor(
    readonly path: string,
    readonly problem: FileReadProblem,
    readonly detail: string,
    /** For 'too-large': the size the file reported, when it reported one. */
    readonly size?: number,
  ) {
    super(`${path}: ${detail}`);
  }
}

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever. It does
// not change how regular files read. O_NOCTTY: a terminal device must not become ours.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

function kindOf(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function notAFile(path: string, kind: string): FileReadError {
  const what = kind === 'not a regular file' ? kind : `is ${kind}, not a regular file`;
  return new FileReadError(path, 'not-a-file', `${what}; give the path of a regular file`);
}

function tooLarge(path: string, size: number | undefined, maxBytes: number): FileReadError {
  const is = size === undefined ? `is larger than ${formatBytes(maxBytes)}` : `is ${formatBytes(size)}`;
  return new FileReadError(path, 'too-large', `${is}, over the limit of ${formatBytes(maxBytes)} for this file; is it the right file?`, size);
}

function fromOpenError(path: string, error: unknown): FileReadError {
  if (!isSystemError(error)) return new FileReadError(path, 'unreadable', `cannot be read (${String(error)})`);
  // A Unix socket refuses open() itself.
  if (error.code === 'ENXIO') return notAFile(path, 'a socket or a device that is not there');
  if (error.code === 'ENOENT') return new FileReadError(path, 'missing', 'no such file');
  const reason = fsReason(error.code);
  return new FileReadError(path, 'unreadable', reason ? `cannot be read: ${reason[0]} (${error.code})` : `cannot be read (${error.message})`);
}

/** Joins the chunks read so far into one buffer of exactly `length` bytes. */
function joined(chunks: Buffer[], length: number): Buffer {
  return chunks.length === 1 && chunks[0]!.length === length ? chunks[0]! : Buffer.concat(chunks, length);
}

/** The size of the next read: what stat claims is left (plus one, to see the end), within bounds. */
function chunkSize(claimed: number, done: number, maxBytes: number): number {
  const remaining = maxBytes + 1 - done;
  const hint = claimed > done ? claimed - done + 1 : 64 * 1024;
  return Math.max(1, Math.min(remaining, hint, 64 * 1024 * 1024));
}

/**
 * The bytes of a regular file (a symbolic link to one is fine), at most `maxBytes` of them.
 * Throws FileReadError for anything else: a missing path, a folder, a device, a pipe, a
 * socket, a file over the limit, or one that cannot be read.
 */
export function readRegularFileSync(path: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw fromOpenError(path, error);
  }
  try {
    const stats = fstatSync(fd);
    const kind = kindOf(stats);
    if (kind) throw notAFile(path, kind);
    if (stats.size > maxBytes) throw tooLarge(path, stats.size, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(chunkSize(stats.size, total, maxBytes));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw tooLarge(path, undefined, maxBytes);
    }
    return joined(chunks, total);
  } catch (error) {
    throw error instanceof FileReadError ? error : fromOpenError(path, error);
  } finally {
    closeSync(fd);
  }
}

/** The same as readRegularFileSync, without blocking the event loop. */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    throw fromOpenError(path, error);
  }
  try {
    const stats = await handle.stat();
    const kind = kindOf(stats);
    if (kind) throw notAFile(path, kind);
    if (stats.size > maxBytes) throw tooLarge(path, stats.size, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(chunkSize(stats.size, total, maxBytes));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(path, undefined, maxBytes);
    }
    return joined(chunks, total);
  } catch (error) {
    throw error instanceof FileReadError ? error : fromOpenError(path, error);
  } finally {
    await handle.close();
  }
}

/** UTF-8 text of a regular file (see readRegularFile). */
export async function readRegularText(path: string, maxBytes: number): Promise<string> {
  return (await readRegularFile(path, maxBytes)).toString('utf8');
}
