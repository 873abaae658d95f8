// The image_folder dataset kind: class folders, decoding and resizing with the stated modes,
// the header checks that refuse bad files before decoding, the cache, parallel decoding, and
// every kind of bad folder with its exact message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { PNG } from 'pngjs';
import { DataError, loadDataset } from '../src/data/datasets.js';
import { decodeImage, type ImageTarget } from '../src/data/images/decode.js';
import { loadImages } from '../src/data/images/load.js';
import { listImageFolder } from '../src/data/images/scan.js';
import { readIdxFile } from '../src/data/idx.js';
import { resolveDatasetFiles } from '../src/data/datasets.js';
import { DIGIT_NAMES, writeDigitFolder } from '../src/data/samples.js';
import type { ImageFolderRef } from '../src/data/registry.js';
import { tempDir } from './helpers.js';

const folder = (dir: string, extra: Partial<ImageFolderRef> = {}): ImageFolderRef => ({
  kind: 'image_folder',
  dir,
  testSplit: 0.2,
  splitSeed: 42,
  resize: 'stretch',
  ...extra,
});

/** A PNG chunk: length, type, data, CRC. */
function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** A tiny PNG whose header declares width x height grey pixels, with a few bytes of data. */
function pngDeclaring(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(64))), chunk('IEND', Buffer.alloc(0))]);
}

async function greyPng(width: number, height: number, value: (x: number, y: number) => number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels[y * width + x] = value(x, y);
  return sharp(pixels, { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
}

/** A folder `root/<class>/<i>.png` of small grey squares, each class its own brightness. */
async function writeSquares(root: string, classes: Record<string, number>, size = 8): Promise<void> {
  for (const [name, count] of Object.entries(classes)) {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < count; i++) writeFileSync(join(root, name, `${i}.png`), await greyPng(size, size, () => 40 * (Object.keys(classes).indexOf(name) + 1)));
  }
}

const rejectsWith = (promise: Promise<unknown>, message: string): Promise<void> =>
  assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.equal(e.message, message);
    return true;
  });

test('a folder of 28x28 grey PNGs written from MNIST loads back to the exact MNIST pixels, classes sorted by name', async () => {
  const dir = tempDir();
  await writeDigitFolder(join(dir, 'digits'), { perClass: 5, mixed: false });
  const data = await loadDataset(folder('digits'), dir, { inputShape: [28, 28, 1], cacheDir: false });
  assert.deepEqual(data.classNames, [...DIGIT_NAMES].sort());
  assert.equal(data.train.count + data.test.count, 50);
  assert.equal(data.test.count, 10, 'round(5 * 0.2) = 1 test image per class');
  assert.deepEqual([...new Set(data.test.labels)].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'every class is in the test split');
  // The first MNIST training images, from the IDX file itself, are among the samples exactly.
  const mnist = await readIdxFile(resolveDatasetFiles({ kind: 'mnist' }, '.').train.images);
  const first = Float32Array.from(mnist.data.subarray(0, 784), (v) => v / 255);
  const all = [data.train, data.test];
  const found = all.some((s) =>
    Array.from({ length: s.count }, (_, i) => s.images.subarray(i * 784, (i + 1) * 784)).some((img) => img.every((v, k) => v === first[k])),
  );
  assert.ok(found, 'the first MNIST digit (a five) is loaded pixel for pixel');
  assert.deepEqual(data.notes, [], 'nothing resized or converted');
});

