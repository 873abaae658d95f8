// Each layer's tfjs-layers config, shared by the live model and the generated TypeScript so the
// two cannot differ. Free of tfjs itself, so emitting code never loads it.
import { layerKind } from '../layers/registry.js';
import type { LayerConfig } from '../layers/types.js';
import type { InferredModel } from '../types.js';

/** The config of layer `index` (in model.layers) exactly as passed to `tf.layers[factory]`. */
export function layerConfig(model: InferredModel, index: number): { factory: string; config: LayerConfig } {
  const layer = model.layers[index]!;
  const def = layerKind(layer.node.kind);
  const config: LayerConfig = { name: layer.node.name };
  // A sequential model learns its input shape from its first layer; a functional one from tf.input.
  if (index === 0 && model.ir.form === 'sequential') config.inputShape = [...model.ir.inputShape];
  Object.assign(config, def.tfjs.config(layer.node.params, { index: layer.node.index, name: layer.node.name, output: layer.outputShape }));
  return { factory: def.tfjs.factory, config };
}
