/**
 * Slice on the wasm backend, copying whole rows at a time.
 *
 * Slice is the forward pass of cropping2d, the gradient of zero_padding2d (and of every pad),
 * and crops the padded input gradient of 'same' convolutions and of conv2d_transpose. The
 * stock wasm kernel (tfjs-backend-wasm 4.22) copies a rank-4 slice one pixel's channels at a
 * time (one typed-array copy per pixel): cropping one row and one column off [64, 57, 57, 16]
 * took ~10x a full copy of the tensor. Every axis after the last one the slice cuts is copied
 * whole, so here each copy is one run of contiguous memory (a whole image row in that case).
 * Any rank and numeric dtype; strings go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of BackendWasm (tfjs-backend-wasm 4.x) used here. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
}

const isHeapBackend = (b: unknown): b is HeapBackend =>
  typeof (b as Partial<HeapBackend>).makeOutput === 'function' && typeof (b as Partial<HeapBackend>).typedArrayFromHeap === 'function';

/**
 * Copies the slice [begin, begin + size) of `src` (of `shape`) into `out`, one contiguous run
 * per index of the axes before the innermost cut axis.
 */
export function sliceInto(src: tf.TypedArray, shape: number[], begin: number[], size: number[], out: tf.TypedArray): void {
  const rank = shape.length;
  const strides = tf.util.computeStrides(shape);
  let cut = rank - 1;
  while (cut > 0 && size[cut] === shape[cut]) cut--; // whole axes (so they begin at 0)
  const run = size[cut]! * (cut + 1 < rank ? strides[cut]! : 1);
  const outer = size.slice(0, cut);
  const count = outer.reduce((a, b) => a * b, 1);
  const index = new Array<number>(cut).fill(0);
  const cutOffset = begin[cut]! * (cut + 1 < rank ? strides[cut]! : 1);
  for (let r = 0; r < count; r++) {
    let from = cutOffset;
    for (let a = 0; a < cut; a++) from += (begin[a]! + index[a]!) * strides[a]!;
    out.set(src.subarray(from, from + run), r * run);
    for (let a = cut - 1; a >= 0; a--) {
      if (++index[a]! < outer[a]!) break;
      index[a] = 0;
    }
  }
}

/** Registers the row-copying Slice for the wasm backend (the stock kernel keeps strings). */
export function installSliceKernel(backendName: string): void {
  if (backendName !== 'wasm') return;
  const stock = tf.getKernel('Slice', backendName);
  if (stock == null) return;
  const config: tf.KernelConfig = {
    kernelName: 'Slice',
    backendName,
    kernelFunc: (args) => {
      const { x } = args.inputs;
      const backend = args.backend;
      if (x == null || x.dtype === 'string' || !isHeapBackend(backend)) return stock.kernelFunc(args);
      const { begin, size } = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
      const [from, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [number[], number[]];
      const out = backend.makeOutput(extent, x.dtype); // before the views: may grow the heap
      if (tf.util.sizeFromShape(extent) > 0) sliceInto(backend.typedArrayFromHeap(x), x.shape, from, extent, backend.typedArrayFromHeap(out));
      return out;
    },
  };
  if (stock.setupFunc != null) config.setupFunc = stock.setupFunc;
  tf.unregisterKernel('Slice', backendName);
  tf.registerKernel(config);
}
