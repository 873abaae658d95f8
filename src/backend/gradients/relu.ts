/**
 * The relu gradient as one kernel on wasm. tfjs computes it as
 * mul(dy, cast(step(x))): three kernels, two full-size temporaries, ~1.4 ms
 * per training step of the target model. NetspecReluGrad does the same
 * float32 multiply in one SIMD pass (simd/kernels.wat, reluGrad), so results
 * are bit-for-bit the stock ones (-0 and NaN included).
 *
 * Gradients are registered globally, not per backend, so the replacement
 * gradient uses the kernel only where it is registered and the SIMD module
 * runs, and tfjs's own formula everywhere else (cpu, tfjs-node, ...).
 */
import * as tf from '@tensorflow/tfjs';
import { simdKernelsFor } from '../simd/module.js';
import { reluGradSimd } from '../simd/ops.js';

export const RELU_GRAD_KERNEL = 'NetspecReluGrad';

/** tfjs-core's gradient of Relu, unchanged. */
function stockReluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.mul(dy, tf.cast(tf.step(x), 'float32'));
}

/** dy where x > 0, else 0: one SIMD pass where the kernel runs, tfjs's formula elsewhere. */
export function reluGradient(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const fused =
    tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend()) != null &&
    simdKernelsFor(tf.backend()) != null &&
    dy.dtype === 'float32' &&
    x.dtype === 'float32' &&
    dy.size === x.size;
  return fused ? (tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x }) as tf.Tensor) : stockReluGrad(dy, x);
}

let gradientReplaced = false;

/** Registers the kernel for `backendName` and (once) the Relu gradient that uses it. */
export function installReluGradKernel(backendName: string): void {
  if (tf.getKernel(RELU_GRAD_KERNEL, backendName) == null) {
    tf.registerKernel({
      kernelName: RELU_GRAD_KERNEL,
      backendName,
      kernelFunc: ({ inputs, backend }) => {
        const out = reluGradSimd(backend, inputs.dy!, inputs.x!);
        if (out == null) throw new Error(`${RELU_GRAD_KERNEL}: the SIMD kernels are not available on '${backendName}'`);
        return out;
      },
    });
  }
  if (gradientReplaced) return;
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => reluGradient(dy as tf.Tensor, saved[0]!) }),
  });
  // The kernel's own gradient, for a gradient of a gradient (a gradient penalty): as for
  // tfjs's dy * step(x), it passes ddx through where x > 0, and step(x) has none.
  tf.registerGradient({
    kernelName: RELU_GRAD_KERNEL,
    inputsToSave: ['x'],
    gradFunc: (ddx, saved) => ({ dy: () => reluGradient(ddx as tf.Tensor, saved[0]!), x: () => tf.zerosLike(saved[0]!) }),
  });
  gradientReplaced = true;
}
