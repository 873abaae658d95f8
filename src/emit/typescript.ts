// Emitter: a strict TypeScript module that builds the model with tfjs, from a handlebars
// template. Spec strings enter the output only as literals made by tsString; identifiers are
// derived from the validated slug and checked.
import { assertIdentifier, isIdentifier, pascalCase, TsCode, tsLiteral, tsString, type TsValue } from '../lib/ts-literal.js';
import { camelCase, uniqueIdentifiers } from '../lib/identifiers.js';
import { MODEL_INPUT } from '../compile/spec-schema.js';
import { KernelInit, type ConfigValue } from '../layers/types.js';
import { codeTemplate } from './templates.js';
import type { InferredModel } from '../types.js';
import { layerConfig } from './layer-config.js';
import { CUSTOM_SOURCES } from './custom-source.js';

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

/** Names the generated module itself uses, which no layer variable may shadow. */
const MODULE_NAMES = new Set(['tf', 'options', 'input', 'model', 'metadata', 'kernelInit', 'BuildOptions', 'KernelInitializer', 'Subtract']);

/** One `tf.layers.x({...})` call, its config broken over lines when it would pass 100 columns. */
function layerCall(factory: string, config: ConfigValue, used: number): string {
  const custom = CUSTOM_SOURCES[factory];
  const call = custom ? custom.construct('').slice(0, -1) : `tf.layers.${assertIdentifier(factory)}(`;
  return `${call}${tsLiteral(toTsValue(config), 2, 100 - used - call.length)})`;
}

/** The statements of a functional builder: tf.input, each layer applied to what it reads, tf.model. */
function functionalBody(model: InferredModel, configs: Array<{ factory: string; config: ConfigValue }>, builder: string): string[] {
  const names = model.layers.map((l) => l.node.name);
  const vars = uniqueIdentifiers(names, camelCase, (id) => isIdentifier(id) && !MODULE_NAMES.has(id) && id !== builder);
  const byId = new Map(model.layers.map((l) => [l.node.id, vars.get(l.node.name)!]));
  byId.set(MODEL_INPUT, 'input');
  const lines = [`const input = tf.input({ shape: ${tsLiteral([...model.ir.inputShape])}, name: ${tsString(MODEL_INPUT)} });`];
  model.layers.forEach((l, i) => {
    const sources = l.node.inputs.map((id) => byId.get(id)!);
    const arg = sources.length === 1 ? sources[0]! : `[${sources.join(', ')}]`;
    const head = `const ${byId.get(l.node.id)!} = `;
    lines.push(`${head}${layerCall(configs[i]!.factory, configs[i]!.config, head.length)}.apply(${arg}) as tf.SymbolicTensor;`);
  });
  lines.push(`return tf.model({ name: ${tsString(model.ir.name)}, inputs: input, outputs: ${byId.get(model.ir.output)!} });`);
  return lines;
}

/**
 * @param source the spec's path as it should appear in the header (relative to the project,
 *   forward slashes) so output does not depend on where the compiler was run from.
 */
export function emitTypeScript(model: InferredModel, source: string): string {
  const configs = model.layers.map((_, i) => layerConfig(model, i));
  const functional = model.ir.form === 'functional';
  const builder = builderName(model.ir.name);
  const names = new Map([[MODEL_INPUT, MODEL_INPUT], ...model.layers.map((l): [string, string] => [l.node.id, l.node.name])]);
  const layers = model.layers.map((l) =>
    tsLiteral({
      name: l.node.name,
      type: l.typeName,
      ...(functional ? { inputs: l.node.inputs.map((id) => names.get(id)!) } : {}),
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
    outputLiteral: functional ? tsString(names.get(model.ir.output)!) : false,
    layers,
    totalParams: trainable + nonTrainable,
    trainableParams: trainable,
    nonTrainableParams: nonTrainable,
    totalParamsText: (trainable + nonTrainable).toLocaleString('en-US'),
    layerCount: model.layers.length,
    usesKernelInit: configs.some(({ config }) => usesKernelInit(config)),
    builderName: builder,
    functional,
    // model.add( is 10 columns, which the config's line budget leaves room for.
    addCalls: functional ? [] : configs.map(({ factory, config }) => layerCall(factory, config, 'model.add('.length)),
    statements: functional ? functionalBody(model, configs, builder) : [],
    customLayers: [...new Set(configs.map((c) => c.factory))].flatMap((f) => (CUSTOM_SOURCES[f] ? [CUSTOM_SOURCES[f].source] : [])),
  });
}
