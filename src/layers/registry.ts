// The layer registry: kinds are looked up by name, so the compiler core never switches over them.
// Adding a kind is one new module and one line here.
import { activation } from './activation.js';
import { batchNorm } from './batch-norm.js';
import { concatenate } from './concatenate.js';
import { conv2d } from './conv2d.js';
import { conv2dTranspose } from './conv2d-transpose.js';
import { dense } from './dense.js';
import { depthwiseConv2d } from './depthwise-conv2d.js';
import { dropout } from './dropout.js';
import { flatten } from './flatten.js';
import { globalAvgPool2d, globalMaxPool2d } from './global-pooling.js';
import { add, average, maximum, minimum, multiply, subtract } from './merge.js';
import { cropping2d, zeroPadding2d } from './padding2d.js';
import { avgPool2d, maxPool2d } from './pooling.js';
import { reshape } from './reshape.js';
import { separableConv2d } from './separable-conv2d.js';
import { upsampling2d } from './upsampling2d.js';
import type { AnyLayerKind } from './types.js';

const ALL: readonly AnyLayerKind[] = [
  conv2d,
  depthwiseConv2d,
  separableConv2d,
  conv2dTranspose,
  maxPool2d,
  avgPool2d,
  globalAvgPool2d,
  globalMaxPool2d,
  flatten,
  dense,
  dropout,
  batchNorm,
  activation,
  reshape,
  upsampling2d,
  zeroPadding2d,
  cropping2d,
  add,
  subtract,
  multiply,
  average,
  maximum,
  minimum,
  concatenate,
];

const BY_KIND = new Map(ALL.map((def) => [def.kind, def]));

/** Every kind, in the order the schema and the reference list them. */
export function allLayerKinds(): readonly AnyLayerKind[] {
  return ALL;
}

export function layerKinds(): string[] {
  return ALL.map((def) => def.kind);
}

/** The definition of a kind; the schema has already rejected unknown kinds, so a miss is a bug. */
export function layerKind(kind: string): AnyLayerKind {
  const def = BY_KIND.get(kind);
  if (!def) throw new Error(`internal error: layer kind '${kind}' passed validation but is not registered`);
  return def;
}
