// Stage 2 (validate): plain-words messages at the right YAML node, one per real problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { didYouMean, formatDiagnostic } from '../src/compile/diagnostics.js';
import { loadSpecText } from '../src/compile/load.js';
import { loadSpecFile } from '../src/compile/load-file.js';
import { PATTERN_WORDS, type JsonSchema } from '../src/compile/schema-words.js';
import { validateSpec } from '../src/compile/validate.js';
import { specSchema } from '../src/compile/spec-schema.js';

const SPEC_SCHEMA = specSchema();
import type { SpecDiagnostic } from '../src/types.js';

/** Loads and validates YAML text; loading must succeed. */
function check(text: string): SpecDiagnostic[] {
  const result = loadSpecText('spec.yaml', text);
  if (!result.ok) assert.fail(result.diagnostics.map(formatDiagnostic).join('\n'));
  return validateSpec(result.doc, result.positions, 'spec.yaml');
}

/** A valid spec with `layer` (YAML lines, indented for a list item) as its only layer. */
function withLayer(...lines: string[]): string {
  return `name: t\ninput: [28, 28, 1]\nlayers:\n${lines.map((l, i) => `${i === 0 ? '  - ' : '    '}${l}`).join('\n')}\n`;
}

/** The single diagnostic for a spec with one mistake, as [line, col, message]. */
function only(text: string): [number, number, string] {
  const diagnostics = check(text);
  assert.equal(diagnostics.length, 1, diagnostics.map(formatDiagnostic).join('\n'));
  const [d] = diagnostics;
  assert.equal(d?.stage, 'schema');
  return [d?.line ?? 0, d?.col ?? 0, d?.message ?? ''];
}

test('the seed spec validates clean', () => {
  const result = loadSpecFile(join(import.meta.dirname, '..', 'specs', 'mnist-cnn.yaml'));
  assert.ok(result.ok);
  assert.deepEqual(validateSpec(result.doc, result.positions, 'mnist-cnn.yaml'), []);
});

test('a value out of range names the key, the rule and the value', () => {
  assert.deepEqual(only(withLayer('kind: conv2d', 'filters: 8', 'kernel: -3')), [6, 13, 'kernel must be a positive integer or a pair of them; got -3']);
  assert.deepEqual(only(withLayer('kind: conv2d', 'filters: 8', 'kernel: 2000')), [
    6,
    13,
    'kernel must be a positive integer up to 1024 or a pair of them; got 2000',
  ]);
});

test('a bad entry in a pair is reported at the entry', () => {
  assert.deepEqual(only(withLayer('kind: conv2d', 'filters: 8', 'kernel: [3, 0]')), [6, 17, 'kernel[1] must be a positive integer; got 0']);
  assert.deepEqual(only(withLayer('kind: conv2d', 'filters: 8', 'kernel: [3, 3, 3]')), [
    6,
    13,
    'kernel must be a positive integer or a pair of them; got [3, 3, 3]',
  ]);
});

test('an unknown layer kind suggests the closest one', () => {
  assert.deepEqual(only(withLayer('kind: conv2D', 'filters: 8', 'kernel: 3')), [4, 11, "unknown layer kind 'conv2D'; did you mean 'conv2d'?"]);
  assert.match(only(withLayer('kind: lstm'))[2], /^unknown layer kind 'lstm'; expected one of conv2d, depthwise_conv2d, .*reshape, .*concatenate$/);
});

test('a misspelled required key is reported once, as the misspelling', () => {
  assert.deepEqual(only(withLayer('kind: conv2d', 'filter: 8', 'kernel: 3')), [5, 5, "unknown key 'filter' in a conv2d layer; did you mean 'filters'?"]);
});