test('resize modes: stretch ignores the aspect ratio, crop cuts the centre, pad fills with black', async () => {
  // 40x20: columns 0-19 white, 20-39 black.
  const bytes = await greyPng(40, 20, (x) => (x < 20 ? 255 : 0));
  const target = (resize: ImageTarget['resize']): ImageTarget => ({ height: 10, width: 10, channels: 1, resize });
  const grid = async (resize: ImageTarget['resize']): Promise<number[][]> => {
    const { pixels, resized } = await decodeImage(bytes, 'half.png', target(resize), 1e6);
    assert.equal(resized, true);
    return Array.from({ length: 10 }, (_, y) => Array.from(pixels.subarray(y * 10, y * 10 + 10)));
  };
  const stretch = await grid('stretch');
  // Stretched: the left half of every row is white, the right half black (the edge pixels blend).
  for (const row of stretch) {
    assert.ok(row.slice(0, 4).every((v) => v > 240) && row.slice(6).every((v) => v < 15), `stretch row ${row}`);
  }
  // Cropped to the centre 20x20 (columns 10-29): still half white, half black, at full height.
  const crop = await grid('crop');
  for (const row of crop) assert.ok(row.slice(0, 4).every((v) => v > 240) && row.slice(6).every((v) => v < 15), `crop row ${row}`);
  // Padded: the 40x20 picture becomes 10x5 in the middle rows; rows above and below are black.
  const pad = await grid('pad');
  for (const y of [0, 1, 8, 9])
    assert.ok(
      pad[y]!.every((v) => v === 0),
      `pad row ${y}: ${pad[y]}`,
    );
  for (const y of [3, 4, 5, 6]) assert.ok(pad[y]!.slice(0, 4).every((v) => v > 240) && pad[y]!.slice(6).every((v) => v < 15), `pad row ${y}: ${pad[y]}`);
});

test('colour becomes grey by Rec. 601 luma, alpha is dropped, and 16-bit PNGs scale to 8 bits', async () => {
  const rgb = await sharp(Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]), { raw: { width: 4, height: 1, channels: 3 } })
    .png()
    .toBuffer();
  const grey = await decodeImage(rgb, 'rgb.png', { height: 1, width: 4, channels: 1, resize: 'stretch' }, 1e6);
  assert.deepEqual([...grey.pixels], [76, 150, 29, Math.round(0.299 * 10 + 0.587 * 20 + 0.114 * 30)]);
  assert.equal(grey.converted, true);
  // The same bytes through the resizing path (sharp) and the same-size path (pngjs) agree.
  const big = await sharp(Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]), { raw: { width: 2, height: 2, channels: 3 } })
    .resize(4, 4, { kernel: 'nearest' })
    .png()
    .toBuffer();
  const viaSharp = await decodeImage(big, 'big.png', { height: 2, width: 2, channels: 3, resize: 'stretch' }, 1e6);
  const viaPngjs = await decodeImage(
    await sharp(big).resize(2, 2, { kernel: 'linear', fit: 'fill' }).png().toBuffer(),
    'small.png',
    { height: 2, width: 2, channels: 3, resize: 'stretch' },
    1e6,
  );
  assert.deepEqual([...viaSharp.pixels], [...viaPngjs.pixels]);

  const png = new PNG({ width: 2, height: 1 });
  png.data = Buffer.from(new Uint16Array([65535, 32896, 0, 0, 257 * 100, 257 * 100, 257 * 100, 65535]).buffer);
  const deep = PNG.sync.write(png, { colorType: 6, bitDepth: 16, inputColorType: 6 });
  const decoded = await decodeImage(deep, 'deep.png', { height: 1, width: 2, channels: 3, resize: 'stretch' }, 1e6);
  assert.deepEqual([...decoded.pixels], [255, 128, 0, 100, 100, 100], 'alpha 0 on the first pixel is dropped, not composited');
});

test('headers are checked before decoding: a decompression bomb, an empty file and a foreign file each get one plain message', async () => {
  const target: ImageTarget = { height: 28, width: 28, channels: 1, resize: 'stretch' };
  const started = performance.now();
  await rejectsWith(
    decodeImage(pngDeclaring(12000, 12000), 'bomb.png', target, 50_000_000, 'png'),
    'bomb.png: declares 12000x12000 = 144,000,000 pixels, over the limit of 50,000,000 pixels (it would take about 550 MiB to decode, and may be a decompression bomb); shrink the image, or raise the limit with --max-pixels 144000000',
  );
  assert.ok(performance.now() - started < 1000, 'refused without decoding');
  // Over the limit once raised, the same file is decoded and found corrupt (its data is 64 zero bytes).
  await rejectsWith(
    decodeImage(pngDeclaring(12000, 12000), 'bomb.png', target, 200_000_000, 'png'),
    'bomb.png: not a readable PNG image; the file is truncated or corrupt',
  );
  await rejectsWith(decodeImage(Buffer.alloc(0), 'empty.png', target, 1e6, 'png'), 'empty.png: the file is empty (0 bytes); expected a PNG image');
  await rejectsWith(decodeImage(Buffer.alloc(0), 'empty.avif', target, 1e6, 'avif'), 'empty.avif: the file is empty (0 bytes); expected an AVIF image');
  await rejectsWith(decodeImage(Buffer.alloc(0), 'empty', target, 1e6), 'empty: the file is empty (0 bytes); expected an image');
  await rejectsWith(
    decodeImage(pngDeclaring(0, 5), 'flat.png', target, 1e6, 'png'),
    'flat.png: its PNG header declares 0x5 pixels; an image needs at least one pixel',
  );
  await rejectsWith(
    decodeImage(Buffer.from('<html>not a picture</html>'), 'page.jpg', target, 1e6, 'jpeg'),
    'page.jpg: is not a PNG, JPEG, GIF, WebP, TIFF or AVIF image (its first bytes match none of them)',
  );
  const jpeg = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#808080' } })
    .jpeg()
    .toBuffer();
  await rejectsWith(
    decodeImage(jpeg.subarray(0, 20), 'cut.jpg', target, 1e6, 'jpeg'),
    'cut.jpg: not a readable JPEG image: the JPEG has no frame header (SOF) before its data; the file is truncated or corrupt',
  );
  // A JPEG named .png is decoded as what it holds, as browsers do.
  assert.equal((await decodeImage(jpeg, 'misnamed.png', target, 1e6, 'png')).pixels.length, 784);
});

