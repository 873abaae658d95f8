// Image headers read by hand: the format and the declared size, from the first bytes, before
// any pixel is decoded. A small PNG can declare 12000x12000 pixels and cost gigabytes to
// decode, so the size is checked against a limit first. Also tells whether a PNG can take the
// fast decoder (8-bit or less, no colour profile).

/**
 * Images declaring more pixels than this are refused before decoding, unless the limit is raised.
 * Kept here, in a module that loads nothing, so that --help can show it.
 */
export const DEFAULT_MAX_PIXELS = 50_000_000;

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'tiff' | 'avif';

export interface ImageHeader {
  format: ImageFormat;
  /** Undefined when the format's size is left to the image library to read (TIFF, AVIF). */
  width?: number;
  height?: number;
  /** Whether the stored pixels are in colour (PNG and JPEG only; undefined elsewhere). */
  colour?: boolean;
  /** PNG only: bit depth, colour type and whether it embeds a colour profile (iCCP). */
  png?: { bitDepth: number; colorType: number; interlaced: boolean; iccProfile: boolean };
}

/** The extensions an image folder takes as images (lowercase, with the dot). */
export const IMAGE_EXTENSIONS: Readonly<Record<string, ImageFormat>> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.jpe': 'jpeg',
  '.jfif': 'jpeg',
  '.gif': 'gif',
  '.webp': 'webp',
  '.tif': 'tiff',
  '.tiff': 'tiff',
  '.avif': 'avif',
};

export const FORMAT_NAMES: Readonly<Record<ImageFormat, string>> = {
  png: 'PNG', jpeg: 'JPEG', gif: 'GIF', webp: 'WebP', tiff: 'TIFF', avif: 'AVIF',
};

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

const startsWith = (b: Uint8Array, bytes: number[], at = 0): boolean => bytes.every((v, i) => b[at + i] === v);
const ascii = (b: Uint8Array, at: number, n: number): string => String.fromCharCode(...b.subarray(at, at + n));
const be32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;
const be16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const le16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const le24 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);

/** Why bytes are not a usable image header; the caller adds the file name. */
export class HeaderProblem extends Error {}

/** The format by magic bytes, or undefined when the bytes are no image format we read. */
export function sniffFormat(b: Uint8Array): ImageFormat | undefined {
  if (startsWith(b, PNG_SIGNATURE)) return 'png';
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0]) || startsWith(b, [0x4d, 0x4d, 0, 0x2a])) return 'tiff';
  if (ascii(b, 4, 4) === 'ftyp' && /^avi[fs]$/.test(ascii(b, 8, 4))) return 'avif';
  return undefined;
}

function pngHeader(b: Uint8Array): ImageHeader {
  if (b.length < 33 || ascii(b, 12, 4) !== 'IHDR') throw new HeaderProblem('the PNG header (IHDR) is missing or cut short');
  const header: ImageHeader = {
    format: 'png',
    width: be32(b, 16),
    height: be32(b, 20),
    // Colour types 2 (RGB), 3 (palette) and 6 (RGBA) are colour; 0 and 4 are grey.
    colour: b[25] === 2 || b[25] === 3 || b[25] === 6,
    png: { bitDepth: b[24]!, colorType: b[25]!, interlaced: b[28] === 1, iccProfile: false },
  };
  // Walk the chunks before the pixel data: a colour profile changes what the image library outputs.
  for (let at = 33; at + 8 <= b.length; ) {
    const type = ascii(b, at + 4, 4);
    if (type === 'IDAT' || type === 'IEND') break;
    if (type === 'iCCP') header.png!.iccProfile = true;
    at += 12 + be32(b, at);
  }
  return header;
}

const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegHeader(b: Uint8Array): ImageHeader {
  // Segments after the SOI marker: 0xFF <marker> <big-endian length including itself>.
  for (let at = 2; at + 4 <= b.length; ) {
    if (b[at] !== 0xff) throw new HeaderProblem('the JPEG markers are corrupt');
    const marker = b[at + 1]!;
    if (marker === 0xff) { at += 1; continue; }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { at += 2; continue; }
    if (marker === 0xd9 || marker === 0xda) break;
    const length = be16(b, at + 2);
    if (JPEG_SOF.has(marker)) {
      if (at + 10 > b.length) break;
      return { format: 'jpeg', height: be16(b, at + 5), width: be16(b, at + 7), colour: b[at + 9] !== 1 };
    }
    at += 2 + length;
  }
  throw new HeaderProblem('the JPEG has no frame header (SOF) before its data; the file is truncated or corrupt');
}

function webpHeader(b: Uint8Array): ImageHeader {
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8X' && b.length >= 30) return { format: 'webp', width: le24(b, 24) + 1, height: le24(b, 27) + 1 };
  if (chunk === 'VP8L' && b.length >= 25) {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8 ' && b.length >= 30) return { format: 'webp', width: le16(b, 26) & 0x3fff, height: le16(b, 28) & 0x3fff };
  throw new HeaderProblem('the WebP header is cut short or of an unknown variant');
}

/**
 * The header of an image file held in `bytes` (the whole file, or at least its first few
 * kilobytes). Undefined when the bytes are not an image format we know.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  const format = sniffFormat(bytes);
  switch (format) {
    case 'png':
      return pngHeader(bytes);
    case 'jpeg':
      return jpegHeader(bytes);
    case 'gif':
      if (bytes.length < 10) throw new HeaderProblem('the GIF header is cut short');
      return { format, width: le16(bytes, 6), height: le16(bytes, 8) };
    case 'webp':
      return webpHeader(bytes);
    case 'tiff':
    case 'avif':
      return { format };
    default:
      return undefined;
  }
}
