/**
 * 3x3, stride-1 convolutions by Winograd's algorithm: F(2x2, 3x3) (winogradConv in kernels.wat)
 * computes each 2x2 output tile from 16 products per channel pair, F(4x4, 3x3) (winograd4Conv)
 * each 4x4 tile from 36, against 36 and 144 for the direct product, whose tiles already run at
 * the SIMD ceiling. The caller says which (winogradTileFor: the one with fewer products for the
 * output's size).
 *
 * Measured: F(2x2) on alternate training steps (one replica's step, CPU time), the target
 * model's second layer forward 4.43 -> 3.86 ms; then F(4x4) against F(2x2) on alternate
 * inference calls (batch 256, one thread) 54.4 -> 28.2 ms: the products had been about three
 * quarters of F(2x2)'s time. Both gradients of such a convolution go by F(4x4) too, where the
 * forward in training does (winograd-gradients.ts).
 *
 * The filter's transform U = G g G^T ([points, cin, cout]), the input and output transforms and
 * the products all run in wasm, the filter's once per call. Results differ from the direct sum
 * by rounding only: the transforms add and subtract (F(4x4): and scale by up to 8) a few values
 * before and after the products; both are tested against a float64 loop within the same
 * tolerance as the other kernels. Two consequences for hostile values, both within one sample's
 * tile: a NaN or an infinity in the input spreads to the tile's other outputs (the direct
 * product keeps it to the outputs that read it), and F(4x4)'s transforms, which scale values
 * by up to a few hundred, overflow float32 for inputs beyond about 1e36.
 */
import * as tf from '@tensorflow/tfjs';
import { heapOffset, simdHelperFor, simdKernelsFor } from './module.js';
import { type HeapBackend } from './ops.js';
import { CONV_ACTIVATIONS, runSplit, type ConvActivation } from './tiles.js';

/** Tiles per chunk: a chunk's transformed inputs and products (points x chunk x (cin + cout) floats) stay in L2. */
const CHUNK = 32;

/** Winograd for 3x3 stride-1 convolutions, forward and gradients; bench/train-step.ts --ab winograd turns it off (direct tiles). */
export const winogradConvs = { enabled: true };

/**
 * F(4x4, 3x3) where it needs fewer products; bench/train-step.ts --ab winograd4 turns it off
 * (F(2x2) everywhere in the forward pass, and the gradients' direct tiles).
 */
export const largeWinogradTiles = { enabled: true };

export type WinogradTile = 2 | 4;

/** Tiles of f x f covering an ho x wo output: the edge's cut tiles count whole. */
const tilesPerSample = (ho: number, wo: number, f: WinogradTile): number => Math.ceil(ho / f) * Math.ceil(wo / f);

/** Products per channel pair for an ho x wo output in tiles of f x f. */
const winogradProducts = (ho: number, wo: number, f: WinogradTile): number => tilesPerSample(ho, wo, f) * (f + 2) * (f + 2);

/**
 * The output tile for an output of ho x wo pixels: 4 when F(4x4, 3x3) needs fewer products than
 * F(2x2, 3x3), counting the whole tiles the output's edge cuts (an 11x11 output: 9 tiles x 36
 * against 36 x 16); 2 on a tie (6x6: 144 each), whose transforms are cheaper.
 */
export function winogradVariant(ho: number, wo: number): WinogradTile {
  return largeWinogradTiles.enabled && winogradProducts(ho, wo, 4) < winogradProducts(ho, wo, 2) ? 4 : 2;
}

/**
 * A 3x3 stride-1 convolution without dilation or negative padding, with Winograd switched on:
 * what every Winograd kernel here takes. (A negative bottom or right padding leaves input pixels
 * no output reads, which a tile's patch would read all the same.)
 */
export function winogradGeometry(info: tf.backend_util.Conv2DInfo): boolean {
  const { top, bottom, left, right } = info.padInfo;
  return (
    winogradConvs.enabled &&
    info.filterHeight === 3 &&
    info.filterWidth === 3 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    Math.min(top, bottom, left, right) >= 0
  );
}

/** Tiles below which transforming the filter (and reading U, 4x the filter for F(4x4)) costs more than the products save. */
const MIN_TILES = 64;