test('bad folders: no class folders, a single class, an empty class, a corrupt image, a class only in the test folder', async () => {
  const dir = tempDir();
  const load = (ref: ImageFolderRef) => loadDataset(ref, dir, { inputShape: [8, 8, 1], cacheDir: join(dir, 'cache') });

  mkdirSync(join(dir, 'flat'));
  writeFileSync(join(dir, 'flat', 'a.png'), await greyPng(8, 8, () => 1));
  await rejectsWith(
    load(folder('flat')),
    `${join(dir, 'flat')}: has no class folders; expected one subfolder per class holding its images, e.g. ${join(dir, 'flat', 'cat', '001.jpg')}`,
  );

  await writeSquares(join(dir, 'one'), { cat: 3 });
  await rejectsWith(load(folder('one')), `${join(dir, 'one')}: has a single class folder (cat); a classifier needs at least two classes, one subfolder each`);

  await writeSquares(join(dir, 'hollow'), { cat: 3, dog: 3 });
  mkdirSync(join(dir, 'hollow', 'fox'));
  writeFileSync(join(dir, 'hollow', 'fox', 'notes.txt'), 'no pictures yet');
  await rejectsWith(
    load(folder('hollow')),
    `${join(dir, 'hollow')}: class folder 'fox' holds no images (.png, .jpg, .jpeg, .gif, .webp, .tif, .tiff, .avif); add images or remove the folder`,
  );

  await writeSquares(join(dir, 'broken'), { cat: 3, dog: 3 });
  const good = readFileSync(join(dir, 'broken', 'dog', '1.png'));
  writeFileSync(join(dir, 'broken', 'dog', '1.png'), good.subarray(0, good.length - 30));
  writeFileSync(join(dir, 'broken', 'cat', '2.png'), '');
  await rejectsWith(
    load(folder('broken')),
    `2 images in ${join(dir, 'broken')} cannot be used; fix or remove them:\n` +
      `  ${join(dir, 'broken', 'cat', '2.png')}: the file is empty (0 bytes); expected a PNG image\n` +
      `  ${join(dir, 'broken', 'dog', '1.png')}: not a readable PNG image; the file is truncated or corrupt`,
  );
  assert.equal(existsSync(join(dir, 'cache')), false, 'a failed load caches nothing');

  await writeSquares(join(dir, 'train'), { cat: 3, dog: 3 });
  await writeSquares(join(dir, 'test'), { cat: 1, wolf: 1 });
  await rejectsWith(
    load(folder('train', { testDir: 'test' })),
    `${join(dir, 'test', 'wolf')}: class 'wolf' has test images but no class folder in ${join(dir, 'train')}; the model can only learn the classes it trains on (training classes: cat, dog)`,
  );
  await rejectsWith(
    load(folder('train', { classes: ['dog', 'cat', 'fox'] })),
    `the dataset's classes must name exactly the classes of the data: it lists 'fox', which ${join(dir, 'train')} does not have`,
  );
});

