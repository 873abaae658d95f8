// Emitter: a Keras (TensorFlow 2, `tensorflow.keras`) program equivalent to the spec, from a
// handlebars template. Layers come from each LayerDef's `keras` description; spec strings
// enter the output only as literals made by pyString, identifiers are checked, and nothing
// from a spec is ever written into a comment.
import { classWeightList, notApplied, plateauSettings, scheduleFunction as scheduleFunction_ } from './training-controls.js';
import { layerKind } from '../layers/registry.js';
import { uniqueIdentifiers } from '../lib/identifiers.js';
import { MODEL_INPUT } from '../compile/spec-schema.js';
import { KernelInit, type ConfigValue } from '../layers/types.js';
import { assertPyIdentifier, isPyIdentifier, PyCode, pyLiteral, pyNumber, pyString, PyTuple, type PyValue } from '../lib/py-literal.js';
import { trainingSettings } from '../compile/lower.js';
import { codeTemplate } from './templates.js';
import type { InferredModel, OptimizerConfig, TrainingConfig } from '../types.js';
import { kerasActivation, kerasCallArgs } from './keras-api.js';
import { datasetEntries, pythonDataNames, pythonDataSection } from './python-data.js';

/** Shapes and kernel sizes become tuples, as Keras code writes them. */
function toPy(value: ConfigValue): PyValue {
  if (value instanceof KernelInit) return new PyCode('"glorot_uniform"');
  if (Array.isArray(value)) return new PyTuple(value.map(toPy));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPy(v)]));
  return value;
}

const LINE = 100;
/** Where layer calls start: inside Sequential([...]) for a stack, in build_model's body for a graph. */
const SEQUENTIAL_INDENT = 12;
const FUNCTIONAL_INDENT = 4;

/**
 * One `layers.X(...)` call; arguments go one per line when the line would pass 100 columns.
 * `before` and `after` are the text around the call on its line (an assignment, the inputs).
 */
function layerCall(className: string, args: string[], indent: number, before = '', after = ','): string {
  const head = `layers.${assertPyIdentifier(className)}(`;
  const oneLine = `${head}${args.join(', ')})`;
  if (indent + before.length + oneLine.length + after.length <= LINE || !args.length) return oneLine;
  const pad = ' '.repeat(indent + 4);
  return `${head}\n${args.map((a) => `${pad}${a},`).join('\n')}\n${' '.repeat(indent)})`;
}

/** Names build_model's module already uses, which no layer variable may take. */
const MODULE_NAMES = new Set([
  'tf',
  'np',
  'os',
  'struct',
  'layers',
  'models',
  'optimizers',
  'inputs',
  'model',
  'build_model',
  'compile_model',
  'load_data',
  'hard_sigmoid',
  'mish',
  'gelu_new',
  'csv',
  'gzip',
  'io',
  'math',
  're',
  'sys',
  'DATASET',
  'INPUT_SHAPE',
  'NUM_CLASSES',
  'SPEC_SOURCE',
  'SPEC_SHA256',
  'MODEL_NAME',
  'DESCRIPTION',
  'LAYER_DESCRIPTIONS',
  ...pythonDataNames(),
]);

function optimizerCall(o: OptimizerConfig): string {
  const kw = (pairs: Array<[string, number | boolean]>): string =>
    pairs.map(([k, v]) => `${k}=${typeof v === 'boolean' ? (v ? 'True' : 'False') : pyNumber(v)}`).join(', ');
  switch (o.name) {
    case 'sgd':
      return `optimizers.SGD(${kw([
        ['learning_rate', o.learningRate],
        ['momentum', o.momentum],
        ['nesterov', o.nesterov],
      ])})`;
    case 'rmsprop':
      return `optimizers.RMSprop(${kw([
        ['learning_rate', o.learningRate],
        ['rho', o.rho],
        ['momentum', o.momentum],
        ['epsilon', o.epsilon],
      ])})`;
    case 'adam':
      return `optimizers.Adam(${kw([
        ['learning_rate', o.learningRate],
        ['beta_1', o.beta1],
        ['beta_2', o.beta2],
        ['epsilon', o.epsilon],
      ])})`;
  }
}

