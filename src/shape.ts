// Shape arithmetic every layer kind and report shares: sizes, Keras's way of printing a shape,
// and TensorFlow's sliding-window rule.
import type { Shape } from './types.js';

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

/** The span a k-wide window covers with dilation d: k + (k - 1)(d - 1). */
export function dilatedSize(window: number, dilation: number): number {
  return window + (window - 1) * (dilation - 1);
}

/** The spatial size after a sliding window, as TensorFlow computes it. */
export function windowOutput(size: number, window: number, stride: number, padding: 'valid' | 'same', dilation = 1): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - dilatedSize(window, dilation)) / stride) + 1;
}

/** Checks a rank-3 (height, width, channels) input, as 2-D layers need. */
export function requireImage(kind: string, input: Shape): string | undefined {
  if (input.length === 3) return undefined;
  return (
    `${kind} needs an input of rank 3 (height, width, channels) but receives ${formatShape(input)}; ` +
    `add a reshape layer before it (for example target_shape: [${input.length === 2 ? `${input[0]}, ${input[1]}, 1` : 'h, w, c'}])`
  );
}

export interface Window {
  size: readonly [number, number];
  strides: readonly [number, number];
  padding: 'valid' | 'same';
  dilation?: readonly [number, number];
}

/** Shape rule shared by convolutions and pools: height and width slide, channels come from `channels`. */
export function slidingWindowShape(kind: string, what: string, input: Shape, window: Window, channels: number): ShapeResult {
  const rankError = requireImage(kind, input);
  if (rankError) return { error: rankError };
  const [h, w] = input as [number, number, number];
  const [dh, dw] = window.dilation ?? [1, 1];
  const out: [number, number, number] = [
    windowOutput(h, window.size[0], window.strides[0], window.padding, dh),
    windowOutput(w, window.size[1], window.strides[1], window.padding, dw),
    channels,
  ];
  if (out[0] <= 0 || out[1] <= 0) {
    const span = dh === 1 && dw === 1 ? '' : ` (${dilatedSize(window.size[0], dh)}x${dilatedSize(window.size[1], dw)} with its dilation)`;
    return {
      error:
        `${what} ${window.size[0]}x${window.size[1]}${span} is larger than its ${h}x${w} input, so the output would be ` +
        `${formatShape(out)}; use a smaller ${what}, padding: same, or fewer downsampling layers before it`,
    };
  }
  return { shape: out };
}
