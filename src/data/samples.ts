// Sample data written from the MNIST digits that ship with netspec, so that the image-folder
// and CSV examples (and the tests) need no download: an image folder of PNG and JPEG files of
// mixed sizes and colour modes, one subfolder per digit, and a CSV table of 8x8 digits with
// the digit's name as a text label.
import { mkdir, writeFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import path from 'node:path';
import { loadSharp } from './images/sharp.js';
import { loadIdxTest } from './idx-files.js';
import { mnistFileSet } from './kinds/mnist.js';

export const DIGIT_NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

export interface ImageFolderOptions {
  /** Images per class (default 30; Infinity: every image of the MNIST file). */
  perClass?: number;
  /** Mixed sizes, PNG and JPEG, grey and colour (default); false: 28x28 grey PNGs as in MNIST. */
  mixed?: boolean;
  /** MNIST images to take, from the training file (default) or the test file. */
  from?: 'train' | 'test';
  /** Called after each written file, for progress. */
  onFile?: (written: number, total: number) => void;
}

/** MNIST images and labels as bytes, read from the shipped IDX files. */
async function mnistBytes(from: 'train' | 'test', limit?: number): Promise<{ pixels: Uint8Array; labels: Uint8Array; count: number }> {
  const files = mnistFileSet();
  const set = from === 'test' ? files : { ...files, test: files.train };
  const { split } = await loadIdxTest(set, limit);
  return { pixels: Uint8Array.from(split.images, (v) => Math.round(v * 255)), labels: split.labels, count: split.count };
}

/**
 * Writes `root/<digit>/<n>.<png|jpg>`. Mixed: sizes from 20 to 64 pixels (not always square),
 * every third image JPEG, every fourth one in colour (ink tinted), some with an alpha channel,
 * some dark ink on white.
 */
export async function writeDigitFolder(root: string, options: ImageFolderOptions = {}): Promise<number> {
  const sharp = await loadSharp();
  const perClass = options.perClass ?? 30;
  const mixed = options.mixed ?? true;
  const need = perClass * 10;
  const { pixels, labels, count } = await mnistBytes(options.from ?? 'train', Number.isFinite(need) ? Math.min(60000, need * 3) : undefined);
  const taken = new Array<number>(10).fill(0);
  for (const name of DIGIT_NAMES) await mkdir(path.join(root, name), { recursive: true });
  let written = 0;
  const jobs: Promise<unknown>[] = [];
  for (let i = 0; i < count && written < need; i++) {
    const label = labels[i]!;
    if (taken[label]! >= perClass) continue;
    const n = taken[label]!++;
    const grey = Buffer.from(pixels.subarray(i * 784, (i + 1) * 784));
    const base = path.join(root, DIGIT_NAMES[label]!, String(n).padStart(5, '0'));
    if (!mixed) {
      // MNIST as it is: 28x28 grey PNGs, encoded in this thread (fast for small images).
      const png = new PNG({ width: 28, height: 28, colorType: 0, inputColorType: 0, bitDepth: 8 });
      png.data = grey;
      jobs.push(writeFile(`${base}.png`, PNG.sync.write(png, { colorType: 0, inputColorType: 0 })));
      written++;
      options.onFile?.(written, need);
      if (jobs.length >= 64) await Promise.all(jobs.splice(0));
      continue;
    }
    let image = sharp(grey, { raw: { width: 28, height: 28, channels: 1 } });
    let ext = 'png';
    {
      const width = 20 + ((i * 7) % 45);
      const height = i % 5 === 0 ? width : 20 + ((i * 13) % 45);
      if (i % 6 === 1) image = image.negate();
      image = image.resize(width, height, { fit: 'fill' });
      if (i % 4 === 2) image = image.toColourspace('srgb').tint({ r: 255, g: 120, b: 40 });
      else image = image.toColourspace('b-w');
      if (i % 3 === 0) ext = 'jpg';
      else if (i % 8 === 5) image = image.ensureAlpha();
    }
    const file = `${base}.${ext}`;
    jobs.push((ext === 'jpg' ? image.jpeg({ quality: 90 }) : image.png()).toFile(file));
    written++;
    options.onFile?.(written, need);
    if (jobs.length >= 64) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
  return written;
}

/** An 8x8 version of each digit (4x4 blocks averaged, 0-16 as in the UCI digits table), one row each. */
export async function writeDigitCsv(file: string, rows = 2000): Promise<number> {
  const { pixels, labels, count } = await mnistBytes('train', rows);
  const header = [...Array.from({ length: 64 }, (_, k) => `pixel_${Math.floor(k / 8)}_${k % 8}`), 'digit'];
  const lines = [header.join(',')];
  for (let i = 0; i < count; i++) {
    const cells: number[] = [];
    // The 28x28 digit's central 32x32 (padded) area in 4x4 blocks: rows and columns -2..29.
    for (let by = 0; by < 8; by++) {
      for (let bx = 0; bx < 8; bx++) {
        let sum = 0;
        for (let y = by * 4 - 2; y < by * 4 + 2; y++) {
          for (let x = bx * 4 - 2; x < bx * 4 + 2; x++) if (y >= 0 && y < 28 && x >= 0 && x < 28) sum += pixels[i * 784 + y * 28 + x]!;
        }
        cells.push(Math.round((sum / 16 / 255) * 16));
      }
    }
    lines.push([...cells, DIGIT_NAMES[labels[i]!]].join(','));
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, lines.join('\n') + '\n');
  return count;
}
