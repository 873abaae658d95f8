// Schema pieces several dataset kinds share, so each key reads and validates the same
// wherever it appears.
import type { SchemaFragment } from './kind.js';

/** The `kind` key of a dataset kind's object form. */
export function kindProperty(kind: string, what: string): SchemaFragment {
  return {
    title: 'the dataset kind',
    description: `The kind of dataset. \`${kind}\`: ${what}`,
    type: 'string',
    const: kind,
    examples: [kind],
  };
}

export function pathProperty(title: string, description: string, example: string): SchemaFragment {
  return { title, description, type: 'string', minLength: 1, maxLength: 1024, examples: [example] };
}

export const CLASSES_PROPERTY: SchemaFragment = {
  title: 'the class names',
  description:
    'Names of the classes. For numbered labels (MNIST, IDX) the n-th name names label n. For image folders and CSV labels it gives the order of the output units and must list exactly the classes found in the training data.',
  type: 'array',
  minItems: 2,
  maxItems: 256,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: 200, description: 'A class name.' },
  examples: [['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']],
};

export const TEST_SPLIT_PROPERTY: SchemaFragment = {
  title: 'the test fraction',
  description:
    'When no separate test data is given: the fraction of each class held out as the test set, drawn with `split_seed`. Greater than 0 and less than 1.',
  type: 'number',
  exclusiveMinimum: 0,
  exclusiveMaximum: 1,
  default: 0.2,
  examples: [0.2],
};

export const SPLIT_SEED_PROPERTY: SchemaFragment = {
  title: 'the seed of the split',
  description:
    "The seed that shuffles the samples and draws the test split. Defaults to the training seed written in the spec; the --seed flag does not change it, so runs with different seeds are tested on the same samples.",
  type: 'integer',
  minimum: 0,
  maximum: 2147483647,
  examples: [42],
};

/** Lowering helpers: the raw values are schema-valid, so only presence is in question. */
export function optionalString(raw: Record<string, unknown>, key: string): string | undefined {
  return typeof raw[key] === 'string' ? (raw[key] as string) : undefined;
}

export function optionalStrings(raw: Record<string, unknown>, key: string): string[] | undefined {
  return Array.isArray(raw[key]) ? (raw[key] as string[]).slice() : undefined;
}
