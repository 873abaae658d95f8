// Emitter: a PyTorch module equal to the spec, layer for layer the tfjs model (see
// src/layers/torch-layout.ts for the layout rules), plus a training program that runs alone or
// under torchrun. Layers come from each kind's `pytorch` description through torchPlan; spec
// strings enter the output only as literals made by pyString, and never as comments.
import { classWeightList, monitorMode, notApplied, plateauSettings, scheduleFunction } from './training-controls.js';
import { lowerTraining } from '../compile/lower.js';
import type { PyCall } from '../layers/types.js';
import { pyNumber, pyString } from '../lib/py-literal.js';
import { pyTuple } from '../layers/torch-layout.js';
import type { InferredModel, OptimizerConfig, Shape, TrainingConfig } from '../types.js';
import { torchPlan, type TorchPlan } from './pytorch-plan.js';
import { pythonModuleName } from './python-names.js';
import { datasetEntries, pythonDataNames, pythonDataSection } from './python-data.js';
import { codeTemplate } from './templates.js';

const LINE = 100;
/** Top-level names of the generated module, which no layer attribute or class may take. */
const MODULE_NAMES = [
  'SPEC_SOURCE',
  'SPEC_SHA256',
  'MODEL_NAME',
  'INPUT_SHAPE',
  'OUTPUT_SHAPE',
  'TRAINING',
  'DATASET',
  'CHECKPOINT_FORMAT',
  'EPSILON',
  'KERAS_INIT',
  'initialize_like_keras',
  'say',
  'complain',
  'build_model',
  'make_optimizer',
  'RMSprop',
  'loss_fn',
  'UsageError',
  'Terminated',
  'evaluate',
  'weights_digest',
  'checkpoint_path',
  'read_checkpoint',
  'save_checkpoint',
  'default_out',
  'SAFE_GLOBALS',
  'RestrictedUnpickler',
  'RESTRICTED_PICKLE',
  'safe_load',
  'metrics_line',
  'train',
  'plain',
  'run_worker',
  'check_port',
  'launch',
  'report_checkpoint',
  'count',
  'parse_arguments',
  'main',
  'DistributedDataParallel',
  'DistributedSampler',
  'csv',
  'io',
  're',
  'np',
  ...pythonDataNames(),
];

/** `before` + a call, its arguments one per line when the line would pass 100 columns. */
function callLines(before: string, call: PyCall, indent: number): string {
  const oneLine = `${before}${call.callee}(${call.args.join(', ')})`;
  if (indent + oneLine.length <= LINE || call.args.length === 0) return oneLine;
  const pad = ' '.repeat(indent + 4);
  return `${before}${call.callee}(\n${call.args.map((a) => `${pad}${a},`).join('\n')}\n${' '.repeat(indent)})`;
}

/** A stored tensor's shape as a comment: images channels first. */
function shapeComment(shape: Shape): string {
  const stored = shape.length === 3 ? [shape[2]!, shape[0]!, shape[1]!] : [...shape];
  return `# (batch, ${stored.join(', ')})`;
}

/** A statement with its shape comment when the two fit in a line. */
function withComment(statement: string, shape: Shape, indent: number): string {
  const line = `${statement}  ${shapeComment(shape)}`;
  return indent + line.length <= LINE ? line : statement;
}

function forwardLines(model: InferredModel, plan: TorchPlan): { arg: string; lines: string[] } {
  const image = model.ir.inputShape.length === 3;
  const sequential = model.ir.form === 'sequential';
  const arg = sequential ? 'x' : 'inputs';
  // contiguous(): a permuted view would make the first convolution's gradient channels-last.
  const lines = image ? [`${arg} = ${arg}.permute(0, 3, 1, 2).contiguous()  # channels first, as torch's convolutions want them`] : [];
  const vars = new Map<string, string>([['input', arg]]);
  for (const l of plan.layers) {
    const target = sequential ? 'x' : l.name;
    const sources = l.layer.node.inputs.map((id) => vars.get(id)!);
    lines.push(withComment(`${target} = ${l.code.forward(sources, `self.${l.name}`)}`, l.layer.outputShape, 8));
    vars.set(l.layer.node.id, target);
  }
  const out = vars.get(model.ir.output)!;
  lines.push(model.outputShape.length === 3 ? `return ${out}.permute(0, 2, 3, 1)  # channels last, as the spec's output` : `return ${out}`);
  return { arg, lines };
}

function initLines(plan: TorchPlan): string[] {
  return plan.state.map((w) => {
    const how = w.init.kind === 'glorot_uniform' ? `("glorot_uniform", ${w.init.fanIn}, ${w.init.fanOut})` : `(${pyString(w.init.kind)},)`;
    return `${pyString(w.key)}: ${how}`;
  });
}

