// The fast paths that can be turned off inside one process, so that bench/train-step.ts --ab
// can time steps with and without one on alternate steps. Each switch's "off" is the code
// without that fast path; every switch is on in normal runs.
import { tiledGradients, winogradGradients } from '../backend/gradients/conv2d.js';
import { simdSettings } from '../backend/simd/module.js';
import { ownForwardConv } from '../backend/gradients/conv-forward.js';
import { fusedTraining } from '../backend/gradients/fused-training.js';
import { runPad } from '../backend/gradients/copies.js';
import { rowVectorProducts } from '../backend/gradients/wrapped.js';
import { fusedBatchNormTraining } from '../backend/gradients/batch-norm-training.js';
import { largeWinogradTiles, winogradConvs } from '../backend/simd/winograd.js';
import { skewedPointRows } from '../backend/simd/winograd-gradients.js';
import { reluGradSums } from '../backend/gradients/relu.js';

export interface AbSwitch {
  /** What "on" adds, for the printout. */
  what: string;
  set(on: boolean): void;
}

export const AB_SWITCHES: Record<string, AbSwitch> = {
  tiles: {
    what: 'the tiled SIMD conv gradients',
    set: (on) => {
      tiledGradients.enabled = on;
    },
  },
  forward: {
    what: 'the tiled SIMD forward convolution (off: XNNPACK)',
    set: (on) => {
      ownForwardConv.enabled = on;
    },
  },
  winograd: {
    what: 'Winograd for 3x3 stride-1 convolutions, forward and gradients (off: direct tiles)',
    set: (on) => {
      winogradConvs.enabled = on;
    },
  },
  winograd4: {
    what: 'Winograd F(4x4, 3x3) where it needs fewer products (off: F(2x2, 3x3) in the forward pass everywhere, direct tiles for the gradients)',
    set: (on) => {
      largeWinogradTiles.enabled = on;
    },
  },
  winogradGrad: {
    what: 'both gradients of 3x3 stride-1 convolutions by F(4x4, 3x3) where the forward takes it (off: direct tiles)',
    set: (on) => {
      winogradGradients.enabled = on;
    },
  },
  skew: {
    what: "the Winograd gradients' chunk rows one cache line apart per point (off: a multiple of 4 KiB apart)",
    set: (on) => {
      skewedPointRows.enabled = on;
    },
  },
  reluSums: {
    what: "a relu convolution's gradient and its bias's from one pass (off: the relu gradient, then Sum)",
    set: (on) => {
      reluGradSums.enabled = on;
    },
  },
  fused: {
    what: 'convolutions kept fused during training, with per-input gradients (off: Conv2D, Add, Relu; customGrad for linear ones)',
    set: (on) => {
      fusedTraining.enabled = on;
    },
  },
  pad: {
    what: 'PadV2 as copies of whole runs (off: the stock element-by-element pad)',
    set: (on) => {
      runPad.enabled = on;
    },
  },
  rows: {
    what: 'Multiply and Sub of a per-channel row as one SIMD pass (off: the stock broadcasting kernels)',
    set: (on) => {
      rowVectorProducts.enabled = on;
    },
  },
  bn: {
    what: 'batch normalization in training as two kernels (off: tf.moments, tf.batchNorm and their gradients)',
    set: (on) => {
      fusedBatchNormTraining.enabled = on;
    },
  },
  fma: {
    what: 'fused multiply-adds (relaxed SIMD)',
    set: (on) => {
      simdSettings.fusedMultiplyAdd = on;
    },
  },
};
