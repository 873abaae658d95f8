// Static costs: each layer kind's rule (its `cost`, in src/layers/) added up into the figures
// the summary prints and budgets limit, with no tensors. Values are float32, 4 bytes each.
// Tensors are followed by who made them, so a tensor that several layers read, or that a
// flatten passes on, is counted once. The rules and their sources are in docs/costs.md.
import type { LayerCost } from '../layers/types.js';
import { product } from '../shape.js';
import type { InferredLayer, ModelCosts, ModelIR, OptimizerConfig } from '../types.js';
import { lowerTraining } from './lower.js';
import { MODEL_INPUT } from './spec-schema.js';

export const BYTES_PER_VALUE = 4;

/**
 * Values per trainable weight that netspec's optimizers (TensorFlow.js's) keep between steps:
 * Adam its two moments; SGD a velocity when it has momentum; RMSprop a mean square and a
 * moment, which TensorFlow.js keeps even without momentum (PyTorch and Keras then keep one).
 */
export function optimizerSlots(optimizer: OptimizerConfig): number {
  switch (optimizer.name) {
    case 'adam':
      return 2;
    case 'sgd':
      return optimizer.momentum > 0 || optimizer.nesterov ? 1 : 0;
    case 'rmsprop':
      return 2;
  }
}

export interface CostResult {
  costs: ModelCosts;
  /** Bytes of kept activations charged to each layer, by layer id (see InferredLayer.keptBytes). */
  keptBytes: Map<string, number>;
}

/**
 * The model's costs from each layer's rule; `layers` in dependency order, `rules` by layer id,
 * `batchSize` the one training uses when it is not the spec's.
 */
export function modelCosts(ir: ModelIR, layers: readonly InferredLayer[], rules: ReadonlyMap<string, LayerCost>, batchSize?: number): CostResult {
  const rule = (id: string): LayerCost => rules.get(id)!;
  // A tensor is named by the layer that made it; a layer that passes its input on makes none.
  const values = new Map<string, number>([[MODEL_INPUT, product(ir.inputShape)]]);
  const atInference = new Map<string, string>([[MODEL_INPUT, MODEL_INPUT]]);
  const inTraining = new Map<string, string>([[MODEL_INPUT, MODEL_INPUT]]);
  for (const { node, outputShape } of layers) {
    const { reuses } = rule(node.id);
    const first = node.inputs[0] ?? MODEL_INPUT;
    atInference.set(node.id, reuses ? atInference.get(first)! : node.id);
    inTraining.set(node.id, reuses === 'always' ? inTraining.get(first)! : node.id);
    values.set(node.id, product(outputShape));
  }

  const forward = forwardPeak(ir, layers, rule, atInference, values);
  const kept = keptValues(layers, rule, inTraining, values);
  const keptBytes = new Map([...kept].map(([id, n]) => [id, n * BYTES_PER_VALUE]));

  const multAdds = layers.reduce((sum, l) => sum + l.multAdds, 0);
  const trainable = layers.reduce((sum, l) => sum + l.params.trainable, 0);
  const all = layers.reduce((sum, l) => sum + l.params.trainable + l.params.nonTrainable, 0);
  const training = ir.training ?? lowerTraining(undefined);
  const batch = batchSize ?? training.batchSize;
  const slots = optimizerSlots(training.optimizer);
  const inputBytes = product(ir.inputShape) * BYTES_PER_VALUE;
  const totalKept = [...keptBytes.values()].reduce((a, b) => a + b, 0);
  const paramsBytes = all * BYTES_PER_VALUE;
  const gradientBytes = trainable * BYTES_PER_VALUE;
  const optimizer = { name: training.optimizer.name, slotsPerWeight: slots, values: slots * trainable, bytes: slots * trainable * BYTES_PER_VALUE };
  return {
    keptBytes,
    costs: {
      multAdds,
      inputBytes,
      forwardBytes: forward.values * BYTES_PER_VALUE,
      forwardPeak: { during: forward.during, largest: forward.largest, scratch: forward.scratch },
      keptBytes: totalKept,
      paramsBytes,
      gradientBytes,
      optimizer,
      totalBytes: inputBytes + totalKept + paramsBytes,
      batchSize: batch,
      trainingBytes: paramsBytes + gradientBytes + optimizer.bytes + batch * (inputBytes + totalKept),
    },
  };
}

/**
 * Inference in dependency order: while a layer runs, its output, its scratch and every tensor
 * a later layer (or the model's output) still needs are alive; a tensor is freed after the
 * last layer that reads it. The input is the caller's and is left out.
 */
function forwardPeak(
  ir: ModelIR,
  layers: readonly InferredLayer[],
  rule: (id: string) => LayerCost,
  tensorOf: ReadonlyMap<string, string>,
  values: ReadonlyMap<string, number>,
): ModelCosts['forwardPeak'] & { values: number } {
  const lastRead = new Map<string, number>();
  layers.forEach((l, i) => l.node.inputs.forEach((id) => lastRead.set(tensorOf.get(id)!, i)));
  lastRead.set(tensorOf.get(ir.output)!, Infinity);
  const alive = new Set<string>();
  let peak = { values: 0, during: layers[0]?.node.id ?? MODEL_INPUT, largest: MODEL_INPUT, scratch: false };
  layers.forEach(({ node }, i) => {
    if (tensorOf.get(node.id) === node.id) alive.add(node.id);
    const scratch = rule(node.id).scratch ?? 0;
    let now = scratch;
    let largest = { id: MODEL_INPUT, values: 0, scratch: false };
    for (const t of alive) {
      now += values.get(t)!;
      if (values.get(t)! > largest.values) largest = { id: t, values: values.get(t)!, scratch: false };
    }
    if (scratch > largest.values) largest = { id: node.id, values: scratch, scratch: true };
    if (now > peak.values) peak = { values: now, during: node.id, largest: largest.id, scratch: largest.scratch };
    for (const t of alive) if ((lastRead.get(t) ?? -1) <= i) alive.delete(t);
  });
  return peak;
}

/** What backprop keeps, each tensor once, charged to the layer that made it; the input is left out. */
function keptValues(
  layers: readonly InferredLayer[],
  rule: (id: string) => LayerCost,
  tensorOf: ReadonlyMap<string, string>,
  values: ReadonlyMap<string, number>,
): Map<string, number> {
  const keptTensors = new Set<string>();
  for (const { node } of layers) {
    const { keeps } = rule(node.id);
    if (keeps.inputs) for (const id of node.inputs) keptTensors.add(tensorOf.get(id)!);
    if (keeps.output) keptTensors.add(tensorOf.get(node.id)!);
  }
  return new Map(layers.map(({ node }) => [node.id, (keptTensors.has(node.id) ? values.get(node.id)! : 0) + (rule(node.id).keeps.own ?? 0)]));
}