test('an unknown key is reported at the key, with a suggestion', () => {
  assert.deepEqual(only(withLayer('kind: conv2d', 'filters: 8', 'kernel: 3', 'stride: 2')), [
    7,
    5,
    "unknown key 'stride' in a conv2d layer; did you mean 'strides'?",
  ]);
  assert.deepEqual(only(withLayer('kind: conv2d', 'filters: 8', 'kernel: 3', 'units: 2')), [
    7,
    5,
    "unknown key 'units' in a conv2d layer; 'units' belongs in dense layers",
  ]);
  assert.deepEqual(only('name: t\ninput: [1]\nlayers: [{kind: flatten}]\ncolor: red\n'), [
    4,
    1,
    "unknown key 'color' at the top level of the spec; the keys allowed here are name, description, input, layers, output, expect, training",
  ]);
});

test('a missing required key explains what it is, at the layer', () => {
  assert.deepEqual(only(withLayer('kind: conv2d', 'kernel: 3')), [4, 5, "conv2d layer is missing 'filters' (the number of output channels, e.g. 32)"]);
  assert.deepEqual(only(withLayer('kind: activation')), [4, 5, "activation layer is missing 'activation' (the activation function, e.g. relu)"]);
  assert.match(only(withLayer('units: 3'))[2], /^layer is missing 'kind' \(the layer kind: one of conv2d, /);
  assert.deepEqual(only('name: t\nlayers: [{kind: flatten}]\n'), [1, 1, "the spec is missing 'input' (the input shape, e.g. [28, 28, 1])"]);
});

test('a misspelled enum value lists the choices and suggests one', () => {
  const [line, col, message] = only(withLayer('kind: dense', 'units: 3', 'activation: rellu'));
  assert.deepEqual([line, col], [6, 17]);
  assert.match(message, /^activation must be one of relu, sigmoid, softmax, tanh, linear, .*; got 'rellu'; did you mean 'relu'\?$/);
  assert.match(only(withLayer('kind: dense', 'units: 3', 'activation: hardSigmoid'))[2], /did you mean 'hard_sigmoid'\?$/);
});

test('wrong types get a hint for the usual YAML slips', () => {
  assert.deepEqual(only(withLayer('kind: dense', 'units: 3', 'use_bias: yes')), [
    6,
    15,
    "use_bias must be true or false; got 'yes' (write true or false without quotes; YAML 1.2 reads yes/no/on/off as text)",
  ]);
  assert.deepEqual(only(withLayer('kind: dropout', 'rate: "0.5"')), [
    5,
    11,
    "rate must be a number that is at least 0 and less than 1; got '0.5' (remove the quotes to make it a number)",
  ]);
  assert.deepEqual(only(withLayer('kind: conv2d', 'filters: 8', 'kernel: "3"')), [
    6,
    13,
    "kernel must be a positive integer or a pair of them; got '3' (remove the quotes to make it a number)",
  ]);
  assert.deepEqual(only('name: t\ninput: 784\nlayers: [{kind: flatten}]\n'), [2, 8, 'input must be a list of 1 to 3 positive integers; got 784']);
  assert.deepEqual(only('name: t\ninput: [1]\nlayers: [conv2d]\n'), [3, 10, "layers[0] must be a mapping with 'kind'; got 'conv2d'"]);
});

test('the model name must be a slug', () => {
  assert.match(only('name: My Model\ninput: [1]\nlayers: [{kind: flatten}]\n')[2], /^name must be a lowercase slug such as 'mnist-cnn'.*; got 'My Model'$/);
  assert.match(only(`name: ${'a'.repeat(65)}\ninput: [1]\nlayers: [{kind: flatten}]\n`)[2], /^name must be at most 64 characters long; got 65 characters$/);
});

test('reshape allows -1 once', () => {
  assert.deepEqual(only(withLayer('kind: reshape', 'target_shape: [-1, 4, -1]')), [
    5,
    27,
    'target_shape may contain -1 only once (it stands for the one size worked out from the others); got [-1, 4, -1]',
  ]);
  assert.deepEqual(only(withLayer('kind: reshape', 'target_shape: [0]')), [5, 20, 'target_shape[0] must be a positive integer or -1; got 0']);
});

test('training settings are checked with the same care', () => {
  const spec = (training: string): string => `name: t\ninput: [1]\nlayers: [{kind: flatten}]\ntraining:\n${training}\n`;
  assert.deepEqual(only(spec('  optimizer: {name: adamw, learning_rate: 0.1}')), [5, 21, "unknown optimizer name 'adamw'; did you mean 'adam'?"]);
  assert.deepEqual(only(spec('  optimizer: {name: sgd}')), [5, 14, "the sgd optimizer is missing 'learning_rate' (the step size, e.g. 0.01)"]);
  assert.deepEqual(only(spec('  optimizer: {name: sgd, learning_rate: 0.1, beta1: 0.9}')), [
    5,
    46,
    "unknown key 'beta1' in the sgd optimizer; the keys allowed here are name, learning_rate, momentum, nesterov",
  ]);
  assert.deepEqual(only(spec('  dataset: cifar10')), [5, 12, "dataset must be 'mnist', a mapping with 'kind' or a mapping with 'idx_dir'; got 'cifar10'"]);
  assert.deepEqual(only(spec('  dataset: {idx_dir: data, train_image: x}')), [5, 28, "unknown key 'train_image' in dataset; did you mean 'train_images'?"]);
  assert.deepEqual(only(spec('  epoch: 3')), [5, 3, "unknown key 'epoch' in training; did you mean 'epochs'?"]);
  assert.deepEqual(only(spec('  metrics: [accuracy, accuracy]')), [5, 12, "metrics must not repeat a value; 'accuracy' appears twice"]);
  assert.deepEqual(only(spec('  validation_split: 1')), [5, 21, 'validation_split must be a number that is at least 0 and less than 1; got 1']);
});

test('all problems are reported at once, one message each, sorted by line', () => {
  const diagnostics = check(`name: t
input: [28, 28, 1]
layers:
  - kind: conv2d
    filter: 32
    kernel: [3, -1]
    padding: full
  - kind: maxpool2d
  - kind: dense
    units: 0
`);
  assert.deepEqual(
    diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`),
    [
      "5:5 unknown key 'filter' in a conv2d layer; did you mean 'filters'?",
      '6:17 kernel[1] must be a positive integer; got -1',
      "7:14 padding must be one of valid, same; got 'full'",
      "8:11 unknown layer kind 'maxpool2d'; did you mean 'max_pool2d'?",
      '10:12 units must be a positive integer; got 0',
    ],
  );
  assert.deepEqual(
    diagnostics.map((d) => d.path),
    ['/layers/0/filter', '/layers/0/kernel/1', '/layers/0/padding', '/layers/1/kind', '/layers/2/units'],
  );
});

test('an empty spec and a non-mapping spec say what is needed', () => {
  assert.deepEqual(only('# nothing\n'), [1, 1, "the spec is empty; it needs at least 'name', 'input' and 'layers'"]);
  assert.deepEqual(only('- a\n- b\n'), [1, 1, "the spec must be a mapping with 'name', 'input' and 'layers'; got ['a', 'b']"]);
});

test('a __proto__ key is just an unknown key', () => {
  assert.deepEqual(only('name: t\ninput: [1]\nlayers: [{kind: flatten}]\n__proto__: {x: 1}\n'), [
    4,
    1,
    "unknown key '__proto__' at the top level of the spec; the keys allowed here are name, description, input, layers, output, expect, training",
  ]);
});

test('formatDiagnostic and didYouMean', () => {
  assert.equal(formatDiagnostic({ file: 'a.yaml', line: 3, col: 7, message: 'oops', path: '/x', stage: 'schema' }), 'a.yaml:3:7: oops');
  assert.equal(didYouMean('filter', ['filters', 'kernel']), 'filters');
  assert.equal(didYouMean('learningRate', ['learning_rate', 'name']), 'learning_rate');
  assert.equal(didYouMean('MaxPool2D', ['max_pool2d', 'avg_pool2d']), 'max_pool2d');
  assert.equal(didYouMean('tanh', ['elu', 'relu']), undefined);
  assert.equal(didYouMean('zzz', []), undefined);
  // Short words: a letter added or dropped is a guess, a letter replaced is not.
  assert.equal(didYouMean('aa', ['a', 'b']), 'a');
  assert.equal(didYouMean('x', ['xy', 'zz']), 'xy');
  assert.equal(didYouMean('ab', ['cb', 'ax']), undefined);
  assert.equal(didYouMean(';', [',', 'tab']), undefined);
  // Up to a third of the word's length in edits (at most 3): one edit in a word of 5, two in a
  // word of 6; 'flten' (2 from 'flatten') and 'padded' (3 from 'padding') are too far.
  assert.equal(didYouMean('stides', ['strides']), 'strides');
  assert.equal(didYouMean('kennal', ['kernel']), 'kernel');
  assert.equal(didYouMean('flten', ['flatten']), undefined);
  assert.equal(didYouMean('padded', ['padding']), undefined);
  assert.equal(didYouMean('sigmod', ['sigmoid', 'softmax']), 'sigmoid');
  assert.equal(didYouMean('unis', ['units']), 'units');
  assert.equal(didYouMean('uns', ['units']), undefined);
  // The closest candidate wins, wherever it stands in the list.
  assert.equal(didYouMean('kernal', ['kernels', 'kernel']), 'kernel');
  assert.equal(didYouMean('kernal', ['kernel', 'kernels']), 'kernel');
});

test('the schema compiles in ajv strict mode', () => {
  assert.doesNotThrow(() => new Ajv({ strict: true, allErrors: true, discriminator: true }).compile(SPEC_SCHEMA));
  assert.ok(SPEC_SCHEMA.$id && SPEC_SCHEMA.title);
});

/** Every schema in the tree with the JSON pointer where it sits. */
function* walk(schema: JsonSchema, at = '#'): Generator<[string, JsonSchema]> {
  yield [at, schema];
  for (const [name, child] of Object.entries(schema.properties ?? {})) yield* walk(child, `${at}/properties/${name}`);
  for (const [name, child] of Object.entries(schema.definitions ?? {})) yield* walk(child, `${at}/definitions/${name}`);
  for (const keyword of ['oneOf', 'anyOf'] as const) {
    for (const [i, child] of (schema[keyword] ?? []).entries()) yield* walk(child, `${at}/${keyword}/${i}`);
  }
  if (schema.items) yield* walk(schema.items, `${at}/items`);
}

test('every property in the schema has a description and examples, and examples are valid', () => {
  const ajv = new Ajv({ strict: true, discriminator: true });
  let properties = 0;
  for (const [at, schema] of walk(SPEC_SCHEMA)) {
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      properties += 1;
      assert.ok(property.description && /^[A-Z`].*\.$/s.test(property.description), `${at}/properties/${name} needs a description sentence`);
      assert.ok(Array.isArray(property.examples) && property.examples.length > 0, `${at}/properties/${name} needs examples`);
      // Check each example and default against the property's own schema.
      const validate = ajv.compile({ definitions: SPEC_SCHEMA.definitions, ...property });
      for (const example of property.examples) assert.ok(validate(example), `${at}/properties/${name}: example ${JSON.stringify(example)} is invalid`);
      if (property.default !== undefined) assert.ok(validate(property.default), `${at}/properties/${name}: default is invalid`);
    }
  }
  assert.ok(properties > 60, `walked only ${properties} properties`);
});

test('every pattern in the schema has plain-words wording for messages', () => {
  for (const [at, schema] of walk(SPEC_SCHEMA)) {
    if (schema.pattern) assert.ok(PATTERN_WORDS[schema.pattern], `${at}: no wording for ${schema.pattern}`);
  }
});
