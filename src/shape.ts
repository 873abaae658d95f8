// Shape arithmetic every layer kind and report shares: sizes, Keras's way of printing a shape,
// the (height, width) pairs of 2-D layers, and TensorFlow's sliding-window rule.
import type { LayerParams, Shape } from './types.js';

/** The result of a shape rule: the output shape, or why there is none. */
export type ShapeResult = { shape: Shape } | { error: string };

export function product(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `(h, w, c)` as Keras prints a shape, with the batch dimension shown as None. */
export function formatShape(shape: Shape, withBatch = false): string {
  const dims = withBatch ? ['None', ...shape.map(String)] : shape.map(String);
  return `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`;
}

/** 3 -> [3, 3]; [2, 3] stays. */
export function pair(value: unknown, fallback: readonly [number, number]): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2) return [Number(value[0]), Number(value[1])];
  return [fallback[0], fallback[1]];
}

export function asPair(params: LayerParams, key: string): [number, number] {
  return pair(params[key], [1, 1]);
}

/** The spatial size after a sliding window, as TensorFlow computes it. */
export function windowOutput(size: number, window: number, stride: number, padding: unknown): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - window) / stride) + 1;
}

/** Checks a rank-3 (height, width, channels) input, as 2-D layers need. */
export function requireImage(kind: string, input: Shape): string | undefined {
  if (input.length === 3) return undefined;
  return (
    `${kind} needs an input of rank 3 (height, width, channels) but receives ${formatShape(input)}; ` +
    `add a reshape layer before it (for example target_shape: [${input.length === 2 ? `${input[0]}, ${input[1]}, 1` : 'h, w, c'}])`
  );
}

/** Shape rule shared by convolutions and pools: height and width slide, channels come from `channels`. */
export function slidingWindowShape(
  kind: string,
  what: string,
  input: Shape,
  window: [number, number],
  strides: [number, number],
  padding: unknown,
  channels: number,
): ShapeResult {
  const rankError = requireImage(kind, input);
  if (rankError) return { error: rankError };
  const [h, w] = input as [number, number, number];
  const out: [number, number, number] = [
    windowOutput(h, window[0], strides[0], padding),
    windowOutput(w, window[1], strides[1], padding),
    channels,
  ];
  if (out[0] <= 0 || out[1] <= 0) {
    return {
      error:
        `${what} ${window[0]}x${window[1]} is larger than its ${h}x${w} input, so the output would be ` +
        `${formatShape(out)}; use a smaller ${what}, padding: same, or fewer downsampling layers before it`,
    };
  }
  return { shape: out };
}
