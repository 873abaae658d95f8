// The PyTorch emitter: the module of every spec has the spec's parameter counts and exactly the
// state_dict the weight conversion expects; names that Python, nn.Module or the generated file
// already use are renamed, never shadowed; spec text stays inert; weights start as Keras draws them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emitPytorch, pytorchPlan } from '../src/emit/pytorch.js';
import type { InferredModel } from '../src/types.js';
import { compileValid, compileValidText, ROOT, tempDir } from './helpers.js';
import { torchForTests } from './torch-helpers.js';

const torch = torchForTests();
const files = ['specs', 'test/fixtures/good', 'test/fixtures/equivalence'].flatMap((f) =>
  readdirSync(join(ROOT, f))
    .filter((n) => n.endsWith('.yaml'))
    .sort()
    .map((n) => join(ROOT, f, n)),
);

/** Layer names that would each break a naive emitter: nn.Module's methods, the file's own names, Python's words. */
const HOSTILE = `name: hostile-names
description: 'He said """stop"""; then \\\\ and a newline\\n# import os'
input: [8, 8, 2]
layers:
  - { kind: conv2d, name: train, filters: 3, kernel: 3, padding: same }
  - { kind: conv2d, name: forward, inputs: train, filters: 3, kernel: 1, activation: hard_sigmoid }
  - { kind: add, name: torch, inputs: [train, forward] }
  - { kind: activation, name: hard_sigmoid, activation: hard_sigmoid }
  - { kind: conv2d, name: x_1, filters: 2, kernel: 1 }
  - { kind: conv2d, name: F, inputs: hard_sigmoid, filters: 2, kernel: 1 }
  - { kind: concatenate, name: x, inputs: [x_1, F] }
  - { kind: flatten, name: self }
  - { kind: dense, name: state_dict, units: 4 }
  - { kind: dense, name: load_dataset, units: 3, activation: softmax }
`;

interface Facts {
  trainable: number;
  buffers: number;
  state: Record<string, number[]>;
  output: number[];
}

