// Class probabilities from a model's output row, shared by `predict` and the page (pure code).

/** Probabilities from one output row; a model without a final softmax gets one here. */
export function probabilities(row: Float32Array): Float32Array {
  const sum = row.reduce((a, b) => a + b, 0);
  if (row.every((v) => v >= 0) && Math.abs(sum - 1) < 1e-3) return row;
  const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
  const exp = row.map((v) => Math.exp(v - max));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((v) => v / total);
}
