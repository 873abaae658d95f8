// Which of netspec's own kernels a backend runs, as one short string that results.json records.
// The same model files and test data on the same backend give the same numbers only with the
// same kernels: an update of netspec can change them (new kernels round differently), and so can
// the CPU (the fused multiply-add binary runs only where the CPU fuses). `evaluate` tells these
// apart from changed test data with it. The rules in JavaScript that pick a kernel per call, or
// that change what a stock kernel is asked, are not in the binaries: RULES_REVISION stands for
// them, and goes up with every such change that alters inference results.
import { createHash } from 'node:crypto';
import { LAYER_KERNELS_WASM_UNSHARED } from './gradients/layer-kernels-wasm.js';
import { kernelBytes, simdKernelsFor, usesFusedMultiplyAdd } from './simd/module.js';

/**
 * Goes up when netspec's JavaScript changes inference results without changing a binary.
 * 2: strided 'same' convolutions on the stock wasm kernels get explicit padding (same-padding.ts);
 * before, some came back as zeros.
 */
const RULES_REVISION = 2;

/** "wasm simd <hash>" (with " fma" when the fused binary runs), or undefined for a backend without netspec's SIMD kernels. */
export function kernelsIdentity(backend: unknown): string | undefined {
  if (simdKernelsFor(backend) == null) return undefined;
  const fused = usesFusedMultiplyAdd(backend);
  // The unshared binaries: the threaded build's are the same code with another kind of memory.
  const hash = createHash('sha256')
    .update(kernelBytes(false, fused))
    .update(LAYER_KERNELS_WASM_UNSHARED)
    .update(`rules ${RULES_REVISION}`)
    .digest('hex')
    .slice(0, 16);
  return `wasm simd ${hash}${fused ? ' fma' : ''}`;
}
