// The spec's JSON Schema, assembled from its owners: the top level here, each layer kind's keys
// from its module in src/layers/, the training section from training-schema.ts. The validator
// uses it directly; `npm run schema` writes it to schema/model-spec.schema.json for editors, and
// a test keeps that file fresh.
import { allLayerKinds } from '../layers/registry.js';
import { SHARED_DEFINITIONS } from '../layers/params.js';
import type { AnyLayerKind } from '../layers/types.js';
import type { JsonSchema } from '../lib/json-schema.js';
import { formatJson } from '../lib/json-format.js';
import { BUDGETS } from './budgets.js';
import { TRAINING_DEFINITIONS, TRAINING_SCHEMA } from './training-schema.js';

/** The name the model's input goes by in `inputs:` and `output:`. */
export const MODEL_INPUT = 'input';

const NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_]*$';

const LAYER_DEFINITIONS: Readonly<Record<string, JsonSchema>> = {
  layerName: {
    type: 'string',
    minLength: 1,
    maxLength: 64,
    pattern: NAME_PATTERN,
    description: 'A layer name: a letter followed by letters, digits or underscores.',
  },
  layerExpect: {
    type: 'object',
    additionalProperties: false,
    description: 'Expectations about one layer.',
    properties: {
      shape: {
        title: 'the output shape',
        description: 'The expected output shape of the layer, without the batch dimension.',
        type: 'array',
        minItems: 1,
        maxItems: 3,
        items: { type: 'integer', minimum: 1, description: 'The size of one dimension.' },
        examples: [[26, 26, 32], [10]],
      },
      params: {
        title: 'the number of parameters',
        description: 'The expected number of parameters of the layer, trainable and non-trainable together.',
        type: 'integer',
        minimum: 0,
        examples: [320, 0],
      },
    },
  },
  layerInputs: {
    description: 'The layers a layer reads: one name, or a list of names.',
    oneOf: [{ $ref: '#/definitions/layerName' }, { type: 'array', minItems: 1, maxItems: 64, items: { $ref: '#/definitions/layerName' } }],
  },
};

/** The keys every layer takes, whatever its kind. */
function commonLayerKeys(def: AnyLayerKind): Record<string, JsonSchema> {
  return {
    kind: {
      title: 'the layer type',
      description: `The layer type. \`${def.kind}\` ${def.kindWords}`,
      type: 'string',
      const: def.kind,
      examples: [def.kind],
    },
    name: {
      $ref: '#/definitions/layerName',
      title: "the layer's name",
      description:
        'A name for the layer, unique within the model. It starts with a letter and contains only letters, digits and ' +
        'underscores. When it is omitted, a Keras-style name such as `conv2d_1` is generated.',
      examples: ['conv_1', 'classifier'],
    },
    inputs: {
      $ref: '#/definitions/layerInputs',
      title: 'the layers it reads',
      description:
        `Which layers this layer reads, by name; \`${MODEL_INPUT}\` is the model's input. Without it, the layer reads the ` +
        'layer listed before it (the first layer reads the input). Merge layers such as `add` and `concatenate` list two or more.',
      examples: ['stem', ['block1_conv2', 'stem']],
    },
    description: {
      title: 'a note about the layer',
      description: "Free text about the layer's purpose. It is carried into the generated module's metadata as a string.",
      type: 'string',
      maxLength: 2000,
      examples: ['Extracts edge-like features.'],
    },
    expect: {
      $ref: '#/definitions/layerExpect',
      title: 'expectations about the layer',
      description:
        'Facts about this layer that the compiler checks: its output shape and its number of parameters. A wrong ' +
        'expectation is reported as an error, so the spec doubles as a test.',
      examples: [{ shape: [26, 26, 32], params: 320 }],
    },
  };
}

/** 'max_pool2d' -> 'maxPool2dLayer', the definition's name. */
export function layerDefinitionName(kind: string): string {
  return `${kind.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())}Layer`;
}

function layerSchema(def: AnyLayerKind): JsonSchema {
  return {
    type: 'object',
    title: `${def.kind} layer`,
    description: def.description,
    additionalProperties: false,
    required: ['kind', ...(def.required ?? [])],
    properties: { ...commonLayerKeys(def), ...def.params },
  };
}

