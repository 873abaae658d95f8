// `netspec predict`: PNG decoding in every colour type, the MNIST preparation (inversion,
// crop, 20-pixel box, centre of mass), and end to end: real MNIST test digits, enlarged and
// inverted to look like scans, are recognised by a small model trained here.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { PNG } from 'pngjs';
import { predictImages } from '../src/cli/predict-command.js';
import { loadDataset } from '../src/data/datasets.js';
import { decodePicture, FRAME, frameShapeFor, ImageError, toMnistFrame } from '../src/predict/preprocess.js';

/** Decodes with sharp as predict does, under a generous pixel limit. */
const decodePng = (bytes: Uint8Array, name: string) => decodePicture(bytes, name, 1e8);
import { saveModelToDir } from '../src/train/model-io.js';
import { runCli, tempDir } from './helpers.js';

before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

/** A "7"-like glyph (bar plus diagonal), anti-aliased by 4x4 supersampling; ink 1 on 0. */
function drawSeven(width: number, height: number, box: { x: number; y: number; w: number; h: number }): Float32Array {
  const out = new Float32Array(width * height);
  const t = Math.max(box.w, box.h) * 0.14;
  const inside = (px: number, py: number): boolean => {
    const u = px - box.x,
      v = py - box.y;
    if (u < 0 || v < 0 || u > box.w || v > box.h) return false;
    if (v < t) return true;
    // Distance to the diagonal from the bar's right end down to the bottom left third.
    const [ax, ay, bx, by] = [box.w, t / 2, box.w * 0.3, box.h];
    const k = Math.max(0, Math.min(1, ((u - ax) * (bx - ax) + (v - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
    return Math.hypot(u - (ax + k * (bx - ax)), v - (ay + k * (by - ay))) < t / 2;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let i = 0; i < 16; i++) if (inside(x + ((i % 4) + 0.5) / 4, y + (Math.floor(i / 4) + 0.5) / 4)) s++;
      out[y * width + x] = s / 16;
    }
  }
  return out;
}

/** Encodes grey values in [0, 1] as a PNG of the given colour type and depth (alpha fully opaque). */
function encode(grey: Float32Array, width: number, height: number, colorType: 0 | 2 | 4 | 6, bitDepth: 8 | 16 = 8): Buffer {
  const png = new PNG({ width, height });
  if (bitDepth === 16) {
    const words = new Uint16Array(width * height * 4);
    grey.forEach((v, i) => words.set([v * 65535, v * 65535, v * 65535, 65535].map(Math.round), 4 * i));
    png.data = Buffer.from(words.buffer);
  } else {
    grey.forEach((v, i) => png.data.set([v * 255, v * 255, v * 255, 255].map(Math.round), 4 * i));
  }
  return PNG.sync.write(png, { colorType, bitDepth, inputColorType: 6 });
}

/** An 8-bit palette PNG (colour type 3), built by hand because pngjs only writes the other types. */
function encodePalette(grey: Float32Array, width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 3, 0, 0, 0], 8);
  const palette = Buffer.alloc(256 * 3);
  for (let i = 0; i < 256; i++) palette.fill(i, 3 * i, 3 * i + 3);
  const rows = Buffer.alloc((width + 1) * height);
  grey.forEach((v, i) => (rows[Math.floor(i / width) * (width + 1) + 1 + (i % width)] = Math.round(v * 255)));
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('PLTE', palette), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

const invert = (a: Float32Array): Float32Array => a.map((v) => 1 - v);

function centreOfMass(frame: Float32Array): [number, number] {
  let m = 0,
    cx = 0,
    cy = 0;
  frame.forEach((v, i) => {
    m += v;
    cx += v * ((i % FRAME) + 0.5);
    cy += v * (Math.floor(i / FRAME) + 0.5);
  });
  return [cx / m, cy / m];
}

function inkBox(frame: Float32Array): { w: number; h: number } {
  let x0 = FRAME,
    x1 = -1,
    y0 = FRAME,
    y1 = -1;
  frame.forEach((v, i) => {
    if (v <= 0.1) return;
    const x = i % FRAME,
      y = Math.floor(i / FRAME);
    [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
  });
  return { w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/** Largest difference; Infinity when the lengths differ or a value is not finite (NaN would compare false everywhere). */
function maxDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!Number.isFinite(d)) return Infinity;
    m = Math.max(m, d);
  }
  return m;
}

test('a white-on-black digit and a black-on-white one give the same frame, in every PNG colour type and depth', async () => {
  const [w, h] = [90, 70];
  const ink = drawSeven(w, h, { x: 31, y: 9, w: 34, h: 50 });
  const reference = toMnistFrame(await decodePng(encode(ink, w, h, 0), 'white-on-black.png'));
  const variants: Array<[string, Buffer]> = [
    ['grey, black on white', encode(invert(ink), w, h, 0)],
    ['grey+alpha', encode(invert(ink), w, h, 4)],
    ['RGB', encode(invert(ink), w, h, 2)],
    ['RGBA', encode(ink, w, h, 6)],
    ['palette', encodePalette(invert(ink), w, h)],
    ['16-bit grey', encode(invert(ink), w, h, 0, 16)],
    ['16-bit RGBA', encode(ink, w, h, 6, 16)],
  ];
  for (const [what, bytes] of variants) {
    assert.ok(maxDiff(toMnistFrame(await decodePng(bytes, what)), reference) < 0.02, what);
  }
  assert.ok(Math.max(...reference) > 0.99 && Math.min(...reference) === 0, 'scaled to [0, 1], background 0');
});

test('a digit drawn on transparency is found whether its strokes are dark or light', async () => {
  const [w, h] = [50, 50];
  const ink = drawSeven(w, h, { x: 10, y: 5, w: 25, h: 38 });
  const reference = toMnistFrame({ width: w, height: h, pixels: ink });
  for (const stroke of [0, 255]) {
    const png = new PNG({ width: w, height: h });
    ink.forEach((a, i) => png.data.set([stroke, stroke, stroke, Math.round(a * 255)], 4 * i));
    const frame = toMnistFrame(await decodePng(PNG.sync.write(png), `stroke ${stroke}`));
    assert.ok(maxDiff(frame, reference) < 0.02, `stroke ${stroke}`);
  }
});

test('tiny and huge pictures both fit a 20-pixel box with their centre of mass at the centre', async () => {
  const cases: Array<[string, number, number, { x: number; y: number; w: number; h: number }]> = [
    ['tiny', 9, 11, { x: 1, y: 1, w: 6, h: 9 }],
    ['huge, off-centre', 1600, 1200, { x: 1100, y: 150, w: 260, h: 380 }],
    ['wide', 300, 60, { x: 20, y: 10, w: 240, h: 40 }],
  ];
  const frames = await Promise.all(
    cases.map(async ([what, w, h, box]) => {
      const frame = toMnistFrame(await decodePng(encode(invert(drawSeven(w, h, box)), w, h, 0), what));
      const [cx, cy] = centreOfMass(frame);
      // Where MNIST puts it: within pixel 14 (continuous coordinates 14 to 15).
      assert.ok(cx >= 14 && cx <= 15 && cy >= 14 && cy <= 15, `${what}: centre of mass at ${cx}, ${cy}`);
      const { w: bw, h: bh } = inkBox(frame);
      assert.ok(Math.abs(Math.max(bw, bh) - 20) <= 1, `${what}: longer side ${Math.max(bw, bh)}`);
      return frame;
    }),
  );
  // Aspect ratio is kept: the wide glyph stays wide and short.
  const wide = inkBox(frames[2]!);
  assert.ok(wide.h <= 5, `wide glyph is ${wide.w}x${wide.h}`);
  // The same glyph at 9x11 and at 1600x1200 gives nearly the same frame.
  const meanDiff = frames[0]!.reduce((s, v, i) => s + Math.abs(v - frames[1]![i]!), 0) / frames[0]!.length;
  assert.ok(meanDiff < 0.1, `tiny vs huge mean difference ${meanDiff}`);
});

/** `frame` moved by (dx, dy) pixels, zeros coming in at the edge. */
function shifted(frame: Float32Array, dx: number, dy: number): Float32Array {
  const out = new Float32Array(FRAME * FRAME);
  for (let y = 0; y < FRAME; y++) {
    for (let x = 0; x < FRAME; x++) {
      const [sx, sy] = [x - dx, y - dy];
      if (sx >= 0 && sx < FRAME && sy >= 0 && sy < FRAME) out[y * FRAME + x] = frame[sy * FRAME + sx]!;
    }
  }
  return out;
}

const meanDiff = (a: Float32Array, b: Float32Array): number =>
  a.length === b.length ? a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length : Infinity;
/** A frame "comes back unchanged" below this mean difference per pixel (values in [0, 1]). */
const UNCHANGED = 0.005;

test('MNIST test digits written as PNGs come back nearly unchanged, and a one-pixel shift is told apart', async () => {
  // An MNIST digit is already what preparation makes (20-pixel box, centre of mass placed by
  // MNIST's own rule), so preparing it again must change almost nothing: an independent
  // reference for the whole chain, decoding included. Digits whose centre of mass lies within
  // 0.05 px of a pixel edge are left out: there the 8-bit grey levels decide the rounding.
  const data = await loadDataset({ kind: 'mnist' }, '.', { limit: 1, testLimit: 200 });
  let checked = 0;
  for (let k = 0; k < data.test.count; k++) {
    const digit = data.test.images.slice(k * 784, (k + 1) * 784);
    const [cx, cy] = centreOfMass(digit);
    if ([cx, cy].some((c) => Math.abs(c - Math.round(c)) < 0.05)) continue;
    checked++;
    const png = (frame: Float32Array): Buffer => encode(frame, FRAME, FRAME, 0);
    const back = toMnistFrame(await decodePng(png(digit), `mnist-${k}.png`));
    assert.ok(meanDiff(back, digit) < UNCHANGED, `digit ${k}: mean difference ${meanDiff(back, digit)}`);
    for (const [dx, dy] of [
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -1],
    ] as const) {
      // Closer to the digit than to the digit one pixel off: a frame shifted by a pixel shows.
      const off = meanDiff(back, shifted(digit, dx, dy));
      assert.ok(off > 2 * meanDiff(back, digit), `digit ${k}: as close to its shift by (${dx}, ${dy}) (${off}) as to itself`);
      // Preparation undoes a shift: the same digit one pixel off centre comes back centred.
      const moved = toMnistFrame(await decodePng(png(shifted(digit, dx, dy)), `mnist-${k}-moved.png`));
      assert.ok(meanDiff(moved, digit) < UNCHANGED, `digit ${k} moved by (${dx}, ${dy}): mean difference ${meanDiff(moved, digit)}`);
    }
  }
  assert.ok(checked >= 150, `only ${checked} of 200 digits checked`);
});

