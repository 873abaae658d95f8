/**
 * Fast training gradients for backends whose stock conv backprop is missing
 * (wasm: no Conv2DBackpropFilter at all) or very slow (cpu: naive loops).
 * tfjs-node (and webgl) keep their native kernels.
 */
import { installCompositeKernels } from './kernels.js';

export { COMPOSITE_KERNELS } from './kernels.js';

/** Backends that get the composite conv backprop kernels. */
export const FAST_GRADIENT_BACKENDS: readonly string[] = ['wasm', 'cpu'];

const installed = new Set<string>();

/** Idempotent; a no-op for backends that do not need it (e.g. 'tensorflow'). */
export function installFastGradients(backendName: string): void {
  if (!FAST_GRADIENT_BACKENDS.includes(backendName) || installed.has(backendName)) return;
  installCompositeKernels(backendName);
  installed.add(backendName);
}

/** Which backends currently have the fast gradients (for reporting). */
export function fastGradientsInstalled(): string[] {
  return [...installed];
}

