// Stage 4: shape inference and parameter counting, plus the checks that need them: the spec's
// own expectations and the size limits that keep absurd models from ever reaching tfjs. Layers
// are visited in dependency order; a layer whose shape cannot be worked out stops only the
// layers that read it, so independent branches still report their own mistakes.
import { checkTrainingControls } from './training-controls.js';
import { layerKind } from '../layers/registry.js';
import type { LayerCost } from '../layers/types.js';
import { formatShape, product } from '../shape.js';
import type { PositionIndex } from './load.js';
import type { InferredLayer, InferredModel, ModelIR, ParamCount, Shape, SpecDiagnostic } from '../types.js';
import { checkBudgets, type BudgetLimits } from './budgets.js';
import { modelCosts } from './costs.js';
import { layerLabel } from './lower.js';
import { MODEL_INPUT } from './spec-schema.js';

/** Size limits that keep absurd models from reaching tfjs, and the caller's budgets (budgets.ts). */
export interface Limits extends BudgetLimits {
  /** Largest total parameter count accepted (float32 weights: 4 bytes each). */
  maxParams: number;
  /** Largest number of values one layer may output for one sample. */
  maxActivations: number;
}

export const DEFAULT_LIMITS: Limits = { maxParams: 50_000_000, maxActivations: 16_000_000 };

export interface InferResult {
  model?: InferredModel;
  diagnostics: SpecDiagnostic[];
}

const fmt = (n: number): string => n.toLocaleString('en-US');

type At = (path: string, stage: SpecDiagnostic['stage'], message: string) => SpecDiagnostic;