test('blank pictures give an empty frame; bytes that are not an image raise an error naming the file', async () => {
  assert.equal(Math.max(...toMnistFrame({ width: 5, height: 5, pixels: new Float32Array(25).fill(0.7) })), 0);
  const refused = async (bytes: Uint8Array, name: string, message: string): Promise<void> =>
    assert.rejects(decodePng(bytes, name), (e: unknown) => e instanceof ImageError && e.message === message);
  const gifHeader = Buffer.from([...Buffer.from('GIF89a'), 2, 0, 2, 0]);
  await refused(Buffer.concat([gifHeader, Buffer.from('garbage')]), 'cat.gif', 'cat.gif: not a readable GIF image; the file is truncated or corrupt');
  // Text after a GIF signature reads as a 28192x29807 picture: refused before any decoding.
  await refused(
    Buffer.from('GIF89a not a gif'),
    'bomb.gif',
    'bomb.gif: declares 28192x29807 = 840,318,944 pixels, over the limit of 100,000,000 pixels (it would take about 3,206 MiB to decode, and may be a decompression bomb); shrink the image, or raise the limit with --max-pixels 840318944',
  );
  await refused(Buffer.from('hello'), 'notes.png', 'notes.png: is not a PNG, JPEG, GIF, WebP, TIFF or AVIF image (its first bytes match none of them)');
  await refused(Buffer.alloc(0), 'empty.png', 'empty.png: the file is empty (0 bytes); expected a PNG image');
  assert.deepEqual(frameShapeFor([null, 28, 28, 1].slice(1)), [28, 28, 1]);
  assert.deepEqual(frameShapeFor([28, 28]), [28, 28]);
  assert.deepEqual(frameShapeFor([784]), [784]);
  assert.equal(frameShapeFor([32, 32, 3]), undefined);
});

