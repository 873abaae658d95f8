// Emitter: a live tfjs-layers model, built from the same per-layer configs that the
// TypeScript emitter writes out, plus the cross-check of that model against shape inference.
// A plain list of layers builds a tf.sequential, as the generated code does; a graph builds a
// functional tf.model from tf.input.
import * as tf from '@tensorflow/tfjs';
import { KernelInit, type ConfigValue } from '../layers/types.js';
import { layerConfig } from './layer-config.js';
import { formatShape } from '../shape.js';
import type { InferredModel, Shape } from '../types.js';
import { MODEL_INPUT } from '../compile/spec-schema.js';
import { CUSTOM_FACTORIES } from './custom-layers.js';

export { layerConfig };

export interface BuildOptions {
  /** Base seed for weight initialisers; omitted means tfjs's own random draw. */
  seed?: number;
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

/** tfjs refused to build a layer the compiler accepted; `layer` is its index, `reason` tfjs's first line. */
export class LayerBuildError extends Error {
  override name = 'LayerBuildError';
  constructor(
    readonly layer: number,
    readonly reason: string,
  ) {
    super(`layer ${layer + 1}: tfjs cannot build it: ${reason}`);
  }
}

function createLayer(model: InferredModel, index: number, seed: number | undefined): tf.layers.Layer {
  const { factory, config } = layerConfig(model, index);
  const create = CUSTOM_FACTORIES[factory] ?? (tf.layers as unknown as Record<string, LayerFactory>)[factory];
  if (!create) throw new Error(`internal error: tf.layers.${factory} does not exist`);
  return create(toTfjs(config, seed));
}

/** Runs `build` for layer `index`; whatever tfjs throws there (refusal, allocation) becomes a LayerBuildError naming it. */
function atLayer<T>(index: number, build: () => T): T {
  try {
    return build();
  } catch (error) {
    throw new LayerBuildError(index, (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim());
  }
}

/** Builds the live model; a layer tfjs refuses (or cannot allocate) throws LayerBuildError naming it. */
export function buildModel(model: InferredModel, options: BuildOptions = {}): tf.LayersModel {
  const created: tf.layers.Layer[] = [];
  const make = (index: number): tf.layers.Layer => {
    const layer = createLayer(model, index, options.seed);
    created.push(layer);
    return layer;
  };
  try {
    if (model.ir.form === 'sequential') {
      const sequential = tf.sequential({ name: model.ir.name });
      model.layers.forEach((_, index) => atLayer(index, () => sequential.add(make(index))));
      return sequential;
    }
    const input = tf.input({ shape: [...model.ir.inputShape], name: MODEL_INPUT });
    const outputs = new Map<string, tf.SymbolicTensor>([[MODEL_INPUT, input]]);
    model.layers.forEach((layer, index) => {
      const sources = layer.node.inputs.map((id) => outputs.get(id)!);
      const applied = atLayer(index, () => make(index).apply(sources.length === 1 ? sources[0]! : sources));
      outputs.set(layer.node.id, applied as tf.SymbolicTensor);
    });
    return tf.model({ name: model.ir.name, inputs: input, outputs: outputs.get(model.ir.output)! });
  } catch (error) {
    // Frees the weights of the layers already built.
    for (const layer of created) {
      try {
        layer.dispose();
      } catch {
        /* never built: nothing to free */
      }
    }
    throw error;
  }
}

/** Per-layer facts read off a live tfjs model: what tfjs itself computed. */
export interface LiveLayerFacts {
  name: string;
  outputShape: Shape;
  trainable: number;
  nonTrainable: number;
}

const countWeights = (weights: tf.LayerVariable[]): number => weights.reduce((sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);

/** The facts of every layer but the input layer a functional model starts with. */
export function liveFacts(live: tf.LayersModel): LiveLayerFacts[] {
  return live.layers
    .filter((layer) => layer.getClassName() !== 'InputLayer')
    .map((layer) => {
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
  /** Index of the layer concerned in model.layers, when there is one. */
  layer?: number;
  message: string;
}

export function crossCheck(model: InferredModel, live: tf.LayersModel): Disagreement[] {
  const facts = new Map(liveFacts(live).map((f) => [f.name, f]));
  const problems: Disagreement[] = [];
  if (facts.size !== model.layers.length) {
    problems.push({ message: `the compiler infers ${model.layers.length} layers but tfjs built ${facts.size}` });
  }
  model.layers.forEach((layer, i) => {
    const label = `layer ${layer.node.index + 1} '${layer.node.name}' (${layer.node.kind})`;
    const add = (message: string): void => void problems.push({ layer: i, message: `${label}: ${message}` });
    const fact = facts.get(layer.node.name);
    if (!fact) return add('tfjs has no layer of that name');
    if (formatShape(fact.outputShape) !== formatShape(layer.outputShape)) {
      add(`the compiler infers ${formatShape(layer.outputShape)} but tfjs outputs ${formatShape(fact.outputShape)}`);
    }
    if (fact.trainable !== layer.params.trainable || fact.nonTrainable !== layer.params.nonTrainable) {
      add(
        `the compiler counts ${layer.params.trainable} trainable + ${layer.params.nonTrainable} non-trainable ` +
          `parameters but tfjs has ${fact.trainable} + ${fact.nonTrainable}`,
      );
    }
    return undefined;
  });
  const outputShape = (live.outputs[0]?.shape ?? []).slice(1).map((d) => d ?? -1);
  if (formatShape(outputShape) !== formatShape(model.outputShape)) {
    problems.push({ message: `the compiler infers the model's output ${formatShape(model.outputShape)} but tfjs outputs ${formatShape(outputShape)}` });
  }
  return problems;
}