/** build_model's body for a graph: Input, each layer called on what it reads, Model. */
function functionalStatements(model: InferredModel, calls: Array<{ className: string; args: string[] }>): string[] {
  const vars = uniqueIdentifiers(
    model.layers.map((l) => l.node.name),
    (n) => n,
    (id) => isPyIdentifier(id) && !MODULE_NAMES.has(id),
  );
  const byId = new Map(model.layers.map((l) => [l.node.id, vars.get(l.node.name)!]));
  byId.set(MODEL_INPUT, 'inputs');
  const lines = [`inputs = layers.Input(shape=INPUT_SHAPE, name=${pyString(MODEL_INPUT)})`];
  model.layers.forEach((l, i) => {
    const sources = l.node.inputs.map((id) => byId.get(id)!);
    const applied = sources.length === 1 ? `(${sources[0]})` : `([${sources.join(', ')}])`;
    const before = `${byId.get(l.node.id)!} = `;
    lines.push(`${before}${layerCall(calls[i]!.className, calls[i]!.args, FUNCTIONAL_INDENT, before, applied)}${applied}`);
  });
  lines.push(`return models.Model(inputs, ${byId.get(model.ir.output)!}, name=MODEL_NAME)`);
  return lines;
}

/**
 * @param source the spec's path as it should appear in the program (relative to the project,
 *   forward slashes) so output does not depend on where the compiler was run from.
 */
export function emitKeras(model: InferredModel, source: string): string {
  const helpers = new Set<string>();
  const functional = model.ir.form === 'functional';
  const calls = model.layers.map((l) => {
    const def = layerKind(l.node.kind);
    const { positional, keywords } = kerasCallArgs(def.keras, def.keras.args(l.node.params));
    const render = (name: string, value: ConfigValue): string => {
      if (name === 'activation' && typeof value === 'string') {
        const act = kerasActivation(value);
        if ('name' in act) return pyString(act.name);
        if (act.helper) helpers.add(act.helper);
        return act.code;
      }
      return pyLiteral(toPy(value));
    };
    const args = [
      ...positional.map(([k, v]) => render(k, v)),
      ...keywords.map(([k, v]) => `${assertPyIdentifier(k)}=${render(k, v)}`),
      `name=${pyString(l.node.name)}`,
    ];
    return { className: def.keras.className, args };
  });
  const layers = functional ? [] : calls.map((c) => layerCall(c.className, c.args, SEQUENTIAL_INDENT));
  const statements = functional ? functionalStatements(model, calls) : [];

  const training = trainingSettings(model.ir);
  const shape = model.ir.inputShape;
  const numClasses = model.outputShape[model.outputShape.length - 1] ?? 1;
  const descriptions = model.layers.filter((l) => l.node.description !== undefined);
  const { trainable, nonTrainable } = model.totals;

  return codeTemplate('keras')({
    sourceLiteral: pyString(source),
    sha256Literal: pyString(model.ir.source.sha256.replace(/[^0-9a-f]/g, '')),
    nameLiteral: pyString(model.ir.name),
    descriptionLiteral: model.ir.description === undefined ? 'None' : pyString(model.ir.description),
    layerDescriptions: descriptions.map((l) => `${pyString(l.node.name)}: ${pyString(l.node.description!)}`),
    inputShapeLiteral: pyLiteral(new PyTuple([...shape])),
    numClasses: pyNumber(numClasses),
    totalParamsText: (trainable + nonTrainable).toLocaleString('en-US'),
    layerCount: model.layers.length,
    helpers: [...helpers].sort(),
    layers,
    functional,
    statements,
    dataset: datasetEntries(training.dataset, source),
    data: pythonDataSection(),
    categorical: training.loss === 'categorical_crossentropy',
    optimizer: optimizerCall(training.optimizer),
    lossLiteral: pyString(training.loss),
    metricsLiteral: pyLiteral([...training.metrics]),
    batchSize: pyNumber(training.batchSize),
    epochs: pyNumber(training.epochs),
    validationSplit: pyNumber(training.validationSplit),
    seed: pyNumber(training.seed),
    ...kerasControls(training, numClasses),
  });
}

