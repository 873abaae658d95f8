/**
 * While gradients are recorded on wasm, a convolution with relu or no activation, with or
 * without a bias, is one forward kernel (FusedConv2D) whose tape entry computes only the
 * gradients the step needs.
 *
 * Why: tfjs-core's fused.conv2d fuses only when no gradient is being recorded, or when the
 * activation is linear.
 *  - With relu it falls back to Conv2D, then Add for the bias, then Relu: two more passes over
 *    every convolution's output, each a kernel call and a tape entry. Our forward tiles
 *    (conv-forward.ts) add the bias and apply relu before they store, so the fused kernel costs
 *    no more than the bare product.
 *  - With no activation it stays fused, but its gradient is a customGrad closure, which
 *    computes the input's gradient even where nothing needs it: for a model's first layer, a
 *    full transposed convolution of the data per step (~7% of specs/mobilenet-mini.yaml's).
 *
 * The gradient is tfjs-core's own for a fused convolution: dy (times step(y) for relu, relu.ts's
 * one-pass kernel), then the two backprop kernels (kernels.ts) and the bias's sum over every
 * axis but the channels. relu(z) > 0 exactly where z > 0, so step(y) is step(z), and the
 * gradients match the unfused path's to float rounding (test/fused-training.test.ts); with our
 * tiles they are the same bits (the seed spec trains to the same losses, digit for digit).
 *
 * tfjs-layers calls `fused.conv2d` through tfjs-core's exported `fused` object at every call,
 * so replacing that property reaches every Conv2D layer. Where the object cannot be changed (a
 * frozen ES-module namespace in a browser bundle) nothing is replaced and training runs the
 * stock way. Anything else (other activations, NCHW, dilations, other backends) goes to the
 * stock op.
 */
import * as tf from '@tensorflow/tfjs';
import { simdKernelsFor } from '../simd/module.js';
import { fastConvSupported, type ConvAttrs } from './conv2d.js';
import { reluGradient, reluGradientAndSums } from './relu.js';

/** Only bench/train-step.ts --ab fused turns it off, to time steps with the unfused path. */
export const fusedTraining = { enabled: true };

type FusedConv2d = typeof tf.fused.conv2d;
type FusedConvArgs = Parameters<FusedConv2d>[0];

let installed = false;

type Taken = FusedConvArgs & { x: tf.Tensor4D; filter: tf.Tensor4D; bias?: tf.Tensor1D; activation: 'relu' | 'linear' };

/** Whether this call is one the fused training path takes. */
function takes(args: FusedConvArgs): args is Taken {
  const { x, filter, bias } = args;
  const activation = args.activation ?? 'linear';
  if (!fusedTraining.enabled || tf.engine().state.gradientDepth === 0 || (activation !== 'relu' && activation !== 'linear')) return false;
  if (!(x instanceof tf.Tensor) || !(filter instanceof tf.Tensor) || x.rank !== 4 || filter.rank !== 4) return false;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || args.preluActivationWeights != null) return false;
  // What the stock op would refuse (mismatched channels, a rounding mode) goes to it, for its error.
  if (x.shape[3] !== filter.shape[2] || args.dimRoundingMode != null) return false;
  if (bias != null && (!(bias instanceof tf.Tensor) || bias.rank !== 1 || bias.size !== filter.shape[3] || bias.dtype !== 'float32')) return false;
  if (!fastConvSupported(args as unknown as ConvAttrs)) return false;
  return tf.getBackend() === 'wasm' && simdKernelsFor(tf.backend()) != null;
}

/** act(conv(x, filter) + bias) as one kernel call, which the tape records with the gradient below. */
function trainableFusedConv2d(args: Taken): tf.Tensor4D {
  const attrs = { ...convAttrs(args), activation: args.activation ?? 'linear' };
  const inputs: tf.NamedTensorMap = { x: args.x, filter: args.filter };
  if (args.bias != null) inputs.bias = args.bias;
  return tf.engine().runKernel('FusedConv2D', inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

function convAttrs(attrs: ConvAttrs): ConvAttrs {
  return { strides: attrs.strides, pad: attrs.pad, dataFormat: 'NHWC', dilations: attrs.dilations ?? [1, 1], dimRoundingMode: attrs.dimRoundingMode };
}

/**
 * FusedConv2D's gradient, as tfjs-core's fused op computes it. A registered gradient (rather
 * than customGrad) hands the tape one function per input, so the tape computes only the ones
 * it needs: never the input gradient of a model's first layer. `bias` is asked for only when
 * the kernel had one.
 */
const fusedConvGradient: tf.GradConfig = {
  kernelName: 'FusedConv2D',
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const activation = (attrs as { activation?: string }).activation ?? 'linear';
    if (activation !== 'relu' && activation !== 'linear') throw new Error(`FusedConv2D: no gradient for the fused activation '${activation}'`);
    const conv = convAttrs(attrs as unknown as ConvAttrs);
    // Computed once, here: the tape calls gradFunc only for a node on the way to a variable,
    // and the backward pass's scope frees dz when it ends.
    // A relu's gradient and the bias's come from one pass where the kernel runs (the sums cost
    // little beside the pass, which reading and writing the data bounds, should there be no bias).
    const withSums = activation === 'relu' ? reluGradientAndSums(dy as tf.Tensor, y) : null;
    const dz = withSums?.dz ?? (activation === 'relu' ? reluGradient(dy as tf.Tensor, y) : (dy as tf.Tensor));
    return {
      x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy: dz, filter }, { ...conv, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      filter: () =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dz }, { ...conv, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      bias: () => withSums?.sums ?? tf.sum(dz, [0, 1, 2]),
    };
  },
};

/** Replaces `tf.fused.conv2d` once with the version above, where tfjs lets it be replaced. */
export function installFusedTraining(): void {
  if (installed) return;
  // Only this module's calls reach the tape: tfjs-core runs FusedConv2D while recording only
  // for a linear activation, and then inside customGrad, whose inner kernels are not recorded.
  if (tf.getGradient('FusedConv2D') == null) tf.registerGradient(fusedConvGradient);
  const fused = tf.fused as { conv2d: FusedConv2d };
  const slot = Object.getOwnPropertyDescriptor(fused, 'conv2d');
  if (slot === undefined || !slot.writable || Object.isFrozen(fused)) return;
  const stock = fused.conv2d;
  installed = true;
  fused.conv2d = ((args: FusedConvArgs) => (takes(args) ? trainableFusedConv2d(args) : stock(args))) as FusedConv2d;
}
