// Turns an arbitrary picture of a digit into what an MNIST model was trained on. MNIST's own
// recipe (LeCun et al.): the digit is size-normalised to fit a 20x20 box, keeping its aspect
// ratio, with anti-aliasing giving grey levels; it is then placed in a 28x28 field so that its
// centre of mass sits at the centre. Digits are bright on a dark background.
import path from 'node:path';
import { DataError } from '../data/errors.js';
import { checkedHeader, pixelLimitMessage, unreadable } from '../data/images/decode.js';
import { IMAGE_EXTENSIONS } from '../data/images/header.js';
import { loadSharp } from '../data/images/sharp.js';
import { readDataFile } from '../data/read-file.js';
import type { ImagePredictor } from '../data/kind.js';

/** A greyscale image, row-major, values in [0, 1]. */
export interface GreyImage {
  width: number;
  height: number;
  pixels: Float32Array;
}

/** An image that cannot be used; the message names the file. */
export class ImageError extends DataError {
  override name = 'ImageError';
}

export const FRAME = 28;
export const BOX = 20;
/** Pictures larger than this on their longer side are first shrunk to it: the digit ends up 20 pixels tall anyway. */
const WORKING_SIZE = 560;

/**
 * Decodes image bytes (PNG in any colour type and bit depth, JPEG, GIF, WebP, TIFF, AVIF) to
 * greyscale with Rec. 601 luma weights. The header is checked first: an empty file, a foreign
 * format or a size over `maxPixels` is refused before any pixel is decoded.
 */
export async function decodePicture(bytes: Uint8Array, file: string, maxPixels: number): Promise<GreyImage> {
  const expected = IMAGE_EXTENSIONS[path.extname(file).toLowerCase()];
  let header;
  try {
    header = checkedHeader(bytes, file, maxPixels, expected);
  } catch (error) {
    if (error instanceof DataError) throw new ImageError(error.message);
    throw error;
  }
  const sharp = await loadSharp();
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    let pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' });
    const { width = 0, height = 0 } = header;
    if (Math.max(width, height) > WORKING_SIZE) pipeline = pipeline.resize(WORKING_SIZE, WORKING_SIZE, { fit: 'inside' });
    decoded = await pipeline.toColourspace('srgb').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    // Over the pixel limit (a TIFF or AVIF, whose size the header check cannot read) is said as such.
    if (/pixel limit/i.test((error as Error).message ?? '')) {
      const meta = await sharp(bytes)
        .metadata()
        .catch(() => ({ width: 0, height: 0 }));
      throw new ImageError(pixelLimitMessage(file, meta.width ?? 0, meta.height ?? 0, maxPixels));
    }
    throw new ImageError(unreadable(file, header.format).message);
  }
  const { data, info } = decoded;
  const { width, height } = info;
  const n = width * height;
  const luma = new Float32Array(n);
  const alpha = new Float32Array(n);
  let inkWeighted = 0;
  let alphaSum = 0;
  for (let i = 0; i < n; i++) {
    const r = data[4 * i]!,
      g = data[4 * i + 1]!,
      b = data[4 * i + 2]!;
    luma[i] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    alpha[i] = data[4 * i + 3]! / 255;
    inkWeighted += luma[i]! * alpha[i]!;
    alphaSum += alpha[i]!;
  }
  // Transparent pixels are background. Composite over the colour that contrasts with the
  // visible strokes, so both a dark digit and a light digit drawn on transparency survive.
  const background = alphaSum > 0 && inkWeighted / alphaSum > 0.5 ? 0 : 1;
  const pixels = new Float32Array(n);
  for (let i = 0; i < n; i++) pixels[i] = luma[i]! * alpha[i]! + background * (1 - alpha[i]!);
  return { width, height, pixels };
}

export async function readPicture(file: string, maxPixels: number): Promise<GreyImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readDataFile(file, file, 'an image', 256 * 1024 ** 2);
  } catch (error) {
    throw new ImageError((error as Error).message);
  }
  return decodePicture(bytes, file, maxPixels);
}

/** `predict` for models trained on MNIST: each picture becomes an MNIST-style digit frame. */
export function digitPredictor(): ImagePredictor {
  return {
    input: 'images',
    describe: 'each picture is prepared as MNIST digits were: grey, light on dark, fitted to a 20-pixel box and centred by mass in 28x28',
    prepare: async (file, { maxPixels }) => toMnistFrame(await readPicture(file, maxPixels)),
  };
}

