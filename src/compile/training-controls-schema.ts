// The training controls of the spec schema: a learning-rate schedule, early stopping, image
// augmentation and class weights. Every number is counted in epochs (the loop changes the
// learning rate at the start of an epoch); the formulas are those Keras documents, with its
// steps read as epochs. docs/training.md explains each one.
import type { JsonSchema } from '../lib/json-schema.js';

const MONITOR: JsonSchema = {
  title: 'the metric to watch',
  description: 'The per-epoch metric watched: `val_loss` and `val_accuracy` need a validation_split above 0.',
  type: 'string',
  enum: ['val_loss', 'val_accuracy', 'loss', 'accuracy'],
  default: 'val_loss',
  examples: ['val_loss'],
};

const MODE: JsonSchema = {
  title: 'which direction is better',
  description: '`min`: lower is better; `max`: higher is better; `auto`: `max` for accuracies, `min` for losses.',
  type: 'string',
  enum: ['auto', 'min', 'max'],
  default: 'auto',
  examples: ['auto'],
};

const kindOf = (kind: string, what: string): JsonSchema => ({
  title: 'the schedule',
  description: `The kind of schedule. \`${kind}\`: ${what}`,
  type: 'string',
  const: kind,
  examples: [kind],
});

export const TRAINING_CONTROL_PROPERTIES: Readonly<Record<string, JsonSchema>> = {
  learning_rate_schedule: {
    $ref: '#/definitions/learningRateSchedule',
    title: 'the learning-rate schedule',
    description:
      "How the optimizer's learning rate changes from epoch to epoch: `step`, `exponential`, `cosine` (optionally with warmup) or " +
      "`reduce_on_plateau`. The optimizer's learning_rate is where it starts (the peak, for cosine with warmup). See docs/training.md.",
    examples: [
      { kind: 'cosine', warmup_epochs: 1 },
      { kind: 'reduce_on_plateau', factor: 0.5, patience: 2 },
    ],
  },
  early_stopping: {
    title: 'early stopping',
    description: 'Stops training when a metric has not improved for `patience` epochs, and keeps the weights of its best epoch.',
    type: 'object',
    additionalProperties: false,
    properties: {
      monitor: MONITOR,
      mode: MODE,
      patience: {
        title: 'epochs without improvement',
        description: 'How many epochs in a row without improvement end training; 0 stops at the first epoch that does not improve.',
        type: 'integer',
        minimum: 0,
        maximum: 10000,
        default: 0,
        examples: [3],
      },
      min_delta: {
        title: 'the smallest improvement',
        description: 'A change of the metric smaller than this does not count as an improvement.',
        type: 'number',
        minimum: 0,
        default: 0,
        examples: [0.001],
      },
      restore_best_weights: {
        title: 'whether to keep the best epoch',
        description: 'Whether the model saved at the end is the one of the best epoch (true) or of the last epoch trained (false).',
        type: 'boolean',
        default: true,
        examples: [true],
      },
    },
    examples: [{ monitor: 'val_loss', patience: 3 }],
  },
  augmentation: {
    title: 'image augmentation',
    description:
      'Random changes to each training image, drawn anew every epoch from the seed: shifts, rotations, zoom and flips. ' +
      'Validation and test images are never changed. Needs an image input (height, width, channels).',
    type: 'object',
    additionalProperties: false,
    properties: {
      shift: {
        title: 'the largest shift',
        description: 'The largest shift, as a fraction of the height (up and down) and of the width (left and right), from 0 to 1.',
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: 0,
        examples: [0.1],
      },
      rotation: {
        title: 'the largest rotation',
        description: 'The largest rotation in degrees, either way, from 0 to 180.',
        type: 'number',
        minimum: 0,
        maximum: 180,
        default: 0,
        examples: [10],
      },
      zoom: {
        title: 'the largest zoom',
        description: 'Each image is scaled by a factor drawn from 1 - zoom to 1 + zoom (the same for height and width); from 0 to below 1.',
        type: 'number',
        minimum: 0,
        exclusiveMaximum: 1,
        default: 0,
        examples: [0.1],
      },
      horizontal_flip: {
        title: 'whether to mirror left and right',
        description: 'Mirrors half of the images left to right. Off by default: a mirrored digit or letter is another symbol.',
        type: 'boolean',
        default: false,
        examples: [true],
      },
      vertical_flip: {
        title: 'whether to mirror top and bottom',
        description: 'Mirrors half of the images top to bottom.',
        type: 'boolean',
        default: false,
        examples: [false],
      },
      fill: {
        title: 'what fills the uncovered border',
        description: '`constant`: zeros (black); `nearest`: the nearest edge pixel.',
        type: 'string',
        enum: ['constant', 'nearest'],
        default: 'constant',
        examples: ['constant'],
      },
    },
    examples: [{ shift: 0.1, rotation: 10, zoom: 0.1 }],
  },
  class_weights: {
    title: 'weights of the classes in the loss',
    description:
      "Each training sample's loss is multiplied by its class's weight (classes not listed weigh 1), as Keras's class_weight does; " +
      'keys are class numbers (0, 1, ...) or class names. Validation and test losses are not weighted.',
    type: 'object',
    minProperties: 1,
    additionalProperties: { type: 'number', minimum: 0, maximum: 1e6, description: 'A class weight, 0 or more.' },
    examples: [{ 0: 1, 1: 5 }],
  },
};