/** Builds each module in PyTorch and reports its counts, state_dict and output shape. */
function torchFacts(modules: string[]): Facts[] {
  const script = `
import importlib.util, json, sys, torch
facts = []
for path in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location("m", path); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    net = m.build_model().eval()
    facts.append({
        "trainable": sum(p.numel() for p in net.parameters() if p.requires_grad),
        "buffers": sum(b.numel() for n, b in net.named_buffers() if not n.endswith("num_batches_tracked")),
        "state": {k: list(v.shape) for k, v in net.state_dict().items()},
        "output": list(net(torch.rand(2, *m.INPUT_SHAPE)).shape),
    })
print(json.dumps(facts))`;
  const r = spawnSync(torch.python!, ['-c', script, ...modules], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Facts[];
}

function writeModules(models: InferredModel[]): string[] {
  const dir = tempDir();
  return models.map((model, i) => {
    const path = join(dir, `m${i}.py`);
    writeFileSync(path, emitPytorch(model, `specs/${model.ir.name}.yaml`));
    return path;
  });
}

test(
  "every module has the spec's parameter counts, output shape and exactly the state_dict the conversion expects",
  { skip: torch.skip, timeout: 300_000 },
  () => {
    const models = [...files.map((f) => compileValid(f)), compileValidText('hostile.yaml', HOSTILE)];
    const facts = torchFacts(writeModules(models));
    models.forEach((model, i) => {
      const f = facts[i]!;
      const name = model.ir.name;
      assert.equal(f.trainable, model.totals.trainable, `${name}: trainable parameters`);
      assert.equal(f.buffers, model.totals.nonTrainable, `${name}: non-trainable parameters`);
      assert.deepEqual(f.output, [2, ...model.outputShape], `${name}: output shape`);
      const plan = pytorchPlan(model);
      const expected = Object.fromEntries([
        ...plan.state.map((w) => [w.key, [...w.torchShape]]),
        ...plan.layers.flatMap((l) => l.extraState.map((k) => [k, []])),
      ]);
      assert.deepEqual(f.state, expected, `${name}: state_dict`);
      // The order of the weights (buffers such as num_batches_tracked sit inside their layer's).
      const extras = new Set(plan.layers.flatMap((l) => l.extraState));
      assert.deepEqual(
        Object.keys(f.state).filter((k) => !extras.has(k)),
        plan.state.map((w) => w.key),
        `${name}: state_dict order`,
      );
    });
  },
);

test('names Python, nn.Module or the generated file already use become other attributes', () => {
  const model = compileValidText('hostile.yaml', HOSTILE);
  const names = pytorchPlan(model).layers.map((l) => l.name);
  assert.deepEqual(names, ['train_1', 'forward_1', 'torch_1', 'hard_sigmoid_1', 'x_1', 'F_1', 'x_2', 'self_1', 'state_dict_1', 'load_dataset_1']);
  const code = emitPytorch(model, 'specs/hostile-names.yaml');
  assert.ok(!code.includes('He said') && !code.includes('# import os'), 'the description reached the generated code');
  assert.match(code, /^MODEL_NAME = "hostile-names"$/m);
  assert.equal(emitPytorch(model, 'specs/hostile-names.yaml'), code, 'emitting twice differs');
  for (const line of code.split('\n')) assert.ok(line.length <= 140, `a line of ${line.length} characters: ${line}`);
});

test('the generated program parses and compiles as Python', () => {
  const modules = writeModules([...files.map((f) => compileValid(f)), compileValidText('hostile.yaml', HOSTILE)]);
  const r = spawnSync('python3', ['-c', 'import sys\nfor p in sys.argv[1:]: compile(open(p, encoding="utf-8").read(), p, "exec")', ...modules], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
});

test('weights start as Keras draws them: glorot_uniform within its limit, zero biases, batch norm at 1 and 0', { skip: torch.skip, timeout: 120_000 }, () => {
  const module = join(ROOT, 'generated', 'pytorch', 'mlp.py');
  const script = `
import importlib.util, json, math, sys, torch
spec = importlib.util.spec_from_file_location("m", sys.argv[1]); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
state = m.build_model().state_dict()
print(json.dumps({k: [float(v.min()), float(v.max()), float(v.float().std()) if v.numel() > 1 else 0.0] for k, v in state.items()}))`;
  const r = spawnSync(torch.python!, ['-c', script, module], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const stats = JSON.parse(r.stdout) as Record<string, [number, number, number]>;
  // Dense 784 -> 256: limit sqrt(6 / (784 + 256)); a uniform draw has standard deviation limit / sqrt(3).
  const limit = Math.sqrt(6 / (784 + 256));
  const [min, max, std] = stats['dense.weight']!;
  assert.ok(min >= -limit && max <= limit && max > 0.95 * limit, `dense.weight spans [${min}, ${max}], limit ${limit}`);
  assert.ok(Math.abs(std - limit / Math.sqrt(3)) < 0.01 * limit, `dense.weight's standard deviation ${std}`);
  assert.deepEqual(stats['dense.bias']!.slice(0, 2), [0, 0]);
  assert.deepEqual(stats['batch_normalization.weight']!.slice(0, 2), [1, 1]);
  assert.deepEqual(stats['batch_normalization.running_var']!.slice(0, 2), [1, 1]);
});

test('the committed generated/pytorch/ files are the ones the emitter writes', () => {
  for (const spec of readdirSync(join(ROOT, 'specs')).filter((f) => f.endsWith('.yaml'))) {
    const model = compileValid(join(ROOT, 'specs', spec));
    const file = join(ROOT, 'generated', 'pytorch', `${model.ir.name.replace(/-/g, '_')}.py`);
    assert.equal(readFileSync(file, 'utf8'), emitPytorch(model, `specs/${spec}`), `${file} is stale`);
  }
});
