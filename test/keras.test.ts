// The Keras emitter: committed programs for every spec (generated/keras/); the Python they contain parses
// and, read back through Python's own AST, describes exactly the spec's layers; hostile spec
// strings come out as inert string constants; the Python string escaper round-trips anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { emitKeras } from '../src/emit/keras.js';
import { pythonModuleName } from '../src/emit/targets.js';
import { layerKind } from '../src/layers/registry.js';
import { pyNumber, pyString } from '../src/lib/py-literal.js';
import type { InferredModel } from '../src/types.js';
import { compileValid, compileValidText, ROOT, runCli, tempDir } from './helpers.js';

const specs = readdirSync(join(ROOT, 'specs')).filter((f) => f.endsWith('.yaml')).sort();

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

/** Keras's documented defaults and positional order, written out independently of the emitter. */
const KERAS: Record<string, { positional: string[]; defaults: Record<string, unknown> }> = {
  Conv2D: { positional: ['filters', 'kernel_size'], defaults: { strides: [1, 1], padding: 'valid', dilation_rate: [1, 1], activation: 'linear', use_bias: true } },
  Dense: { positional: ['units'], defaults: { activation: 'linear', use_bias: true } },
  MaxPooling2D: { positional: ['pool_size'], defaults: { padding: 'valid' } },
  AveragePooling2D: { positional: ['pool_size'], defaults: { padding: 'valid' } },
  BatchNormalization: { positional: [], defaults: { momentum: 0.99, epsilon: 0.001, center: true, scale: true } },
  Dropout: { positional: ['rate'], defaults: {} },
  Activation: { positional: ['activation'], defaults: {} },
  Flatten: { positional: [], defaults: {} },
  DepthwiseConv2D: {
    positional: ['kernel_size'],
    defaults: { strides: [1, 1], padding: 'valid', depth_multiplier: 1, dilation_rate: [1, 1], activation: 'linear', use_bias: true },
  },
  SeparableConv2D: {
    positional: ['filters', 'kernel_size'],
    defaults: { strides: [1, 1], padding: 'valid', dilation_rate: [1, 1], depth_multiplier: 1, activation: 'linear', use_bias: true },
  },
  Conv2DTranspose: { positional: ['filters', 'kernel_size'], defaults: { strides: [1, 1], padding: 'valid', activation: 'linear', use_bias: true } },
  UpSampling2D: { positional: ['size'], defaults: { size: [2, 2], interpolation: 'nearest' } },
  ZeroPadding2D: { positional: ['padding'], defaults: { padding: [1, 1] } },
  Cropping2D: { positional: ['cropping'], defaults: { cropping: [[0, 0], [0, 0]] } },
  GlobalAveragePooling2D: { positional: [], defaults: {} },
  GlobalMaxPooling2D: { positional: [], defaults: {} },
  Reshape: { positional: ['target_shape'], defaults: {} },
  Concatenate: { positional: [], defaults: { axis: -1 } },
};

function assertLayersMatch(model: InferredModel, layers: ReadBack['layers']): void {
  assert.deepEqual(layers[0], { call: 'layers.Input', args: [], kwargs: { shape: { code: 'INPUT_SHAPE' } } });
  assert.equal(layers.length, model.layers.length + 1);
  model.layers.forEach((l, i) => {
    const def = layerKind(l.node.kind);
    const got = layers[i + 1]!;
    const keras = KERAS[def.keras.className]!;
    assert.equal(got.call, `layers.${def.keras.className}`);
    assert.equal(got.kwargs.name, l.node.name, 'the layer keeps the spec name');
    const actual: Record<string, unknown> = { ...keras.defaults, ...got.kwargs };
    got.args.forEach((v, j) => (actual[keras.positional[j]!] = v));
    if (def.keras.className.endsWith('Pooling2D')) actual.strides ??= actual.pool_size;
    for (const [k, v] of def.keras.args(l.node.params)) {
      assert.deepEqual(actual[k], v, `${l.node.name}.${k}`);
    }
  });
}

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
    '(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()',
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
    assertLayersMatch(model, back.layers);
    assert.ok(back.strings.includes(model.ir.name));
  }
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
  assert.deepEqual(helpers, ['gelu_new', 'hard_sigmoid', 'mish', 'build_model', 'compile_model', 'load_idx', 'load_data']);
  for (const s of ["tr'ain.idx", 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 'specs/data']) assert.ok(back.strings.includes(s), s);
  assert.match(readFileSync(file, 'utf8'), /to_categorical\(y_train, NUM_CLASSES\)/);
  assert.deepEqual(
    back.layers.slice(2).map((l) => l.kwargs.activation),
    [{ code: 'tf.nn.relu6' }, { code: 'hard_sigmoid' }, { code: 'mish' }, { code: 'gelu_new' }, { code: 'tf.nn.log_softmax' }, { code: 'mish' }, 'gelu', 'swish'],
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
  const comments = readFileSync(file, 'utf8').split('\n').filter((l) => l.trimStart().startsWith('#'));
  assert.equal(comments.length, 2);
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
  const results = out.trimEnd().split('\n').map((l) => JSON.parse(l) as string);
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
