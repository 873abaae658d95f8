// A strict reader for the IDX format that MNIST-style datasets ship in.
//
// Layout: a 4-byte magic (0x00 0x00 <element type> <number of dimensions>), then one
// big-endian uint32 per dimension, then the elements, row-major. We only accept unsigned
// bytes (type 0x08) because every image/label dataset we load uses them, and refusing
// anything else early gives a far clearer message than mis-decoding floats as pixels.

import { constants as zlibConstants, gunzipSync, inflateRawSync } from 'node:zlib';
import { DataError, formatCount } from './errors.js';
import { MAX_DATA_FILE_BYTES, readDataFile } from './read-file.js';

export { DataError, formatCount } from './errors.js';

export interface IdxArray {
  /** Sizes of every dimension, outermost (the sample count) first. */
  dims: number[];
  /** The elements, row-major. A view into the parsed bytes, not a copy. */
  data: Uint8Array;
}

const HEADER_MAGIC_BYTES = 4;
const UNSIGNED_BYTE_TYPE = 0x08;

/** Names of the other IDX element types, only so that error messages can say what was found. */
const IDX_TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

function hexByte(b: number): string {
  return '0x' + b.toString(16).padStart(2, '0');
}

/** True when the bytes start with the gzip magic. IDX files start with 0x00 0x00, so this can't misfire. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** An IDX header: the sizes it declares and the bytes it takes. */
interface IdxHeader {
  dims: number[];
  headerBytes: number;
  /** The whole file's length the header implies. */
  expectedBytes: number;
}

/** Reads and checks the header at the start of `bytes`. `file` is only used in messages. */
function readIdxHeader(bytes: Uint8Array, file: string): IdxHeader {
  const fail = (what: string): never => {
    throw new DataError(`${file}: ${what}`);
  };

  if (bytes.length < HEADER_MAGIC_BYTES) {
    fail(`file is ${formatCount(bytes.length)} bytes, too short for the 4-byte IDX magic; the file is empty, truncated or not an IDX file`);
  }
  const [zero0, zero1, type, ndims] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
  if (zero0 !== 0 || zero1 !== 0) {
    fail(
      `does not start with the IDX magic 0x00 0x00 (found ${hexByte(zero0)} ${hexByte(zero1)}); ` +
        `expected an uncompressed or gzip-compressed IDX file`,
    );
  }
  if (type !== UNSIGNED_BYTE_TYPE) {
    const name = IDX_TYPE_NAMES[type] ?? 'unknown';
    fail(`element type is ${hexByte(type)} (${name}) but only unsigned bytes (0x08) are supported`);
  }
  if (ndims === 0) {
    fail('header declares 0 dimensions; expected at least 1 (the sample count)');
  }

  const headerBytes = HEADER_MAGIC_BYTES + 4 * ndims;
  if (bytes.length < headerBytes) {
    fail(
      `file is ${formatCount(bytes.length)} bytes but its header alone needs ${formatCount(headerBytes)} bytes ` +
        `for ${ndims} dimensions; the file is truncated or not an IDX file`,
    );
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) {
    const size = view.getUint32(HEADER_MAGIC_BYTES + 4 * i, false);
    if (size === 0) {
      fail(`dimension ${i + 1} of ${ndims} is 0; every dimension must be positive`);
    }
    dims.push(size);
  }

  // A double holds the product exactly up to 2^53, far beyond any file we could read.
  const elementCount = dims.reduce((a, b) => a * b, 1);
  return { dims, headerBytes, expectedBytes: headerBytes + elementCount };
}

