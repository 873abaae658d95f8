// Graph specs: layers that name what they read. Lowering wires and orders them and reports
// wiring mistakes all at once; every good graph in test/fixtures/good builds in tfjs with the
// shapes and counts the compiler inferred, and its generated TypeScript and Keras build the
// same graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { compileSpecText } from '../src/compile/index.js';
import { formatDiagnostic } from '../src/compile/diagnostics.js';
import { Subtract } from '../src/emit/custom-layers.js';
import { emitKeras } from '../src/emit/keras.js';
import { buildModel, crossCheck, liveFacts } from '../src/emit/live.js';
import { renderSummary } from '../src/emit/summary.js';
import { emitTypeScript } from '../src/emit/typescript.js';
import type { InferredModel } from '../src/types.js';
import { compileValid, compileValidText, ROOT, tempDir } from './helpers.js';

tf.env().set('PROD', true);
await tf.setBackend('cpu');

const GOOD = join(ROOT, 'test', 'fixtures', 'good');
const good = readdirSync(GOOD)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const models = good.map((f) => compileValid(join(GOOD, f)));

const names = (model: InferredModel): Map<string, string> =>
  new Map([['input', 'input'], ...model.layers.map((l): [string, string] => [l.node.id, l.node.name])]);

/** Each layer as "name <- its inputs' names", the graph in words. */
const wiring = (model: InferredModel): string[] => model.layers.map((l) => `${l.node.name} <- ${l.node.inputs.map((id) => names(model).get(id)).join(', ')}`);

test('the good corpus has every kind and both merges of branches', () => {
  const kinds = new Set(models.flatMap((m) => m.layers.map((l) => l.node.kind)));
  for (const kind of [
    'add',
    'subtract',
    'multiply',
    'average',
    'maximum',
    'minimum',
    'concatenate',
    'depthwise_conv2d',
    'separable_conv2d',
    'conv2d_transpose',
    'upsampling2d',
    'zero_padding2d',
    'cropping2d',
  ]) {
    assert.ok(kinds.has(kind), kind);
  }
  assert.ok(models.every((m) => m.ir.form === 'functional' || m.layers.every((l) => l.node.inputs.length === 1)));
});

test('a plain list stays a sequential chain; naming inputs or an output makes a graph', () => {
  const plain = compileValidText('p.yaml', 'name: p\ninput: [4]\nlayers:\n  - { kind: dense, units: 3 }\n  - { kind: dense, units: 2 }\n');
  assert.equal(plain.ir.form, 'sequential');
  assert.deepEqual(wiring(plain), ['dense <- input', 'dense_1 <- dense']);
  const named = compileValidText('g.yaml', 'name: g\ninput: [4]\nlayers:\n  - { kind: dense, units: 3 }\n  - { kind: dense, units: 2, inputs: dense }\n');
  assert.equal(named.ir.form, 'functional');
  assert.deepEqual(wiring(named), wiring(plain), 'the same wiring, written out');
});

test('layers may read layers written after them: the order follows the wiring, ties keep the spec order', () => {
  const model = models[good.indexOf('merges.yaml')]!;
  const order = model.layers.map((l) => l.node.name);
  for (const l of model.layers) {
    for (const id of l.node.inputs.filter((i) => i !== 'input')) {
      assert.ok(order.indexOf(names(model).get(id)!) < order.indexOf(l.node.name), `${l.node.name} after what it reads`);
    }
  }
  assert.deepEqual(order.slice(0, 3), ['a', 'b', 'c'], 'independent layers keep the order they were written in');
  assert.equal(names(model).get(model.ir.output), 'result');
  assert.equal(order[order.length - 1], 'result');
});

