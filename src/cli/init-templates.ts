// Starter specs for `netspec init`. Each is a small, well-known architecture that compiles as
// is; the `expect` lines double as documentation of the shapes, and the compiler checks them,
// so a user who edits a layer learns at once what changed downstream. mlp, cnn and lenet train
// on MNIST; image-folder, csv and idx start from each kind of data (the first two from the
// samples `npm run sample-data` writes).

export const TEMPLATE_NAMES = ['mlp', 'cnn', 'lenet', 'image-folder', 'csv', 'idx'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

interface Template {
  /** One line, shown as a comment at the top of the spec. */
  comment: string;
  description: string;
  /** Everything after `input:`; the layers and training sections, in YAML. */
  body: string;
  /** What to do before training, when the template's data is not shipped: [command or action, why]. */
  before?: [string, string];
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
  'image-folder': {
    comment: 'A small CNN for a folder of images, one subfolder per class; images are resized to 32x32 RGB.',
    before: ['npm run sample-data', 'writes the sample image folder this spec trains on (or point dataset.dir at your own folder)'],
    description: 'Small CNN for an image folder.',
    body: `input: [32, 32, 3]
layers:
  - kind: conv2d
    filters: 16
    kernel: 3
    activation: relu
    expect: { shape: [30, 30, 16], params: 448 }
  - kind: max_pool2d
    pool: 2
    expect: { shape: [15, 15, 16] }
  - kind: conv2d
    filters: 32
    kernel: 3
    activation: relu
    expect: { shape: [13, 13, 32], params: 4640 }
  - kind: max_pool2d
    pool: 2
    expect: { shape: [6, 6, 32] }
  - kind: flatten
  - kind: dropout
    rate: 0.3
  # One unit per class folder.
  - kind: dense
    units: 10
    activation: softmax
    expect: { shape: [10], params: 11530 }
expect:
  params: 16618
training:
  # One subfolder per class; \`npm run sample-data\` writes this one from MNIST.
  dataset:
    kind: image_folder
    dir: ../data/samples/digits
    resize: stretch       # or crop, or pad (keep the aspect ratio)
    test_split: 0.2       # or test_dir: a folder with the same class subfolders
  optimizer: { name: adam, learning_rate: 0.001 }
  batch_size: 32
  epochs: 10
  validation_split: 0.1
  seed: 42
`,
  },
  csv: {
    comment: 'A multilayer perceptron for a CSV table: numeric feature columns, one label column.',
    before: ['npm run sample-data', 'writes the sample CSV table this spec trains on (or point dataset.file at your own table)'],
    description: 'Multilayer perceptron for a CSV table.',
    body: `# One input per feature column.
input: [64]
layers:
  - kind: dense
    units: 32
    activation: relu
    expect: { shape: [32], params: 2080 }
  # One unit per class (distinct value of the label column).
  - kind: dense
    units: 10
    activation: softmax
    expect: { shape: [10], params: 330 }
expect:
  params: 2410
training:
  # \`npm run sample-data\` writes this table from MNIST: 64 pixel columns and a 'digit' column.
  dataset:
    kind: csv
    file: ../data/samples/digits.csv
    label_column: digit
    test_split: 0.2       # or test_file: a CSV with the same columns
  optimizer: { name: adam, learning_rate: 0.01 }
  batch_size: 32
  epochs: 20
  validation_split: 0.1
  seed: 42
`,
  },
  idx: {
    comment: 'A small CNN for IDX files in the MNIST layout, here Fashion-MNIST with its class names.',
    before: [
      'put the four Fashion-MNIST files in data/fashion-mnist',
      'or point dataset.dir at them (Debian: apt install dataset-fashion-mnist; dir: /usr/share/datasets/fashion-mnist)',
    ],
    description: 'Small CNN for Fashion-MNIST.',
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
  - kind: dropout
    rate: 0.5
  - kind: dense
    units: 10
    activation: softmax
    expect: { shape: [10], params: 16010 }
expect:
  params: 34826
training:
  # The four files as distributed (train-images-idx3-ubyte.gz, ...); .gz is found by itself.
  # On Debian: apt install dataset-fashion-mnist, then dir: /usr/share/datasets/fashion-mnist
  dataset:
    kind: idx
    dir: ../data/fashion-mnist
    classes: [T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot]
  optimizer: { name: adam, learning_rate: 0.001 }
  batch_size: 64
  epochs: 5
  validation_split: 0.1
  seed: 42
`,
  },
};