test('end to end: enlarged, inverted MNIST test digits are recognised by a model trained on 3000 samples', async () => {
  const data = await loadDataset({ kind: 'mnist' }, '.', { limit: 3000, testLimit: 40 });
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 96, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.002), loss: 'sparseCategoricalCrossentropy' });
  const x = tf.tensor4d(data.train.images, [data.train.count, 28, 28, 1]);
  const y = tf.tensor1d(Array.from(data.train.labels), 'float32');
  await model.fit(x, y, { epochs: 8, batchSize: 32, shuffle: false, verbose: 0 });
  tf.dispose([x, y]);
  const dir = tempDir();
  const run = join(dir, 'run');
  mkdirSync(run);
  await saveModelToDir(model, run);

  // Each test digit at 3x size (84x84), dark ink on white paper, as a photo or scan would be.
  const files = Array.from({ length: data.test.count }, (_, k) => {
    const big = new Float32Array(84 * 84);
    for (let i = 0; i < big.length; i++) {
      big[i] = 1 - data.test.images[k * 784 + Math.floor(Math.floor(i / 84) / 3) * 28 + Math.floor((i % 84) / 3)]!;
    }
    const file = join(dir, `digit-${k}.png`);
    writeFileSync(file, encode(big, 84, 84, 0));
    return file;
  });
  const predictions = await predictImages(run, files);
  const correct = predictions.filter((p, k) => p.top[0]!.class === data.test.labels[k]).length;
  assert.ok(correct >= 0.8 * files.length, `${correct} of ${files.length} recognised`);
  for (const p of predictions) {
    assert.equal(p.top.length, 3);
    assert.ok(p.top[0]!.probability >= p.top[1]!.probability && p.top[1]!.probability >= p.top[2]!.probability);
  }

  // The command line: --json parses and agrees; a bad file fails with its name and no stack trace.
  const cli = runCli(['predict', run, ...files.slice(0, 3), '--json', '--backend', 'cpu']);
  assert.equal(cli.status, 0, cli.stderr);
  const json = JSON.parse(cli.stdout) as { predictions: Array<{ file: string; top: Array<{ class: number; probability: number }> }> };
  assert.deepEqual(
    json.predictions.map((p) => [p.file, p.top[0]!.class]),
    predictions.slice(0, 3).map((p) => [p.file, p.top[0]!.class]),
  );
  const text = runCli(['predict', run, files[0]!, '--backend', 'cpu']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`digit-0\\.png: ${predictions[0]!.top[0]!.class} \\(\\d+\\.\\d%\\)`));

  const notPng = join(dir, 'notes.png');
  writeFileSync(notPng, 'hello');
  for (const bad of [notPng, join(dir, 'missing.png')]) {
    const r = runCli(['predict', run, files[0]!, bad, '--backend', 'cpu']);
    assert.equal(r.status, 1, bad);
    assert.ok(r.stderr.includes(bad), r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.equal(runCli(['predict', dir, files[0]!, '--backend', 'cpu']).status, 2, 'a folder without model.json');
});

