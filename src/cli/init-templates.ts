// Starter specs for `netspec init`. Each is a small, well-known MNIST architecture that
// compiles as is; the `expect` lines double as documentation of the shapes, and the compiler
// checks them, so a user who edits a layer learns at once what changed downstream.

export const TEMPLATE_NAMES = ['mlp', 'cnn', 'lenet'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

interface Template {
  /** One line, shown as a comment at the top of the spec. */
  comment: string;
  description: string;
  /** Everything after `input:`; the layers and training sections, in YAML. */
  body: string;
}

export const TEMPLATES: Readonly<Record<TemplateName, Template>> = {
  mlp: {
    comment: 'A multilayer perceptron: flatten the image, one hidden layer, dropout, softmax over 10 digits.',
    description: 'Multilayer perceptron for MNIST digits.',
    body: `input: [28, 28, 1]
layers:
  - kind: flatten
    expect: { shape: [784] }
  - kind: dense
    units: 128
    activation: relu
    expect: { shape: [128], params: 100480 }
  - kind: dropout
    rate: 0.2
  - kind: dense
    units: 10
    activation: softmax
    expect: { shape: [10], params: 1290 }
expect:
  params: 101770
training:
  dataset: mnist
  optimizer: { name: adam, learning_rate: 0.001 }
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
  batch_size: 128
  epochs: 5
  validation_split: 0.1
  seed: 42
`,
  },
  cnn: {
    comment: 'A small convolutional network: two 3x3 convolutions with 2x2 max pooling, dropout, softmax.',
    description: 'Small CNN for MNIST digits.',
    body: `input: [28, 28, 1]
layers:
  - kind: conv2d
    filters: 32
    kernel: 3
    activation: relu
    expect: { shape: [26, 26, 32], params: 320 }
  - kind: max_pool2d
    pool: 2
    expect: { shape: [13, 13, 32] }
  - kind: conv2d
    filters: 64
    kernel: 3
    activation: relu
    expect: { shape: [11, 11, 64], params: 18496 }
  - kind: max_pool2d
    pool: 2
    expect: { shape: [5, 5, 64] }
  - kind: flatten
    expect: { shape: [1600] }
  - kind: dropout
    rate: 0.5
  - kind: dense
    units: 10
    activation: softmax
    expect: { shape: [10], params: 16010 }
expect:
  params: 34826
training:
  dataset: mnist
  optimizer: { name: adam, learning_rate: 0.001 }
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
  batch_size: 64
  epochs: 5
  validation_split: 0.1
  seed: 42
`,
  },
  lenet: {
    comment: 'LeNet-5 for 28x28 digits: 5x5 convolutions (the first padded), average pooling, tanh.',
    description: 'LeNet-5 style network for MNIST digits.',
    body: `input: [28, 28, 1]
layers:
  - kind: conv2d
    name: c1
    filters: 6
    kernel: 5
    padding: same
    activation: tanh
    expect: { shape: [28, 28, 6], params: 156 }
  - kind: avg_pool2d
    name: s2
    pool: 2
    expect: { shape: [14, 14, 6] }
  - kind: conv2d
    name: c3
    filters: 16
    kernel: 5
    activation: tanh
    expect: { shape: [10, 10, 16], params: 2416 }
  - kind: avg_pool2d
    name: s4
    pool: 2
    expect: { shape: [5, 5, 16] }
  - kind: flatten
    expect: { shape: [400] }
  - kind: dense
    name: f5
    units: 120
    activation: tanh
  - kind: dense
    name: f6
    units: 84
    activation: tanh
  - kind: dense
    name: output
    units: 10
    activation: softmax
    expect: { shape: [10] }
expect:
  params: 61706
training:
  dataset: mnist
  optimizer: { name: sgd, learning_rate: 0.05, momentum: 0.9 }
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
  batch_size: 64
  epochs: 5
  validation_split: 0.1
  seed: 42
`,
  },
};