/** The schedule, early stopping, class weights and augmentation as the Keras program states them. */
function kerasControls(training: TrainingConfig, classes: number) {
  const scheduleFunction = scheduleFunction_(training);
  const callbacks: string[] = [];
  const kw = (pairs: [string, string][]): string => pairs.map(([k, v]) => `${k}=${v}`).join(', ');
  if (scheduleFunction) callbacks.push(`tf.keras.callbacks.LearningRateScheduler(lambda epoch: scheduled_rate(epoch, ${pyNumber(training.epochs)}))`);
  const plateau = plateauSettings(training);
  if (plateau) {
    callbacks.push(
      `tf.keras.callbacks.ReduceLROnPlateau(${kw([
        ['monitor', pyString(plateau.monitor)],
        ['mode', pyString(plateau.mode)],
        ['factor', pyNumber(plateau.factor)],
        ['patience', pyNumber(plateau.patience)],
        ['min_delta', pyNumber(plateau.minDelta)],
        ['cooldown', pyNumber(plateau.cooldown)],
        ['min_lr', pyNumber(plateau.minLr)],
      ])})`,
    );
  }
  const es = training.earlyStopping;
  if (es) {
    callbacks.push(
      `tf.keras.callbacks.EarlyStopping(${kw([
        ['monitor', pyString(es.monitor)],
        ['mode', pyString(es.mode)],
        ['patience', pyNumber(es.patience)],
        ['min_delta', pyNumber(es.minDelta)],
        ['restore_best_weights', es.restoreBestWeights ? 'True' : 'False'],
      ])})`,
    );
  }
  const weights = classWeightList(training, classes);
  const a = training.augmentation;
  const augmentation: string[] = [];
  if (a) {
    const fill = pyString(a.fill);
    if (a.horizontalFlip || a.verticalFlip) {
      augmentation.push(
        `layers.RandomFlip(${pyString(a.horizontalFlip && a.verticalFlip ? 'horizontal_and_vertical' : a.horizontalFlip ? 'horizontal' : 'vertical')})`,
      );
    }
    // RandomRotation's factor is a fraction of a full turn.
    if (a.rotation > 0) augmentation.push(`layers.RandomRotation(${pyNumber(a.rotation / 360)}, fill_mode=${fill}, fill_value=0.0)`);
    if (a.zoom > 0) augmentation.push(`layers.RandomZoom((${pyNumber(-a.zoom)}, ${pyNumber(a.zoom)}), fill_mode=${fill}, fill_value=0.0)`);
    if (a.shift > 0) augmentation.push(`layers.RandomTranslation(${pyNumber(a.shift)}, ${pyNumber(a.shift)}, fill_mode=${fill}, fill_value=0.0)`);
  }
  const notes = notApplied(training, { augmentation: true }, weights?.unresolved ?? []).map((note) => ({
    comment: note,
    literal: pyString(`note: ${note}`),
  }));
  const extras = [
    ...(callbacks.length ? [', callbacks=training_callbacks()'] : []),
    ...(weights ? [`, class_weight={${weights.weights.map((w, i) => `${i}: ${pyNumber(w)}`).join(', ')}}`] : []),
  ];
  return {
    scheduleFunction: scheduleFunction ?? false,
    callbacks,
    augmentation: augmentation.length ? augmentation : false,
    notes,
    fitExtras: extras.join(''),
  };
}