test('wiring mistakes are reported together, each at its own line', () => {
  const text = [
    'name: many-mistakes',
    'input: [16]',
    'layers:',
    '  - { kind: dense, name: a, units: 8 }',
    '  - { kind: dense, name: b, units: 8, inputs: aa }',
    '  - { kind: dense, name: a, units: 8, inputs: input }',
    '  - { kind: add, name: sum, inputs: [b] }',
    '  - { kind: dense, name: out, units: 2, inputs: sum }',
  ].join('\n');
  const result = compileSpecText('many.yaml', text);
  assert.equal(result.ok, false);
  if (result.ok) return;
  const lines = result.diagnostics.map(formatDiagnostic);
  assert.deepEqual(
    lines.map((l) => l.split(':').slice(1, 3).join(':')),
    ['5:47', '6:26', '7:37'],
  );
  assert.match(lines[0]!, /reads 'aa', which is not a layer of this spec; did you mean 'a'\?/);
  assert.match(lines[1]!, /layer name 'a' is already used by layer 1/);
  assert.match(lines[2]!, /an add layer reads at least 2 inputs, but it reads 1/);
});

test('shape problems in separate branches are all reported, and layers downstream of one are skipped', () => {
  const text = [
    'name: two-bad-branches',
    'input: [8, 8, 1]',
    'layers:',
    '  - { kind: conv2d, name: left, filters: 2, kernel: 9 }',
    '  - { kind: conv2d, name: right, inputs: input, filters: 2, kernel: 10 }',
    '  - { kind: add, inputs: [left, right] }',
  ].join('\n');
  const result = compileSpecText('two.yaml', text);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(
    result.diagnostics.map((d) => d.line),
    [4, 5],
  );
  assert.ok(result.diagnostics.every((d) => d.stage === 'shape'));
});

test('every good graph builds in tfjs (tf.model) with the shapes and counts the compiler inferred', () => {
  models.forEach((model, i) => {
    const live = buildModel(model, { seed: 1 });
    assert.deepEqual(crossCheck(model, live), [], good[i]);
    const out = tf.tidy(() => (live.predict(tf.ones([2, ...model.ir.inputShape])) as tf.Tensor).shape);
    assert.deepEqual(out, [2, ...model.outputShape], good[i]);
    live.dispose();
  });
});

