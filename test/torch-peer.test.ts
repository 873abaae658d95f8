// The bench's PyTorch peer (src/bench/torch_peer.py runs the spec's generated module,
// generated/pytorch/<name>.py) against the spec it stands in for. PyTorch
// itself reports the peer's model: its layers in the order they run, each one's settings,
// parameter count and output shape on an input of the spec's shape. The expectation comes from
// the compiled spec through the documented correspondence of Keras and PyTorch layers, so the
// test holds for any peer that builds the spec's model, hand-written or generated from the spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { findTorchPython } from '../src/bench/children.js';
import { pythonModuleName } from '../src/emit/python-names.js';
import type { InferredModel } from '../src/types.js';
import { assertAvailable, compileValid, ROOT, skipUnlessCi } from './helpers.js';

/** The specs the peer runs whose kinds this test writes down (the bench runs the peer on any spec). */
const PEER_SPECS = ['mnist-cnn.yaml', 'lenet5.yaml'];

const probe = findTorchPython(['/usr/bin/python3', 'python3']);
const missing = probe.python ? undefined : `PyTorch is not installed (apt-get install -y python3-torch): ${probe.reason}`;

/** One PyTorch module as the peer runs it. */
interface Module {
  module: string;
  params: number;
  /** Output shape without the batch dimension, channels first. */
  shape: number[];
  [setting: string]: unknown;
}

/** Builds the peer's model with its own build_model and describes every leaf module in the order it runs. */
const DESCRIBE = String.raw`
import inspect, json, runpy, sys, torch
namespace = runpy.run_path(sys.argv[1], run_name="peer")  # not "__main__": its main() does not run
build = namespace["build_model"]
model = build(torch) if inspect.signature(build).parameters else build()
height, width, channels = json.loads(sys.argv[2])
pair = lambda v: list(v) if isinstance(v, (tuple, list)) else [v, v]

def settings(m):
    kind = type(m).__name__
    if kind == "Conv2d":
        padding = m.padding if isinstance(m.padding, str) else pair(m.padding)
        return {"in": m.in_channels, "out": m.out_channels, "kernel": pair(m.kernel_size), "stride": pair(m.stride), "padding": padding, "bias": m.bias is not None, "dilation": pair(m.dilation), "groups": m.groups}
    if kind == "Linear":
        return {"in": m.in_features, "out": m.out_features, "bias": m.bias is not None}
    if kind in ("MaxPool2d", "AvgPool2d"):
        return {"kernel": pair(m.kernel_size), "stride": pair(m.stride if m.stride is not None else m.kernel_size), "padding": pair(m.padding)}
    if kind == "Dropout":
        return {"p": m.p}
    return {}

ran = []
for m in model.modules():
    if not list(m.children()):
        m.register_forward_hook(lambda m, inputs, output: ran.append(
            dict(module=type(m).__name__, params=sum(p.numel() for p in m.parameters()), shape=list(output.shape[1:]), **settings(m))))
model.eval()
with torch.no_grad():
    model(torch.zeros(1, height, width, channels))  # the spec's layout: channels last
print(json.dumps({"modules": ran, "total": sum(p.numel() for p in model.parameters())}))
`;

/** Keras activation -> the PyTorch module that computes the same function. */
const ACTIVATIONS: Record<string, string> = {
  relu: 'ReLU',
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
  softmax: 'Softmax',
  elu: 'ELU',
  selu: 'SELU',
  relu6: 'ReLU6',
  softplus: 'Softplus',
  softsign: 'Softsign',
  swish: 'SiLU',
  mish: 'Mish',
  gelu: 'GELU',
  log_softmax: 'LogSoftmax',
};

/** channels-last [h, w, c] -> PyTorch's [c, h, w]; flat shapes stay. */
const channelsFirst = (shape: readonly number[]): number[] => (shape.length === 3 ? [shape[2]!, shape[0]!, shape[1]!] : [...shape]);

