// Loading the listed images of a folder: from the cache where a file is unchanged, decoded in
// parallel where not, and the cache rewritten when anything changed. Any file that cannot be
// decoded stops the load with one message listing the files, and nothing is cached.
import path from 'node:path';
import { DataError } from '../errors.js';
import { displayPath, plural } from '../display.js';
import { cacheFileFor, readImageCache, writeImageCache, type CacheEntry, type LoadedCache } from './cache.js';
import { CONVERTED, RESIZED } from './decode-many.js';
import { decodeInParallel } from './decode-pool.js';
import type { ImageTarget } from './decode.js';
import type { ImageFile } from './scan.js';

export interface LoadedImages {
  /** files.length * sampleBytes, in the order of `files`. */
  pixels: Uint8Array;
  resized: number;
  converted: number;
  /** How many came from the cache. */
  cached: number;
  notes: string[];
}

export interface ImageLoadOptions {
  maxPixels: number;
  /** Folder of the cache; false: none. */
  cacheDir: string | false;
  /** Decoding worker threads (default: one per core for large folders). */
  workers?: number;
}

const MAX_LISTED_ERRORS = 10;

export async function loadImages(root: string, files: readonly ImageFile[], target: ImageTarget, options: ImageLoadOptions): Promise<LoadedImages> {
  const sampleBytes = target.height * target.width * target.channels;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  const relative = files.map((f) => (f.path.startsWith(prefix) ? f.path.slice(prefix.length) : path.relative(root, f.path)));
  const cacheFile = options.cacheDir === false ? undefined : cacheFileFor(path.resolve(options.cacheDir), root, target);
  const cache = cacheFile ? await readImageCache(cacheFile, root, target) : undefined;
  const unchanged = cache && unchangedInOrder(cache, files, relative);
  if (unchanged) return { ...summary(unchanged.flags), pixels: cache.pixels, cached: files.length, notes: [] };
  const pixels = new Uint8Array(files.length * sampleBytes);
  const flags = new Uint8Array(files.length);

  const missing: number[] = [];
  files.forEach((file, i) => {
    const hit = cache?.entries.get(relative[i]!);
    if (hit && hit.size === file.size && hit.mtimeMs === file.mtimeMs) {
      pixels.set(cache!.pixels.subarray(hit.index * sampleBytes, (hit.index + 1) * sampleBytes), i * sampleBytes);
      flags[i] = hit.flags;
    } else missing.push(i);
  });

  if (missing.length) {
    const reply = await decodeInParallel(
      {
        files: missing.map((i) => ({ path: files[i]!.path, display: displayPath(files[i]!.path), format: files[i]!.format })),
        target,
        maxPixels: options.maxPixels,
      },
      options.workers !== undefined ? { workers: options.workers } : {},
    );
    if (reply.errors.length) {
      const listed = reply.errors.slice(0, MAX_LISTED_ERRORS).map(([, message]) => `  ${message}`);
      const more = reply.errors.length > MAX_LISTED_ERRORS ? [`  ... and ${reply.errors.length - MAX_LISTED_ERRORS} more`] : [];
      throw new DataError(
        `${plural(reply.errors.length, 'image')} in ${displayPath(root)} cannot be used; fix or remove ${reply.errors.length === 1 ? 'it' : 'them'}:\n` +
          [...listed, ...more].join('\n'),
      );
    }
    missing.forEach((fileIndex, k) => {
      pixels.set(reply.pixels.subarray(k * sampleBytes, (k + 1) * sampleBytes), fileIndex * sampleBytes);
      flags[fileIndex] = reply.flags[k]!;
    });
  }

  const notes: string[] = [];
  const stale = cache ? cache.entries.size !== files.length - missing.length : false;
  if (cacheFile && (missing.length || stale || !cache)) {
    const entries: CacheEntry[] = files.map((f, i) => ({ file: relative[i]!, size: f.size, mtimeMs: f.mtimeMs, flags: flags[i]! }));
    const problem = await writeImageCache(cacheFile, root, target, entries, pixels);
    if (problem) notes.push(problem);
  }
  return { ...summary(flags), pixels, cached: files.length - missing.length, notes };
}

function summary(flags: Uint8Array): { resized: number; converted: number } {
  let resized = 0;
  let converted = 0;
  for (const f of flags) {
    if (f & RESIZED) resized++;
    if (f & CONVERTED) converted++;
  }
  return { resized, converted };
}

/** The common case of a second run: the cache holds exactly these files, unchanged, in this order. */
function unchangedInOrder(cache: LoadedCache, files: readonly ImageFile[], relative: readonly string[]): { flags: Uint8Array } | undefined {
  if (cache.entries.size !== files.length) return undefined;
  const flags = new Uint8Array(files.length);
  for (let i = 0; i < files.length; i++) {
    const hit = cache.entries.get(relative[i]!);
    if (!hit || hit.index !== i || hit.size !== files[i]!.size || hit.mtimeMs !== files[i]!.mtimeMs) return undefined;
    flags[i] = hit.flags;
  }
  return { flags };
}
