/**
 * Slice, Concat, SplitV and PadV2 on the wasm backend: plain copies, done in long runs.
 *
 * Slice is the forward pass of cropping2d, the gradient of zero_padding2d (and of every pad),
 * and crops the padded input gradient of 'same' convolutions and of conv2d_transpose. Concat
 * is the concatenate merge, whose gradient is SplitV, a Slice per input. The stock wasm
 * kernels (tfjs-backend-wasm 4.22) make one typed-array copy per pixel (Slice of rank 4) or
 * per inner row (Concat): cropping a row and a column off [64, 57, 57, 16] took ~10x a full
 * copy of the tensor, and joining two [64, 28, 28, 16] tensors on the channel axis ~5x.
 * Here every axis after the last one a slice cuts is copied whole, so each copy is one run of
 * contiguous memory (a whole image row when cropping), by one bulk-memory copy in
 * layer-kernels.wat per run (where the module runs; otherwise typed-array copies, and
 * element by element for runs too short for those to pay, such as a pixel's 16 channels).
 * float32, int32 and bool, any rank; other dtypes go to the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { heapOffset } from '../simd/module.js';
import { copyRunsSimd, layerSimdFor } from './layer-simd.js';

/** The parts of BackendWasm (tfjs-backend-wasm 4.x) used here. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
}

const isHeapBackend = (b: unknown): b is HeapBackend =>
  typeof (b as Partial<HeapBackend>).makeOutput === 'function' && typeof (b as Partial<HeapBackend>).typedArrayFromHeap === 'function';

/** Below this many elements a loop beats subarray().set(), which costs ~100 ns per call. */
const SHORT_RUN = 64;

/** `count` runs of `run` elements, run r from src[from + r*srcStride] to out[to + r*dstStride]. */
export interface RunGroup {
  from: number;
  to: number;
  count: number;
  run: number;
  srcStride: number;
  dstStride: number;
}

/**
 * The runs of the slice [begin, begin + size) of a tensor of `shape`: each run spans the
 * innermost cut axis and every (whole) axis after it; one group per index of the axes before
 * the one just outside it.
 */
export function sliceRuns(shape: number[], begin: number[], size: number[], visit: (g: RunGroup) => void): void {
  const rank = shape.length;
  const strides = [...tf.util.computeStrides(shape), 1];
  let cut = rank - 1;
  while (cut > 0 && size[cut] === shape[cut]) cut--; // whole axes (so they begin at 0)
  const run = size[cut]! * strides[cut]!;
  if (cut === 0) {
    visit({ from: begin[0]! * strides[0]!, to: 0, count: 1, run, srcStride: 0, dstStride: 0 });
    return;
  }
  const g = cut - 1; // the axis each group steps along
  const outer = size.slice(0, g);
  const groups = outer.reduce((a, b) => a * b, 1);
  const index = new Array<number>(g).fill(0);
  for (let k = 0; k < groups; k++) {
    let from = begin[g]! * strides[g]! + begin[cut]! * strides[cut]!;
    for (let a = 0; a < g; a++) from += (begin[a]! + index[a]!) * strides[a]!;
    visit({ from, to: k * size[g]! * run, count: size[g]!, run, srcStride: strides[g]!, dstStride: run });
    for (let a = g - 1; a >= 0; a--) {
      if (++index[a]! < outer[a]!) break;
      index[a] = 0;
    }
  }
}

/** The runs that concatenate parts of `shapes` along `axis`: one group per part, `from` in that part. */
export function concatRuns(shapes: number[][], axis: number, visit: (part: number, g: RunGroup) => void): void {
  const count = tf.util.sizeFromShape(shapes[0]!.slice(0, axis));
  const blocks = shapes.map((s) => tf.util.sizeFromShape(s.slice(axis)));
  const total = blocks.reduce((a, b) => a + b, 0);
  let to = 0;
  blocks.forEach((run, part) => {
    visit(part, { from: 0, to, count, run, srcStride: run, dstStride: total });
    to += run;
  });
}

/** A run group copied in JS. */
export function copyGroup(src: tf.TypedArray, out: tf.TypedArray, g: RunGroup): void {
  for (let r = 0; r < g.count; r++) {
    const from = g.from + r * g.srcStride;
    const to = g.to + r * g.dstStride;
    if (g.run >= SHORT_RUN) out.set(src.subarray(from, from + g.run), to);
    else for (let k = 0; k < g.run; k++) out[to + k] = src[from + k]!;
  }
}

/** Bytes per element of the dtypes copied here; others go to the stock kernels. */
const BYTES: Partial<Record<tf.DataType, number>> = { float32: 4, int32: 4, bool: 1 };

/** A run group copied by layer-kernels.wat (byte offsets of the two tensors in the heap). */
function copyGroupSimd(backend: unknown, src: number, dst: number, bytes: number, g: RunGroup): void {
  copyRunsSimd(backend, src + g.from * bytes, dst + g.to * bytes, g.count, g.run * bytes, g.srcStride * bytes, g.dstStride * bytes);
}

function replace(kernelName: string, backendName: string, make: (stock: tf.KernelConfig) => tf.KernelFunc): void {
  const stock = tf.getKernel(kernelName, backendName);
  if (stock == null) return;
  const config: tf.KernelConfig = { kernelName, backendName, kernelFunc: make(stock) };
  if (stock.setupFunc != null) config.setupFunc = stock.setupFunc;
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(config);
}

