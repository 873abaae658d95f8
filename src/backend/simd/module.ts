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
 *
 * Each binary also comes with its multiply-adds fused (relaxed SIMD's
 * f32x4.relaxed_madd, see build-wasm.ts). That one is used where the engine
 * has relaxed SIMD (Node 20 behind a V8 flag, which is set here; later
 * versions by default) and the CPU really fuses: one instruction instead of
 * two, and one rounding. On the x64 CPUs measured it was 0 to 30% faster in
 * the tile loops (the bench's ceiling shows it per machine), and never
 * slower, since it replaces two instructions by one. The choice depends on
 * the CPU only, so every thread and every run on a machine makes the same
 * one: replicas stay identical and a seed reproduces its run.
 */
import v8 from 'node:v8';
import { splitHelperFor, type SplitHelper } from './helper.js';
import { KERNELS_WASM_SHARED, KERNELS_WASM_SHARED_FMA, KERNELS_WASM_UNSHARED, KERNELS_WASM_UNSHARED_FMA } from './kernels-wasm.js';

/** winogradConv and winograd4Conv (F(2x2, 3x3), F(4x4, 3x3)): one layout, tiles t0..t1 of the output. */
type WinogradConvKernel = (
  x: number,
  u: number,
  bias: number,
  out: number,
  h: number,
  w: number,
  cin: number,
  ho: number,
  wo: number,
  cout: number,
  top: number,
  left: number,
  flags: number,
  t0: number,
  t1: number,
  scratch: number,
  chunk: number,
) => void;

/** The exports of kernels.wat; every pointer is a byte offset in the heap. */
export interface SimdExports {
  maxPoolGrad2x2(x: number, dy: number, dx: number, n: number, h: number, w: number, c: number, ho: number, wo: number): void;
  filterGrad9(
    x: number,
    dy: number,
    out: number,
    n: number,
    hp: number,
    wp: number,
    cin: number,
    ho: number,
    wo: number,
    cout: number,
    sh: number,
    sw: number,
    ...tapOffsets: number[]
  ): void;
  filterGradTiles(
    x: number,
    dy: number,
    out: number,
    n: number,
    hp: number,
    wp: number,
    cin: number,
    ho: number,
    wo: number,
    cout: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    c0: number,
    c1: number,
    block: number,
  ): void;
  filterGradRows(
    x: number,
    dy: number,
    out: number,
    n: number,
    hp: number,
    wp: number,
    cin: number,
    ho: number,
    wo: number,
    cout: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    u0: number,
    u1: number,
    block: number,
  ): void;
  inputGradTiles(
    dy: number,
    wt: number,
    dx: number,
    b0: number,
    b1: number,
    ho: number,
    wo: number,
    cout: number,
    hp: number,
    wp: number,
    cin: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
  ): void;
  convTiles(
    x: number,
    w: number,
    bias: number,
    out: number,
    n: number,
    hp: number,
    wp: number,
    cin: number,
    ho: number,
    wo: number,
    cout: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    flags: number,
    t0: number,
    t1: number,
    block: number,
  ): void;
  winogradConv: WinogradConvKernel;
  winogradFilter(g: number, u: number, cin: number, cout: number): void;
  winograd4Conv: WinogradConvKernel;
  winograd4Filter(g: number, u: number, cin: number, cout: number): void;
  winograd4FilterGrad(
    x: number,
    dy: number,
    mm: number,
    out: number,
    n: number,
    h: number,
    w: number,
    cin: number,
    ho: number,
    wo: number,
    cout: number,
    top: number,
    left: number,
    c0: number,
    c1: number,
    scratch: number,
    chunk: number,
    skew: number,
  ): void;
  winograd4InputGrad(
    dy: number,
    ut: number,
    dx: number,
    h: number,
    w: number,
    cin: number,
    ho: number,
    wo: number,
    cout: number,
    top: number,
    left: number,
    s0: number,
    s1: number,
    scratch: number,
    chunk: number,
    skew: number,
  ): void;
  rowVectorOp(x: number, v: number, out: number, rows: number, cols: number, op: number): void;
  adamUpdate(
    w: number,
    m: number,
    v: number,
    g: number,
    outW: number,
    outM: number,
    outV: number,
    n: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    oneMinusAccBeta1: number,
    oneMinusAccBeta2: number,
    epsilon: number,
    negLearningRate: number,
  ): void;
  sumRows(x: number, rows: number, cols: number, out: number, acc: number): void;
  col2im(
    cols: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    cin: number,
    ho: number,
    wo: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    top: number,
    left: number,
  ): void;
  reluGrad(dy: number, x: number, out: number, n: number): void;
  reluGradSums(dy: number, x: number, out: number, rows: number, cols: number, sums: number, acc: number): void;
  maxPool2x2(x: number, out: number, h: number, w: number, c: number, ho: number, wo: number, b0: number, b1: number): void;
  batchNormRows(x: number, out: number, rows: number, c: number, params: number): void;
  sumSquaredDeviations(x: number, rows: number, c: number, mean: number, out: number, acc: number): void;
  gradientSums(dy: number, x: number, rows: number, c: number, mean: number, out: number, acc: number): void;
  batchNormGradRows(dy: number, x: number, out: number, rows: number, c: number, params: number): void;
  cropRows(src: number, dst: number, n: number, hp: number, wp: number, c: number, top: number, left: number, h: number, w: number): void;
  swapLeadingAxes(src: number, dst: number, a: number, m: number, b: number): void;
  swapOuterAxes(src: number, dst: number, a: number, m: number, b: number): void;
  maddFuses(a: number, c: number): number;
  ceiling(rounds: number): number;
}

/** The parts of the emscripten module behind BackendWasm (tfjs-backend-wasm 4.x) that hold the memory. */
interface EmscriptenModule {
  wasmMemory?: unknown;
  asm?: { memory?: unknown };
}

/** Which binary a kernel call uses; only the bench's A/B switch (--ab-fma) turns fusing off. */
export const simdSettings = { fusedMultiplyAdd: true };

interface Instances {
  plain: SimdExports;
  /** Null where relaxed SIMD does not compile or does not fuse. */
  fused: SimdExports | null;
}

const loaded = new WeakMap<object, Instances | null>();

function memoryOf(backend: object): WebAssembly.Memory | null {
  const wasm = (backend as { wasm?: EmscriptenModule }).wasm;
  const memory = wasm?.wasmMemory ?? wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** The binary for this kind of memory, fused or plain. */
export function kernelBytes(shared: boolean, fused: boolean): Uint8Array<ArrayBuffer> {
  const text = shared ? (fused ? KERNELS_WASM_SHARED_FMA : KERNELS_WASM_SHARED) : fused ? KERNELS_WASM_UNSHARED_FMA : KERNELS_WASM_UNSHARED;
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** Compiles relaxed SIMD, turning on Node 20's flag for it if the engine needs one. */
function compileRelaxed(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module | null {
  try {
    return new WebAssembly.Module(bytes);
  } catch {
    try {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      return new WebAssembly.Module(bytes);
    } catch {
      return null;
    }
  }
}

let fusedWorks: boolean | undefined;

/** Whether the fused binaries compile here and f32x4.relaxed_madd rounds once (decided once per process). */
export function fusedMultiplyAddAvailable(): boolean {
  if (fusedWorks !== undefined) return fusedWorks;
  const module = compileRelaxed(kernelBytes(false, true));
  if (module == null) return (fusedWorks = false);
  try {
    const probe = new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 1 }) } });
    fusedWorks = (probe.exports as unknown as SimdExports).maddFuses(1 + 2 ** -12, -(1 + 2 ** -11)) === 1;
  } catch {
    fusedWorks = false;
  }
  return fusedWorks;
}

