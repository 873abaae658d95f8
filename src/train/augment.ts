// Image augmentation on the raw batch, in place: each image (NHWC float32) is resampled through
// a random affine map (rotation about the centre, zoom, shift, flips), drawn from a generator
// seeded by the run's seed, the epoch and the batch, so the same run draws the same changes
// whatever the replicas or an interruption, and a resume needs no extra state. Every output
// pixel is mapped back to where it comes from in the original image and read there by bilinear
// interpolation; what falls outside is filled with 0 or the nearest edge pixel.

import type { AugmentationConfig } from '../types.js';
import { mulberry32, type Rng } from './rng.js';

/** The generator of batch `batch` of epoch `epoch` (both 1-based) of a run seeded `seed`. */
export function augmentationRng(seed: number, epoch: number, batch: number): Rng {
  let h = Math.imul((seed ^ 0x9e3779b9) >>> 0, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ epoch, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ Math.imul(batch, 0x27d4eb2f), 0x165667b1);
  return mulberry32((h ^ (h >>> 15)) >>> 0);
}

/** One image's draw: the inverse map's parameters. */
export interface ImageTransform {
  /** Radians. */
  angle: number;
  scale: number;
  /** Pixels, right and down. */
  shiftX: number;
  shiftY: number;
  flipX: boolean;
  flipY: boolean;
}

/** Draws one image's transform: always six numbers in the same order, so a stream never depends on which ranges are 0. */
export function drawTransform(cfg: AugmentationConfig, height: number, width: number, rng: Rng): ImageTransform {
  const uniform = (r: number): number => (2 * rng() - 1) * r;
  const angle = (uniform(cfg.rotation) * Math.PI) / 180;
  const scale = 1 + uniform(cfg.zoom);
  const shiftX = uniform(cfg.shift * width);
  const shiftY = uniform(cfg.shift * height);
  const flipX = rng() < 0.5 && cfg.horizontalFlip;
  const flipY = rng() < 0.5 && cfg.verticalFlip;
  return { angle, scale, shiftX, shiftY, flipX, flipY };
}

/**
 * Writes `src` (one height x width x channels image) transformed into `dst`. The forward map
 * takes a source point p to c + t + scale * R(angle) * F * (p - c), with c the centre, F the
 * flips and t the shift; each destination pixel reads the source at the inverse of that.
 */
export function transformImage(
  src: Float32Array,
  dst: Float32Array,
  height: number,
  width: number,
  channels: number,
  t: ImageTransform,
  fill: AugmentationConfig['fill'],
): void {
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const cos = Math.cos(t.angle) / t.scale;
  const sin = Math.sin(t.angle) / t.scale;
  const fx = t.flipX ? -1 : 1;
  const fy = t.flipY ? -1 : 1;
  const nearest = fill === 'nearest';
  const maxX = width - 1;
  const maxY = height - 1;
  for (let y = 0; y < height; y++) {
    const dy = y - cy - t.shiftY;
    for (let x = 0; x < width; x++) {
      const dx = x - cx - t.shiftX;
      let sx = cx + fx * (cos * dx + sin * dy);
      let sy = cy + fy * (-sin * dx + cos * dy);
      const out = (y * width + x) * channels;
      if (nearest) {
        sx = sx < 0 ? 0 : sx > maxX ? maxX : sx;
        sy = sy < 0 ? 0 : sy > maxY ? maxY : sy;
      } else if (sx <= -1 || sy <= -1 || sx >= width || sy >= height) {
        for (let c = 0; c < channels; c++) dst[out + c] = 0;
        continue;
      }
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const ax = sx - x0;
      const ay = sy - y0;
      // The four neighbours; one outside the image counts as 0 (constant fill at the border).
      const inX0 = x0 >= 0;
      const inX1 = x0 + 1 <= maxX && ax > 0;
      const inY0 = y0 >= 0;
      const inY1 = y0 + 1 <= maxY && ay > 0;
      const w00 = (1 - ax) * (1 - ay);
      const w01 = ax * (1 - ay);
      const w10 = (1 - ax) * ay;
      const w11 = ax * ay;
      const row0 = y0 * width;
      const row1 = row0 + width;
      for (let c = 0; c < channels; c++) {
        let v = 0;
        if (inY0 && inX0) v += w00 * src[(row0 + x0) * channels + c]!;
        if (inY0 && inX1) v += w01 * src[(row0 + x0 + 1) * channels + c]!;
        if (inY1 && inX0) v += w10 * src[(row1 + x0) * channels + c]!;
        if (inY1 && inX1) v += w11 * src[(row1 + x0 + 1) * channels + c]!;
        dst[out + c] = v;
      }
    }
  }
}

/** Augments the `count` images of `pixels` ([count, height, width, channels]) in place. */
export function augmentBatch(pixels: Float32Array, count: number, shape: readonly number[], cfg: AugmentationConfig, rng: Rng): void {
  const [height, width, channels] = shape as [number, number, number];
  const size = height * width * channels;
  const scratch = new Float32Array(size);
  for (let i = 0; i < count; i++) {
    const image = pixels.subarray(i * size, (i + 1) * size);
    const t = drawTransform(cfg, height, width, rng);
    scratch.set(image);
    transformImage(scratch, image, height, width, channels, t, cfg.fill);
  }
}
