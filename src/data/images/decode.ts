// Decoding one image file into the pixels a model takes: a fixed size and 1 (grey) or 3 (RGB)
// channels, 8 bits each. The header is read by hand first, so an empty, foreign or oversized
// file is refused in our own words before any decoder runs. sharp (libvips) decodes and
// resizes; small 8-bit PNGs that already have the target size take pngjs instead, which is
// about ten times faster for them (sharp pays a fixed cost per image) and gives the same bytes.
import { createRequire } from 'node:module';
import type { PNG } from 'pngjs';
import { DataError, formatCount } from '../errors.js';
import { FORMAT_NAMES, HeaderProblem, readImageHeader, type ImageFormat, type ImageHeader } from './header.js';
import { loadSharp } from './sharp.js';
import { readDataFileSync } from '../read-file.js';

import type { ResizeMode } from '../resize-modes.js';

/** pngjs, loaded on first use: the commands that never decode an image (compile, help) skip it. */
const require = createRequire(import.meta.url);
const pngjs = (): typeof import('pngjs') => require('pngjs') as typeof import('pngjs');

/** How a picture of another aspect ratio is fitted to the model's input. */
export { RESIZE_MODES, type ResizeMode } from '../resize-modes.js';

export { DEFAULT_MAX_PIXELS } from './header.js';

export interface ImageTarget {
  height: number;
  width: number;
  /** 1: grey (Rec. 601 luma), 3: RGB. */
  channels: 1 | 3;
  resize: ResizeMode;
}

export interface DecodedImage {
  /** height * width * channels bytes, row-major, channels last. */
  pixels: Uint8Array;
  /** The stored image had another size and was resized. */
  resized: boolean;
  /** A colour image made grey (target 1 channel), or a grey one spread over RGB. */
  converted: boolean;
}

const LUMA = [0.299, 0.587, 0.114] as const;

/** How the CLI flag that raises the limit is spelled, for messages. */
export const MAX_PIXELS_FLAG = '--max-pixels';

export function pixelLimitMessage(file: string, width: number, height: number, maxPixels: number): string {
  return (
    `${file}: declares ${width}x${height} = ${formatCount(width * height)} pixels, over the limit of ` +
    `${formatCount(maxPixels)} pixels (it would take about ${formatCount(Math.ceil((width * height * 4) / 1024 ** 2))} MiB to decode, ` +
    `and may be a decompression bomb); shrink the image, or raise the limit with ${MAX_PIXELS_FLAG} ${width * height}`
  );
}

/** Reads and checks the header; never decodes pixels. */
export function checkedHeader(bytes: Uint8Array, file: string, maxPixels: number, expected?: ImageFormat): ImageHeader {
  const kind = expected ? `${FORMAT_NAMES[expected]} image` : 'image';
  // 'an image', 'an AVIF image'; 'a PNG image'.
  const article = /^[aeiou]/i.test(kind) ? 'an' : 'a';
  if (bytes.length === 0) throw new DataError(`${file}: the file is empty (0 bytes); expected ${article} ${kind}`);
  let header: ImageHeader | undefined;
  try {
    header = readImageHeader(bytes);
  } catch (error) {
    if (!(error instanceof HeaderProblem)) throw error;
    throw new DataError(`${file}: not a readable ${kind}: ${error.message}`);
  }
  if (!header) {
    throw new DataError(`${file}: is not a PNG, JPEG, GIF, WebP, TIFF or AVIF image (its first bytes match none of them)`);
  }
  const { width, height } = header;
  if (width !== undefined && height !== undefined) {
    if (width === 0 || height === 0) {
      throw new DataError(`${file}: its ${FORMAT_NAMES[header.format]} header declares ${width}x${height} pixels; an image needs at least one pixel`);
    }
    if (width * height > maxPixels) throw new DataError(pixelLimitMessage(file, width, height, maxPixels));
  }
  return header;
}

/** RGB(A) bytes (`stride` bytes per pixel) to the target's 1 or 3 channels; alpha is dropped, as Keras does. */
function toChannels(src: Uint8Array, stride: number, count: number, channels: 1 | 3): Uint8Array {
  const out = new Uint8Array(count * channels);
  if (channels === 3) {
    for (let i = 0; i < count; i++) {
      out[3 * i] = src[stride * i]!;
      out[3 * i + 1] = src[stride * i + 1]!;
      out[3 * i + 2] = src[stride * i + 2]!;
    }
  } else {
    for (let i = 0; i < count; i++) {
      const j = stride * i;
      out[i] = Math.round(LUMA[0] * src[j]! + LUMA[1] * src[j + 1]! + LUMA[2] * src[j + 2]!);
    }
  }
  return out;
}

