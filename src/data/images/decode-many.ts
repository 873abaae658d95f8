// Decoding a batch of image files into one buffer, a few at a time (sharp's work runs on
// libuv's thread pool while pngjs decodes on this thread). Used in-process for small folders
// and inside each decoding worker for large ones.
import { DataError } from '../errors.js';
import { decodeImageFile, type ImageTarget } from './decode.js';
import type { ImageFormat } from './header.js';

export interface DecodeRequest {
  files: { path: string; display: string; format: ImageFormat }[];
  target: ImageTarget;
  maxPixels: number;
}

/** Per-file flags, kept in the cache so notes about resizing repeat on a cached load. */
export const RESIZED = 1;
export const CONVERTED = 2;

export interface DecodeReply {
  /** files.length * sampleBytes; the pixels of a failed file are zeros. */
  pixels: Uint8Array;
  flags: Uint8Array;
  /** Plain-words messages of the files that failed, by index. */
  errors: [number, string][];
}

const IN_FLIGHT = 4;

export async function decodeMany(request: DecodeRequest): Promise<DecodeReply> {
  const { files, target, maxPixels } = request;
  const sampleBytes = target.height * target.width * target.channels;
  const pixels = new Uint8Array(files.length * sampleBytes);
  const flags = new Uint8Array(files.length);
  const errors: [number, string][] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < files.length; i = next++) {
      const file = files[i]!;
      try {
        const decoded = await decodeImageFile(file.path, file.display, target, maxPixels, file.format);
        pixels.set(decoded.pixels, i * sampleBytes);
        flags[i] = (decoded.resized ? RESIZED : 0) | (decoded.converted ? CONVERTED : 0);
      } catch (error) {
        if (!(error instanceof DataError)) throw error;
        errors.push([i, error.message]);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return { pixels, flags, errors };
}
