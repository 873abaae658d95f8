// Stage 4: shape inference and parameter counting, plus the checks that need them: the spec's
// own expectations and the size limits that keep absurd models from ever reaching tfjs.
import { layerDef } from '../layers/registry.js';
import { formatShape, product } from '../shape.js';
import type { PositionIndex } from './load.js';
import type { InferredLayer, InferredModel, ModelIR, ParamCount, Shape, SpecDiagnostic } from '../types.js';

export interface Limits {
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

export function inferModel(ir: ModelIR, positions: PositionIndex, limits: Limits = DEFAULT_LIMITS): InferResult {
  const diagnostics: SpecDiagnostic[] = [];
  const { file } = ir.source;
  const at = (path: string, stage: SpecDiagnostic['stage'], message: string): SpecDiagnostic => ({
    file,
    ...positions.locate(path),
    path,
    stage,
    message,
  });
  const shapes = new Map<string, Shape>([['input', ir.inputShape]]);
  const layers: InferredLayer[] = [];
  const totals: ParamCount = { trainable: 0, nonTrainable: 0 };

  for (const [index, node] of ir.nodes.entries()) {
    const def = layerDef(node.kind);
    const input = shapes.get(node.inputs[0] ?? 'input');
    if (!input) break; // an earlier layer failed; its error is already reported
    const label = `layer ${index + 1} '${node.name}' (${node.kind})`;
    const result = def.outputShape(input, node.params);
    if ('error' in result) {
      diagnostics.push(at(node.path, 'shape', `${label} receives ${formatShape(input)}: ${result.error}`));
      break; // every later shape depends on this one
    }
    const outputShape = result.shape;
    if (product(outputShape) > limits.maxActivations) {
      diagnostics.push(
        at(node.path, 'limit',
          `${label} would output ${formatShape(outputShape)} = ${fmt(product(outputShape))} values per sample, over the ` +
          `limit of ${fmt(limits.maxActivations)}; make the layer smaller or raise the limit (--max-activations)`),
      );
      break;
    }
    const params = def.countParams(input, node.params);
    totals.trainable += params.trainable;
    totals.nonTrainable += params.nonTrainable;
    shapes.set(node.id, outputShape);
    layers.push({ node, typeName: def.typeName, inputShape: input, outputShape, params });
    diagnostics.push(...checkLayerExpectations(layers[layers.length - 1]!, label, at));
  }
  if (diagnostics.length) return { diagnostics };

  const total = totals.trainable + totals.nonTrainable;
  if (total > limits.maxParams) {
    diagnostics.push(
      at('/layers', 'limit',
        `the model has ${fmt(total)} parameters (${fmt(total * 4)} bytes of float32 weights), over the limit of ` +
        `${fmt(limits.maxParams)}; make layers smaller or raise the limit (--max-params)`),
    );
  }
  const last = layers[layers.length - 1];
  if (ir.training && last && last.outputShape.length !== 1) {
    // Checked here rather than when training starts, so the mistake is reported at its line.
    diagnostics.push(
      at(last.node.path, 'semantic',
        `the spec has a training section, so its model must end in one score per class, a flat (classes,) output, ` +
        `but the last layer '${last.node.name}' outputs ${formatShape(last.outputShape)}; end the model with flatten and a dense layer`),
    );
  }
  const expected = ir.expect?.params;
  if (expected !== undefined && expected !== total) {
    diagnostics.push(
      at('/expect/params', 'check', `the spec expects ${fmt(expected)} parameters in total but the model has ${fmt(total)}`),
    );
  }
  if (diagnostics.length) return { diagnostics };
  return { model: { ir, layers, outputShape: shapes.get(ir.output) ?? ir.inputShape, totals }, diagnostics };
}

function checkLayerExpectations(
  layer: InferredLayer,
  label: string,
  at: (path: string, stage: SpecDiagnostic['stage'], message: string) => SpecDiagnostic,
): SpecDiagnostic[] {
  const { node, inputShape, outputShape, params } = layer;
  const found: SpecDiagnostic[] = [];
  const shape = node.expect?.shape;
  if (shape && (shape.length !== outputShape.length || shape.some((d, i) => d !== outputShape[i]))) {
    found.push(
      at(`${node.path}/expect/shape`, 'check',
        `${label} is expected to output ${formatShape(shape)} but from its input ${formatShape(inputShape)} it outputs ${formatShape(outputShape)}`),
    );
  }
  const count = params.trainable + params.nonTrainable;
  if (node.expect?.params !== undefined && node.expect.params !== count) {
    found.push(
      at(`${node.path}/expect/params`, 'check',
        `${label} is expected to have ${fmt(node.expect.params)} parameters but has ${fmt(count)} (input ${formatShape(inputShape)}, output ${formatShape(outputShape)})`),
    );
  }
  return found;
}