function fastPngEligible(header: ImageHeader, target: ImageTarget): boolean {
  const png = header.png;
  // Not interlaced: pngjs inflates interlaced data without a bound (a few megabytes of PNG can hold gigabytes).
  return png !== undefined && png.bitDepth <= 8 && !png.iccProfile && !png.interlaced && header.width === target.width && header.height === target.height;
}

export function unreadable(file: string, format: ImageFormat): DataError {
  return new DataError(`${file}: not a readable ${FORMAT_NAMES[format]} image; the file is truncated or corrupt`);
}

async function decodeWithSharp(bytes: Uint8Array, file: string, header: ImageHeader, target: ImageTarget, maxPixels: number): Promise<DecodedImage> {
  const sharp = await loadSharp();
  let { width, height } = header;
  if (width === undefined || height === undefined) {
    // TIFF and AVIF: let the library read the header (it decodes no pixels for that).
    const meta = await sharp(bytes).metadata().catch(() => {
      throw unreadable(file, header.format);
    });
    width = meta.width ?? 0;
    height = meta.height ?? 0;
    if (width * height > maxPixels) throw new DataError(pixelLimitMessage(file, width, height, maxPixels));
  }
  const resized = width !== target.width || height !== target.height;
  let pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' });
  if (resized) {
    const fit = target.resize === 'stretch' ? 'fill' : target.resize === 'crop' ? 'cover' : 'contain';
    pipeline = pipeline.resize(target.width, target.height, { fit, kernel: 'linear', position: 'centre', background: { r: 0, g: 0, b: 0, alpha: 1 } });
  }
  // 8-bit sRGB whatever was stored (grey, 16-bit, palette, CMYK, a colour profile).
  let result: { data: Buffer; info: { channels: number; width: number; height: number } };
  try {
    result = await pipeline.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    const message = (error as Error).message ?? '';
    if (/pixel limit/i.test(message)) throw new DataError(pixelLimitMessage(file, width, height, maxPixels));
    throw unreadable(file, header.format);
  }
  const { data, info } = result;
  if (info.width !== target.width || info.height !== target.height || info.channels < 3) throw unreadable(file, header.format);
  const colour = header.colour ?? info.channels >= 3;
  return {
    pixels: toChannels(data, info.channels, target.width * target.height, target.channels),
    resized,
    converted: header.colour !== undefined && colour !== (target.channels === 3),
  };
}

function decodeWithPngjs(bytes: Uint8Array, file: string, header: ImageHeader, target: ImageTarget): DecodedImage {
  let png: PNG;
  try {
    png = pngjs().PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    throw unreadable(file, 'png');
  }
  return {
    pixels: toChannels(png.data, 4, target.width * target.height, target.channels),
    resized: false,
    converted: header.colour !== (target.channels === 3),
  };
}

/**
 * Decodes an image file's bytes to the target size and channels. `file` names it in errors,
 * which are DataErrors in plain words (never the decoder's own wording).
 */
export async function decodeImage(bytes: Uint8Array, file: string, target: ImageTarget, maxPixels: number, expected?: ImageFormat): Promise<DecodedImage> {
  // A file named .png that holds JPEG data is decoded as what it holds, as browsers do.
  const header = checkedHeader(bytes, file, maxPixels, expected);
  return fastPngEligible(header, target) ? decodeWithPngjs(bytes, file, header, target) : decodeWithSharp(bytes, file, header, target, maxPixels);
}

/** Image files larger than this are refused unread (no real training image comes close). */
export const MAX_IMAGE_FILE_BYTES = 256 * 1024 ** 2;

/** Reads and decodes one image file; `display` names it in errors. */
export async function decodeImageFile(file: string, display: string, target: ImageTarget, maxPixels: number, expected?: ImageFormat): Promise<DecodedImage> {
  const bytes = readDataFileSync(file, display, 'an image', MAX_IMAGE_FILE_BYTES);
  return decodeImage(bytes, display, target, maxPixels, expected);
}
