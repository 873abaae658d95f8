// The element-wise merge layers, side by side: they combine two or more inputs of one shape
// value by value, and differ only in the operation. Keras's shape rule: the shapes must match,
// except that a dimension of 1 stretches to the other's size (broadcasting); an input of lower
// rank lines up with the trailing dimensions of the others. No weights.
import { type AnyLayerKind, defineLayer, type LayerCost, NO_PARAMS, type TorchIO } from './types.js';
import { product, type ShapeResult } from '../shape.js';
import { channelsFirst, channelsLast } from './torch-layout.js';
import type { Shape } from '../types.js';

/** What the sizes of a dimension are called in messages ("the heights differ"), for the shapes specs have. */
export function dimensionSizes(shape: Shape, i: number): string {
  const names = shape.length === 3 ? ['heights', 'widths', 'channels'] : shape.length === 1 ? ['feature counts'] : [];
  return names[i] ?? `sizes of dimension ${i + 1}`;
}

/** Keras's broadcast of two shapes, or the first dimension (counted from the end) where they clash. */
function broadcast(a: Shape, b: Shape): { shape: Shape } | { clash: number } {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  const offset = long.length - short.length;
  const out = [...long];
  for (let i = 0; i < short.length; i++) {
    const x = long[offset + i]!;
    const y = short[i]!;
    if (x === y || y === 1) continue;
    if (x === 1) out[offset + i] = y;
    else return { clash: offset + i };
  }
  return { shape: out };
}

/** The shape rule of every element-wise merge, with messages that say how to make the branches agree. */
export function elementwiseShape(kind: string, inputs: readonly Shape[], sources: readonly string[]): ShapeResult {
  // Shapes broadcast together exactly when every pair does, so the first clashing pair is the one to name.
  for (let j = 1; j < inputs.length; j++) {
    for (let k = 0; k < j; k++) {
      const [a, b] = [inputs[k]!, inputs[j]!];
      const result = broadcast(a, b);
      if ('shape' in result) continue;
      const longer = a.length >= b.length ? a : b;
      const i = result.clash;
      const sizeIn = (s: Shape): number => s[i - (longer.length - s.length)]!;
      const channels = i === longer.length - 1 && longer.length === 3;
      const advice = channels
        ? `make the channels agree, for example with a 1x1 conv2d of ${Math.max(sizeIn(a), sizeIn(b))} filters on the narrower branch (a projection shortcut)`
        : 'make the branches agree: use padding: same, or the same strides and pools on every branch';
      return {
        error:
          `${kind} needs inputs of one shape (a size of 1 stretches to match), but the ${dimensionSizes(longer, i)} differ: ` +
          `${sizeIn(a)} in '${sources[k]}' and ${sizeIn(b)} in '${sources[j]}'; ${advice}`,
      };
    }
  }
  return { shape: inputs.slice(1).reduce<Shape>((shape, next) => (broadcast(shape, next) as { shape: Shape }).shape, inputs[0]!) };
}

interface Operation {
  kind: string;
  typeName: string;
  /** Completes "The layer type. `add` ...". */
  kindWords: string;
  /** Completes "Merges its inputs ... value by value". */
  how: string;
  arity: { min: number; max?: number };
  /** The operation in PyTorch, on operands that broadcast as numpy's do. */
  torch: (xs: readonly string[]) => string;
}

/** The merges whose gradient reads their operands (a product, which input was larger); sums need none. */
const READS_INPUTS: ReadonlySet<string> = new Set(['multiply', 'maximum', 'minimum']);

/**
 * Merges of n inputs combine them one at a time (((a ∘ b) ∘ c) ∘ d), so the forward pass holds
 * the n - 2 running results before the last while the layer runs; a merge whose gradient reads
 * its operands keeps them all: the inputs and those running results.
 */
