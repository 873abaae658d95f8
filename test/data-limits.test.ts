// Data at the sizes where JavaScript's own limits begin: refused or handled in plain words,
// never an internal error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, ftruncateSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_CSV_CELLS, MAX_CSV_LINES, readTable } from '../src/data/csv/table.js';
import { DataError } from '../src/data/errors.js';
import { stratifiedSplit } from '../src/data/splits.js';

test('a CSV file longer than the longest string V8 makes is refused by its size, before it is read', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netspec-limits-'));
  try {
    // 2^29 - 8 bytes: under 512 MiB, over the 2^29 - 24 characters a string may hold. Sparse: no disk used.
    const file = path.join(dir, 'big.csv');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 2 ** 29 - 8);
    closeSync(fd);
    await assert.rejects(readTable(file, 'big.csv', ','), (error: unknown) => {
      assert.ok(error instanceof DataError, String(error));
      assert.match(error.message, /^big\.csv: is 536,870,904 bytes, over the limit of 536,870,888 bytes for a CSV file/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a CSV table of more lines than the limit is refused before it is parsed', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netspec-limits-'));
  try {
    const file = path.join(dir, 'long.csv');
    const refused = (message: string) => (error: unknown) => {
      assert.ok(error instanceof DataError, String(error));
      assert.equal(error.message, message);
      return true;
    };
    const tail = 'the limit of %s for a CSV table (every row is held in memory while it is read); use a sample of the rows';
    // Lines ending in LF, and in a lone CR (which the parser also takes as a row's end).
    for (const end of ['\n', '\r']) {
      writeFileSync(file, `a,label${end}` + `1,x${end}`.repeat(MAX_CSV_LINES));
      await assert.rejects(
        readTable(file, 'long.csv', ','),
        refused(`long.csv: has 5,000,001 lines of 2 columns, over ${tail.replace('%s', '5,000,000 lines')}`),
      );
    }
    // Fewer lines, but more cells than the limit.
    const wide = Array.from({ length: 50 }, (_, j) => `c${j}`).join(',');
    writeFileSync(file, `${wide}\n` + `${'1,'.repeat(49)}1\n`.repeat(MAX_CSV_CELLS / 50));
    await assert.rejects(
      readTable(file, 'long.csv', ','),
      refused(`long.csv: has 2,000,001 lines of 50 columns, over ${tail.replace('%s', '100,000,000 cells')}`),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stratified split takes classes of hundreds of thousands of samples', () => {
  const labels = new Uint8Array(400_000).map((_, i) => (i < 300_000 ? 0 : 1));
  const { train, test: held } = stratifiedSplit(labels, 0.25, 3);
  assert.equal(held.length, 75_000 + 25_000);
  assert.equal(train.length, 300_000);
  assert.equal(new Set([...train, ...held]).size, 400_000, 'every sample once');
  assert.equal(held.filter((i) => labels[i] === 0).length, 75_000, 'each class split by the fraction');
});
