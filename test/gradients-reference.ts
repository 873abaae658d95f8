/**
 * Float64 references written from the definitions, for the gradient kernels of the layer kinds
 * beyond conv2d/pooling/dense (test/gradients-*.test.ts). Nothing here calls tfjs: the padding
 * follows TensorFlow's documented rule ('same': out = ceil(in / s), the missing rows split with
 * the odd one at the bottom/right), and each gradient is accumulated term by term from the
 * forward sum it differentiates.
 */

export type Pair = [number, number];
/** 'valid', 'same', or explicit [[top, bottom], [left, right]]. */
export type Padding = 'valid' | 'same' | [Pair, Pair];

export interface Geometry {
  strides: Pair;
  dilations: Pair;
  pad: Padding;
}

/** Output size and padding before the first row along one axis. */
export function axis(size: number, k: number, stride: number, dilation: number, pad: Padding, which: 0 | 1): { out: number; before: number } {
  const span = (k - 1) * dilation + 1;
  if (pad === 'valid') return { out: Math.floor((size - span) / stride) + 1, before: 0 };
  if (pad === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + span - size, 0);
    return { out, before: Math.floor(total / 2) };
  }
  const [before, after] = pad[which];
  return { out: Math.floor((size + before + after - span) / stride) + 1, before };
}

/**
 * Calls `term(b, p, q, i, j, r, s)` for every output position (p, q) and filter tap (i, j)
 * whose input pixel (r, s) lies inside the image (taps in the padding read zeros).
 */
function forEachTerm(
  [n, h, w]: number[],
  [kh, kw]: number[],
  g: Geometry,
  term: (b: number, p: number, q: number, i: number, j: number, r: number, s: number) => void,
): Pair {
  const rows = axis(h!, kh!, g.strides[0], g.dilations[0], g.pad, 0);
  const cols = axis(w!, kw!, g.strides[1], g.dilations[1], g.pad, 1);
  for (let b = 0; b < n!; b++) {
    for (let p = 0; p < rows.out; p++) {
      for (let q = 0; q < cols.out; q++) {
        for (let i = 0; i < kh!; i++) {
          const r = p * g.strides[0] + i * g.dilations[0] - rows.before;
          if (r < 0 || r >= h!) continue;
          for (let j = 0; j < kw!; j++) {
            const s = q * g.strides[1] + j * g.dilations[1] - cols.before;
            if (s >= 0 && s < w!) term(b, p, q, i, j, r, s);
          }
        }
      }
    }
  }
  return [rows.out, cols.out];
}

export interface Grads {
  /** The forward output, for checking the forward kernels too. */
  y: Float64Array;
  dx: Float64Array;
  dw: Float64Array;
}

/** Output [n, ho, wo, ...] of a convolution over x [n, h, w, ...] with filter [kh, kw, ...]. */
export function outShape(xShape: number[], filterShape: number[], channels: number, g: Geometry): number[] {
  const [ho, wo] = forEachTerm([0, xShape[1]!, xShape[2]!], filterShape, g, () => undefined);
  return [xShape[0]!, ho, wo, channels];
}

/**
 * y[b,p,q,c*m+k] = sum over i,j of x[b, r, s, c] * W[i,j,c,k] (depthwise, multiplier m), and
 * the gradients of sum(y * dy) with respect to x and W.
 */
export function depthwiseReference(x: Float32Array, xShape: number[], w: Float32Array, wShape: number[], dy: Float32Array, g: Geometry): Grads {
  const [n, h, wd, c] = xShape as [number, number, number, number];
  const m = wShape[3]!;
  const [, ho, wo] = outShape(xShape, wShape, c * m, g);
  const y = new Float64Array(n * ho! * wo! * c * m);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  forEachTerm(xShape, wShape, g, (b, p, q, i, j, r, s) => {
    for (let ch = 0; ch < c; ch++) {
      const xi = ((b * h + r) * wd + s) * c + ch;
      for (let k = 0; k < m; k++) {
        const yi = ((b * ho! + p) * wo! + q) * c * m + ch * m + k;
        const wi = ((i * wShape[1]! + j) * c + ch) * m + k;
        y[yi]! += x[xi]! * w[wi]!;
        dx[xi]! += dy[yi]! * w[wi]!;
        dw[wi]! += dy[yi]! * x[xi]!;
      }
    }
  });
  return { y, dx, dw };
}

/** y[b,p,q,o] = sum over i,j,c of x[b, r, s, c] * W[i,j,c,o], and the gradients of sum(y * dy). */
export function conv2dReference(x: Float32Array, xShape: number[], w: Float32Array, wShape: number[], dy: Float32Array, g: Geometry): Grads {
  const [n, h, wd, cin] = xShape as [number, number, number, number];
  const cout = wShape[3]!;
  const [, ho, wo] = outShape(xShape, wShape, cout, g);
  const y = new Float64Array(n * ho! * wo! * cout);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  forEachTerm(xShape, wShape, g, (b, p, q, i, j, r, s) => {
    for (let c = 0; c < cin; c++) {
      const xi = ((b * h + r) * wd + s) * cin + c;
      for (let o = 0; o < cout; o++) {
        const yi = ((b * ho! + p) * wo! + q) * cout + o;
        const wi = ((i * wShape[1]! + j) * cin + c) * cout + o;
        y[yi]! += x[xi]! * w[wi]!;
        dx[xi]! += dy[yi]! * w[wi]!;
        dw[wi]! += dy[yi]! * x[xi]!;
      }
    }
  });
  return { y, dx, dw };
}

/**
 * The transposed convolution (Keras's Conv2DTranspose, tf.conv2dTranspose): the adjoint of
 * the convolution that maps an image of `outShape` to x's size. Filter [kh, kw, cout, cin] as
 * tfjs lays it out (cout = output channels, cin = x's channels). Returns y [outShape] and the
 * gradients of sum(y * dy) with respect to x and W.
 */
export function conv2dTransposeReference(
  x: Float32Array,
  xShape: number[],
  w: Float32Array,
  wShape: number[],
  dy: Float32Array,
  yShape: number[],
  g: Geometry,
): Grads {
  const [, ho, wo] = xShape as [number, number, number, number];
  const [, h, wd, cout] = yShape as [number, number, number, number];
  const cin = wShape[3]!;
  const y = new Float64Array(dy.length);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  const [outRows, outCols] = forEachTerm(yShape, wShape, g, (b, p, q, i, j, r, s) => {
    for (let c = 0; c < cout; c++) {
      const yi = ((b * h! + r) * wd! + s) * cout + c;
      for (let o = 0; o < cin; o++) {
        const xi = ((b * ho + p) * wo + q) * cin + o;
        const wi = ((i * wShape[1]! + j) * cout + c) * cin + o;
        y[yi]! += x[xi]! * w[wi]!;
        dx[xi]! += dy[yi]! * w[wi]!;
        dw[wi]! += dy[yi]! * x[xi]!;
      }
    }
  });
  if (outRows !== ho || outCols !== wo) throw new Error(`conv2dTransposeReference: ${yShape} does not convolve to ${xShape}`);
  return { y, dx, dw };
}

/** The float32 copy assertClose compares against. */
export const f32 = (v: Float64Array): Float32Array => Float32Array.from(v);