/** Resamples one line of `n` values to `m`: area-averaging when shrinking, linear interpolation when growing. */
function resampleWeights(n: number, m: number): Array<Array<[number, number]>> {
  const out: Array<Array<[number, number]>> = [];
  const scale = n / m;
  for (let j = 0; j < m; j++) {
    const taps: Array<[number, number]> = [];
    if (m <= n) {
      // Output pixel j covers input [j*scale, (j+1)*scale); each input pixel counts by overlap.
      const lo = j * scale,
        hi = (j + 1) * scale;
      for (let i = Math.floor(lo); i < Math.min(n, Math.ceil(hi)); i++) {
        const overlap = Math.min(hi, i + 1) - Math.max(lo, i);
        if (overlap > 0) taps.push([i, overlap / scale]);
      }
    } else {
      const x = Math.min(n - 1, Math.max(0, (j + 0.5) * scale - 0.5));
      const i = Math.floor(x),
        f = x - i;
      taps.push([i, 1 - f]);
      if (f > 0 && i + 1 < n) taps.push([i + 1, f]);
    }
    out.push(taps);
  }
  return out;
}

/** Separable resize of a w x h region starting at (x0, y0) of `img` to `outW` x `outH`. */
function resize(img: GreyImage, x0: number, y0: number, w: number, h: number, outW: number, outH: number): GreyImage {
  const cols = resampleWeights(w, outW);
  const rows = resampleWeights(h, outH);
  const tmp = new Float32Array(outW * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < outW; x++) {
      let s = 0;
      for (const [i, wt] of cols[x]!) s += wt * img.pixels[(y0 + y) * img.width + x0 + i]!;
      tmp[y * outW + x] = s;
    }
  }
  const pixels = new Float32Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let s = 0;
      for (const [i, wt] of rows[y]!) s += wt * tmp[i * outW + x]!;
      pixels[y * outW + x] = s;
    }
  }
  return { width: outW, height: outH, pixels };
}

/**
 * The MNIST-style 28x28 frame for a greyscale picture of one digit, values in [0, 1], digit
 * bright on dark. A blank picture gives an all-zero frame.
 */
export function toMnistFrame(img: GreyImage): Float32Array {
  const n = img.pixels.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += img.pixels[i]!;
  mean /= n;
  // MNIST digits are light on dark; most scanned or drawn digits are the other way round.
  const ink = mean > 0.5 ? img.pixels.map((v) => 1 - v) : Float32Array.from(img.pixels);
  // Stretch so the background (the median, as most pixels are background) is 0 and the
  // strongest stroke is 1, as in MNIST: this removes paper tint and faint lighting.
  const sorted = Float32Array.from(ink).sort();
  const lo = sorted[Math.floor(n / 2)]!;
  const hi = sorted[n - 1]!;
  const frame = new Float32Array(FRAME * FRAME);
  if (hi - lo < 1e-3) return frame;
  for (let i = 0; i < n; i++) ink[i] = Math.max(0, (ink[i]! - lo) / (hi - lo));

  // Bounding box of the ink; faint specks below 10% of full stroke are not part of the digit.
  let x0 = img.width,
    y0 = img.height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (ink[y * img.width + x]! > 0.1) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  const w = x1 - x0 + 1,
    h = y1 - y0 + 1;
  const scale = BOX / Math.max(w, h);
  const outW = Math.max(1, Math.round(w * scale));
  const outH = Math.max(1, Math.round(h * scale));
  const digit = resize({ width: img.width, height: img.height, pixels: ink }, x0, y0, w, h, outW, outH);

  // Centre of mass in continuous coordinates (pixel i spans [i, i+1)), moved into the middle of
  // pixel 14 as MNIST places it: the centres of the 70,000 MNIST digits lie between 13.98 and
  // 15.00, around 14.5; aiming at 14.0 would shift half of all digits by a pixel.
  let mass = 0,
    cx = 0,
    cy = 0;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const v = digit.pixels[y * outW + x]!;
      mass += v;
      cx += v * (x + 0.5);
      cy += v * (y + 0.5);
    }
  }
  const dx = Math.round(FRAME / 2 + 0.5 - cx / mass);
  const dy = Math.round(FRAME / 2 + 0.5 - cy / mass);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const fx = x + dx,
        fy = y + dy;
      // A lopsided digit may be pushed partly out of the frame; MNIST crops those too.
      if (fx >= 0 && fx < FRAME && fy >= 0 && fy < FRAME) frame[fy * FRAME + fx] = Math.min(1, digit.pixels[y * outW + x]!);
    }
  }
  return frame;
}

/** The frame reshaped for a model input shape without batch dim: [28, 28, 1], [28, 28] or [784]. */
export function frameShapeFor(inputShape: ReadonlyArray<number | null>): number[] | undefined {
  const dims = inputShape.map((d) => d ?? -1);
  const same = (s: number[]): boolean => s.length === dims.length && s.every((v, i) => v === dims[i]);
  for (const s of [[FRAME, FRAME, 1], [FRAME, FRAME], [FRAME * FRAME]]) if (same(s)) return s;
  return undefined;
}
