/**
 * The kernels netspec adds for the layer kinds beyond conv2d/pooling/dense, timed against the
 * stock tfjs kernels they replace on wasm, in one process, alternating, median of --reps:
 *
 *   node --import tsx bench/layer-kernels.ts [--threads 1] [--reps 9]
 *
 * Tensors are a 28x28x16 layer at batch 64. The depthwise gradients have no stock wasm
 * kernel; they are shown beside the stock depthwise forward pass on the same tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend/select.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

// Stock kernels first: selectBackend installs the replacements.
const names = ['Slice', 'Concat', 'SplitV', 'ResizeNearestNeighborGrad', 'ResizeBilinearGrad'];
await selectBackend('wasm', { threads: Number(arg('threads') ?? 1), fastGradients: false });
const stock = new Map(names.map((n) => [n, tf.getKernel(n, 'wasm')!]));
const { installFastGradients } = await import('../src/backend/gradients/index.js');
installFastGradients('wasm');
const backend = tf.backend();

const x = tf.randomUniform([64, 28, 28, 16]) as tf.Tensor4D;
const up = tf.randomUniform([64, 56, 56, 16]) as tf.Tensor4D;
const padded = tf.randomUniform([64, 57, 57, 16]) as tf.Tensor4D;
const wide = tf.concat([x, x], 3);
const filter = tf.randomUniform([3, 3, 16, 1]) as tf.Tensor4D;
const resize = { alignCorners: false, halfPixelCenters: false };
const depthwise = { strides: 1, pad: 'same', dilations: 1 };

type Run = () => tf.TensorInfo | tf.TensorInfo[];
const viaStock =
  (name: string, inputs: tf.NamedTensorInfoMap, attrs: object): Run =>
  () =>
    stock.get(name)!.kernelFunc({ inputs, attrs: attrs as tf.NamedAttrMap, backend }) as tf.TensorInfo | tf.TensorInfo[];
const viaNetspec =
  (name: string, inputs: tf.NamedTensorInfoMap, attrs: object): Run =>
  () =>
    tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];

const CASES: [string, Run, Run][] = [
  [
    'crop [64,57,57,16] to [64,56,56,16] (Slice)',
    viaStock('Slice', { x: padded }, { begin: [0, 0, 0, 0], size: [64, 56, 56, 16] }),
    viaNetspec('Slice', { x: padded }, { begin: [0, 0, 0, 0], size: [64, 56, 56, 16] }),
  ],
  [
    '16 of 32 channels (Slice)',
    viaStock('Slice', { x: wide }, { begin: [0, 0, 0, 16], size: [64, 28, 28, 16] }),
    viaNetspec('Slice', { x: wide }, { begin: [0, 0, 0, 16], size: [64, 28, 28, 16] }),
  ],
  ['concatenate 2 x 16 channels (Concat)', viaStock('Concat', [x, x] as never, { axis: 3 }), viaNetspec('Concat', [x, x] as never, { axis: 3 })],
  [
    'its gradient (SplitV)',
    viaStock('SplitV', { x: wide }, { numOrSizeSplits: [16, 16], axis: 3 }),
    viaNetspec('SplitV', { x: wide }, { numOrSizeSplits: [16, 16], axis: 3 }),
  ],
  [
    'upsampling 2x nearest, gradient',
    viaStock('ResizeNearestNeighborGrad', { images: x, dy: up }, resize),
    viaNetspec('ResizeNearestNeighborGrad', { images: x, dy: up }, resize),
  ],
  [
    'upsampling 2x bilinear, gradient',
    viaStock('ResizeBilinearGrad', { images: x, dy: up }, resize),
    viaNetspec('ResizeBilinearGrad', { images: x, dy: up }, resize),
  ],
  [
    'depthwise 3x3: forward (stock) / filter gradient',
    viaNetspec('DepthwiseConv2dNative', { x, filter }, depthwise),
    viaNetspec('DepthwiseConv2dNativeBackpropFilter', { x, dy: x }, { ...depthwise, filterShape: [3, 3, 16, 1] }),
  ],
  [
    'depthwise 3x3: forward (stock) / input gradient',
    viaNetspec('DepthwiseConv2dNative', { x, filter }, depthwise),
    viaNetspec('DepthwiseConv2dNativeBackpropInput', { dy: x, filter }, { ...depthwise, inputShape: [64, 28, 28, 16] }),
  ],
];

function time(run: Run): number {
  const t0 = performance.now();
  const out = run();
  const outs = Array.isArray(out) ? out : [out];
  const t = performance.now() - t0;
  for (const o of outs) backend.disposeData(o.dataId);
  return t;
}

const reps = Number(arg('reps') ?? 9);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
console.log(`wasm, ${arg('threads') ?? 1} thread(s); median ms of ${reps} alternating runs`);
console.log(`${'kernel'.padEnd(50)} ${'stock'.padStart(8)} ${'netspec'.padStart(8)}`);
for (const [name, before, after] of CASES) {
  time(before);
  time(after);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < reps; i++) {
    a.push(time(before));
    b.push(time(after));
  }
  console.log(`${name.padEnd(50)} ${median(a).toFixed(1).padStart(8)} ${median(b).toFixed(1).padStart(8)}`);
}
