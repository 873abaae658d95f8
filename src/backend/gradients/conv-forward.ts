/**
 * The forward convolution on wasm (Conv2D, and FusedConv2D with its bias and relu or relu6)
 * as netspec's own register-tiled SIMD product (convTiles in simd/kernels.wat), registered
 * through wrapped.ts.
 *
 * Why: XNNPACK's convolution in tfjs 4.22 was the largest kernel of a training step of the
 * target model, at a third of the SIMD ceiling or less for the second layer and far below for
 * the first (one input channel leaves its GEMM a 9-long inner dimension). The tiles read the
 * input and the filter where they lie, keep 4 pixels x 8 channels in registers and, in
 * FusedConv2D, add the bias and apply the activation before the store. During training tfjs
 * itself does not fuse (Conv2D, then Add and Relu); fused-training.ts keeps relu convolutions
 * fused there too.
 * On the threaded build a helper thread takes half of the pixels, as XNNPACK's pool would.
 * 3x3 stride-1 convolutions with enough output go by Winograd instead (simd/winograd.ts):
 * F(4x4, 3x3) or F(2x2, 3x3), whichever needs fewer products (winogradTileFor says where),
 * up to 4x fewer multiplies, of which the transforms give back part.
 *
 * Padding is applied first by the stock pad kernel (one pass over a layer's input, which is
 * small next to the product). Everything else goes to the stock kernel: NCHW, dilations,
 * channel counts that do not tile, other activations.
 */
import * as tf from '@tensorflow/tfjs';
import { CONV_ACTIVATIONS, convTilesSimd, type ConvActivation } from '../simd/tiles.js';
import { winogradConvSimd, winogradGeometry, winogradTileFor, type WinogradTile } from '../simd/winograd.js';
import { convGeometry, fastConvSupported, type ConvAttrs } from './conv2d.js';

/** Only bench/train-step.ts --ab forward turns it off, to time steps with XNNPACK's forward instead. */
export const ownForwardConv = { enabled: true };

/** The Winograd tile this convolution takes (3x3, stride 1, dilation 1, winogradTileFor), or null. */
function winogradTile(info: tf.backend_util.Conv2DInfo): WinogradTile | null {
  return winogradGeometry(info) ? winogradTileFor(info.batchSize, info.outHeight, info.outWidth, tf.engine().state.gradientDepth > 0) : null;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** x padded by the stock pad kernel, or x itself; `made` must be disposed after use. */
function padInput(x: tf.TensorInfo, pads: tf.backend_util.PadInfo, backend: tf.KernelBackend): { xp: tf.TensorInfo; made: boolean } | null {
  const { top, bottom, left, right } = pads;
  if (Math.min(top, bottom, left, right) < 0) return null;
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return { xp: x, made: false };
  const pad = tf.getKernel('PadV2', tf.getBackend());
  if (pad == null) return null;
  const paddings = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  return { xp: pad.kernelFunc({ inputs: { x }, attrs: { paddings, constantValue: 0 }, backend }) as tf.TensorInfo, made: true };
}

/** Whether a padded size `size + pads` gives `out` positions of a k-wide window at stride s. */
function fits(size: number, pads: number, k: number, s: number, out: number): boolean {
  return Math.floor((size + pads - k) / s) + 1 === out;
}

/** The FastPath of Conv2D (`fused` false) and FusedConv2D: the tiles' output, or null for the stock kernel. */
export function convForward({ inputs, attrs = {}, backend }: KernelArgs, fused: boolean): tf.TensorInfo | null {
  if (!ownForwardConv.enabled) return null;
  const { x, filter } = inputs;
  const bias = fused ? (inputs.bias ?? null) : null;
  const conv = attrs as unknown as ConvAttrs & { activation?: string };
  const activation = (fused ? (conv.activation ?? 'linear') : 'linear') as ConvActivation;
  if (x == null || filter == null || x.shape.length !== 4 || filter.shape.length !== 4) return null;
  if (!(activation in CONV_ACTIVATIONS) || (fused && inputs.preluActivationWeights != null) || !fastConvSupported(conv)) return null;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape[3] !== filter.shape[2] || filter.shape[3]! % 8 !== 0) return null;
  const info = convGeometry(x.shape, filter.shape, conv);
  const { top, bottom, left, right } = info.padInfo;
  const [kh, kw] = filter.shape as [number, number];
  // The tiles derive the output size from the padded input; it must be the one tfjs computed.
  if (!fits(x.shape[1]!, top + bottom, kh, info.strideHeight, info.outHeight) || !fits(x.shape[2]!, left + right, kw, info.strideWidth, info.outWidth))
    return null;
  const tile = winogradTile(info);
  if (tile != null) {
    const outShape: [number, number, number, number] = [x.shape[0]!, info.outHeight, info.outWidth, filter.shape[3]!];
    const viaWinograd = winogradConvSimd(backend, x, filter, bias, outShape, info.padInfo, activation, true, tile);
    if (viaWinograd != null) return viaWinograd;
  }
  const b = backend as tf.KernelBackend;
  const padded = padInput(x, info.padInfo, b);
  if (padded == null) return null;
  try {
    return convTilesSimd(backend, padded.xp, filter, bias, [info.strideHeight, info.strideWidth], activation);
  } finally {
    if (padded.made) b.disposeData(padded.xp.dataId);
  }
}