function instantiate(memory: WebAssembly.Memory): Instances | null {
  const shared = isShared(memory);
  const make = (fused: boolean): SimdExports | null => {
    try {
      const module = fused ? compileRelaxed(kernelBytes(shared, true)) : new WebAssembly.Module(kernelBytes(shared, false));
      return module == null ? null : (new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdExports);
    } catch {
      return null; // e.g. an engine without wasm SIMD
    }
  };
  const plain = make(false);
  if (plain == null) return null;
  return { plain, fused: fusedMultiplyAddAvailable() ? make(true) : null };
}

function instancesFor(backend: unknown): Instances | null {
  if (backend == null || typeof backend !== 'object') return null;
  if (loaded.has(backend)) return loaded.get(backend)!;
  const memory = memoryOf(backend);
  const instances = memory != null && typeof (backend as { getMemoryOffset?: unknown }).getMemoryOffset === 'function' ? instantiate(memory) : null;
  loaded.set(backend, instances);
  return instances;
}

/** The kernels bound to this backend's memory, or null when they cannot run there. */
export function simdKernelsFor(backend: unknown): SimdExports | null {
  const instances = instancesFor(backend);
  if (instances == null) return null;
  return simdSettings.fusedMultiplyAdd && instances.fused != null ? instances.fused : instances.plain;
}

/** Whether calls on this backend use the fused binary now (for reports and the bench). */
export function usesFusedMultiplyAdd(backend: unknown): boolean {
  return simdSettings.fusedMultiplyAdd && instancesFor(backend)?.fused != null;
}

/** The second thread that splits the tiled conv gradients (helper.ts); null unless the heap is shared. */
export function simdHelperFor(backend: unknown): SplitHelper | null {
  const instances = instancesFor(backend);
  if (instances == null) return null;
  const memory = memoryOf(backend as object);
  return memory == null ? null : splitHelperFor(memory, () => ({ plain: kernelBytes(true, false), fused: instances.fused ? kernelBytes(true, true) : null }));
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: unknown, info: { dataId: object }): number {
  return (backend as { getMemoryOffset(dataId: object): number }).getMemoryOffset(info.dataId);
}