/** Parses an IDX file of unsigned bytes held in memory. `file` is only used in messages. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const fail = (what: string): never => {
    throw new DataError(`${file}: ${what}`);
  };
  const { dims, headerBytes, expectedBytes } = readIdxHeader(bytes, file);
  if (bytes.length !== expectedBytes) {
    const declared = `its header declares ${dims.join('x')} elements (${formatCount(expectedBytes)} bytes)`;
    if (bytes.length < expectedBytes) {
      fail(`file is ${formatCount(bytes.length)} bytes but ${declared}; the file is truncated or not an IDX file`);
    }
    fail(
      `file is ${formatCount(bytes.length)} bytes but ${declared}; ` +
        `${formatCount(bytes.length - expectedBytes)} unexpected trailing bytes (a concatenated or corrupt file?)`,
    );
  }

  return { dims, data: bytes.subarray(headerBytes) };
}

/** Inflates gzip data (Fashion-MNIST ships .gz files), leaving other data as is. */
export function gunzipIfNeeded(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) {
    if (file.endsWith('.gz')) {
      throw new DataError(`${file}: the name ends in .gz but the file is not gzip data (it does not start with 0x1f 0x8b)`);
    }
    return bytes;
  }
  /** The whole data inflated, refused with `over` past `limit` bytes. */
  const inflate = (limit: number, over: string): Buffer => {
    try {
      return gunzipSync(bytes, { maxOutputLength: limit + 1 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new DataError(`${file}: ${over}`);
      const reason = err instanceof Error ? err.message : String(err);
      throw new DataError(`${file}: gzip data is corrupt or truncated (${reason})`);
    }
  };
  const overLimit = `inflates to more than ${formatCount(MAX_DATA_FILE_BYTES)} bytes, the limit for an IDX file`;
  // Never inflate more than the header declares: a few kilobytes of gzip can hold gigabytes of
  // zeros. The header comes from the first deflate bytes (a byte inflates to at most about
  // 1 KiB, so this prefix stays small), inflated as far as they go.
  if (bytes.length <= GZIP_PREFIX_BYTES) return inflate(MAX_DATA_FILE_BYTES, overLimit); // a few megabytes at most
  // The first deflate bytes, past the gzip header (which may carry a long name or comment).
  const start = deflateStart(bytes);
  const prefix = start === undefined ? Buffer.alloc(0) : inflateRawPrefix(bytes.subarray(start, start + GZIP_PREFIX_BYTES));
  // No header there (corrupt data, or an empty first gzip member): inflate whole, within the
  // limit for any data file, and let the checks that follow say what is wrong.
  if (prefix.length < HEADER_MAGIC_BYTES || prefix.length < HEADER_MAGIC_BYTES + 4 * prefix[3]!) return inflate(MAX_DATA_FILE_BYTES, overLimit);
  const { dims, expectedBytes } = readIdxHeader(prefix, file);
  const declared = `${dims.join('x')} elements`;
  if (expectedBytes > MAX_DATA_FILE_BYTES) {
    throw new DataError(
      `${file}: its header declares ${declared} (${formatCount(expectedBytes)} bytes), over the limit of ${formatCount(MAX_DATA_FILE_BYTES)} bytes for an IDX file`,
    );
  }
  return inflate(expectedBytes, `inflates to more than the ${formatCount(expectedBytes)} bytes its header declares (${declared}); the file is corrupt or not an IDX file`);
}

/** Compressed bytes first inflated to find the header of a gzip'd IDX file. */
const GZIP_PREFIX_BYTES = 4096;

/** Where a gzip member's deflate data starts: past its fixed header and optional fields (RFC 1952). */
function deflateStart(bytes: Uint8Array): number | undefined {
  const flags = bytes[3] ?? 0;
  let at = 10;
  if (flags & 4) at += 2 + (bytes[at] ?? 0) + 256 * (bytes[at + 1] ?? 0); // FEXTRA
  for (const field of [8, 16]) {
    // FNAME, FCOMMENT: zero-terminated
    if (!(flags & field)) continue;
    const end = bytes.indexOf(0, at);
    if (end < 0) return undefined;
    at = end + 1;
  }
  if (flags & 2) at += 2; // FHCRC
  return at < bytes.length ? at : undefined;
}

/** What the first deflate bytes inflate to, as far as they go; nothing when they are not deflate data. */
function inflateRawPrefix(deflate: Uint8Array): Buffer {
  try {
    return inflateRawSync(deflate, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch {
    return Buffer.alloc(0); // the whole inflation below reports the corruption
  }
}

/**
 * Reads and parses an IDX file, inflating it first when it is gzip'd.
 * `displayName` is what messages call the file (default: the path as given).
 */
export async function readIdxFile(path: string, displayName: string = path): Promise<IdxArray> {
  const raw = await readDataFile(path, displayName, 'an IDX file');
  return parseIdx(gunzipIfNeeded(raw, displayName), displayName);
}
