// Preparing a new picture for `predict` exactly as the training images were prepared: the
// same size, channels and resize mode, from a file of any size and format.
import type { ImagePredictor } from '../kind.js';
import { decodeImageFile, type ImageTarget } from './decode.js';
import { IMAGE_EXTENSIONS } from './header.js';
import path from 'node:path';

const RESIZE_WORDS = {
  stretch: 'stretched to',
  crop: 'centre-cropped to the aspect ratio of',
  pad: 'padded with black to the aspect ratio of',
} as const;

export function describeTarget(target: ImageTarget): string {
  const mode = target.channels === 1 ? 'grey' : 'RGB';
  return `${RESIZE_WORDS[target.resize]} ${target.width}x${target.height}, ${mode}`;
}

export function imagePredictor(target: ImageTarget): ImagePredictor {
  return {
    input: 'images',
    describe: `each image is ${describeTarget(target)}, pixels scaled to [0, 1]`,
    async prepare(file, { maxPixels }) {
      const expected = IMAGE_EXTENSIONS[path.extname(file).toLowerCase()];
      // Named as the user wrote it on the command line.
      const decoded = await decodeImageFile(file, file, target, maxPixels, expected);
      return Float32Array.from(decoded.pixels, (v) => v / 255);
    },
  };
}
