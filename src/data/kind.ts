// The contract every dataset kind fulfils. Everything about a kind lives in its own module
// under kinds/: the spec's schema fragment, defaults (lowering into a typed reference), loading
// both splits, what is saved in the run folder so that `evaluate` and `predict` prepare data
// the same way again, and the preparation of new inputs for `predict`. The trainer and the CLI
// only go through the registry; they never switch over kinds.

import type { RefField } from './ref-fields.js';

/** A JSON Schema (draft-07) fragment, kept as plain data so a generator can collect it. */
export type SchemaFragment = Record<string, unknown>;

/** One split of a dataset, as flat arrays: the trainer cuts one batch at a time from them. */
export interface DataSplit {
  /** count * sample-size values, row-major per sample: pixels scaled to [0, 1], or standardised features. */
  images: Float32Array;
  /** One class index per sample. */
  labels: Uint8Array;
  count: number;
}

/**
 * What a kind records about how it prepared the data (class names, image size and resize
 * mode, CSV standardisation statistics). Saved in the run folder's dataset.json and handed
 * back to the kind by `evaluate` and `predict`, so they apply exactly the same preparation.
 */
export interface Prepared {
  /** One name per class index. */
  classes: string[];
  /** Shape of one sample as loaded: [height, width, channels] or [features]. */
  sampleShape: number[];
  [key: string]: unknown;
}

export interface Dataset {
  train: DataSplit;
  test: DataSplit;
  /** Shape of one sample: [height, width, channels] for images, [features] for tables. */
  sampleShape: number[];
  /** The number of classes the labels index (class names included). */
  numClasses: number;
  classNames: string[];
  /**
   * True when the model must have exactly one output unit per class (named classes). False for
   * numbered labels without names, where a model may have more units than the labels use.
   */
  exactClassCount: boolean;
  /** Human-readable origin, e.g. "image folder (data/pets)". */
  source: string;
  /** What `evaluate` and `predict` need to prepare data the same way (saved in the run folder). */
  prepared: Prepared;
  /** Things worth saying once (skipped files, resized images), already in plain words. */
  notes: string[];
}

export interface LoadOptions {
  /** Keep only the first `limit` training samples (handy for quick runs and tests). */
  limit?: number;
  /** Keep only the first `testLimit` test samples (default: `limit`). */
  testLimit?: number;
  /** Images declaring more pixels than this are refused before decoding (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
  /** Folder for decoded-image caches; false turns caching off (default: .cache/netspec). */
  cacheDir?: string | false;
}

/** Everything a kind needs to load: where the spec is, what the model takes, and the options. */
export interface LoadContext extends LoadOptions {
  /** Absolute folder of the spec file; data paths are relative to it. */
  specDir: string;
  /** The model's input shape without the batch dimension (image kinds resize to it). */
  inputShape: readonly number[];
}

/** Prepares the inputs given to `netspec predict` the way the training data was prepared. */
export type Predictor = ImagePredictor | TablePredictor;

export interface ImagePredictor {
  input: 'images';
  /** What is done to each picture, for the command's help line. */
  describe: string;
  /** One sample (values of sampleShape) from an image file of any size and format. */
  prepare(file: string, options: { maxPixels: number }): Promise<Float32Array>;
}

export interface TableRows {
  /** count * features standardised values. */
  values: Float32Array;
  count: number;
  /** The file's line number of each row, for the output. */
  lines: number[];
  /** Class index per row when the file has the label column (unknown labels are -1). */
  labels?: Int32Array;
}

export interface TablePredictor {
  input: 'rows';
  describe: string;
  /** The rows of a table file with the training features, standardised as in training. */
  prepare(file: string): Promise<TableRows>;
}

export interface DatasetKind<R extends { kind: string } = { kind: string }> {
  /** The spec's `kind`, e.g. 'image_folder'. */
  kind: R['kind'];
  /** The object form's schema fragment, discriminated by `kind`. */
  schema: SchemaFragment;
  /** Fills in defaults; `raw` is schema-valid. */
  lower(raw: Record<string, unknown>, defaults: { seed: number }): R;
  /** The lowered reference's fields besides `kind` (ref-fields.ts): what a run folder's dataset.json must hold. */
  refFields: Record<string, RefField>;
  /** Loads and checks both splits. */
  load(ref: R, ctx: LoadContext): Promise<Dataset>;
  /** Loads the test split again for `evaluate`, prepared as recorded. */
  loadTest(ref: R, ctx: LoadContext, prepared: Prepared): Promise<{ split: DataSplit; source: string }>;
  /** Prepares new inputs for `predict`, as recorded. */
  predictor(ref: R, prepared: Prepared): Predictor;
}
