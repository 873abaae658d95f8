/**
 * Gradients of dilated convolutions (conv2d and depthwise/separable conv2d with a dilation
 * rate above 1), which tfjs 4.22 refuses on every backend:
 *
 *  - the registered gradients of Conv2D and DepthwiseConv2dNative assert that the dilation
 *    is 1 ("dilation rates greater than 1 are not yet supported");
 *  - tf.fused.conv2d, which tf.layers.conv2d calls, keeps the fused kernel while gradients
 *    are recorded when the activation is linear (every activation but relu and elu: those
 *    are applied after it), and its gradient is a closure with the same assertion. No kernel
 *    or gradient registration reaches a closure, so for dilated convolutions only, while
 *    gradients are recorded, the fused op is routed to what tfjs itself runs when it does not
 *    fuse (conv2d, then the bias add): same forward values, and a Conv2D node on the tape.
 *
 * The replacement Conv2D gradient, for dilation > 1 (where tfjs requires stride 1), is two
 * ordinary stride-1 convolutions, so it runs on every backend:
 *  - dx: dy, padded so that each input pixel sees every tap that read it, correlated with the
 *    filter rotated 180 degrees (in/out channels swapped) at the same dilation;
 *  - dW: the padded input with batch and channels swapped, correlated with dy as the filter
 *    at stride = dilation: out[c, i, j, o] = sum over p, q, b of
 *    xpad[b, p + i*dh, q + j*dw, c] * dy[b, p, q, o].
 * The DepthwiseConv2dNative gradient passes the dilation on to the depthwise kernels of
 * depthwise.ts, which honour it, on the backends they are installed for; elsewhere tfjs's own
 * gradient (and its message) stands. Dilation 1 keeps tfjs's gradients unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { DEPTHWISE_FILTER_GRAD, DEPTHWISE_INPUT_GRAD } from './depthwise.js';
import type { ConvAttrs } from './conv2d.js';

type Pair = [number, number];

function pair(v: number | number[] | null | undefined): Pair {
  if (v == null) return [1, 1];
  return typeof v === 'number' ? [v, v] : [v[0] ?? 1, v[1] ?? v[0] ?? 1];
}

export function isDilated(dilations: number | number[] | null | undefined): boolean {
  const [dh, dw] = pair(dilations);
  return dh !== 1 || dw !== 1;
}

function geometry(xShape: number[], filterShape: number[], attrs: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/**
 * Pads rows/columns (negative amounts crop), as [[top, bottom], [left, right]] of an NHWC tensor.
 * Explicit paddings wider than the dilated filter give negative amounts on the other side.
 */
function padOrCrop(t: tf.Tensor4D, [[top, bottom], [left, right]]: [Pair, Pair]): tf.Tensor4D {
  const [n, h, w, c] = t.shape;
  const cropTop = Math.max(-top, 0);
  const cropLeft = Math.max(-left, 0);
  const keptH = h - cropTop - Math.max(-bottom, 0);
  const keptW = w - cropLeft - Math.max(-right, 0);
  const crop = keptH < h || keptW < w;
  const cropped = crop ? tf.slice(t, [0, cropTop, cropLeft, 0], [n, keptH, keptW, c]) : t;
  const pads: [number, number][] = [
    [0, 0],
    [Math.max(top, 0), Math.max(bottom, 0)],
    [Math.max(left, 0), Math.max(right, 0)],
    [0, 0],
  ];
  return pads.flat().some((p) => p > 0) ? tf.pad(cropped, pads) : cropped;
}

/** dL/dx of a stride-1 dilated conv2d (NHWC, HWIO filter). */
export function dilatedConv2dInputGrad(xShape: number[], dy: tf.Tensor4D, filter: tf.Tensor4D, attrs: ConvAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const info = geometry(xShape, filter.shape, attrs);
    const { top, left } = info.padInfo;
    const [, h, w] = xShape as [number, number, number, number];
    const [, ho, wo] = dy.shape;
    const eh = info.effectiveFilterHeight;
    const ew = info.effectiveFilterWidth;
    // h + eh - 1 rows of padded dy give exactly h rows of output.
    const dyp = padOrCrop(dy, [
      [eh - 1 - top, h - ho + top],
      [ew - 1 - left, w - wo + left],
    ]);
    const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(dyp, rotated, 1, 'valid', 'NHWC', [info.dilationHeight, info.dilationWidth]);
  });
}

