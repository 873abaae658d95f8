// Reading data files safely: only regular files (a device, pipe or folder would hang or eat
// memory), and never more than a stated number of bytes.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { DataError, formatCount } from './errors.js';

/** The largest data file read into memory whole (IDX, CSV): 2 GiB. */
export const MAX_DATA_FILE_BYTES = 2 * 1024 ** 3;

function reasonFor(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a folder, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return `cannot be read (${(err as Error).message})`;
}

/**
 * Reads a whole regular file. `what` names the expected content in messages ("an IDX file").
 * Errors are DataErrors that start with `display`.
 */
export async function readDataFile(file: string, display: string, what: string, maxBytes = MAX_DATA_FILE_BYTES): Promise<Buffer> {
  let handle;
  try {
    // O_NONBLOCK: opening a named pipe must not wait for a writer.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new DataError(`${display}: ${reasonFor(err)}`);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new DataError(`${display}: is a folder, expected ${what}`);
    if (!stat.isFile()) throw new DataError(`${display}: is not a regular file (a device, pipe or socket), expected ${what}`);
    if (stat.size > maxBytes) {
      throw new DataError(`${display}: is ${formatCount(stat.size)} bytes, over the limit of ${formatCount(maxBytes)} bytes for ${what}`);
    }
    return await handle.readFile();
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`${display}: ${reasonFor(err)}`);
  } finally {
    await handle.close();
  }
}

/**
 * The same as readDataFile, synchronously: for the many small files of an image folder, where
 * the thread pool's round trips cost more than the reads (decoding runs in worker threads,
 * which may block).
 */
export function readDataFileSync(file: string, display: string, what: string, maxBytes = MAX_DATA_FILE_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new DataError(`${display}: ${reasonFor(err)}`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new DataError(`${display}: is a folder, expected ${what}`);
    if (!stat.isFile()) throw new DataError(`${display}: is not a regular file (a device, pipe or socket), expected ${what}`);
    if (stat.size > maxBytes) {
      throw new DataError(`${display}: is ${formatCount(stat.size)} bytes, over the limit of ${formatCount(maxBytes)} bytes for ${what}`);
    }
    const buffer = Buffer.allocUnsafe(stat.size);
    let filled = 0;
    while (filled < buffer.length) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return buffer.subarray(0, filled);
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`${display}: ${reasonFor(err)}`);
  } finally {
    closeSync(fd);
  }
}