test('non-images are skipped and counted once; mixed sizes and colour modes are resized and converted, and said so', async () => {
  const dir = tempDir();
  await writeSquares(join(dir, 'pets'), { cat: 4, dog: 4 });
  writeFileSync(join(dir, 'pets', 'cat', 'README.txt'), 'cats');
  writeFileSync(join(dir, 'pets', 'dog', 'notes.txt'), 'dogs');
  writeFileSync(join(dir, 'pets', 'dog', '.DS_Store'), '');
  writeFileSync(join(dir, 'pets', 'list.csv'), 'file,label');
  writeFileSync(
    join(dir, 'pets', 'dog', 'big.jpg'),
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#ff0000' } })
      .jpeg()
      .toBuffer(),
  );
  const data = await loadDataset(folder('pets'), dir, { inputShape: [8, 8, 1], cacheDir: false });
  assert.deepEqual(data.notes, [
    `${join(dir, 'pets')}: skipped 3 files that are not an image (2 .txt, 1 .DS_Store); skipped 1 file directly in the folder, outside any class folder`,
    '1 image of 9 was stretched to 8x8, grey',
    '1 image converted to grey',
  ]);
  assert.equal(data.train.count + data.test.count, 9);
  // The red JPEG, made grey: luma of pure red is 0.299 (JPEG rounding aside).
  const all = [...data.train.images, ...data.test.images];
  assert.ok(
    all.some((v) => Math.abs(v - 0.299) < 0.02),
    'a red image becomes grey 0.299',
  );
});

test('the cache: a second load decodes nothing, a changed file alone is decoded again, and the cache file is written whole', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  await writeSquares(join(dir, 'pets'), { cat: 20, dog: 20 });
  const cacheDir = join(dir, 'cache');
  const listing = await listImageFolder(join(dir, 'pets'));
  const target: ImageTarget = { height: 6, width: 6, channels: 3, resize: 'crop' };
  const first = await loadImages(listing.root, listing.files, target, { maxPixels: 1e6, cacheDir });
  assert.equal(first.cached, 0);
  const files = readdirSync(join(cacheDir, 'images'));
  assert.equal(files.length, 1, 'one cache file');
  assert.ok(files[0]!.endsWith('.bin') && !files.some((f) => f.endsWith('.tmp')));
  const second = await loadImages(listing.root, listing.files, target, { maxPixels: 1e6, cacheDir });
  assert.equal(second.cached, 40);
  assert.deepEqual(second.pixels, first.pixels);

  // A new picture under an old name with a new modification time: only it is decoded again.
  const changed = join(dir, 'pets', 'cat', '3.png');
  writeFileSync(changed, await greyPng(8, 8, () => 255));
  utimesSync(changed, new Date(), new Date(Date.now() + 5000));
  const relisted = await listImageFolder(join(dir, 'pets'));
  const third = await loadImages(relisted.root, relisted.files, target, { maxPixels: 1e6, cacheDir });
  assert.equal(third.cached, 39);
  const index = relisted.files.findIndex((f) => f.path === changed);
  assert.ok(third.pixels.subarray(index * 108, (index + 1) * 108).every((v) => v === 255));

  // Another target is another cache file; a torn cache file is ignored and rewritten.
  await loadImages(listing.root, listing.files, { ...target, resize: 'pad' }, { maxPixels: 1e6, cacheDir });
  assert.equal(readdirSync(join(cacheDir, 'images')).length, 2);
  const cacheFile = join(cacheDir, 'images', files[0]!);
  writeFileSync(cacheFile, readFileSync(cacheFile).subarray(0, 100));
  const afterTear = await loadImages(relisted.root, relisted.files, target, { maxPixels: 1e6, cacheDir });
  assert.equal(afterTear.cached, 0);
  assert.deepEqual(afterTear.pixels, third.pixels);

  // A cache file replaced by a pipe or by a link to an endless device is ignored and rebuilt,
  // not waited on or read without end.
  for (const [replace, rewritten] of [
    [() => execFileSync('mkfifo', [cacheFile]), false], // left alone: the atomic writer never replaces a pipe
    [() => symlinkSync('/dev/zero', cacheFile), true],
  ] as const) {
    rmSync(cacheFile);
    replace();
    const rebuilt = await loadImages(relisted.root, relisted.files, target, { maxPixels: 1e6, cacheDir });
    assert.equal(rebuilt.cached, 0);
    assert.deepEqual(rebuilt.pixels, third.pixels);
    assert.equal(statSync(cacheFile).isFile(), rewritten);
  }
});

