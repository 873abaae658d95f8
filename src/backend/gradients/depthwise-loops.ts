/**
 * The two gradients of a depthwise convolution (NHWC input x [n, h, w, c], filter
 * [kh, kw, c, m] with depth multiplier m, output [n, ho, wo, c*m]) as plain loops over
 * float32 arrays, with any stride, dilation, padding ('valid', 'same', explicit) and m.
 *
 * Why loops: tfjs-backend-wasm 4.22 has neither DepthwiseConv2dNativeBackpropFilter nor
 * DepthwiseConv2dNativeBackpropInput, and the cpu backend's two kernels ignore the dilation
 * (they step through the input as if it were 1). Each gradient is one pass over dy with the
 * channels innermost, where both tensors are contiguous; depthwise.ts runs them on the
 * tensors' own memory.
 *
 * Output position p reads input row p*sh + i*dh - top for filter row i (columns alike);
 * rows outside the input read zeros (the padding).
 */
import * as tf from '@tensorflow/tfjs';
import type { PadAttr, Rounding } from './conv2d.js';

/** The attributes of the two depthwise backprop kernels and of DepthwiseConv2dNative. */
export interface DepthwiseAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dilations?: number | [number, number] | null;
  dimRoundingMode?: Rounding;
}

/** Output size, padding, strides and dilation exactly as tfjs computes them for the forward op. */
export function depthwiseGeometry(xShape: number[], filterShape: number[], attrs: DepthwiseAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
}

/** The output positions [lo, hi) whose tap at `offset` (i*d - pad) lands inside an input of `size`. */
export function validRange(offset: number, stride: number, size: number, outSize: number): [number, number] {
  const lo = Math.max(0, Math.ceil(-offset / stride));
  const hi = Math.min(outSize, Math.floor((size - 1 - offset) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * dW[i,j,c,k] = sum over b,p,q of x[b, p*sh+i*dh-top, q*sw+j*dw-left, c] * dy[b,p,q,c*m+k],
 * accumulated in float64 and written to `out` (fully overwritten).
 */
export function depthwiseFilterGradInto(x: Float32Array, dy: Float32Array, out: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo, outChannels: cm } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const m = cm / c;
  const acc = new Float64Array(kh * kw * cm);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < kh; i++) {
      const rowOffset = i * dh - top;
      const [p0, p1] = validRange(rowOffset, sh, h, ho);
      for (let j = 0; j < kw; j++) {
        const colOffset = j * dw - left;
        const [q0, q1] = validRange(colOffset, sw, w, wo);
        const tap = (i * kw + j) * cm;
        for (let p = p0; p < p1; p++) {
          const xRow = (b * h + p * sh + rowOffset) * w;
          const dyRow = (b * ho + p) * wo;
          for (let q = q0; q < q1; q++) {
            const xo = (xRow + q * sw + colOffset) * c;
            const dyo = (dyRow + q) * cm;
            if (m === 1) {
              for (let k = 0; k < c; k++) acc[tap + k]! += x[xo + k]! * dy[dyo + k]!;
            } else {
              for (let k = 0; k < c; k++) {
                const xv = x[xo + k]!;
                for (let t = 0; t < m; t++) acc[tap + k * m + t]! += xv * dy[dyo + k * m + t]!;
              }
            }
          }
        }
      }
    }
  }
  out.set(acc);
}

/**
 * dx[b,r,s,c] = sum of dy[b,p,q,c*m+k] * W[i,j,c,k] over the taps (i, j) and output positions
 * (p, q) that read input pixel (r, s), written to `out` (fully overwritten). Each dy pixel is
 * scattered onto the input pixels its taps read, so strides and dilation need no special case.
 */
export function depthwiseInputGradInto(dy: Float32Array, filter: Float32Array, out: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo, outChannels: cm } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const m = cm / c;
  out.fill(0);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < kh; i++) {
      const rowOffset = i * dh - top;
      const [p0, p1] = validRange(rowOffset, sh, h, ho);
      for (let j = 0; j < kw; j++) {
        const colOffset = j * dw - left;
        const [q0, q1] = validRange(colOffset, sw, w, wo);
        const tap = (i * kw + j) * cm;
        for (let p = p0; p < p1; p++) {
          const dxRow = (b * h + p * sh + rowOffset) * w;
          const dyRow = (b * ho + p) * wo;
          for (let q = q0; q < q1; q++) {
            const dxo = (dxRow + q * sw + colOffset) * c;
            const dyo = (dyRow + q) * cm;
            if (m === 1) {
              for (let k = 0; k < c; k++) out[dxo + k]! += dy[dyo + k]! * filter[tap + k]!;
            } else {
              for (let k = 0; k < c; k++) {
                let sum = 0;
                for (let t = 0; t < m; t++) sum += dy[dyo + k * m + t]! * filter[tap + k * m + t]!;
                out[dxo + k]! += sum;
              }
            }
          }
        }
      }
    }
  }
}