function mergeCost(kind: string, inputs: readonly Shape[], readsInputs: boolean): LayerCost {
  let running = 0;
  for (let i = 2; i < inputs.length; i++) {
    const partial = elementwiseShape(kind, inputs.slice(0, i), inputs.slice(0, i).map(String));
    if ('shape' in partial) running += product(partial.shape);
  }
  return {
    multAdds: 0,
    ...(running ? { scratch: running } : {}),
    keeps: readsInputs ? { inputs: true, ...(running ? { own: running } : {}) } : {},
  };
}

/**
 * Inputs of one rank broadcast alike in either layout, so they are combined as stored. Inputs of
 * different ranks line up from the last axis, as tfjs's merges line them up: each is taken
 * channels last, a shorter one gains axes after the batch, and an image result goes back to
 * channels first.
 */
function mergeTorch(op: (xs: readonly string[]) => string, io: TorchIO): (xs: readonly string[]) => string {
  if (io.inputs.every((s) => s.length === io.inputs[0]!.length)) return op;
  const rank = io.output.length;
  const aligned = (x: string, shape: Shape): string => {
    const last = channelsLast(x, shape);
    return shape.length < rank
      ? `${last}[:, ${Array(rank - shape.length)
          .fill('None')
          .join(', ')}]`
      : last;
  };
  return (xs) => channelsFirst(`(${op(xs.map((x, i) => aligned(x, io.inputs[i]!)))})`, io.output);
}

const pairwise =
  (f: string) =>
  (xs: readonly string[]): string =>
    xs.slice(1).reduce((acc, x) => `${f}(${acc}, ${x})`, xs[0]!);

function elementwise({ kind, typeName, kindWords, how, arity, torch }: Operation): AnyLayerKind {
  return defineLayer<Record<string, never>>({
    kind,
    typeName,
    autoName: kind,
    family: 'merge',
    description:
      `Merges ${arity.max === 2 ? 'two inputs' : 'two or more inputs'} of one shape ${how}, value by value (Keras ${typeName}); ` +
      'list them in `inputs`. A size of 1 in one input stretches to match the others.',
    kindWords,
    params: {},
    arity,
    normalize: () => ({}),
    outputShape: (inputs, _p, sources) => elementwiseShape(kind, inputs, sources),
    countParams: () => NO_PARAMS,
    cost: (inputs) => mergeCost(kind, inputs, READS_INPUTS.has(kind)),
    tfjs: { factory: kind, config: () => ({}) },
    keras: { className: typeName, args: () => [] },
    pytorch: (_p, io) => ({ forward: mergeTorch(torch, io) }),
    display: () => [],
  });
}

const SEVERAL = { min: 2 };
export const add = elementwise({
  kind: 'add',
  typeName: 'Add',
  kindWords: 'adds its inputs.',
  how: 'by adding them',
  arity: SEVERAL,
  torch: (xs) => xs.join(' + '),
});
export const subtract = elementwise({
  kind: 'subtract',
  typeName: 'Subtract',
  kindWords: 'subtracts its second input from its first.',
  how: 'by subtracting the second from the first',
  arity: { min: 2, max: 2 },
  torch: (xs) => `${xs[0]} - ${xs[1]}`,
});
export const multiply = elementwise({
  kind: 'multiply',
  typeName: 'Multiply',
  kindWords: 'multiplies its inputs.',
  how: 'by multiplying them',
  arity: SEVERAL,
  torch: (xs) => xs.join(' * '),
});
export const average = elementwise({
  kind: 'average',
  typeName: 'Average',
  kindWords: 'averages its inputs.',
  how: 'by averaging them',
  arity: SEVERAL,
  torch: (xs) => `(${xs.join(' + ')}) / ${xs.length}`,
});
export const maximum = elementwise({
  kind: 'maximum',
  typeName: 'Maximum',
  kindWords: 'takes the maximum of its inputs.',
  how: 'by taking their maximum',
  arity: SEVERAL,
  torch: pairwise('torch.maximum'),
});
export const minimum = elementwise({
  kind: 'minimum',
  typeName: 'Minimum',
  kindWords: 'takes the minimum of its inputs.',
  how: 'by taking their minimum',
  arity: SEVERAL,
  torch: pairwise('torch.minimum'),
});