/** dL/dW of a stride-1 dilated conv2d (NHWC, HWIO filter). */
export function dilatedConv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], attrs: ConvAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const info = geometry(x.shape, filterShape, attrs);
    const { top, bottom, left, right } = info.padInfo;
    const xp = padOrCrop(x, [
      [top, bottom],
      [left, right],
    ]);
    const xt = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [cin, hp, wp, n]
    const dyt = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [ho, wo, n, cout]
    const out = tf.conv2d(xt, dyt, [info.dilationHeight, info.dilationWidth], 'valid'); // [cin, kh, kw, cout]
    return tf.transpose(out, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** Backends whose depthwise backprop kernels honour the dilation (installDepthwiseKernels). */
const depthwiseDilationBackends = new Set<string>();

let installed = false;

/**
 * Replaces the Conv2D and DepthwiseConv2dNative gradients and routes dilated fused conv2d
 * calls as described above; `backendName`'s depthwise kernels are taken to honour dilation.
 * Gradients are global, so the first call installs them and later calls only add backends.
 */
export function installDilatedConvGradients(backendName?: string): void {
  if (backendName != null) depthwiseDilationBackends.add(backendName);
  if (installed) return;
  installed = true;
  const conv = tf.getGradient('Conv2D');
  const depthwise = tf.getGradient('DepthwiseConv2dNative');
  if (conv != null) {
    tf.registerGradient({
      kernelName: 'Conv2D',
      inputsToSave: ['x', 'filter'],
      gradFunc: (dy, saved, attrs) => {
        const a = attrs as unknown as ConvAttrs;
        if (!isDilated(a.dilations) || (a.dataFormat ?? 'NHWC') !== 'NHWC') return conv.gradFunc(dy, saved, attrs);
        const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
        return {
          x: () => dilatedConv2dInputGrad(x.shape, dy as tf.Tensor4D, filter, a),
          filter: () => dilatedConv2dFilterGrad(x, dy as tf.Tensor4D, filter.shape, a),
        };
      },
    });
  }
  if (depthwise != null) {
    tf.registerGradient({
      kernelName: 'DepthwiseConv2dNative',
      inputsToSave: ['x', 'filter'],
      gradFunc: (dy, saved, attrs) => {
        const a = attrs as unknown as ConvAttrs;
        if (!isDilated(a.dilations) || !depthwiseDilationBackends.has(tf.getBackend())) return depthwise.gradFunc(dy, saved, attrs);
        const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
        const g = dy as tf.Tensor4D;
        const shared = { strides: a.strides, pad: a.pad, dilations: a.dilations, dimRoundingMode: a.dimRoundingMode };
        const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) => tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
        return {
          x: () => run(DEPTHWISE_INPUT_GRAD, { dy: g, filter }, { ...shared, inputShape: x.shape }),
          filter: () => run(DEPTHWISE_FILTER_GRAD, { x, dy: g }, { ...shared, filterShape: filter.shape }),
        };
      },
    });
  }
  routeDilatedFusedConv();
}

type FusedConv2d = typeof tf.fused.conv2d;
type FusedConv2dArgs = Parameters<FusedConv2d>[0];

/** tf.fused.conv2d, unfused for dilated linear convolutions while gradients are recorded. */
function routeDilatedFusedConv(): void {
  const fused = tf.fused as unknown as { conv2d: FusedConv2d };
  const original = fused.conv2d;
  const routed = (args: FusedConv2dArgs): tf.Tensor => {
    const linear = args.activation == null || args.activation === 'linear';
    const nhwc = (args.dataFormat ?? 'NHWC') === 'NHWC';
    if (!linear || !nhwc || !isDilated(args.dilations) || tf.engine().state.gradientDepth === 0) return original(args);
    const y = tf.conv2d(args.x, args.filter, args.strides, args.pad, 'NHWC', args.dilations, args.dimRoundingMode);
    return args.bias == null ? y : tf.add(y, args.bias);
  };
  try {
    fused.conv2d = routed as FusedConv2d;
  } catch {
    // A frozen namespace (another tfjs build): dilated linear conv2d layers keep tfjs's error.
  }
}
