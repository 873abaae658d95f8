// The types every pipeline stage shares. Stages:
//   load (YAML text -> document with node positions)
//   validate (JSON Schema via ajv -> positioned errors)
//   lower (document -> typed model IR)
//   infer (IR -> per-layer output shapes and parameter counts)
//   emit (IR -> live tfjs model | TypeScript source | summary | Keras source)

/** A position in a spec file, 1-based like editors show it. */
export interface SourcePos {
  line: number;
  col: number;
}

/** A location: the file plus where in it. */
export interface SourceLoc extends SourcePos {
  file: string;
}

/** One problem found in a spec. Never thrown at the user as a stack trace. */
export interface SpecDiagnostic {
  file: string;
  line: number;
  col: number;
  /** Plain-words message: what is wrong, what was expected, what to do. */
  message: string;
  /** JSON pointer-like path of the offending node, e.g. /layers/2/kernel. */
  path: string;
  /** Which stage found it. */
  stage: 'syntax' | 'schema' | 'semantic' | 'shape' | 'limit' | 'check';
}

/** A shape without its batch dimension, e.g. [26, 26, 32]. */
export type Shape = readonly number[];

export type Padding = 'valid' | 'same';

/**
 * Hyperparameters of a layer after validation and defaulting: the typed parameters of its kind
 * (see src/layers/), opaque to the core, which only hands them back to the kind.
 */
export type LayerParams = unknown;

/** Expectations a spec may state about a layer; the compiler verifies them. */
export interface LayerExpectation {
  shape?: Shape;
  params?: number;
}

/**
 * One node of the model IR. Every node names its inputs by id: a plain list of layers lowers
 * to a chain, and layers that name their `inputs` make a graph.
 */
export interface IRNode {
  id: string;
  /** Position of the layer in the spec's list (0-based); nodes themselves are in dependency order. */
  index: number;
  /** Layer name, unique within the model (Keras-style auto names when the spec gives none). */
  name: string;
  /** Registry key, e.g. 'conv2d'. */
  kind: string;
  /** Validated, defaulted hyperparameters. */
  params: LayerParams;
  /** Ids of the nodes feeding this one, in order; the model input is 'input'. */
  inputs: string[];
  /** Free-form text from the spec, emitted only through the string escaper. */
  description?: string;
  expect?: LayerExpectation;
  /** Where the layer was written, for messages. */
  loc: SourceLoc;
  /** JSON path of the layer in the document, e.g. /layers/3. */
  path: string;
}

export interface TrainingConfig {
  dataset: DatasetRef;
  optimizer: OptimizerConfig;
  loss: 'categorical_crossentropy' | 'sparse_categorical_crossentropy';
  metrics: string[];
  batchSize: number;
  epochs: number;
  validationSplit: number;
  seed: number;
  /** The training controls (src/train/schedules.ts, early-stopping.ts, augment.ts, class weights in losses.ts); absent when the spec states none. */
  schedule?: LearningRateSchedule;
  earlyStopping?: EarlyStoppingConfig;
  augmentation?: AugmentationConfig;
  /** Weight by class number or class name, as the spec states them; classes not listed weigh 1. */
  classWeights?: Record<string, number>;
}

/** A per-epoch metric a schedule or early stopping can watch. */
export type MonitoredMetric = 'val_loss' | 'val_accuracy' | 'loss' | 'accuracy';
export type MonitorMode = 'auto' | 'min' | 'max';

export type LearningRateSchedule =
  | { kind: 'step'; every: number; factor: number }
  | { kind: 'exponential'; decayRate: number; decayEpochs: number; staircase: boolean }
  | { kind: 'cosine'; decayEpochs: number | null; alpha: number; warmupEpochs: number; warmupStart: number | null }
  | {
      kind: 'reduce_on_plateau';
      monitor: MonitoredMetric;
      mode: MonitorMode;
      factor: number;
      patience: number;
      minDelta: number;
      cooldown: number;
      minLr: number;
    };

export interface EarlyStoppingConfig {
  monitor: MonitoredMetric;
  mode: MonitorMode;
  patience: number;
  minDelta: number;
  restoreBestWeights: boolean;
}

