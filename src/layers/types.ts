// The contract every layer kind fulfils. Everything the compiler knows about a kind lives in
// its own module (shape rule, parameter count, tfjs construction, Keras construction), so that
// adding a kind touches one file plus its schema entry; the core never switches over kinds.
import type { LayerParams, ParamCount, Shape } from '../types.js';
import type { ShapeResult } from '../shape.js';

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

/** Where a layer sits in the model; used for seeds and the first layer's input shape. */
export interface LayerContext {
  index: number;
  name: string;
}

export interface LayerDef {
  /** The spec's `kind`, e.g. 'conv2d'. */
  kind: string;
  /** Keras class name, shown in summaries: 'Conv2D'. */
  typeName: string;
  /** Prefix of Keras's automatic layer names: 'conv2d' gives conv2d, conv2d_1, ... */
  autoName: string;
  /** Fills in defaults and normalises forms (3 -> [3, 3]); input is schema-valid. */
  normalize(raw: Record<string, unknown>): LayerParams;
  /** Output shape (no batch dim) for an input shape, or a plain-words reason it has none. */
  outputShape(input: Shape, params: LayerParams): ShapeResult;
  /** Weight counts, given a valid input shape. */
  countParams(input: Shape, params: LayerParams): ParamCount;
  /** tfjs-layers factory under `tf.layers` and its config: drives both the live model and emitted code. */
  tfjs: { factory: string; config(params: LayerParams, ctx: LayerContext): LayerConfig };
  /** Keras layer class and keyword arguments, for the Keras emitter. */
  keras: { className: string; args(params: LayerParams): Array<[string, ConfigValue]> };
}

export const NO_PARAMS: ParamCount = Object.freeze({ trainable: 0, nonTrainable: 0 });
