/**
 * Fast training gradients for backends whose stock conv backprop is missing
 * (wasm: no Conv2DBackpropFilter at all) or very slow (cpu: naive loops),
 * plus JS/heap replacements for slow stock kernels used in training
 * (wrapped.ts: MaxPoolGrad, leading-axes Sum, transposed BatchMatMul, ...),
 * and on wasm a one-kernel relu gradient (relu.ts).
 * tfjs-node (and webgl) keep their native kernels.
 */
import { installCompositeKernels } from './kernels.js';
import { installWrappedKernels } from './wrapped.js';
import { installReluGradKernel } from './relu.js';

export { COMPOSITE_KERNELS } from './kernels.js';
export { WRAPPED_KERNELS, installWrappedKernels } from './wrapped.js';

/** Backends that get the composite conv backprop kernels. */
export const FAST_GRADIENT_BACKENDS: readonly string[] = ['wasm', 'cpu'];

const installed = new Set<string>();

export interface InstallOptions {
  /** Also replace the slow stock leaf kernels (wrapped.ts); default true. */
  wrapped?: boolean;
}

/** Idempotent; a no-op for backends that do not need it (e.g. 'tensorflow'). */
export function installFastGradients(backendName: string, options: InstallOptions = {}): void {
  if (!FAST_GRADIENT_BACKENDS.includes(backendName) || installed.has(backendName)) return;
  installCompositeKernels(backendName);
  if (options.wrapped !== false) {
    installWrappedKernels(backendName);
    if (backendName === 'wasm') installReluGradKernel(backendName);
  }
  installed.add(backendName);
}

/** Which backends currently have the fast gradients (for reporting). */
export function fastGradientsInstalled(): string[] {
  return [...installed];
}