export const TRAINING_CONTROL_DEFINITIONS: Readonly<Record<string, JsonSchema>> = {
  learningRateSchedule: {
    type: 'object',
    title: 'learning-rate schedule',
    description: 'A learning-rate schedule: `kind` selects it, the other keys set it.',
    discriminator: { propertyName: 'kind' },
    oneOf: [
      { $ref: '#/definitions/stepSchedule' },
      { $ref: '#/definitions/exponentialSchedule' },
      { $ref: '#/definitions/cosineSchedule' },
      { $ref: '#/definitions/plateauSchedule' },
    ],
  },
  stepSchedule: {
    type: 'object',
    title: 'step schedule',
    description: 'Multiplies the learning rate by `factor` every `every` epochs: lr * factor ^ floor(epoch / every).',
    additionalProperties: false,
    required: ['kind', 'every'],
    properties: {
      kind: kindOf('step', 'multiplies the learning rate by `factor` every `every` epochs.'),
      every: {
        title: 'epochs between drops',
        description: 'The number of epochs between two drops.',
        type: 'integer',
        minimum: 1,
        maximum: 10000,
        examples: [3],
      },
      factor: {
        title: 'the drop factor',
        description: 'What the learning rate is multiplied by at each drop; above 0 and below 1.',
        type: 'number',
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        default: 0.1,
        examples: [0.5],
      },
    },
  },
  exponentialSchedule: {
    type: 'object',
    title: 'exponential schedule',
    description: "Keras's ExponentialDecay with steps read as epochs: lr * decay_rate ^ (epoch / decay_epochs).",
    additionalProperties: false,
    required: ['kind', 'decay_rate'],
    properties: {
      kind: kindOf('exponential', 'lr * decay_rate ^ (epoch / decay_epochs).'),
      decay_rate: {
        title: 'the decay rate',
        description: 'The factor applied every decay_epochs epochs; above 0 and below 1.',
        type: 'number',
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        examples: [0.9],
      },
      decay_epochs: {
        title: 'epochs per decay',
        description: 'The number of epochs over which the rate is multiplied by decay_rate once.',
        type: 'integer',
        minimum: 1,
        maximum: 10000,
        default: 1,
        examples: [1],
      },
      staircase: {
        title: 'whether to decay in steps',
        description: 'Whether epoch / decay_epochs is rounded down, so the rate drops in steps.',
        type: 'boolean',
        default: false,
        examples: [false],
      },
    },
  },
  cosineSchedule: {
    type: 'object',
    title: 'cosine schedule',
    description:
      "Keras's CosineDecay with steps read as epochs: an optional linear warmup to the optimizer's learning_rate, then a half cosine " +
      'down to alpha * learning_rate over decay_epochs.',
    additionalProperties: false,
    required: ['kind'],
    properties: {
      kind: kindOf('cosine', 'a linear warmup (optional), then a half cosine down to alpha * learning_rate.'),
      decay_epochs: {
        title: 'epochs of decay',
        description: 'The epochs over which the rate falls; by default every epoch after the warmup.',
        type: 'integer',
        minimum: 1,
        maximum: 10000,
        examples: [10],
      },
      alpha: {
        title: 'the final fraction',
        description: 'The fraction of learning_rate the decay ends at, from 0 to 1.',
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: 0,
        examples: [0],
      },
      warmup_epochs: {
        title: 'epochs of warmup',
        description: 'Epochs over which the rate rises linearly to learning_rate before the decay; 0 for none.',
        type: 'integer',
        minimum: 0,
        maximum: 10000,
        default: 0,
        examples: [1],
      },
      warmup_start: {
        title: 'the rate warmup starts from',
        description: 'The learning rate of the first warmup epoch; by default learning_rate / (warmup_epochs + 1), so the rate climbs in equal steps.',
        type: 'number',
        minimum: 0,
        examples: [0.0001],
      },
    },
  },
  plateauSchedule: {
    type: 'object',
    title: 'reduce-on-plateau schedule',
    description: "Keras's ReduceLROnPlateau: multiplies the rate by `factor` when `monitor` has not improved for `patience` epochs.",
    additionalProperties: false,
    required: ['kind'],
    properties: {
      kind: kindOf('reduce_on_plateau', 'multiplies the rate by `factor` when the monitored metric stops improving.'),
      monitor: MONITOR,
      mode: MODE,
      factor: {
        title: 'the reduction factor',
        description: 'What the learning rate is multiplied by; above 0 and below 1.',
        type: 'number',
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        default: 0.1,
        examples: [0.5],
      },
      patience: {
        title: 'epochs without improvement',
        description: 'Epochs without improvement after which the rate is reduced.',
        type: 'integer',
        minimum: 0,
        maximum: 10000,
        default: 10,
        examples: [2],
      },
      min_delta: {
        title: 'the smallest improvement',
        description: 'A change smaller than this does not count as an improvement.',
        type: 'number',
        minimum: 0,
        default: 0.0001,
        examples: [0.0001],
      },
      cooldown: {
        title: 'epochs of cooldown',
        description: 'Epochs after a reduction during which no further reduction is considered.',
        type: 'integer',
        minimum: 0,
        maximum: 10000,
        default: 0,
        examples: [0],
      },
      min_lr: {
        title: 'the lowest rate',
        description: 'The learning rate never goes below this.',
        type: 'number',
        minimum: 0,
        default: 0,
        examples: [0.00001],
      },
    },
  },
};
