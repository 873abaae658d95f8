// A model as PyTorch sees it: each layer's attribute in the generated nn.Module, its code, and
// where each of its tfjs weights lives in the state_dict. The emitter writes the module from
// this, and weight conversion (src/interop/) reads and writes state_dicts by it, so the two
// cannot disagree about a name or a layout.
import { layerKind } from '../layers/registry.js';
import type { TorchLayer, TorchWeight } from '../layers/types.js';
import { uniqueIdentifiers } from '../lib/identifiers.js';
import { isPyIdentifier } from '../lib/py-literal.js';
import { pascalCase } from '../lib/ts-literal.js';
import type { InferredLayer, InferredModel } from '../types.js';

/** A weight with its full state_dict key. */
export interface StateTensor extends TorchWeight {
  key: string;
}

export interface TorchLayerPlan {
  layer: InferredLayer;
  /** The layer's attribute on the module, and the variable of its output in a graph's forward. */
  name: string;
  code: TorchLayer;
  weights: StateTensor[];
  /** Full keys of state_dict entries that carry no tfjs weight. */
  extraState: string[];
}

export interface TorchPlan {
  className: string;
  layers: TorchLayerPlan[];
  /** Every state_dict tensor that holds a tfjs weight, in the module's state_dict order (layers assign their modules in order). */
  state: StateTensor[];
  /** Python definitions the layers need, by name. */
  helpers: Map<string, string>;
}

/**
 * Names no layer attribute or forward variable may take: nn.Module's own attributes (a layer
 * called `train` would hide the method), the generated module's top-level names, and the
 * forward's arguments.
 */
const MODULE_ATTRIBUTES = [
  'T_destination',
  'add_module',
  'apply',
  'bfloat16',
  'buffers',
  'call_super_init',
  'children',
  'compile',
  'cpu',
  'cuda',
  'double',
  'dump_patches',
  'eval',
  'extra_repr',
  'float',
  'forward',
  'get_buffer',
  'get_extra_state',
  'get_parameter',
  'get_submodule',
  'half',
  'ipu',
  'load_state_dict',
  'modules',
  'mtia',
  'named_buffers',
  'named_children',
  'named_modules',
  'named_parameters',
  'parameters',
  'register_backward_hook',
  'register_buffer',
  'register_forward_hook',
  'register_forward_pre_hook',
  'register_full_backward_hook',
  'register_full_backward_pre_hook',
  'register_load_state_dict_post_hook',
  'register_load_state_dict_pre_hook',
  'register_module',
  'register_parameter',
  'register_state_dict_post_hook',
  'register_state_dict_pre_hook',
  'requires_grad_',
  'set_extra_state',
  'set_submodule',
  'share_memory',
  'state_dict',
  'to',
  'to_empty',
  'train',
  'training',
  'type',
  'xpu',
  'zero_grad',
];
export const GENERATED_NAMES = [
  'self',
  'x',
  'inputs',
  'torch',
  'nn',
  'F',
  'np',
  'dist',
  'math',
  'os',
  'sys',
  'json',
  'time',
  'signal',
  'socket',
  'struct',
  'gzip',
  'hashlib',
  'argparse',
  'logging',
  'datetime',
  'pickle',
  'types',
  'warnings',
  'super',
  'print',
  'len',
  'range',
  'float',
  'int',
  'str',
  'dict',
  'list',
  'tuple',
];
const RESERVED = new Set([...MODULE_ATTRIBUTES, ...GENERATED_NAMES]);

/** Spec names allow '-'; Python names do not. */
const pythonName = (name: string): string => name.replace(/-/g, '_');

/** Plans `model` in PyTorch; `reserved` adds names the module defines at its top level. */
export function torchPlan(model: InferredModel, reserved: Iterable<string> = []): TorchPlan {
  const codes = model.layers.map((layer) => layerKind(layer.node.kind).pytorch(layer.node.params, { inputs: layer.inputShapes, output: layer.outputShape }));
  const helpers = new Map(codes.flatMap((code) => Object.entries(code.helpers ?? {})));
  // A layer called hard_sigmoid must not hide the helper of that name.
  const taken = new Set([...RESERVED, ...reserved, ...helpers.keys()]);
  const names = uniqueIdentifiers(
    model.layers.map((l) => l.node.name),
    pythonName,
    (id) => isPyIdentifier(id) && !id.startsWith('_') && !taken.has(id),
  );
  const layers = model.layers.map((layer, i): TorchLayerPlan => {
    const code = codes[i]!;
    const name = names.get(layer.node.name)!;
    return {
      layer,
      name,
      code,
      weights: (code.weights ?? []).map((w) => ({ ...w, key: `${name}.${w.torch}` })),
      extraState: (code.extraState ?? []).map((k) => `${name}.${k}`),
    };
  });
  const base = pascalCase(model.ir.name);
  const className = taken.has(base) ? `${base}Model` : base;
  return { className, layers, state: layers.flatMap((l) => l.weights), helpers };
}