export function buildSpecSchema(): JsonSchema {
  const kinds = allLayerKinds();
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'urn:netspec:schema:model-spec:1',
    title: 'netspec model spec',
    description:
      'A netspec model spec: a neural network described as data. The compiler validates it, checks every shape, and turns ' +
      'it into a live TensorFlow.js model, generated TypeScript and a Keras-style summary.',
    type: 'object',
    additionalProperties: false,
    required: ['name', 'input', 'layers'],
    properties: {
      name: {
        title: "the model's name",
        description:
          'The name of the model: a lowercase slug used for generated file names and identifiers. It starts with a letter, ' +
          'and words of lowercase letters and digits may be joined by single hyphens or underscores. At most 64 characters.',
        type: 'string',
        minLength: 1,
        maxLength: 64,
        pattern: '^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$',
        examples: ['mnist-cnn', 'lenet_5'],
      },
      description: {
        title: 'a description of the model',
        description: 'Free text describing the model. It is carried into generated files and summaries. At most 2000 characters.',
        type: 'string',
        maxLength: 2000,
        examples: ['Small CNN for handwritten digits (28x28 greyscale, 10 classes).'],
      },
      input: {
        title: 'the input shape',
        description: 'The shape of one input sample, without the batch dimension: [height, width, channels] for images, or ' + '[features] for flat vectors.',
        type: 'array',
        minItems: 1,
        maxItems: 3,
        items: { type: 'integer', minimum: 1, description: 'The size of one dimension of the input.' },
        examples: [[28, 28, 1], [784]],
      },
      layers: {
        title: 'the list of layers',
        description:
          'The layers of the model. Each reads the layer before it unless it names others in `inputs`, so a plain list is ' +
          'a stack and named inputs make a graph. Each entry is a mapping whose `kind` selects the type of layer.',
        type: 'array',
        minItems: 1,
        maxItems: 1000,
        items: { $ref: '#/definitions/layer' },
        examples: [[{ kind: 'flatten' }, { kind: 'dense', units: 10, activation: 'softmax' }]],
      },
      output: {
        $ref: '#/definitions/layerName',
        title: 'the output layer',
        description: "The name of the layer whose output is the model's output. Without it, the last layer listed.",
        examples: ['classifier'],
      },
      expect: {
        title: 'expectations about the model',
        description:
          'Facts about the whole model that the compiler checks, so the spec doubles as a test: its exact parameter count, ' +
          'and budgets (max_...) that its costs in the summary must stay within.',
        type: 'object',
        additionalProperties: false,
        properties: {
          params: {
            title: 'the total number of parameters',
            description:
              "The expected total number of parameters of the model, trainable and non-trainable together, as Keras' " + 'model.summary() reports it.',
            type: 'integer',
            minimum: 0,
            examples: [93322],
          },
          ...Object.fromEntries(BUDGETS.map((b) => [b.key, b.schema])),
        },
        examples: [{ params: 93322 }, { max_mult_adds: 5e6, max_training_mb: 100 }],
      },
      training: TRAINING_SCHEMA,
    },
    definitions: {
      layer: {
        type: 'object',
        title: 'layer',
        description: 'One layer of the model. Its `kind` selects the type of layer and which other keys are allowed.',
        discriminator: { propertyName: 'kind' },
        oneOf: kinds.map((def) => ({ $ref: `#/definitions/${layerDefinitionName(def.kind)}` })),
      },
      ...Object.fromEntries(kinds.map((def) => [layerDefinitionName(def.kind), layerSchema(def)])),
      ...LAYER_DEFINITIONS,
      ...SHARED_DEFINITIONS,
      ...TRAINING_DEFINITIONS,
    },
  };
}

let built: JsonSchema | undefined;

/** The schema, built once per process. */
export function specSchema(): JsonSchema {
  built ??= buildSpecSchema();
  return built;
}

/** The text of schema/model-spec.schema.json. */
export function specSchemaText(): string {
  return `${formatJson(buildSpecSchema())}\n`;
}
