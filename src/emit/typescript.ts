// Emitter: a strict TypeScript module that builds the model with tfjs, from a handlebars
// template. Spec strings enter the output only as literals made by tsString; identifiers are
// derived from the validated slug and checked.
import { assertIdentifier, pascalCase, TsCode, tsLiteral, tsString, type TsValue } from '../lib/ts-literal.js';
import { KernelInit, type ConfigValue } from '../layers/types.js';
import { codeTemplate } from './templates.js';
import type { InferredModel } from '../types.js';
import { layerConfig } from './live.js';

export function builderName(modelName: string): string {
  return assertIdentifier(`build${pascalCase(modelName)}`);
}

/** Replaces KernelInit markers with calls to the generated module's kernelInit helper. */
function toTsValue(value: ConfigValue): TsValue {
  if (value instanceof KernelInit) return new TsCode(`kernelInit(options.seed, ${value.seedOffset})`);
  if (Array.isArray(value)) return value.map(toTsValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toTsValue(v)]));
  }
  return value;
}

const usesKernelInit = (value: ConfigValue): boolean =>
  value instanceof KernelInit ||
  (Array.isArray(value) ? value.some(usesKernelInit) : value !== null && typeof value === 'object' && Object.values(value).some(usesKernelInit));

/**
 * @param source the spec's path as it should appear in the header (relative to the project,
 *   forward slashes) so output does not depend on where the compiler was run from.
 */
export function emitTypeScript(model: InferredModel, source: string): string {
  const configs = model.layers.map((_, i) => layerConfig(model, i));
  // Break a layer's config over several lines when one line would pass 100 columns.
  const addCalls = configs.map(({ factory, config }) => {
    const call = `tf.layers.${assertIdentifier(factory)}(`;
    return `${call}${tsLiteral(toTsValue(config), 2, 100 - 'model.add('.length - call.length)})`;
  });
  const layers = model.layers.map((l) =>
    tsLiteral({
      name: l.node.name,
      type: l.typeName,
      outputShape: [null, ...l.outputShape],
      params: l.params.trainable + l.params.nonTrainable,
      ...(l.node.description === undefined ? {} : { description: l.node.description }),
    }),
  );
  const { trainable, nonTrainable } = model.totals;
  return codeTemplate('typescript')({
    sourceLiteral: tsString(source),
    sha256: model.ir.source.sha256.replace(/[^0-9a-f]/g, ''),
    nameLiteral: tsString(model.ir.name),
    descriptionLiteral: model.ir.description === undefined ? 'null' : tsString(model.ir.description),
    inputShapeLiteral: tsLiteral([...model.ir.inputShape]),
    layers,
    totalParams: trainable + nonTrainable,
    trainableParams: trainable,
    nonTrainableParams: nonTrainable,
    totalParamsText: (trainable + nonTrainable).toLocaleString('en-US'),
    layerCount: model.layers.length,
    usesKernelInit: configs.some(({ config }) => usesKernelInit(config)),
    builderName: builderName(model.ir.name),
    addCalls,
  });
}