function optimizerCode(o: OptimizerConfig): string {
  const n = pyNumber;
  switch (o.name) {
    case 'adam':
      // tfjs's Adam adds epsilon after the square root of the bias-corrected moment, as torch's does.
      return `torch.optim.Adam(parameters, lr=${n(o.learningRate)}, betas=(${n(o.beta1)}, ${n(o.beta2)}), eps=${n(o.epsilon)})`;
    case 'sgd':
      return `torch.optim.SGD(parameters, lr=${n(o.learningRate)}${o.momentum ? `, momentum=${n(o.momentum)}` : ''}${o.nesterov ? ', nesterov=True' : ''})`;
    case 'rmsprop':
      return `RMSprop(parameters, lr=${n(o.learningRate)}, rho=${n(o.rho)}, momentum=${n(o.momentum)}, eps=${n(o.epsilon)})`;
  }
}

const shapeText = (shape: Shape): string => shape.join(', ');

/** The plan of the module emitPytorch writes for `model`: names and layouts as in that file. */
export const pytorchPlan = (model: InferredModel): TorchPlan => torchPlan(model, MODULE_NAMES);

/**
 * @param source the spec's path as it should appear in the program (relative to the project,
 *   forward slashes) so output does not depend on where the compiler was run from.
 */
export function emitPytorch(model: InferredModel, source: string): string {
  const plan = pytorchPlan(model);
  const training = model.ir.training ?? lowerTraining(undefined);
  const { arg, lines } = forwardLines(model, plan);
  const { trainable, nonTrainable } = model.totals;
  const runtime = codeTemplate('pytorch-runtime')({});
  return codeTemplate('pytorch')({
    moduleName: pythonModuleName(model.ir.name),
    sourceLiteral: pyString(source),
    sha256Literal: pyString(model.ir.source.sha256.replace(/[^0-9a-f]/g, '')),
    nameLiteral: pyString(model.ir.name),
    inputShapeLiteral: pyTuple(model.ir.inputShape),
    outputShapeLiteral: pyTuple(model.outputShape),
    inputShapeText: shapeText(model.ir.inputShape),
    outputShapeText: shapeText(model.outputShape),
    training: {
      batchSize: pyNumber(training.batchSize),
      epochs: pyNumber(training.epochs),
      validationSplit: pyNumber(training.validationSplit),
      seed: pyNumber(training.seed),
    },
    dataset: datasetEntries(training.dataset, source),
    helpers: [...plan.helpers.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, code]) => code),
    className: plan.className,
    layerCount: model.layers.length,
    totalParamsText: (trainable + nonTrainable).toLocaleString('en-US'),
    trainableParamsText: trainable.toLocaleString('en-US'),
    modules: plan.layers.filter((l) => l.code.module).map((l) => callLines(`self.${l.name} = `, l.code.module!, 8)),
    forwardArg: arg,
    forward: lines,
    init: initLines(plan),
    optimizer: optimizerCode(training.optimizer),
    rmsprop: training.optimizer.name === 'rmsprop',
    lossName: training.loss === 'categorical_crossentropy' ? 'Categorical cross-entropy' : 'Sparse categorical cross-entropy',
    categorical: training.loss === 'categorical_crossentropy',
    ...torchControls(training, model.outputShape[model.outputShape.length - 1] ?? 1),
    data: pythonDataSection(),
    runtime,
  });
}

/** The schedule, early stopping and class weights as the PyTorch program states them. */
function torchControls(training: TrainingConfig, classes: number) {
  const n = pyNumber;
  const plateau = plateauSettings(training);
  const es = training.earlyStopping;
  const weights = classWeightList(training, classes);
  const dict = (pairs: [string, string][]): string => `{${pairs.map(([k, v]) => `${pyString(k)}: ${v}`).join(', ')}}`;
  return {
    scheduleFunction: scheduleFunction(training) ?? false,
    learningRate: n(training.optimizer.learningRate),
    classWeights: weights ? `[${weights.weights.map(n).join(', ')}]` : false,
    plateau: plateau
      ? dict([
          ['monitor', pyString(plateau.monitor)],
          ['mode', pyString(monitorMode(plateau.monitor, plateau.mode))],
          ['factor', n(plateau.factor)],
          ['patience', n(plateau.patience)],
          ['min_delta', n(plateau.minDelta)],
          ['cooldown', n(plateau.cooldown)],
          ['min_lr', n(plateau.minLr)],
        ])
      : 'None',
    earlyStopping: es
      ? dict([
          ['monitor', pyString(es.monitor)],
          ['mode', pyString(monitorMode(es.monitor, es.mode))],
          ['patience', n(es.patience)],
          ['min_delta', n(es.minDelta)],
          ['restore_best_weights', es.restoreBestWeights ? 'True' : 'False'],
        ])
      : 'None',
    notes: `[${notApplied(training, { augmentation: false }, weights?.unresolved ?? [])
      .map((note) => pyString(note))
      .join(', ')}]`,
  };
}
