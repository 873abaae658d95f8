// The contract every layer kind fulfils. Everything the compiler knows about a kind lives in its
// own module: the keys a spec may give it (with their schema, defaults and documentation), its
// typed parameters, its shape rule, parameter count and costs, its tfjs, Keras and PyTorch
// construction (with how its weights map between tfjs and PyTorch), and how a diagram shows it.
// The core reads these through the registry and never switches over kinds.
import type { JsonSchema } from '../lib/json-schema.js';
import type { ShapeResult } from '../shape.js';
import type { ParamCount, Shape } from '../types.js';

/**
 * A value in a layer's construction config that is code rather than data: a seeded weight
 * initialiser. The live builder turns it into a tfjs initialiser; the TypeScript emitter writes
 * a call to the generated module's helper. It never carries text from a spec.
 */
export class KernelInit {
  constructor(
    /** tfjs initialiser function name, e.g. 'glorotUniform'. */
    readonly initializer: 'glorotUniform',
    /** Added to the caller's base seed so each layer draws different weights. */
    readonly seedOffset: number,
  ) {}
}

/** A tfjs-layers config value: JSON data, or a KernelInit. */
export type ConfigValue = string | number | boolean | null | KernelInit | ConfigValue[] | { [key: string]: ConfigValue };
export type LayerConfig = Record<string, ConfigValue>;

/** Where a layer sits in the model; used for seeds. */
export interface LayerContext {
  /** Position of the layer in the spec's list. */
  index: number;
  name: string;
  /** The output shape shape inference gave the layer, without the batch dimension. */
  output: Shape;
}

/** Groups of kinds that diagrams colour alike. */
export type LayerFamily = 'conv' | 'pool' | 'dense' | 'shape' | 'merge' | 'other';

/** How a Keras constructor is called: arguments in Keras's names, and Keras's own habits. */
export interface KerasCall<P> {
  /** Keras layer class, e.g. 'Conv2D'. */
  className: string;
  /** Every argument that defines the layer, by Keras's keyword names. */
  args(p: P): Array<[string, ConfigValue]>;
  /** Leading arguments Keras users pass by position, in Keras's order. */
  positional?: readonly string[];
  /** Keras's default per keyword (left out of generated code); a function derives it from the other arguments. */
  defaults?: Readonly<Record<string, ConfigValue | ((args: ReadonlyMap<string, ConfigValue>) => ConfigValue | undefined)>>;
}

/**
 * What a PyTorch layer works on: the shapes it reads and writes, without the batch dimension and
 * in the spec's (tfjs's) sense, [height, width, channels] for images. In the generated module an
 * image tensor is stored channels first, (batch, channels, height, width), as torch's
 * convolutions want it; tensors of any other rank are stored as tfjs stores them. Every layer
 * reads and writes that layout, so layers compose without knowing each other.
 */
export interface TorchIO {
  inputs: readonly Shape[];
  output: Shape;
}

/** How Keras initialises a weight, so that PyTorch training starts from the same distribution. */
export type TorchInit = { kind: 'glorot_uniform'; fanIn: number; fanOut: number } | { kind: 'zeros' } | { kind: 'ones' };

/**
 * One tfjs weight of a layer and the state_dict tensor it is in PyTorch. The torch tensor is the
 * tfjs one with its axes reordered by `permute` (tfjs axes listed in torch's order), then
 * reshaped to `torchShape`; the way back undoes both. Data, not code, so that one description
 * serves conversion in both directions and the generated module's initialisation.
 */
export interface TorchWeight {
  /** The weight's name in the tfjs layer: 'kernel', 'bias', 'gamma', 'moving_mean', ... */
  tfjs: string;
  /** Its key in the state_dict below the layer's module: 'weight', 'pointwise.bias', 'running_var'. */
  torch: string;
  /** Its tfjs shape. */
  shape: readonly number[];
  /** The tfjs axes in torch's order; omitted when the layouts agree. */
  permute?: readonly number[];
  torchShape: readonly number[];
  init: TorchInit;
}

/** A Python call: a callee and its arguments, each already Python source. */
export interface PyCall {
  callee: string;
  args: readonly string[];
}

/** A layer as PyTorch code, for one placement in a model (its shapes are known). */
export interface TorchLayer {
  /** The nn.Module the layer owns, assigned to an attribute in __init__; none for a layer that is only an operation. */
  module?: PyCall;
  /**
   * The layer's output as a Python expression, from its inputs (expressions in the layout above)
   * and `m`, the expression that names its module (`self.conv2d`).
   */
  forward(inputs: readonly string[], m: string): string;
  /** Its tfjs weights and where each goes, listed in the order the module's state_dict lists them. */
  weights?: readonly TorchWeight[];
  /** State_dict entries of the module that hold no tfjs weight (batch norm's batch counter): ignored when importing. */
  extraState?: readonly string[];
  /** Python definitions the code uses that torch lacks, by name: written once at the top of the module. */
  helpers?: Readonly<Record<string, string>>;
}