/** "receives (13, 13, 32)" for one input; "receives (13, 13, 32) from 'a' and (11, 11, 64) from 'b'" for several. */
function receives(shapes: readonly Shape[], sources: readonly string[]): string {
  if (shapes.length === 1) return `receives ${formatShape(shapes[0]!)}`;
  const parts = shapes.map((s, i) => `${formatShape(s)} from '${sources[i]}'`);
  return `receives ${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** `batchSize`: the batch size training will use, when it is not the spec's. */
export function inferModel(ir: ModelIR, positions: PositionIndex, limits: Limits = DEFAULT_LIMITS, batchSize?: number): InferResult {
  const diagnostics: SpecDiagnostic[] = [];
  const { file } = ir.source;
  const at: At = (path, stage, message) => ({ file, ...positions.locateUse(path), path, stage, message });
  const shapes = new Map<string, Shape>([[MODEL_INPUT, ir.inputShape]]);
  const names = new Map<string, string>([[MODEL_INPUT, MODEL_INPUT], ...ir.nodes.map((n): [string, string] => [n.id, n.name])]);
  const layers: InferredLayer[] = [];
  const rules = new Map<string, LayerCost>();
  const totals: ParamCount = { trainable: 0, nonTrainable: 0 };

  for (const node of ir.nodes) {
    const def = layerKind(node.kind);
    const inputShapes = node.inputs.map((id) => shapes.get(id));
    if (inputShapes.some((s) => s === undefined)) continue; // an input failed; its error is already reported
    const inputs = inputShapes as Shape[];
    const sources = node.inputs.map((id) => names.get(id) ?? id);
    const label = layerLabel(node);
    const result = def.outputShape(inputs, node.params, sources);
    if ('error' in result) {
      diagnostics.push(at(node.path, 'shape', `${label} ${receives(inputs, sources)}: ${result.error}`));
      continue;
    }
    const outputShape = result.shape;
    if (product(outputShape) > limits.maxActivations) {
      diagnostics.push(
        at(
          node.path,
          'limit',
          `${label} would output ${formatShape(outputShape)} = ${fmt(product(outputShape))} values per sample, over the ` +
            `limit of ${fmt(limits.maxActivations)}; make the layer smaller or raise the limit (--max-activations)`,
        ),
      );
      continue;
    }
    const params = def.countParams(inputs, node.params);
    totals.trainable += params.trainable;
    totals.nonTrainable += params.nonTrainable;
    shapes.set(node.id, outputShape);
    const rule = def.cost(inputs, outputShape, node.params);
    rules.set(node.id, rule);
    const layer: InferredLayer = { node, typeName: def.typeName, inputShapes: inputs, outputShape, params, multAdds: rule.multAdds, keptBytes: 0 };
    layers.push(layer);
    diagnostics.push(...checkLayerExpectations(layer, label, sources, at));
  }
  if (diagnostics.length) return { diagnostics };

  const total = totals.trainable + totals.nonTrainable;
  if (total > limits.maxParams) {
    diagnostics.push(
      at(
        '/layers',
        'limit',
        `the model has ${fmt(total)} parameters (${fmt(total * 4)} bytes of float32 weights), over the limit of ` +
          `${fmt(limits.maxParams)}; make layers smaller or raise the limit (--max-params)`,
      ),
    );
  }
  const output = layers.find((l) => l.node.id === ir.output);
  if (ir.training && output && output.outputShape.length !== 1) {
    // Checked here rather than when training starts, so the mistake is reported at its line.
    diagnostics.push(
      at(
        output.node.path,
        'semantic',
        `the spec has a training section, so its model must end in one score per class, a flat (classes,) output, ` +
          `but the output layer '${output.node.name}' outputs ${formatShape(output.outputShape)}; end the model with flatten and a dense layer`,
      ),
    );
  }
  if (ir.training && output && output.outputShape.length === 1) {
    const declared = (ir.training.dataset as { classes?: unknown }).classes;
    const names = Array.isArray(declared) ? (declared as string[]) : ir.training.dataset.kind === 'mnist' ? DIGITS : undefined;
    for (const p of checkTrainingControls(ir, output.outputShape[0]!, names)) diagnostics.push(at(p.path, 'semantic', p.message));
  }
  const expected = ir.expect?.params;
  if (expected !== undefined && expected !== total) {
    diagnostics.push(at('/expect/params', 'check', `the spec expects ${fmt(expected)} parameters in total but the model has ${fmt(total)}`));
  }
  if (diagnostics.length) return { diagnostics };
  const { costs, keptBytes } = modelCosts(ir, layers, rules, batchSize);
  for (const layer of layers) layer.keptBytes = keptBytes.get(layer.node.id) ?? 0;
  const model: InferredModel = { ir, layers, outputShape: output?.outputShape ?? ir.inputShape, totals, costs };
  diagnostics.push(...checkBudgets(model, ir.expect ?? {}, limits, (path, message) => at(path, 'limit', message)));
  if (diagnostics.length) return { diagnostics };
  return { model, diagnostics };
}

function checkLayerExpectations(layer: InferredLayer, label: string, sources: readonly string[], at: At): SpecDiagnostic[] {
  const { node, inputShapes, outputShape, params } = layer;
  const found: SpecDiagnostic[] = [];
  const from =
    inputShapes.length === 1
      ? `from its input ${formatShape(inputShapes[0]!)}`
      : `from its inputs (${receives(inputShapes, sources).replace('receives ', '')})`;
  const shape = node.expect?.shape;
  if (shape && (shape.length !== outputShape.length || shape.some((d, i) => d !== outputShape[i]))) {
    found.push(
      at(`${node.path}/expect/shape`, 'check', `${label} is expected to output ${formatShape(shape)} but ${from} it outputs ${formatShape(outputShape)}`),
    );
  }
  const count = params.trainable + params.nonTrainable;
  if (node.expect?.params !== undefined && node.expect.params !== count) {
    const io = inputShapes.length === 1 ? `input ${formatShape(inputShapes[0]!)}` : `inputs ${inputShapes.map((s) => formatShape(s)).join(' and ')}`;
    found.push(
      at(
        `${node.path}/expect/params`,
        'check',
        `${label} is expected to have ${fmt(node.expect.params)} parameters but has ${fmt(count)} (${io}, output ${formatShape(outputShape)})`,
      ),
    );
  }
  return found;
}
