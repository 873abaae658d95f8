/**
 * Loads the SIMD training kernels (kernels.wat) into the tfjs wasm backend's
 * own memory, once per backend instance.
 *
 * The tfjs wasm build keeps every tensor in one WebAssembly.Memory; a second
 * small module that imports that same memory can read inputs and write
 * outputs in place, by byte offset. The threaded build's memory is shared,
 * the single-threaded build's is not, and an import must match, hence two
 * binaries of the same text.
 *
 * Returns null whenever anything is not as expected (another backend, a tfjs
 * version that hides its memory, no SIMD in the engine); callers then use
 * their JS loops or the stock kernels, so this is only ever a speed-up.
 */
import { splitHelperFor, type SplitHelper } from './helper.js';
import { KERNELS_WASM_SHARED, KERNELS_WASM_UNSHARED } from './kernels-wasm.js';

/** The exports of kernels.wat; every pointer is a byte offset in the heap. */
export interface SimdExports {
  maxPoolGrad2x2(x: number, dy: number, dx: number, n: number, h: number, w: number, c: number, ho: number, wo: number): void;
  filterGrad9(
    x: number, dy: number, out: number, n: number, hp: number, wp: number, cin: number,
    ho: number, wo: number, cout: number, sh: number, sw: number, ...tapOffsets: number[]
  ): void;
  filterGradTiles(
    x: number, dy: number, out: number, n: number, hp: number, wp: number, cin: number,
    ho: number, wo: number, cout: number, kh: number, kw: number, sh: number, sw: number,
    c0: number, c1: number, block: number,
  ): void;
  inputGradTiles(
    dy: number, wt: number, dx: number, b0: number, b1: number, ho: number, wo: number, cout: number,
    hp: number, wp: number, cin: number, kh: number, kw: number, sh: number, sw: number,
  ): void;
  addRowVector(x: number, v: number, out: number, rows: number, cols: number): void;
  adamUpdate(
    w: number, m: number, v: number, g: number, outW: number, outM: number, outV: number, n: number,
    beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    oneMinusAccBeta1: number, oneMinusAccBeta2: number, epsilon: number, negLearningRate: number,
  ): void;
  sumRows(x: number, rows: number, cols: number, out: number, acc: number): void;
  col2im(
    cols: number, dx: number, n: number, h: number, w: number, cin: number, ho: number, wo: number,
    kh: number, kw: number, sh: number, sw: number, top: number, left: number,
  ): void;
  reluGrad(dy: number, x: number, out: number, n: number): void;
  swapLeadingAxes(src: number, dst: number, a: number, m: number, b: number): void;
  swapOuterAxes(src: number, dst: number, a: number, m: number, b: number): void;
}

/** The parts of the emscripten module behind BackendWasm (tfjs-backend-wasm 4.x) that hold the memory. */
interface EmscriptenModule {
  wasmMemory?: unknown;
  asm?: { memory?: unknown };
}

const loaded = new WeakMap<object, SimdExports | null>();

function memoryOf(backend: object): WebAssembly.Memory | null {
  const wasm = (backend as { wasm?: EmscriptenModule }).wasm;
  const memory = wasm?.wasmMemory ?? wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

function instantiate(memory: WebAssembly.Memory): SimdExports | null {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = Buffer.from(shared ? KERNELS_WASM_SHARED : KERNELS_WASM_UNSHARED, 'base64');
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    return instance.exports as unknown as SimdExports;
  } catch {
    return null; // e.g. an engine without wasm SIMD
  }
}

/** The kernels bound to this backend's memory, or null when they cannot run there. */
export function simdKernelsFor(backend: unknown): SimdExports | null {
  if (backend == null || typeof backend !== 'object') return null;
  if (loaded.has(backend)) return loaded.get(backend)!;
  const memory = memoryOf(backend);
  const kernels = memory != null && typeof (backend as { getMemoryOffset?: unknown }).getMemoryOffset === 'function'
    ? instantiate(memory)
    : null;
  loaded.set(backend, kernels);
  return kernels;
}

/** The second thread that splits the tiled conv gradients (helper.ts); null unless the heap is shared. */
export function simdHelperFor(backend: unknown): SplitHelper | null {
  if (simdKernelsFor(backend) == null) return null;
  const memory = memoryOf(backend as object);
  return memory == null ? null : splitHelperFor(memory, () => Buffer.from(KERNELS_WASM_SHARED, 'base64'));
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: unknown, info: { dataId: object }): number {
  return (backend as { getMemoryOffset(dataId: object): number }).getMemoryOffset(info.dataId);
}
