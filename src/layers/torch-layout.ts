// The PyTorch layout rules every layer kind shares. Images, [height, width, channels] in the spec,
// are stored channels first in the generated module, (batch, channels, height, width), because
// torch's convolutions and pools want that; every other tensor is stored as tfjs stores it. So
// a layer that reads an image and treats its channels as the last axis (dense, reshape, flatten)
// moves them to the end first, and weights are transposed once, when they are converted, rather
// than at every step. TensorFlow's `same` padding, which torch does not have when it is uneven,
// is worked out here from the static shapes.
import { dilatedSize } from '../shape.js';
import type { Shape } from '../types.js';
import type { TorchInit, TorchWeight } from './types.js';

/** A Python tuple of integers: (3, 3). */
export function pyTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(', ')})`;
}

/** Whether a tensor of this sample shape is an image, stored channels first. */
export const isImage = (shape: Shape): boolean => shape.length === 3;

/** The torch dim of the spec's last (channel) axis for samples of rank `rank`. */
export const channelDim = (rank: number): number => (rank === 3 ? 1 : rank);

/**
 * The torch dim of a sample axis (0-based, batch excluded) of a spec shape of rank `rank`:
 * height, width and channels of an image are dims 2, 3 and 1.
 */
export function torchDim(rank: number, axis: number): number {
  return rank === 3 ? [2, 3, 1][axis]! : axis + 1;
}

/** An image expression in the spec's channels-last order; other tensors are already so. */
export const channelsLast = (expr: string, shape: Shape): string => (isImage(shape) ? `${expr}.permute(0, 2, 3, 1)` : expr);

/** The inverse: a channels-last expression of a tensor of this shape back in the module's layout. */
export const channelsFirst = (expr: string, shape: Shape): string => (isImage(shape) ? `${expr}.permute(0, 3, 1, 2)` : expr);

/** A conv kernel (kh, kw, in, out) in torch's (out, in, kh, kw) order. */
export const OIHW = [3, 2, 0, 1] as const;

/** Keras's glorot_uniform fans: (in, out) of a dense kernel, receptive field times in and out of a conv kernel. */
export function glorot(shape: readonly number[]): TorchInit {
  if (shape.length === 2) return { kind: 'glorot_uniform', fanIn: shape[0]!, fanOut: shape[1]! };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { kind: 'glorot_uniform', fanIn: receptive * shape[shape.length - 2]!, fanOut: receptive * shape[shape.length - 1]! };
}

/**
 * A weight mapping. Without `torchShape` the torch shape is the tfjs shape permuted; the
 * depthwise kernel gives one, because torch folds its two channel axes into one.
 */
export function torchWeight(
  tfjs: string,
  torch: string,
  shape: readonly number[],
  init: TorchInit,
  permute?: readonly number[],
  torchShape?: readonly number[],
): TorchWeight {
  const permuted = permute ? permute.map((axis) => shape[axis]!) : [...shape];
  return { tfjs, torch, shape: [...shape], ...(permute ? { permute: [...permute] } : {}), torchShape: torchShape ? [...torchShape] : permuted, init };
}

/** A bias (or any vector) that is the same in both layouts. */
export const vector = (tfjs: string, torch: string, size: number, init: TorchInit = { kind: 'zeros' }): TorchWeight => torchWeight(tfjs, torch, [size], init);

/**
 * TensorFlow's `same` padding along one axis: the total that makes the output ceil(size /
 * stride), split with the odd pixel after (at the bottom or right).
 */
export function samePads(size: number, window: number, stride: number, dilation = 1): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + dilatedSize(window, dilation) - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** How a window layer pads: torch's own symmetric padding, or an explicit F.pad before it. */
export interface WindowPadding {
  /** (height, width) padding for the torch module, when both sides of each axis agree. */
  symmetric?: [number, number];
  /** (left, right, top, bottom) for F.pad, when they do not. */
  explicit?: [number, number, number, number];
}

export function windowPadding(
  input: Shape,
  window: readonly [number, number],
  strides: readonly [number, number],
  padding: 'valid' | 'same',
  dilation: readonly [number, number] = [1, 1],
): WindowPadding {
  if (padding === 'valid') return {};
  const [top, bottom] = samePads(input[0]!, window[0], strides[0], dilation[0]);
  const [left, right] = samePads(input[1]!, window[1], strides[1], dilation[1]);
  if (top === bottom && left === right) return top === 0 && left === 0 ? {} : { symmetric: [top, left] };
  return { explicit: [left, right, top, bottom] };
}

/** Keyword arguments written only when they differ from torch's default. */
export function keywords(pairs: ReadonlyArray<readonly [string, string, string]>): string[] {
  return pairs.filter(([, value, fallback]) => value !== fallback).map(([key, value]) => `${key}=${value}`);
}