test('the generated TypeScript of every good graph type-checks strictly and builds the same model with the same seeded weights', async () => {
  const dir = tempDir(true);
  const files = models.map((model) => {
    const file = join(dir, `${model.ir.name}.ts`);
    writeFileSync(file, emitTypeScript(model, `test/fixtures/good/${model.ir.name}.yaml`));
    return file;
  });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(
    process.execPath,
    [
      tsc,
      '--noEmit',
      '--strict',
      '--noUncheckedIndexedAccess',
      '--noUnusedLocals',
      '--noUnusedParameters',
      '--exactOptionalPropertyTypes',
      '--target',
      'ES2022',
      '--module',
      'NodeNext',
      '--moduleResolution',
      'NodeNext',
      '--skipLibCheck',
      '--types',
      'node',
      ...files,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  for (const [i, model] of models.entries()) {
    const mod = await import(pathToFileURL(files[i]!).href);
    const generated: tf.LayersModel = mod.default({ seed: 5 });
    const live = buildModel(model, { seed: 5 });
    assert.deepEqual(liveFacts(generated), liveFacts(live), good[i]);
    const [a, b] = [generated.getWeights(), live.getWeights()];
    assert.equal(a.length, b.length);
    a.forEach((w, j) => assert.deepEqual(Array.from(w.dataSync()), Array.from(b[j]!.dataSync()), `${good[i]} weight ${j}`));
    const x = tf.randomUniform([3, ...model.ir.inputShape], 0, 1, 'float32', 9);
    const [ya, yb] = [generated.predict(x) as tf.Tensor, live.predict(x) as tf.Tensor];
    assert.deepEqual(Array.from(ya.dataSync()), Array.from(yb.dataSync()), `${good[i]} outputs`);
    tf.dispose([x, ya, yb]);
    generated.dispose();
    live.dispose();
  }
});

/** Python's reading of a functional build_model: per layer call, its class, name and the names of what it reads. */
const READ_FUNCTIONAL = String.raw`
import ast, json, sys
tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())
build = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "build_model")
var_to_layer = {}
layers = []
for s in build.body:
    if isinstance(s, ast.Assign) and isinstance(s.value, ast.Call):
        call = s.value
        if isinstance(call.func, ast.Call):
            ctor, applied = call.func, call.args[0]
            reads = [e.id for e in applied.elts] if isinstance(applied, ast.List) else [applied.id]
        else:
            ctor, reads = call, []
        name = next(k.value.value for k in ctor.keywords if k.arg == "name")
        var_to_layer[s.targets[0].id] = name
        layers.append({"call": ast.unparse(ctor.func), "name": name, "reads": [var_to_layer[r] for r in reads]})
ret = build.body[-1].value
print(json.dumps({"layers": layers, "output": var_to_layer[ret.args[1].id]}))
`;

test('the generated Keras of every good graph parses, and its calls wire the same graph', () => {
  const dir = tempDir();
  for (const model of models) {
    if (model.ir.form !== 'functional') continue;
    const file = join(dir, `${model.ir.name}.py`);
    writeFileSync(file, emitKeras(model, `test/fixtures/good/${model.ir.name}.yaml`));
    const r = spawnSync('python3', ['-c', READ_FUNCTIONAL, file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const back = JSON.parse(r.stdout) as { layers: Array<{ call: string; name: string; reads: string[] }>; output: string };
    assert.deepEqual(back.layers[0], { call: 'layers.Input', name: 'input', reads: [] });
    assert.deepEqual(
      back.layers.slice(1).map((l) => `${l.name} <- ${l.reads.join(', ')}`),
      wiring(model),
      model.ir.name,
    );
    assert.deepEqual(
      back.layers.slice(1).map((l) => l.call),
      model.layers.map((l) => `layers.${l.typeName}`),
    );
    assert.equal(back.output, names(model).get(model.ir.output));
  }
});

test("a graph's summary is Keras's functional form: the input row first, and a Connected to line per input", () => {
  const model = models[good.indexOf('residual-block.yaml')]!;
  const lines = renderSummary(model).split('\n');
  assert.match(lines[2]!, /^ Layer \(type\) +Output Shape +Param # +Mult-Adds +Connected to$/);
  const row = (name: string): number => lines.findIndex((l) => l.startsWith(` ${name} (`));
  assert.match(lines[row('input')]!, /^ input \(InputLayer\) +\(None, 28, 28, 1\) +0 +0$/);
  // Mult-adds: 28*28 positions * 16 filters * 3*3*16 products = 1,806,336.
  assert.match(lines[row('conv1')]!, /\(None, 28, 28, 16\) +2,320 +1,806,336 +stem\[0\]\[0\]$/);
  const add = row('block');
  assert.match(lines[add]!, /^ block \(Add\) +\(None, 28, 28, 16\) +0 +0 +conv2\[0\]\[0\]$/);
  assert.match(lines[add + 1]!, /^ +stem\[0\]\[0\]$/);
  assert.equal(lines[add + 1]!.indexOf('stem'), lines[add]!.indexOf('conv2[0][0]'), 'the second input lines up under the first');
  const rules = lines.filter((l) => /^[_=]+$/.test(l));
  assert.ok(rules.every((l) => l.length === rules[0]!.length && l.length >= 98));
  // 3*3*1*16 + 16, twice 3*3*16*16 + 16, then 16*10 + 10; 4 bytes each is 19,880 B = 19.41 KB.
  assert.ok(lines.includes('Total params: 4,970 (19.41 KB)'));
});

test('Subtract, which tfjs lacks, computes the first input minus the second, broadcasting like Keras, and survives saving', async () => {
  const a = tf.input({ shape: [3, 1] });
  const b = tf.input({ shape: [4] });
  const out = new Subtract({ name: 'diff' }).apply([a, b]) as tf.SymbolicTensor;
  assert.deepEqual(out.shape, [null, 3, 4]);
  const model = tf.model({ inputs: [a, b], outputs: out });
  const [xa, xb] = [tf.tensor3d([[[1], [2], [3]]]), tf.tensor2d([[10, 20, 30, 40]])];
  const y = model.predict([xa, xb]) as tf.Tensor;
  assert.deepEqual(await y.array(), [
    [
      [-9, -19, -29, -39],
      [-8, -18, -28, -38],
      [-7, -17, -27, -37],
    ],
  ]);
  const reloaded = await tf.models.modelFromJSON(model.toJSON(null, false) as never);
  assert.equal(reloaded.layers[2]!.getClassName(), 'Subtract');
  tf.dispose([xa, xb, y]);
});