/** Output pixels from which training takes Winograd (F(2x2) has been measured faster than the direct tiles from there). */
const TRAINING_MIN_PIXELS = 36;

/**
 * The Winograd tile a forward convolution of n samples with ho x wo outputs takes, or null for
 * the direct tiles.
 *
 * In inference: winogradVariant's, where its tiles need at most half the multiplies of the
 * direct product (9 per pixel; a 3x3 output takes one 4x4 tile, 36 against 81, while a 5x5
 * output needs 144 against 225) and the call has at least MIN_TILES tiles. Measured on the
 * target model's third layer (a 3x3 output, one tile per sample): F(4x4) lost to the direct
 * tiles with 8 samples, broke even with 32, won from 64.
 *
 * In training (a gradient is being recorded): winogradVariant's from TRAINING_MIN_PIXELS output
 * pixels, but F(2x2) where F(4x4) would have fewer than MIN_TILES tiles (an 8x8 output of one or
 * two samples ran 1.1-1.4x slower in F(4x4)). The studied specs have 128 and more at 32 samples a
 * replica, so they train as the study below ran them. A replica's step of the target spec runs
 * 1.05-1.15x faster than with F(2x2) only, on alternate steps (--ab winograd4; machines differ).
 * F(4x4) rounds about ten times more than F(2x2) (3.3e-6 of the largest output against 2.5e-7 on the
 * target's second layer), so it was studied over seeds before training took it: over seeds 42,
 * 1 and 2 of the target spec and resnet-mini, 2 replicas each, F(4x4) came out lower in 5 of the
 * 6 pairs, by 0.05-0.17 points, and 0.43 higher in one; the means were 98.905% and 98.903%, and
 * one configuration's seeds spread over up to 0.58 points: no difference beyond that spread at
 * this size (docs/runs.md).
 */
export function winogradTileFor(n: number, ho: number, wo: number, training: boolean): WinogradTile | null {
  if (training) {
    if (ho * wo < TRAINING_MIN_PIXELS) return null;
    const tile = winogradVariant(ho, wo);
    return tile === 4 && n * tilesPerSample(ho, wo, 4) < MIN_TILES ? 2 : tile;
  }
  const tile = winogradVariant(ho, wo);
  const pays = 2 * winogradProducts(ho, wo, tile) <= 9 * ho * wo && n * tilesPerSample(ho, wo, tile) >= MIN_TILES;
  return pays ? tile : null;
}

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
  split: boolean,
  tile: WinogradTile,
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
  const points = (tile + 2) * (tile + 2);
  const tiles = n * tilesPerSample(ho, wo, tile);
  const threads = split && simdHelperFor(backend) != null ? 2 : 1;
  const out = heap.makeOutput(outShape, 'float32');
  const u = heap.makeOutput([points, cin, cout], 'float32');
  // A chunk's V and M, then the transforms' middle step: points vectors of 4.
  const scratchFloats = points * CHUNK * (cin + cout) + points * 4;
  const scratch = heap.makeOutput([threads * scratchFloats], 'float32');
  try {
    simd[tile === 4 ? 'winograd4Filter' : 'winogradFilter'](heapOffset(backend, filter), heapOffset(backend, u), cin, cout);
    const flags = (bias != null ? 1 : 0) | CONV_ACTIVATIONS[activation];
    const at = [heapOffset(backend, x), heapOffset(backend, u), bias != null ? heapOffset(backend, bias) : 0, heapOffset(backend, out)];
    const rest = [h, w, cin, ho, wo, cout, pads.top, pads.left, flags];
    const scratchAt = heapOffset(backend, scratch);
    const half = threads > 1 ? tiles >> 1 : tiles;
    // Each thread its own tiles of out and its own half of the scratch.
    const kernel = tile === 4 ? 'winograd4Conv' : 'winogradConv';
    runSplit(simd, backend, split, kernel, (t0, t1) => [...at, ...rest, t0, t1, scratchAt + (t0 === 0 ? 0 : scratchFloats * 4), CHUNK], half, tiles);
    return out;
  } finally {
    heap.disposeData(u.dataId);
    heap.disposeData(scratch.dataId);
  }
}