test('decoding in worker threads gives the same bytes as decoding in-process', async () => {
  const dir = tempDir();
  await writeDigitFolder(join(dir, 'digits'), { perClass: 40, mixed: true });
  const listing = await listImageFolder(join(dir, 'digits'));
  const target: ImageTarget = { height: 16, width: 16, channels: 3, resize: 'pad' };
  const inProcess = await loadImages(listing.root, listing.files, target, { maxPixels: 1e6, cacheDir: false, workers: 0 });
  const parallel = await loadImages(listing.root, listing.files, target, { maxPixels: 1e6, cacheDir: false, workers: 2 });
  assert.equal(parallel.pixels.length, 400 * 16 * 16 * 3);
  assert.deepEqual(parallel.pixels, inProcess.pixels);
  assert.equal(parallel.resized, inProcess.resized);
});

test('the image size comes from the spec input, or from size and channels for a flat input', async () => {
  const dir = tempDir();
  await writeSquares(join(dir, 'pets'), { cat: 3, dog: 3 }, 10);
  const flat = await loadDataset(folder('pets', { size: [5, 4], channels: 3 }), dir, { inputShape: [60], cacheDir: false });
  assert.deepEqual(flat.sampleShape, [5, 4, 3]);
  await rejectsWith(
    loadDataset(folder('pets'), dir, { inputShape: [60], cacheDir: false }),
    "the spec's input [60] is flat, so the image size cannot be taken from it; give the dataset `size: [height, width]` and `channels: 1` (grey) or `3` (RGB), or write the input as [height, width, channels]",
  );
  await rejectsWith(
    loadDataset(folder('pets'), dir, { inputShape: [10, 10, 4], cacheDir: false }),
    "the spec's input [10, 10, 4] has 4 channels; images are loaded as 1 (grey) or 3 (RGB) channels",
  );
});

test('a folder too large for memory once decoded is refused before decoding', async () => {
  const dir = tempDir();
  const perImage = 4096 * 4096 * 3 * 5;
  const count = Math.ceil((os.totalmem() * 0.6) / perImage) + 2;
  const png = await greyPng(4, 4, () => 9);
  for (const name of ['a', 'b']) mkdirSync(join(dir, 'big', name), { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(join(dir, 'big', i % 2 ? 'a' : 'b', `${i}.png`), png);
  await assert.rejects(loadDataset(folder('big', { size: [4096, 4096], channels: 3 }), dir, { inputShape: [10], cacheDir: false }), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(
      e.message,
      new RegExp(
        `^${join(dir, 'big').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ${count.toLocaleString('en-US')} images of 4096x4096x3 would take [\\d.]+ GiB in memory, more than the [\\d.]+ GiB this machine can spare; use a smaller input size, or fewer images$`,
      ),
    );
    return true;
  });
});

test('an interlaced PNG decodes as its plain twin, and one whose data inflates far past its size is never inflated whole', async () => {
  const target: ImageTarget = { width: 8, height: 8, channels: 1, resize: 'stretch' };
  const plain = await greyPng(8, 8, (x, y) => 30 * x + y);
  const interlaced = await sharp(plain).png({ progressive: true }).toBuffer();
  assert.equal(interlaced[28], 1, 'the twin is interlaced (Adam7)');
  const a = await decodeImage(plain, 'plain.png', target, 1e6);
  const b = await decodeImage(interlaced, 'interlaced.png', target, 1e6);
  assert.deepEqual([...b.pixels], [...a.pixels]);

  // 8x8 RGB, Adam7, and 256 MiB of zeros in its IDAT (about 256 KiB of gzip).
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(8, 0);
  ihdr.writeUInt32BE(8, 4);
  ihdr.set([8, 2, 0, 0, 1], 8);
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  const bomb = Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(256 * 1024 ** 2), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
  try {
    await decodeImage(bomb, 'bomb.png', target, 1e6).catch((error: unknown) => assert.ok(error instanceof DataError, String(error)));
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  assert.ok(peak - before < 128 * 1024 ** 2, `decoding grew the process by ${((peak - before) / 1024 ** 2).toFixed(0)} MiB`);
});
