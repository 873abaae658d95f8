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
import { reluGradSimd, reluGradSumsSimd } from '../simd/ops.js';

export const RELU_GRAD_KERNEL = 'NetspecReluGrad';
/** The relu gradient and its sums over all axes but the last, from one pass (a relu convolution's bias gradient). */
export const RELU_GRAD_SUMS_KERNEL = 'NetspecReluGradSums';
/** bench/train-step.ts --ab reluSums turns the one-pass kernel off (the relu gradient, then Sum). */
export const reluGradSums = { enabled: true };

/** tfjs-core's gradient of Relu, unchanged. */
function stockReluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.mul(dy, tf.cast(tf.step(x), 'float32'));
}

/** Whether `kernel` is registered on the active backend, its SIMD module runs, and dy and x are float32 of one size. */
function takesKernel(kernel: string, dy: tf.Tensor, x: tf.Tensor): boolean {
  return (
    tf.getKernel(kernel, tf.getBackend()) != null &&
    simdKernelsFor(tf.backend()) != null &&
    dy.dtype === 'float32' &&
    x.dtype === 'float32' &&
    dy.size === x.size
  );
}

/** dy where x > 0, else 0: one SIMD pass where the kernel runs, tfjs's formula elsewhere. */
export function reluGradient(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return takesKernel(RELU_GRAD_KERNEL, dy, x) ? (tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x }) as tf.Tensor) : stockReluGrad(dy, x);
}

/**
 * reluGradient(dy, x) and its sum over every axis but the last, as tf.sum would give it on the
 * same backend, from one pass over the data where the kernel runs (the same bits as the two
 * apart); null elsewhere, and for a last axis the kernel does not take (not a multiple of 4).
 */
export function reluGradientAndSums(dy: tf.Tensor, x: tf.Tensor): { dz: tf.Tensor; sums: tf.Tensor } | null {
  const last = x.shape[x.shape.length - 1] ?? 0;
  if (!reluGradSums.enabled || last === 0 || last % 4 !== 0 || !takesKernel(RELU_GRAD_SUMS_KERNEL, dy, x)) return null;
  const [dz, sums] = tf.engine().runKernel(RELU_GRAD_SUMS_KERNEL, { dy, x }) as tf.Tensor[];
  return { dz: dz!, sums: sums! };
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
  if (tf.getKernel(RELU_GRAD_SUMS_KERNEL, backendName) == null) {
    tf.registerKernel({
      kernelName: RELU_GRAD_SUMS_KERNEL,
      backendName,
      kernelFunc: ({ inputs, backend }) => {
        const outs = reluGradSumsSimd(backend, inputs.dy!, inputs.x!);
        if (outs == null)
          throw new Error(`${RELU_GRAD_SUMS_KERNEL}: the SIMD kernels are not available on '${backendName}' or the last axis is not a multiple of 4`);
        return outs;
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
  // And of the two-output kernel: the sums pass each channel's gradient on to every row, so dy
  // gets (ddz + dsums) where x > 0.
  tf.registerGradient({
    kernelName: RELU_GRAD_SUMS_KERNEL,
    inputsToSave: ['x'],
    gradFunc: (upstream, saved) => {
      const [ddz, dsums] = upstream as tf.Tensor[];
      return { dy: () => reluGradient(tf.add(ddz!, dsums!), saved[0]!), x: () => tf.zerosLike(saved[0]!) };
    },
  });
  gradientReplaced = true;
}
