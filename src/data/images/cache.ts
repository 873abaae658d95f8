// The decoded-image cache: one file per image folder and target (size, channels, resize
// mode), holding every image's pixels with the path, size and modification time they were
// decoded from. A later load decodes only the files that changed, so a second run of the
// same spec starts at once. The file is written atomically: a reader sees the old cache or
// the new one, never a torn one, and a cache that fails its checks is simply rebuilt.
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { readRegularFile } from '../../lib/safe-read.js';
import { MAX_DATA_FILE_BYTES } from '../read-file.js';
import type { ImageTarget } from './decode.js';

/** Bump when decoding changes what bytes an image gives, so old caches are not reused. */
const DECODER_VERSION = 1;
const MAGIC = 'NETSPEC-IMAGE-CACHE\n';

export const DEFAULT_CACHE_DIR = path.join('.cache', 'netspec');

export interface CacheEntry {
  /** Path relative to the image folder. */
  file: string;
  size: number;
  mtimeMs: number;
  flags: number;
}

interface CacheHeader {
  version: number;
  root: string;
  target: ImageTarget;
  entries: [string, number, number, number][];
}

export interface LoadedCache {
  entries: Map<string, { index: number; size: number; mtimeMs: number; flags: number }>;
  pixels: Uint8Array;
  sampleBytes: number;
}

/** The cache file for an image folder and target: a hash, so any folder path is a safe name. */
export function cacheFileFor(cacheDir: string, root: string, target: ImageTarget): string {
  const key = createHash('sha256').update(JSON.stringify({ v: DECODER_VERSION, root, target })).digest('hex').slice(0, 24);
  return path.join(cacheDir, 'images', `${key}.bin`);
}

/** The cache for this folder and target, or undefined when there is none or it does not check out. */
export async function readImageCache(file: string, root: string, target: ImageTarget): Promise<LoadedCache | undefined> {
  let bytes: Buffer;
  try {
    // Only a regular file, and only as much as any data file: a cache replaced by a pipe or a
    // link to a device would otherwise block or be read without end.
    bytes = await readRegularFile(file, MAX_DATA_FILE_BYTES);
  } catch {
    return undefined;
  }
  try {
    if (bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
    const headerLength = bytes.readUInt32LE(MAGIC.length);
    const headerStart = MAGIC.length + 4;
    const header = JSON.parse(bytes.toString('utf8', headerStart, headerStart + headerLength)) as CacheHeader;
    const sampleBytes = target.height * target.width * target.channels;
    // A plain byte view (not a Buffer): the pixels are handed on as any decoded ones are.
    const pixels = new Uint8Array(bytes.buffer, bytes.byteOffset + headerStart + headerLength, bytes.length - headerStart - headerLength);
    const sameTarget = JSON.stringify(header.target) === JSON.stringify(target);
    if (header.version !== DECODER_VERSION || header.root !== root || !sameTarget || pixels.length !== header.entries.length * sampleBytes) {
      return undefined;
    }
    const entries = new Map(header.entries.map(([f, size, mtimeMs, flags], index) => [f, { index, size, mtimeMs, flags }]));
    return { entries, pixels, sampleBytes };
  } catch {
    return undefined;
  }
}

/** Writes the cache atomically; failing to (a read-only folder, a full disk) is not an error. */
export async function writeImageCache(
  file: string,
  root: string,
  target: ImageTarget,
  entries: readonly CacheEntry[],
  pixels: Uint8Array,
): Promise<string | undefined> {
  const header: CacheHeader = { version: DECODER_VERSION, root, target, entries: entries.map((e) => [e.file, e.size, e.mtimeMs, e.flags]) };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, Buffer.concat([Buffer.from(MAGIC, 'latin1'), length, json, pixels]));
    return undefined;
  } catch (error) {
    return `could not write the image cache ${file} (${(error as Error).message}); the next run decodes the images again`;
  }
}
