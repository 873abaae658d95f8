/**
 * The SIMD helper thread (src/backend/simd/helper.ts) when the caller's own half fails: the
 * error must reach the caller only once the helper's half is finished, since the caller frees
 * the buffers the helper writes as the error passes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitHelperFor } from '../src/backend/simd/helper.js';
import { kernelBytes } from '../src/backend/simd/module.js';

// 2x2 max pooling of [n, h, w, c] at byte 0, the output after it: a memory-bound kernel long
// enough (tens of milliseconds for the helper's half) that an early return would be caught.
const [n, h, w, c] = [160, 64, 64, 32];
const inputFloats = n * h * w * c;
const outputFloats = n * (h / 2) * (w / 2) * c;
const PAGE = 65536;

function throwing(): never {
  throw new Error("the caller's half failed");
}

test("an error in the caller's half reaches it only after the helper has written its half", () => {
  const bytes = (inputFloats + outputFloats) * 4;
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE), maximum: 65536, shared: true });
  const helper = splitHelperFor(memory, () => ({ plain: kernelBytes(true, false), fused: null }));
  assert.ok(helper != null, 'a shared memory gets a helper thread');

  const input = new Float32Array(memory.buffer, 0, inputFloats);
  for (let i = 0; i < inputFloats; i++) input[i] = ((i * 2654435761) % 1000) / 7 - 50;
  const output = new Float32Array(memory.buffer, inputFloats * 4, outputFloats);
  output.fill(Number.NaN);

  const half = n >> 1;
  const args = [0, inputFloats * 4, h, w, c, h / 2, w / 2, half, n];
  let caught: unknown = null;
  let lastAtReturn = 0;
  try {
    helper.run('maxPool2x2', args, () => throwing(), false);
  } catch (error) {
    // Read at once: the helper writes its samples in order, so the last output is its last write.
    lastAtReturn = output[outputFloats - 1]!;
    caught = error;
  }
  assert.match(String(caught), /the caller's half failed/);
  assert.ok(!Number.isNaN(lastAtReturn), 'the helper had finished when the error returned');
  // The helper's samples [half, n), checked against the definition of a 2x2 max pool.
  const ho = h / 2;
  const wo = w / 2;
  let wrong = 0;
  for (let b = half; b < n; b++)
    for (let y = 0; y < ho; y++)
      for (let x = 0; x < wo; x++)
        for (let ch = 0; ch < c; ch++) {
          const at = (yy: number, xx: number) => input[((b * h + yy) * w + xx) * c + ch]!;
          const expected = Math.max(at(2 * y, 2 * x), at(2 * y, 2 * x + 1), at(2 * y + 1, 2 * x), at(2 * y + 1, 2 * x + 1));
          if (output[((b * ho + y) * wo + x) * c + ch] !== Math.fround(expected)) wrong++;
        }
  assert.equal(wrong, 0, "every output of the helper's half was written before the error returned");
  // The caller's half never ran.
  assert.ok(Number.isNaN(output[0]));

  // The helper still takes jobs afterwards.
  output.fill(Number.NaN);
  assert.equal(
    helper.run('maxPool2x2', args, () => undefined, false),
    true,
  );
  assert.ok(!Number.isNaN(output[outputFloats - 1]));
});
