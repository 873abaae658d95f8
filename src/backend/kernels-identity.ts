// Which of netspec's own kernels a backend runs, as one short string that results.json records.
// The same model files and test data on the same backend give the same numbers only with the
// same kernels: an update of netspec can change them (new kernels round differently), and so can
// the CPU (the fused multiply-add binary runs only where the CPU fuses). `evaluate` tells these
// apart from changed test data with it. The rules in JavaScript that pick a kernel per call are
// not part of it; a change to them that alters results comes with a change to the binaries in
// practice, and otherwise shows as "the test data changed".
import { createHash } from 'node:crypto';
import { LAYER_KERNELS_WASM_UNSHARED } from './gradients/layer-kernels-wasm.js';
import { kernelBytes, simdKernelsFor, usesFusedMultiplyAdd } from './simd/module.js';

/** "wasm simd <hash>" (with " fma" when the fused binary runs), or undefined for a backend without netspec's SIMD kernels. */
export function kernelsIdentity(backend: unknown): string | undefined {
  if (simdKernelsFor(backend) == null) return undefined;
  const fused = usesFusedMultiplyAdd(backend);
  // The unshared binaries: the threaded build's are the same code with another kind of memory.
  const hash = createHash('sha256').update(kernelBytes(false, fused)).update(LAYER_KERNELS_WASM_UNSHARED).digest('hex').slice(0, 16);
  return `wasm simd ${hash}${fused ? ' fma' : ''}`;
}
