/**
 * Fast training gradients for backends whose stock conv backprop is missing
 * (wasm: no Conv2DBackpropFilter at all) or very slow (cpu: naive loops),
 * plus JS/heap replacements for slow stock kernels used in training
 * (wrapped.ts: MaxPoolGrad, leading-axes Sum and Mean, FusedBatchNorm, transposed BatchMatMul, ...),
 * and on wasm a one-kernel relu gradient (relu.ts), convolutions kept fused with their
 * bias and activation during training (fused-training.ts) and batch normalization in training
 * as two kernels (batch-norm-training.ts). On wasm, strided 'same' convolutions reach the stock
 * kernels with explicit padding (same-padding.ts: a correctness fix).
 * tfjs-node (and webgl) keep their native kernels.
 */
import { installCompositeKernels } from './kernels.js';
import { installWrappedKernels } from './wrapped.js';
import { installReluGradKernel } from './relu.js';
import { installDepthwiseKernels } from './depthwise.js';
import { installResizeGradKernels } from './resize.js';
import { installDilatedConvGradients } from './dilated.js';
import { installCopyKernels } from './copies.js';
import { installBatchNormGradients } from './batch-norm.js';
import { installFusedTraining } from './fused-training.js';
import { installBatchNormTraining } from './batch-norm-training.js';
import { installSamePaddingFix } from './same-padding.js';

export { COMPOSITE_KERNELS } from './kernels.js';
export { WRAPPED_KERNELS, installWrappedKernels } from './wrapped.js';
export { DEPTHWISE_KERNELS } from './depthwise.js';
export { RESIZE_KERNELS } from './resize.js';

/** Backends that get the composite conv backprop kernels. */
export const FAST_GRADIENT_BACKENDS: readonly string[] = ['wasm', 'cpu'];

const installed = new Set<string>();

export interface InstallOptions {
  /** Also replace the slow stock leaf kernels (wrapped.ts); default true. */
  wrapped?: boolean;
}

/**
 * Idempotent. Other backends (e.g. 'tensorflow') keep their kernels and only get the
 * dilated-convolution gradients, which are composed of stock ops.
 */
export function installFastGradients(backendName: string, options: InstallOptions = {}): void {
  // Batch norm layers without gamma or beta train on every backend; on wasm, as two kernels.
  installBatchNormTraining({ wasmKernels: backendName === 'wasm' && options.wrapped !== false });
  if (!FAST_GRADIENT_BACKENDS.includes(backendName)) {
    installDilatedConvGradients(); // composed of stock ops: every backend
    return;
  }
  if (installed.has(backendName)) return;
  installCompositeKernels(backendName);
  // Kernels the layer kinds beyond conv2d/pooling/dense need (docs/backends.md).
  installDepthwiseKernels(backendName);
  installResizeGradKernels(backendName);
  installDilatedConvGradients(backendName);
  // A correctness fix, not a speed-up: first, so that wrapped.ts's stock kernels are the fixed ones.
  installSamePaddingFix(backendName);
  if (options.wrapped !== false) {
    installWrappedKernels(backendName);
    if (backendName === 'wasm') {
      installReluGradKernel(backendName);
      installFusedTraining(); // takes only calls on wasm
    }
    installBatchNormGradients(); // the stock formulas without their full-size tiles and ones
    installCopyKernels(backendName); // wasm only: Slice, Concat, SplitV and PadV2
  }
  installed.add(backendName);
}

/** Which backends currently have the fast gradients (for reporting). */
export function fastGradientsInstalled(): string[] {
  return [...installed];
}
