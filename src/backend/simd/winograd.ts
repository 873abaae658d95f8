/**
 * 3x3, stride-1 convolutions by Winograd's F(2x2, 3x3) (winogradConv in kernels.wat): 2.25x
 * fewer multiplies than the direct product, whose tiles already run at the SIMD ceiling.
 * Measured on alternate training steps (one replica's step, CPU time): the target model's
 * second layer forward 4.43 -> 3.86 ms. The input gradient, a 3x3 stride-1 correlation too,
 * came out no faster (5.02 -> 5.18 ms: 64 input channels make bigger transforms for fewer
 * saved products), so it keeps the direct tiles.
 *
 * The filter's transform U = G g G^T ([16, cin, cout]), the input and output transforms and
 * the 16 products all run in wasm (winogradFilter, winogradConv), the filter's once per call. Results differ from the direct sum by rounding only: the
 * transforms add and subtract a few values before and after the products (tested against a
 * float64 loop within the same tolerance as the other kernels).
 */
import * as tf from '@tensorflow/tfjs';
import { heapOffset, simdHelperFor, simdKernelsFor } from './module.js';
import { type HeapBackend } from './ops.js';
import { CONV_ACTIVATIONS, runSplit, type ConvActivation } from './tiles.js';

/** Tiles per chunk: a chunk's transformed inputs and products (16 x chunk x (cin + cout) floats) stay in L2. */
const CHUNK = 32;

/**
 * act(conv(x, filter) + bias) for a 3x3 filter, stride 1: the output is outShape, and output
 * pixel (p, q) reads input rows p - pads.top .. + 2 (zero outside). Needs input channels
 * % 4 == 0 and output channels % 8 == 0; null otherwise.
 */
export function winogradConvSimd(
  backend: unknown,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  bias: tf.TensorInfo | null,
  outShape: [number, number, number, number],
  pads: { top: number; left: number },
  activation: ConvActivation,
  split = true,
): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
  const [n, h, w, xc] = x.shape as [number, number, number, number];
  const [on, ho, wo, oc] = outShape;
  if (simd == null || kh !== 3 || kw !== 3 || xc !== cin || on !== n || oc !== cout || cin % 4 !== 0 || cout % 8 !== 0) return null;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || (bias != null && (bias.dtype !== 'float32' || tf.util.sizeFromShape(bias.shape) !== cout)))
    return null;
  if (n === 0 || ho <= 0 || wo <= 0 || h === 0 || w === 0) return null;
  const heap = backend as HeapBackend;
  const tiles = n * Math.ceil(ho / 2) * Math.ceil(wo / 2);
  const threads = split && simdHelperFor(backend) != null ? 2 : 1;
  const out = heap.makeOutput(outShape, 'float32');
  const u = heap.makeOutput([16, cin, cout], 'float32');
  const scratchFloats = 16 * CHUNK * (cin + cout);
  const scratch = heap.makeOutput([threads * scratchFloats], 'float32');
  try {
    simd.winogradFilter(heapOffset(backend, filter), heapOffset(backend, u), cin, cout);
    const flags = (bias != null ? 1 : 0) | CONV_ACTIVATIONS[activation];
    const at = [heapOffset(backend, x), heapOffset(backend, u), bias != null ? heapOffset(backend, bias) : 0, heapOffset(backend, out)];
    const rest = [h, w, cin, ho, wo, cout, pads.top, pads.left, flags];
    const scratchAt = heapOffset(backend, scratch);
    const half = threads > 1 ? tiles >> 1 : tiles;
    // Each thread its own tiles of out and its own half of the scratch.
    runSplit(simd, backend, split, 'winogradConv', (t0, t1) => [...at, ...rest, t0, t1, scratchAt + (t0 === 0 ? 0 : scratchFloats * 4), CHUNK], half, tiles);
    return out;
  } finally {
    heap.disposeData(u.dataId);
    heap.disposeData(scratch.dataId);
  }
}
