// The page prepares a drawn or opened picture with its own code (src/web/digit-frame.ts);
// `netspec predict` prepares a file with src/predict/preprocess.ts. On the same picture both
// must give the same 28x28 input, value for value up to 560 pixels (closely beyond, where the
// two shrink with different filters): pictures of every kind go through both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { loadDataset } from '../src/data/datasets.js';
import { DEFAULT_MAX_PIXELS } from '../src/data/datasets.js';
import { decodePicture, frameShapeFor, toMnistFrame } from '../src/predict/preprocess.js';
import { digitFrame, frameInputShape, greyFromRgba, toWorkingSize, WORKING_SIZE } from '../src/web/digit-frame.js';

/** A small seeded generator (mulberry32), so every run draws the same pictures. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Picture {
  what: string;
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** Thick strokes between random points on a plain background: what a mouse or a pen draws. */
function strokes(seed: number, width: number, height: number, ink: number[], paper: number[]): Picture {
  const next = random(seed);
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) rgba.set(paper, 4 * p);
  const radius = Math.max(1, Math.min(width, height) * (0.03 + 0.05 * next()));
  let [x, y] = [next() * width, next() * height];
  for (let s = 0; s < 3 + Math.floor(next() * 4); s++) {
    const [nx, ny] = [next() * width, next() * height];
    for (let t = 0; t <= 1; t += 0.01) {
      const cx = x + (nx - x) * t,
        cy = y + (ny - y) * t;
      for (let py = Math.max(0, Math.floor(cy - radius)); py < Math.min(height, cy + radius); py++) {
        for (let px = Math.max(0, Math.floor(cx - radius)); px < Math.min(width, cx + radius); px++) {
          if (Math.hypot(px + 0.5 - cx, py + 0.5 - cy) < radius) rgba.set(ink, 4 * (py * width + px));
        }
      }
    }
    [x, y] = [nx, ny];
  }
  return { what: `strokes #${seed} ${width}x${height}`, width, height, rgba };
}

/** Both preparations of one picture: predict's from the PNG file, the page's from its RGBA pixels. */
async function bothFrames(picture: Picture): Promise<[Float32Array, Float32Array]> {
  const png = new PNG({ width: picture.width, height: picture.height });
  png.data.set(picture.rgba);
  const bytes = PNG.sync.write(png);
  const viaPredict = toMnistFrame(await decodePicture(bytes, `${picture.what}.png`, DEFAULT_MAX_PIXELS));
  const decoded = PNG.sync.read(bytes);
  const viaPage = digitFrame(toWorkingSize(greyFromRgba(decoded.data, decoded.width, decoded.height)));
  return [viaPredict, viaPage];
}

/**
 * Up to WORKING_SIZE both paths compute the same values. Beyond it predict's decoder shrinks the
 * picture with its own filter before the same steps, so values may differ a little at the edges
 * of strokes, never in substance.
 */
async function assertSameFrame(picture: Picture): Promise<void> {
  const [expected, actual] = await bothFrames(picture);
  assert.equal(actual.length, 28 * 28, picture.what);
  const diffs = expected.map((v, i) => Math.abs(v - actual[i]!));
  const worst = diffs.reduce((m, d) => Math.max(m, d), 0);
  if (Math.max(picture.width, picture.height) <= WORKING_SIZE) {
    assert.equal(worst, 0, `${picture.what}: frames differ by up to ${worst}`);
  } else {
    const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
    // Moving an MNIST digit by one pixel changes its frame by 0.065 on average and up to 1.
    assert.ok(mean < 0.02 && worst < 0.2, `${picture.what}: frames differ by ${mean} on average, ${worst} at most`);
  }
}

test('drawn strokes of every size, colour and background give the same frame as predict', async () => {
  const palettes: Array<[string, number[], number[]]> = [
    ['white on black', [255, 255, 255, 255], [0, 0, 0, 255]],
    ['black on white', [0, 0, 0, 255], [255, 255, 255, 255]],
    ['blue ink on cream paper', [30, 40, 160, 255], [245, 235, 210, 255]],
    ['dark strokes on transparency', [20, 20, 20, 255], [0, 0, 0, 0]],
    ['light strokes on transparency', [250, 250, 250, 255], [255, 255, 255, 0]],
    ['half-transparent ink', [0, 0, 0, 128], [255, 255, 255, 255]],
  ];
  const sizes: Array<[number, number]> = [
    [280, 280],
    [28, 28],
    [9, 13],
    [560, 300],
    [640, 200],
    [120, 700],
    [1500, 1100],
  ];
  let seed = 1;
  for (const [name, ink, paper] of palettes) {
    for (const [w, h] of sizes) {
      const picture = strokes(seed++, w, h, ink, paper);
      await assertSameFrame({ ...picture, what: `${picture.what}, ${name}` });
    }
  }
});

test('photographs of noise, gradients and blank pictures give the same frame as predict', async () => {
  const next = random(99);
  const noise = { what: 'noise', width: 64, height: 48, rgba: Uint8Array.from({ length: 64 * 48 * 4 }, () => Math.floor(next() * 256)) };
  const gradient = { what: 'gradient', width: 50, height: 30, rgba: new Uint8Array(50 * 30 * 4) };
  for (let p = 0; p < 50 * 30; p++) gradient.rgba.set([(p % 50) * 5, 128, 255 - (p % 50) * 5, 255], 4 * p);
  const blank = { what: 'blank', width: 40, height: 40, rgba: new Uint8Array(40 * 40 * 4).fill(200) };
  const dot = { what: 'one dot', width: 40, height: 40, rgba: new Uint8Array(40 * 40 * 4).fill(255) };
  dot.rgba.set([0, 0, 0, 255], 4 * (17 * 40 + 23));
  for (const picture of [noise, gradient, blank, dot]) await assertSameFrame(picture);
  const [blankFrame] = await bothFrames(blank);
  assert.ok(
    blankFrame.every((v) => v === 0),
    'a blank picture is an empty frame',
  );
});

test('MNIST test digits, enlarged and inverted like scans, give the same frame as predict', async () => {
  const { test: digits } = await loadDataset({ kind: 'mnist' }, '.', { limit: 1, testLimit: 30 });
  for (let k = 0; k < digits.count; k++) {
    const scale = 2 + (k % 4);
    const side = 28 * scale;
    const rgba = new Uint8Array(side * side * 4);
    for (let p = 0; p < side * side; p++) {
      const v = digits.images[k * 784 + Math.floor(Math.floor(p / side) / scale) * 28 + Math.floor((p % side) / scale)]!;
      const grey = Math.round((1 - v) * 255);
      rgba.set([grey, grey, grey, 255], 4 * p);
    }
    await assertSameFrame({ what: `MNIST test digit ${k} at ${scale}x`, width: side, height: side, rgba });
  }
});

test('the page feeds the frame to the same model input shapes as predict', () => {
  for (const shape of [[28, 28, 1], [28, 28], [784], [32, 32, 3], [28, 28, 3], [28, 1, 28], [10]]) {
    assert.deepEqual(frameInputShape(shape), frameShapeFor(shape), JSON.stringify(shape));
  }
});
