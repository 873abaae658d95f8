/**
 * MaxPoolGrad as a plain JS loop over the tensors' own memory (heap.ts).
 *
 * Why replace the stock wasm kernel:
 *  - speed: it took ~35% of a training step of the target model (42 ms of
 *    120 ms at 2 threads); this loop takes a few ms.
 *  - correctness: the stock wasm kernel (tfjs-backend-wasm 4.22) drops the
 *    gradient of every window whose maximum is <= 0 (it only finds maxima
 *    above 0) and, for positive ties, picks the last maximum. The cpu kernel
 *    and TensorFlow route each window's gradient to its FIRST maximum in
 *    row-major window order (strict `>` starting from -Infinity), so a window
 *    of all-NaN values gets none. We follow the cpu/TensorFlow rule exactly.
 *    (After a relu the dropped windows are all-zero ones whose gradient relu
 *    zeroes anyway, which is why the bug did not break training.)
 *
 * Layout: NHWC (the only one tfjs pooling uses), any window, stride and
 * padding ('valid', 'same', explicit, with rounding), dilation 1. Overlapping
 * windows accumulate into dx.
 */
import * as tf from '@tensorflow/tfjs';

export interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function poolGeometry(xShape: number[], attrs: PoolAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
}

/**
 * dx[argmax of each window] += dy[window], written into `dx` (fully
 * overwritten). `x` is the pooling input (NHWC), `dy` the output gradient.
 */
export function maxPoolGradInto(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  if (isPlain2x2(info)) {
    maxPoolGrad2x2(x, dy, dx, info);
    return;
  }
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  dx.fill(0);
  // Per-window running maxima for all channels at once: the inner loops walk
  // contiguous channels, which is what keeps this fast.
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  const rowStride = w * c;
  for (let b = 0; b < n; b++) {
    const xBatch = b * h * rowStride;
    for (let oy = 0; oy < ho; oy++) {
      const r0 = oy * sh - top;
      const rStart = Math.max(r0, 0);
      const rEnd = Math.min(r0 + fh, h);
      for (let ox = 0; ox < wo; ox++) {
        const c0 = ox * sw - left;
        const cStart = Math.max(c0, 0);
        const cEnd = Math.min(c0 + fw, w);
        best.fill(-Infinity);
        where.fill(-1);
        // Row-major window order + strict '>' = first maximum wins.
        for (let r = rStart; r < rEnd; r++) {
          for (let s = cStart; s < cEnd; s++) {
            const base = xBatch + r * rowStride + s * c;
            for (let k = 0; k < c; k++) {
              const v = x[base + k]!;
              if (v > best[k]!) {
                best[k] = v;
                where[k] = base + k;
              }
            }
          }
        }
        const o = ((b * ho + oy) * wo + ox) * c;
        for (let k = 0; k < c; k++) {
          const at = where[k]!;
          if (at >= 0) dx[at] = dx[at]! + dy[o + k]!;
        }
      }
    }
  }
}

/** 2x2 windows, stride 2, every window fully inside the input (no padding). */
export function isPlain2x2(info: tf.backend_util.Conv2DInfo): boolean {
  return (
    info.filterHeight === 2 &&
    info.filterWidth === 2 &&
    info.strideHeight === 2 &&
    info.strideWidth === 2 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.outHeight * 2 <= info.inHeight &&
    info.outWidth * 2 <= info.inWidth
  );
}

/**
 * The common case (poolSize 2, 'valid'), unrolled: windows do not overlap,
 * so each window's four taps are compared in registers and the gradient is
 * stored, not accumulated. Same first-maximum rule as the general loop;
 * measured ~1.5x faster than it.
 */
function maxPoolGrad2x2(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
  dx.fill(0); // also covers the last row/column of odd-sized inputs
  const rowStride = w * c;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < ho; oy++) {
      const row = (b * h + oy * 2) * rowStride;
      for (let ox = 0; ox < wo; ox++) {
        const p = row + ox * 2 * c;
        for (let k = 0; k < c; k++, o++) {
          const i0 = p + k;
          const i1 = i0 + c;
          const i2 = i0 + rowStride;
          const i3 = i2 + c;
          let best = -Infinity;
          let at = -1;
          const v0 = x[i0]!;
          const v1 = x[i1]!;
          const v2 = x[i2]!;
          const v3 = x[i3]!;
          if (v0 > best) {
            best = v0;
            at = i0;
          }
          if (v1 > best) {
            best = v1;
            at = i1;
          }
          if (v2 > best) {
            best = v2;
            at = i2;
          }
          if (v3 > best) at = i3;
          if (at >= 0) dx[at] = dy[o]!;
        }
      }
    }
  }
}

/** The pooling geometry when maxPoolGradInto handles it (tfjs always passes NHWC, dilation 1), else null. */
export function fastMaxPoolGradGeometry(xShape: number[], dyShape: number[], attrs: PoolAttrs): tf.backend_util.Conv2DInfo | null {
  if (xShape.length !== 4 || dyShape.length !== 4) return null;
  try {
    const info = poolGeometry(xShape, attrs);
    return info.outHeight === dyShape[1] && info.outWidth === dyShape[2] && info.dilationHeight === 1 && info.dilationWidth === 1 ? info : null;
  } catch {
    return null; // let the stock kernel report bad attributes
  }
}