/** What PyTorch must run for the spec: each layer as its PyTorch module(s), with settings, parameters and shapes. */
function expectedModules(model: InferredModel): Module[] {
  const out: Module[] = [];
  const activation = (name: unknown, shape: number[]): void => {
    if (name === undefined || name === 'linear') return;
    const module = ACTIVATIONS[String(name)];
    assert.ok(module, `no PyTorch module written down for activation '${String(name)}'`);
    out.push({ module, params: 0, shape });
  };
  for (const layer of model.layers) {
    const p = layer.node.params as Record<string, unknown>;
    const shape = channelsFirst(layer.outputShape);
    const params = layer.params.trainable + layer.params.nonTrainable;
    const inChannels = layer.inputShapes[0]?.at(-1);
    switch (layer.node.kind) {
      case 'conv2d':
        out.push({
          module: 'Conv2d',
          params,
          shape,
          in: inChannels,
          out: p.filters,
          kernel: p.kernel,
          stride: p.strides,
          // 'same' at stride 1 with an odd kernel pads (k - 1) / 2 on each side, however it is written.
          padding: p.padding === 'same' ? (p.kernel as number[]).map((k) => (k - 1) / 2) : [0, 0],
          bias: p.use_bias,
          dilation: [1, 1],
          groups: 1,
        });
        activation(p.activation, shape);
        break;
      case 'dense':
        out.push({ module: 'Linear', params, shape, in: inChannels, out: p.units, bias: p.use_bias });
        activation(p.activation, shape);
        break;
      case 'max_pool2d':
      case 'avg_pool2d':
        assert.equal(p.padding, 'valid', 'PyTorch pooling has no "same" padding: write its counterpart here');
        out.push({ module: layer.node.kind === 'max_pool2d' ? 'MaxPool2d' : 'AvgPool2d', params, shape, kernel: p.pool, stride: p.strides, padding: [0, 0] });
        break;
      case 'flatten':
        out.push({ module: 'Flatten', params, shape });
        break;
      case 'dropout':
        out.push({ module: 'Dropout', params, shape, p: p.rate });
        break;
      case 'activation':
        activation(p.activation, shape);
        break;
      default:
        assert.fail(`no PyTorch counterpart written down for kind '${layer.node.kind}'`);
    }
  }
  return out;
}

for (const file of PEER_SPECS) {
  test(`the PyTorch peer builds ${file}'s model: the same layers, settings, parameters and shapes`, { skip: skipUnlessCi(missing) }, () => {
    assertAvailable(missing);
    const model = compileValid(join(ROOT, 'specs', file));
    const peerModule = join(ROOT, 'generated', 'pytorch', `${pythonModuleName(model.ir.name)}.py`);
    const r = spawnSync(probe.python!, ['-c', DESCRIBE, peerModule, JSON.stringify(model.ir.inputShape)], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const peer = JSON.parse(r.stdout) as { modules: Module[]; total: number };
    // Activations and flattening hold no state: a module may apply them as functions
    // (torch.relu, reshape), so only layers with weights or windows are compared one by one;
    // that they compute the same function is test/pytorch-equivalence.test.ts's job.
    const functional = new Set([...Object.values(ACTIVATIONS), 'Flatten']);
    const want = expectedModules(model).filter((m) => !functional.has(m.module));
    peer.modules = peer.modules
      .filter((m) => !functional.has(m.module))
      .map((m) => (m.padding === 'same' ? { ...m, padding: (m.kernel as number[]).map((k) => (k - 1) / 2) } : m));
    assert.deepEqual(
      peer.modules.map((m) => m.module),
      want.map((m) => m.module),
      'the modules, in the order they run',
    );
    want.forEach((w, i) => assert.deepEqual(peer.modules[i], w, `module ${i} (${w.module})`));
    assert.equal(peer.total, model.totals.trainable + model.totals.nonTrainable, 'parameter count');
  });
}
