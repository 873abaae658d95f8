// Batch normalisation over the last axis. Keras counts gamma and beta as trainable and the
// moving mean and variance as non-trainable: 4 values per channel when centre and scale are on.
import { defineLayer, type TorchIO, type TorchLayer, unary } from './types.js';
import { product } from '../shape.js';
import { pyNumber } from '../lib/py-literal.js';
import { vector } from './torch-layout.js';

export interface BatchNormParams {
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
}

// torch's batch norm learns both gamma and beta or neither; Keras can learn one of them.
const ONE_SIDED = [
  'class BatchNorm(nn.Module):',
  '    """Batch normalization that learns only a scale (gamma) or only an offset (beta), as Keras can;',
  '    torch\'s own learns both or neither."""',
  '',
  '    def __init__(self, norm, scale, center):',
  '        super().__init__()',
  '        self.norm = norm',
  '        channels = norm.num_features',
  '        self.weight = nn.Parameter(torch.ones(channels)) if scale else None',
  '        self.bias = nn.Parameter(torch.zeros(channels)) if center else None',
  '',
  '    def forward(self, x):',
  '        shape = (1, -1) + (1,) * (x.dim() - 2)',
  '        x = self.norm(x)',
  '        x = x * self.weight.view(shape) if self.weight is not None else x',
  '        return x + self.bias.view(shape) if self.bias is not None else x',
].join('\n');

/**
 * torch's BatchNorm2d for images (channels first), BatchNorm1d for vectors, and BatchNorm1d on
 * the transposed tensor for (steps, features) samples, whose features are the last axis. Keras's
 * momentum is the share of the old moving average kept; torch's is the share of the new batch.
 */
function batchNormTorch(p: BatchNormParams, io: TorchIO): TorchLayer {
  const input = io.inputs[0]!;
  const channels = input[input.length - 1]!;
  // 1 - 0.99 is 0.010000000000000009 in binary; the momentum meant is 0.01.
  const momentum = Number((1 - p.momentum).toPrecision(12));
  const affine = p.center === p.scale;
  const callee = input.length === 3 ? 'nn.BatchNorm2d' : 'nn.BatchNorm1d';
  const common = [String(channels), `eps=${pyNumber(p.epsilon)}`, `momentum=${pyNumber(momentum)}`];
  const module = affine
    ? { callee, args: [...common, ...(p.scale ? [] : ['affine=False'])] }
    : {
        callee: 'BatchNorm',
        args: [`${callee}(${[...common, 'affine=False'].join(', ')})`, `scale=${p.scale ? 'True' : 'False'}`, `center=${p.center ? 'True' : 'False'}`],
      };
  const stats = affine ? '' : 'norm.';
  return {
    module,
    forward: ([x], m) => (input.length === 2 ? `${m}(${x}.transpose(1, 2)).transpose(1, 2)` : `${m}(${x})`),
    weights: [
      ...(p.scale ? [vector('gamma', 'weight', channels, { kind: 'ones' })] : []),
      ...(p.center ? [vector('beta', 'bias', channels)] : []),
      vector('moving_mean', `${stats}running_mean`, channels),
      vector('moving_variance', `${stats}running_var`, channels, { kind: 'ones' }),
    ],
    extraState: [`${stats}num_batches_tracked`],
    ...(affine ? {} : { helpers: { BatchNorm: ONE_SIDED } }),
  };
}

export const batchNorm = defineLayer<BatchNormParams>({
  kind: 'batch_norm',
  typeName: 'BatchNormalization',
  autoName: 'batch_normalization',
  family: 'other',
  description:
    'Batch normalization (Keras BatchNormalization) over the last axis: it normalizes each channel using batch ' +
    'statistics during training and moving averages at inference.',
  kindWords: 'is batch normalization.',
  params: {
    momentum: {
      title: 'the momentum of the moving averages',
      description: 'How much of the previous moving average of mean and variance is kept at each training step; greater than 0 and less than 1.',
      type: 'number',
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      default: 0.99,
      examples: [0.99, 0.9],
    },
    epsilon: {
      title: 'a small constant',
      description: 'A small positive number added to the variance so that normalizing never divides by zero.',
      type: 'number',
      exclusiveMinimum: 0,
      default: 0.001,
      examples: [0.001, 1e-5],
    },
    center: {
      title: 'whether to learn an offset',
      description: 'Whether to learn an offset (beta) that is added after normalizing.',
      type: 'boolean',
      default: true,
      examples: [true, false],
    },
    scale: {
      title: 'whether to learn a scale',
      description: 'Whether to learn a factor (gamma) that multiplies the normalized values.',
      type: 'boolean',
      default: true,
      examples: [true, false],
    },
  },
  normalize: (v) => ({
    momentum: v.momentum as number,
    epsilon: v.epsilon as number,
    center: v.center as boolean,
    scale: v.scale as boolean,
  }),
  outputShape: unary((input) => ({ shape: input })),
  countParams: unary((input, p) => {
    const channels = input[input.length - 1] ?? 0;
    const trainable = (p.center ? channels : 0) + (p.scale ? channels : 0);
    return { trainable, nonTrainable: 2 * channels };
  }),
  // At inference the statistics fold into one scale and one shift: a multiply-add per value.
  // Training normalises with the batch's statistics, and the gradient reads the input.
  cost: (_inputs, output) => ({ multAdds: product(output), keeps: { inputs: true } }),
  tfjs: {
    factory: 'batchNormalization',
    config: (p) => ({ axis: -1, momentum: p.momentum, epsilon: p.epsilon, center: p.center, scale: p.scale }),
  },
  keras: {
    className: 'BatchNormalization',
    args: (p) => [
      ['momentum', p.momentum],
      ['epsilon', p.epsilon],
      ['center', p.center],
      ['scale', p.scale],
    ],
    defaults: { momentum: 0.99, epsilon: 0.001, center: true, scale: true },
  },
  pytorch: batchNormTorch,
  display: () => [],
});
