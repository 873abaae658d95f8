// Emitter: a live tfjs-layers model, built from the same per-layer configs that the
// TypeScript emitter writes out, plus the cross-check of that model against shape inference.
import * as tf from '@tensorflow/tfjs';
import { layerDef } from '../layers/registry.js';
import { KernelInit, type ConfigValue, type LayerConfig } from '../layers/types.js';
import { formatShape } from '../shape.js';
import type { InferredModel, Shape } from '../types.js';

export interface BuildOptions {
  /** Base seed for weight initialisers; omitted means tfjs's own random draw. */
  seed?: number;
}

/** The config of layer `index` exactly as passed to `tf.layers[factory]` (name and input shape included). */
export function layerConfig(model: InferredModel, index: number): { factory: string; config: LayerConfig } {
  const layer = model.layers[index]!;
  const def = layerDef(layer.node.kind);
  const config: LayerConfig = { name: layer.node.name };
  if (index === 0) config.inputShape = [...model.ir.inputShape];
  Object.assign(config, def.tfjs.config(layer.node.params, { index, name: layer.node.name }));
  return { factory: def.tfjs.factory, config };
}

function toTfjs(value: ConfigValue, seed: number | undefined): unknown {
  if (value instanceof KernelInit) {
    return seed === undefined ? value.initializer : tf.initializers[value.initializer]({ seed: seed + value.seedOffset });
  }
  if (Array.isArray(value)) return value.map((v) => toTfjs(v, seed));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toTfjs(v, seed)]));
  }
  return value;
}

type LayerFactory = (config: unknown) => tf.layers.Layer;

export function buildModel(model: InferredModel, options: BuildOptions = {}): tf.Sequential {
  const sequential = tf.sequential({ name: model.ir.name });
  model.layers.forEach((_, index) => {
    const { factory, config } = layerConfig(model, index);
    const create = (tf.layers as unknown as Record<string, LayerFactory>)[factory];
    if (!create) throw new Error(`internal error: tf.layers.${factory} does not exist`);
    sequential.add(create(toTfjs(config, options.seed)));
  });
  return sequential;
}

/** Per-layer facts read off a live tfjs model: what tfjs itself computed. */
export interface LiveLayerFacts {
  name: string;
  outputShape: Shape;
  trainable: number;
  nonTrainable: number;
}

const countWeights = (weights: tf.LayerVariable[]): number =>
  weights.reduce((sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);

export function liveFacts(live: tf.LayersModel): LiveLayerFacts[] {
  return live.layers.map((layer) => {
    const shape = layer.outputShape as (number | null)[];
    return {
      name: layer.name,
      outputShape: shape.slice(1).map((d) => d ?? -1),
      trainable: countWeights(layer.trainableWeights),
      nonTrainable: countWeights(layer.nonTrainableWeights),
    };
  });
}

/**
 * Compares the compiler's inference with what tfjs built. Returns one message per
 * disagreement, naming the layer; empty when all agree.
 */
export interface Disagreement {
  /** Index of the layer concerned, when there is one. */
  layer?: number;
  message: string;
}

export function crossCheck(model: InferredModel, live: tf.LayersModel): Disagreement[] {
  const facts = liveFacts(live);
  const problems: Disagreement[] = [];
  if (facts.length !== model.layers.length) {
    problems.push({ message: `the compiler infers ${model.layers.length} layers but tfjs built ${facts.length}` });
  }
  model.layers.forEach((layer, i) => {
    const fact = facts[i];
    if (!fact) return;
    const label = `layer ${i + 1} '${layer.node.name}' (${layer.node.kind})`;
    const add = (message: string): void => void problems.push({ layer: i, message: `${label}: ${message}` });
    if (fact.name !== layer.node.name) add(`tfjs named it '${fact.name}'`);
    if (formatShape(fact.outputShape) !== formatShape(layer.outputShape)) {
      add(`the compiler infers ${formatShape(layer.outputShape)} but tfjs outputs ${formatShape(fact.outputShape)}`);
    }
    if (fact.trainable !== layer.params.trainable || fact.nonTrainable !== layer.params.nonTrainable) {
      add(
        `the compiler counts ${layer.params.trainable} trainable + ${layer.params.nonTrainable} non-trainable ` +
          `parameters but tfjs has ${fact.trainable} + ${fact.nonTrainable}`,
      );
    }
  });
  return problems;
}
