/**
 * Sum over the LEADING axes of a float32 tensor as a JS loop (heap.ts).
 *
 * Why: every conv layer's bias gradient is sum(dy, axes [0,1,2]) over an NHWC
 * tensor. The stock wasm Sum only reduces innermost axes, so it first
 * transposes the whole tensor (channels to the front) and then sums: 15-33 ms
 * per layer for the target model. Summing rows into per-column accumulators
 * reads the data once, in order, and needs no transpose.
 *
 * Accumulation is in float64 (then rounded once to float32), so results
 * differ from the stock kernel's float32 sums only by rounding, towards the
 * exact value.
 */

/** `axes` normalised to [0, rank); true when they are exactly 0..k-1 with 0 < k < rank. */
export function leadingAxesCount(axis: number | number[] | undefined, rank: number): number {
  if (axis == null) return 0;
  const list = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a));
  const sorted = [...new Set(list)].sort((p, q) => p - q);
  if (sorted.length === 0 || sorted.length >= rank) return 0;
  return sorted.every((a, i) => a === i) ? sorted.length : 0;
}

/**
 * out[j] = sum_i x[i * cols + j] for a row-major [rows, cols] view of x.
 * Four rows per pass: measured ~6x faster than one row per pass for
 * [43264, 32] (fewer loads/stores of the accumulators per input element).
 */
export function sumRowsInto(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const acc = new Float64Array(cols);
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const b0 = i * cols;
    const b1 = b0 + cols;
    const b2 = b1 + cols;
    const b3 = b2 + cols;
    for (let j = 0; j < cols; j++) acc[j] = acc[j]! + (x[b0 + j]! + x[b1 + j]! + (x[b2 + j]! + x[b3 + j]!));
  }
  for (; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) acc[j] = acc[j]! + x[base + j]!;
  }
  out.set(acc);
}