test('predict reshapes for a model that takes flat [784] input', async () => {
  const dir = tempDir();
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 10 })] });
  await saveModelToDir(model, dir);
  const file = join(dir, 'seven.png');
  writeFileSync(file, encode(drawSeven(40, 40, { x: 8, y: 4, w: 20, h: 30 }), 40, 40, 0));
  const [p] = await predictImages(dir, [file], 3);
  // No softmax at the end: predict applies one, so the three shares are proper probabilities.
  const sum = p!.top.reduce((s, t) => s + t.probability, 0);
  assert.ok(sum > 0 && sum <= 1 + 1e-6 && p!.top.every((t) => t.probability > 0));
});

test('a TIFF over the pixel limit is refused as such, with the flag that raises it, not as corrupt', async () => {
  const { default: sharp } = await import('sharp');
  const tiff = await sharp({ create: { width: 1200, height: 1000, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .tiff({ compression: 'deflate' })
    .toBuffer();
  await assert.rejects(decodePicture(tiff, 'big.tif', 1e6), (error: unknown) => {
    assert.ok(error instanceof ImageError, String(error));
    assert.match(error.message, /^big\.tif: declares 1200x1000 = 1,200,000 pixels, over the limit of 1,000,000 pixels .* --max-pixels 1200000$/);
    return true;
  });
  // Under the limit the same file decodes.
  assert.ok((await decodePicture(tiff, 'big.tif', 2e6)).width > 0);
});