export interface AugmentationConfig {
  /** Largest shift as a fraction of height and width. */
  shift: number;
  /** Largest rotation in degrees, either way. */
  rotation: number;
  /** Scale drawn from [1 - zoom, 1 + zoom]. */
  zoom: number;
  horizontalFlip: boolean;
  verticalFlip: boolean;
  fill: 'constant' | 'nearest';
}

/** A dataset after lowering; each kind's reference type is defined by its module in src/data/kinds/. */
export type { DatasetRef } from './data/registry.js';
import type { DatasetRef } from './data/registry.js';

export type OptimizerConfig =
  | { name: 'adam'; learningRate: number; beta1: number; beta2: number; epsilon: number }
  | { name: 'sgd'; learningRate: number; momentum: number; nesterov: boolean }
  | { name: 'rmsprop'; learningRate: number; rho: number; momentum: number; epsilon: number };

/** The typed model IR: what every emitter consumes. */
export interface ModelIR {
  name: string;
  description?: string;
  inputShape: Shape;
  /**
   * 'sequential' when every layer reads the one before it (a plain list); 'functional' when the
   * spec names inputs or an output, which builds a graph (Keras's functional API, tf.model).
   */
  form: 'sequential' | 'functional';
  /** In dependency order: every node comes after the nodes it reads. */
  nodes: IRNode[];
  /** Id of the node whose output is the model's output. */
  output: string;
  /** The spec's `expect:`: the exact parameter count, and budgets by their spec keys (src/compile/budgets.ts). */
  expect?: { params?: number } & Readonly<Record<string, number | undefined>>;
  training?: TrainingConfig;
  source: { file: string; sha256: string };
}

export interface ParamCount {
  trainable: number;
  nonTrainable: number;
}

/** What shape inference learns about one node. */
export interface InferredLayer {
  node: IRNode;
  /** Keras class name shown in summaries, e.g. 'Conv2D'. */
  typeName: string;
  /** One shape per input, in the order of node.inputs. */
  inputShapes: Shape[];
  outputShape: Shape;
  params: ParamCount;
  /** Multiply-adds of one sample's forward pass (the Mult-Adds column). */
  multAdds: number;
  /**
   * Bytes of activations backprop keeps for one sample that this layer made: its output when
   * any layer keeps it, and values of its own (a mask, a pre-activation). Summed over the
   * layers this is the model's keptBytes.
   */
  keptBytes: number;
}

/**
 * The static costs of a model (src/compile/costs.ts, rules in docs/costs.md). Float32, so 4
 * bytes a value. Per sample, except the training memory, which is for a whole batch.
 */
export interface ModelCosts {
  /** Multiply-adds of one sample's forward pass (Total mult-adds). */
  multAdds: number;
  /** One input sample (Input size). */
  inputBytes: number;
  /**
   * The most activation memory alive at once while one sample is inferred, each output freed
   * after the last layer that reads it (Forward pass size); the input is not included.
   */
  forwardBytes: number;
  /**
   * When the forward pass peaks: the layer running then, and the largest tensor alive (by the
   * id of the layer that made it; `scratch` when it is the running layer's own working values).
   */
  forwardPeak: { during: string; largest: string; scratch: boolean };
  /** The activations backprop keeps for one sample, each tensor once (Forward/backward pass size). */
  keptBytes: number;
  /** Every weight, trainable or not (Params size). */
  paramsBytes: number;
  /** One gradient per trainable weight. */
  gradientBytes: number;
  /** The optimizer's state: `slotsPerWeight` values for each trainable weight (Optimizer params). */
  optimizer: { name: OptimizerConfig['name']; slotsPerWeight: number; values: number; bytes: number };
  /** torchinfo's Estimated Total Size for one sample: input, kept activations and weights. */
  totalBytes: number;
  /** The batch size training uses (the spec's, or the default). */
  batchSize: number;
  /** Training memory at that batch size: weights, gradients, optimizer state, and the batch's inputs and kept activations. */
  trainingBytes: number;
}

export interface InferredModel {
  ir: ModelIR;
  /** In dependency order, like ir.nodes. */
  layers: InferredLayer[];
  outputShape: Shape;
  totals: ParamCount;
  costs: ModelCosts;
}
