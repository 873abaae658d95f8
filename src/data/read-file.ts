// Reading data files safely: only regular files (a device, pipe or folder would hang or eat
// memory), and never more than a stated number of bytes. The reading itself is
// lib/safe-read.ts's; this module words its refusals as DataErrors about data.
import { FileReadError, readRegularFile, readRegularFileSync } from '../lib/safe-read.js';
import { DataError, formatCount } from './errors.js';

/** The largest data file read into memory whole (IDX, CSV): 2 GiB. */
export const MAX_DATA_FILE_BYTES = 2 * 1024 ** 3;

/** The DataError for a file the safe reader refused; `what` names the expected content. */
function refusal(error: unknown, display: string, what: string, maxBytes: number): unknown {
  if (!(error instanceof FileReadError)) return error;
  switch (error.problem) {
    case 'missing':
      return new DataError(`${display}: file not found`);
    case 'too-large':
      return new DataError(
        error.size === undefined
          ? `${display}: is larger than ${formatCount(maxBytes)} bytes, the limit for ${what}`
          : `${display}: is ${formatCount(error.size)} bytes, over the limit of ${formatCount(maxBytes)} bytes for ${what}`,
      );
    case 'not-a-file': {
      if (error.detail.startsWith('is a folder')) return new DataError(`${display}: is a folder, expected ${what}`);
      return new DataError(`${display}: ${error.detail.replace(/; give the path of a regular file$/, '')}; expected ${what}`);
    }
    default:
      return new DataError(`${display}: ${error.detail}`);
  }
}

/**
 * Reads a whole regular file. `what` names the expected content in messages ("an IDX file").
 * Errors are DataErrors that start with `display`.
 */
export async function readDataFile(file: string, display: string, what: string, maxBytes = MAX_DATA_FILE_BYTES): Promise<Buffer> {
  try {
    return await readRegularFile(file, maxBytes);
  } catch (error) {
    throw refusal(error, display, what, maxBytes);
  }
}

/**
 * The same as readDataFile, synchronously: for the many small files of an image folder, where
 * the thread pool's round trips cost more than the reads (decoding runs in worker threads,
 * which may block).
 */
export function readDataFileSync(file: string, display: string, what: string, maxBytes = MAX_DATA_FILE_BYTES): Buffer {
  try {
    return readRegularFileSync(file, maxBytes);
  } catch (error) {
    throw refusal(error, display, what, maxBytes);
  }
}