const slice =
  (stock: tf.KernelConfig): tf.KernelFunc =>
  (args) => {
    const { x } = args.inputs;
    const backend = args.backend;
    const bytes = x == null ? undefined : BYTES[x.dtype];
    if (x == null || bytes == null || !isHeapBackend(backend)) return stock.kernelFunc(args);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
    const [from, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [number[], number[]];
    const out = backend.makeOutput(extent, x.dtype); // before the views: may grow the heap
    if (tf.util.sizeFromShape(extent) === 0) return out;
    if (layerSimdFor(backend) != null) {
      const src = heapOffset(backend, x);
      const dst = heapOffset(backend, out);
      sliceRuns(x.shape, from, extent, (g) => copyGroupSimd(backend, src, dst, bytes, g));
    } else {
      const src = backend.typedArrayFromHeap(x);
      const dst = backend.typedArrayFromHeap(out);
      sliceRuns(x.shape, from, extent, (g) => copyGroup(src, dst, g));
    }
    return out;
  };

const concat =
  (stock: tf.KernelConfig): tf.KernelFunc =>
  (args) => {
    const inputs = Object.values(args.inputs) as tf.TensorInfo[];
    const backend = args.backend;
    const parts = inputs.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
    const dtype = inputs[0]?.dtype;
    const bytes = dtype == null ? undefined : BYTES[dtype];
    // One part is a copy of it (the stock kernel aliases); strings and mixed types are the stock kernel's.
    if (parts.length < 2 || bytes == null || parts.some((t) => t.dtype !== dtype) || !isHeapBackend(backend)) return stock.kernelFunc(args);
    const axis = tf.util.parseAxisParam((args.attrs as { axis: number | number[] }).axis, parts[0]!.shape)[0]!;
    const shapes = parts.map((t) => t.shape);
    tf.backend_util.assertParamsConsistent(shapes, axis);
    const out = backend.makeOutput(tf.backend_util.computeOutShape(shapes, axis), dtype!); // before the views
    if (layerSimdFor(backend) != null) {
      const dst = heapOffset(backend, out);
      concatRuns(shapes, axis, (i, g) => copyGroupSimd(backend, heapOffset(backend, parts[i]!), dst, bytes, g));
    } else {
      const dst = backend.typedArrayFromHeap(out);
      concatRuns(shapes, axis, (i, g) => copyGroup(backend.typedArrayFromHeap(parts[i]!), dst, g));
    }
    return out;
  };

/** Only bench/train-step.ts --ab pad turns it off, to time steps with the stock pad. */
export const runPad = { enabled: true };

/**
 * PadV2: the output filled with the constant, then the input copied into it as the runs of a
 * slice of the output (the same runs as Slice, the other way round). The stock kernel went
 * element by element: a 'same' convolution pads its input before the tiles, and in
 * specs/resnet-mini.yaml those pads took ~6 ms of a ~90 ms step.
 */
const padV2 =
  (stock: tf.KernelConfig): tf.KernelFunc =>
  (args) => {
    const { x } = args.inputs;
    const backend = args.backend;
    const { paddings, constantValue } = args.attrs as unknown as { paddings: [number, number][]; constantValue: number };
    const bytes = x == null ? undefined : BYTES[x.dtype];
    // bool, and a fraction into int32, keep the stock kernel's own conversions.
    const fills = x != null && (x.dtype === 'float32' || (x.dtype === 'int32' && Number.isInteger(constantValue)));
    if (!runPad.enabled || x == null || bytes == null || !fills || !isHeapBackend(backend) || paddings.flat().some((p) => p < 0)) return stock.kernelFunc(args);
    const begin = paddings.map(([before]) => before);
    const outShape = x.shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
    const out = backend.makeOutput(outShape, x.dtype); // before the views: may grow the heap
    backend.typedArrayFromHeap(out).fill(constantValue === 0 ? 0 : constantValue); // -0 pads with +0, as the stock kernels do
    if (tf.util.sizeFromShape(x.shape) === 0) return out;
    const into = (g: RunGroup): RunGroup => ({ from: g.to, to: g.from, count: g.count, run: g.run, srcStride: g.dstStride, dstStride: g.srcStride });
    if (layerSimdFor(backend) != null) {
      const src = heapOffset(backend, x);
      const dst = heapOffset(backend, out);
      sliceRuns(outShape, begin, x.shape, (g) => copyGroupSimd(backend, src, dst, bytes, into(g)));
    } else {
      const src = backend.typedArrayFromHeap(x);
      const dst = backend.typedArrayFromHeap(out);
      sliceRuns(outShape, begin, x.shape, (g) => copyGroup(src, dst, into(g)));
    }
    return out;
  };

/** SplitV (concatenate's gradient) as one Slice per part, through `slice`. */
const splitV =
  (slice: tf.KernelFunc): tf.KernelFunc =>
  (args) => {
    const { x } = args.inputs;
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const a = tf.util.parseAxisParam(axis, x!.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, a);
    const begin = new Array<number>(x!.shape.length).fill(0);
    return sizes.map((part) => {
      const size = [...x!.shape];
      size[a] = part;
      const out = slice({ inputs: { x: x! }, attrs: { begin: [...begin], size }, backend: args.backend }) as tf.TensorInfo;
      begin[a]! += part;
      return out;
    });
  };

/** Kernel names this module replaces on wasm. */
export const COPY_KERNELS: readonly string[] = ['Slice', 'Concat', 'SplitV', 'PadV2'];

/** Registers Slice, Concat, SplitV and PadV2 for the wasm backend (the stock kernels keep other dtypes). */
export function installCopyKernels(backendName: string): void {
  if (backendName !== 'wasm') return;
  const stockSlice = tf.getKernel('Slice', backendName);
  if (stockSlice == null) return;
  const sliceFunc = slice(stockSlice);
  replace('Slice', backendName, () => sliceFunc);
  replace('Concat', backendName, concat);
  replace('PadV2', backendName, padV2);
  // The stock SplitV calls the stock slice function directly, not the registered kernel.
  replace('SplitV', backendName, () => splitV(sliceFunc));
}