/** A problem with a layer's values that the schema cannot express, at a key of the layer. */
export interface ValueProblem {
  /** Path below the layer, e.g. 'target_shape/2' or 'strides'. */
  key: string;
  message: string;
}

/** How many inputs a kind reads. Most read one; merges read several. */
export interface Arity {
  min: number;
  max?: number;
}

/**
 * What one sample costs a layer, by its kind's rule (docs/costs.md). The core adds these up
 * into the summary's Mult-Adds column and memory figures (src/compile/costs.ts); it never
 * asks which kind a layer is.
 */
export interface LayerCost {
  /**
   * Multiply-adds of the forward pass: each product of a weight and an input that is summed
   * into an output. Bias additions count 0, and so do layers without weights (their work is a
   * comparison, a copy or a function per value).
   */
  multAdds: number;
  /** The output is the input itself, so it takes no memory of its own: 'always' (flatten), or only at inference (dropout). */
  reuses?: 'always' | 'inference';
  /** Values the layer holds besides its inputs and output while it runs (separable's depthwise result). */
  scratch?: number;
  /** What backprop keeps of this layer from the forward pass until its gradient is computed. */
  keeps: {
    /** Every input (a convolution's weight gradient reads its input). */
    inputs?: boolean;
    /** The output (relu's gradient reads its output). */
    output?: boolean;
    /** Values of its own: a dropout mask, the values an activation that reads its input was given. */
    own?: number;
  };
}

export interface LayerKind<P> {
  /** The spec's `kind`, e.g. 'conv2d'. */
  kind: string;
  /** Keras class name, shown in summaries: 'Conv2D'. */
  typeName: string;
  /** Prefix of Keras's automatic layer names: 'conv2d' gives conv2d, conv2d_1, ... */
  autoName: string;
  family: LayerFamily;
  /** What the kind does, for the schema and the reference: one or two sentences. */
  description: string;
  /** Completes "The layer type. `conv2d` ...": e.g. 'is a 2-D convolution.' */
  kindWords: string;
  /** The keys this kind takes besides kind/name/inputs/description/expect; `default` is the one place a default is stated. */
  params: Readonly<Record<string, JsonSchema>>;
  required?: readonly string[];
  /** Keys Keras has that this kind cannot offer, with the reason, so a spec using one learns why. */
  notOffered?: Readonly<Record<string, string>>;
  /** Inputs read; exactly one when omitted. */
  arity?: Arity;
  /** Spec values (schema-valid, defaults filled in) to the kind's typed parameters. */
  normalize(values: Readonly<Record<string, unknown>>): P;
  /** Rules between values that JSON Schema cannot state. */
  check?(p: P): ValueProblem[];
  /**
   * Output shape (no batch dimension) for the input shapes, or a plain-words reason there is
   * none. `sources` names where each input comes from, for messages about several inputs.
   */
  outputShape(inputs: readonly Shape[], p: P, sources: readonly string[]): ShapeResult;
  /** Weight counts, given valid input shapes. */
  countParams(inputs: readonly Shape[], p: P): ParamCount;
  /** Multiply-adds and memory of one sample, given valid input shapes and the output shape. */
  cost(inputs: readonly Shape[], output: Shape, p: P): LayerCost;
  /** tfjs-layers factory under `tf.layers` and its config: drives both the live model and emitted code. */
  tfjs: { factory: string; config(p: P, ctx: LayerContext): LayerConfig };
  keras: KerasCall<P>;
  /** The layer in PyTorch, for the shapes it has in a model. */
  pytorch(p: P, io: TorchIO): TorchLayer;
  /** The hyperparameters worth reading in a diagram, as short phrases ('32 filters', '3×3 kernel'). */
  display(p: P): string[];
}

/** A kind with its parameter type erased, as the registry holds it. */
// Methods are bivariant in their parameters, so any LayerKind<P> is a LayerKind<unknown>.
export type AnyLayerKind = LayerKind<unknown>;

/** Declares a kind; the identity, but it checks the definition against its own parameter type. */
export function defineLayer<P>(def: LayerKind<P>): AnyLayerKind {
  return def as AnyLayerKind;
}

export const NO_PARAMS: ParamCount = Object.freeze({ trainable: 0, nonTrainable: 0 });

/** Adapts a one-input shape rule to the contract's list of inputs. */
export function unary<P, R>(rule: (input: Shape, p: P) => R): (inputs: readonly Shape[], p: P) => R {
  return (inputs, p) => rule(inputs[0] ?? [], p);
}
