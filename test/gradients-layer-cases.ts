/**
 * One tiny seeded model per layer kind beyond conv2d/pooling/dense, built with the stock
 * tf.layers factories (gradients-layers.test.ts, gradients-replicas.test.ts). Each puts a
 * 1x1 relu convolution before the layer under test, so the layer's input gradient is needed,
 * and a dense head (logits) after it. Inputs are odd and not square, channel counts not
 * multiples of 4.
 */
import * as tf from '@tensorflow/tfjs';

export interface LayerCase {
  name: string;
  inputShape: number[];
  build: () => tf.LayersModel;
  /** Whether a replica (a worker thread that rebuilds the model from its JSON) can load it. */
  serializable: boolean;
}

const INPUT = [9, 10, 3];
const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });

/** Keras's Subtract: tfjs 4.22 has no tf.layers.subtract. */
class Subtract extends tf.layers.Layer {
  static readonly className = 'NetspecTestSubtract';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, b] = inputs as tf.Tensor[];
    return tf.sub(a!, b!);
  }
  override computeOutputShape(shapes: tf.Shape | tf.Shape[]): tf.Shape {
    return (shapes as tf.Shape[])[0]!;
  }
}

function head(features: tf.SymbolicTensor, seed: number): tf.SymbolicTensor {
  const flat = tf.layers.flatten().apply(features) as tf.SymbolicTensor;
  return tf.layers.dense({ units: 3, kernelInitializer: seeded(seed) }).apply(flat) as tf.SymbolicTensor;
}

/** input -> 1x1 relu conv (4 channels) -> layers -> dense 3. */
function chain(name: string, layers: () => tf.layers.Layer[], inputShape = INPUT): LayerCase {
  return {
    name,
    inputShape,
    serializable: true,
    build: () => {
      const input = tf.input({ shape: inputShape });
      let h = tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'relu', kernelInitializer: seeded(1) }).apply(input) as tf.SymbolicTensor;
      for (const layer of layers()) h = layer.apply(h) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: head(h, 99) });
    },
  };
}

/** Two convolution branches of the input (3x3 same, 1x1), merged, then dense 3. */
function merge(name: string, layer: () => tf.layers.Layer, serializable = true): LayerCase {
  return {
    name,
    inputShape: INPUT,
    serializable,
    build: () => {
      const input = tf.input({ shape: INPUT });
      const a = tf.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', kernelInitializer: seeded(2) }).apply(input) as tf.SymbolicTensor;
      const b = tf.layers.conv2d({ filters: 5, kernelSize: 1, activation: 'relu', kernelInitializer: seeded(3) }).apply(input) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: head(layer().apply([a, b]) as tf.SymbolicTensor, 98) });
    },
  };
}

export const LAYER_CASES: LayerCase[] = [
  chain('conv2d, dilation 2, same, linear (fused)', () => [
    tf.layers.conv2d({ filters: 5, kernelSize: 3, dilationRate: 2, padding: 'same', kernelInitializer: seeded(11) }),
  ]),
  chain('conv2d, dilation 2x3, valid, relu', () => [
    tf.layers.conv2d({ filters: 5, kernelSize: [3, 2], dilationRate: [2, 3], activation: 'relu', kernelInitializer: seeded(12) }),
  ]),
  chain('conv2d, dilation 2, tanh', () => [
    tf.layers.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, activation: 'tanh', kernelInitializer: seeded(13) }),
  ]),
  chain('depthwise_conv2d, multiplier 2, stride 2, same', () => [
    tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', depthwiseInitializer: seeded(21) }),
  ]),
  chain('depthwise_conv2d, valid, relu', () => [tf.layers.depthwiseConv2d({ kernelSize: [3, 2], activation: 'relu', depthwiseInitializer: seeded(22) })]),
  chain('separable_conv2d, multiplier 2, same, relu', () => [
    tf.layers.separableConv2d({
      filters: 5,
      kernelSize: 3,
      depthMultiplier: 2,
      padding: 'same',
      activation: 'relu',
      depthwiseInitializer: seeded(31),
      pointwiseInitializer: seeded(32),
    }),
  ]),
  chain('separable_conv2d, dilation 2, valid', () => [
    tf.layers.separableConv2d({ filters: 3, kernelSize: 3, dilationRate: 2, depthwiseInitializer: seeded(33), pointwiseInitializer: seeded(34) }),
  ]),
  chain('separable_conv2d, stride 2, same', () => [
    tf.layers.separableConv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', depthwiseInitializer: seeded(35), pointwiseInitializer: seeded(36) }),
  ]),
  chain('conv2d_transpose, stride 2, same', () => [
    tf.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: seeded(41) }),
  ]),
  chain('conv2d_transpose, stride 2x1, valid, relu', () => [
    tf.layers.conv2dTranspose({ filters: 5, kernelSize: [2, 3], strides: [2, 1], activation: 'relu', kernelInitializer: seeded(42) }),
  ]),
  chain('upsampling2d, nearest, 2x3', () => [tf.layers.upSampling2d({ size: [2, 3] })]),
  chain('upsampling2d, bilinear, 2x2', () => [tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' })]),
  chain('zero_padding2d', () => [
    tf.layers.zeroPadding2d({
      padding: [
        [1, 2],
        [0, 3],
      ],
    }),
  ]),
  chain('cropping2d', () => [
    tf.layers.cropping2D({
      cropping: [
        [1, 2],
        [0, 3],
      ],
    }),
  ]),
  merge('add', () => tf.layers.add({})),
  merge('subtract (a custom layer: tfjs has none)', () => new Subtract({}), false),
  merge('multiply', () => tf.layers.multiply({})),
  merge('average', () => tf.layers.average({})),
  merge('maximum', () => tf.layers.maximum({})),
  merge('minimum', () => tf.layers.minimum({})),
  merge('concatenate, channels', () => tf.layers.concatenate({})),
  merge('concatenate, width', () => tf.layers.concatenate({ axis: 2 })),
];
