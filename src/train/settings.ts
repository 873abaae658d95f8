// A run's training settings: the spec's training section (every default filled in) with the
// command line's overrides on top, and the check that a settings record read back from a run
// folder is one that training can use, field by field, before anything starts.

import { datasetKind, datasetKinds } from '../data/registry.js';
import { refFieldsProblem } from '../data/ref-fields.js';
import type { OptimizerConfig, TrainingConfig } from '../types.js';
import { RunError } from './run-error.js';

/** What the command line may override for one run. */
export interface TrainingOverrides {
  epochs?: number;
  batchSize?: number;
  seed?: number;
}

/** The settings with the overrides applied; the spec's settings are not changed. */
export function applyOverrides(cfg: TrainingConfig, overrides: TrainingOverrides): TrainingConfig {
  return {
    ...cfg,
    ...(overrides.epochs !== undefined ? { epochs: overrides.epochs } : {}),
    ...(overrides.batchSize !== undefined ? { batchSize: overrides.batchSize } : {}),
    ...(overrides.seed !== undefined ? { seed: overrides.seed } : {}),
  };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

const OPTIMIZER_FIELDS: Record<OptimizerConfig['name'], readonly string[]> = {
  adam: ['beta1', 'beta2', 'epsilon'],
  sgd: ['momentum'],
  rmsprop: ['rho', 'momentum', 'epsilon'],
};
const LOSSES = new Set(['sparse_categorical_crossentropy', 'categorical_crossentropy']);
const METRICS = new Set(['accuracy', 'acc']);

/**
 * Why `dataset` is not a dataset reference, or undefined when it is: a mapping whose kind is
 * registered and which holds every field its kind declares (refFields), each of the declared sort.
 */
export function datasetProblem(dataset: unknown): string | undefined {
  if (!isObject(dataset)) return 'dataset must be a mapping';
  const kinds = datasetKinds();
  if (typeof dataset.kind !== 'string' || !kinds.includes(dataset.kind)) return `dataset.kind must be one of ${kinds.join(', ')}`;
  return refFieldsProblem(dataset, datasetKind(dataset.kind).refFields);
}

/** Why `cfg` is not usable training settings, or undefined when it is. */
export function trainingConfigProblem(cfg: unknown): string | undefined {
  if (!isObject(cfg)) return 'the training settings must be a mapping';
  const dataset = datasetProblem(cfg.dataset);
  if (dataset) return dataset;
  const optimizer = cfg.optimizer;
  if (!isObject(optimizer) || typeof optimizer.name !== 'string' || !(optimizer.name in OPTIMIZER_FIELDS)) {
    return `optimizer.name must be one of ${Object.keys(OPTIMIZER_FIELDS).join(', ')}`;
  }
  if (!isFiniteNumber(optimizer.learningRate) || optimizer.learningRate <= 0) return 'optimizer.learningRate must be a number above 0';
  for (const field of OPTIMIZER_FIELDS[optimizer.name as OptimizerConfig['name']]) {
    if (!isFiniteNumber(optimizer[field])) return `optimizer.${field} must be a finite number`;
  }
  if (optimizer.name === 'sgd' && typeof optimizer.nesterov !== 'boolean') return 'optimizer.nesterov must be true or false';
  if (typeof cfg.loss !== 'string' || !LOSSES.has(cfg.loss)) return `loss must be one of ${[...LOSSES].join(', ')}`;
  if (!Array.isArray(cfg.metrics) || !cfg.metrics.every((m) => typeof m === 'string' && METRICS.has(m))) {
    return 'metrics must be a list of accuracy only';
  }
  if (!isInt(cfg.batchSize, 1)) return `batchSize must be a whole number of at least 1, got ${String(cfg.batchSize)}`;
  if (!isInt(cfg.epochs, 1)) return `epochs must be a whole number of at least 1, got ${String(cfg.epochs)}`;
  if (!isFiniteNumber(cfg.validationSplit) || cfg.validationSplit < 0 || cfg.validationSplit >= 1) {
    return `validationSplit must be at least 0 and below 1, got ${String(cfg.validationSplit)}`;
  }
  if (!isInt(cfg.seed, 0)) return `seed must be a whole number of at least 0, got ${String(cfg.seed)}`;
  return controlsProblem(cfg);
}

const MONITORS = ['val_loss', 'val_accuracy', 'loss', 'accuracy'];
const MODES = ['auto', 'min', 'max'];
const isFraction = (v: unknown): boolean => isFiniteNumber(v) && v > 0 && v < 1;
const isAtLeast0 = (v: unknown): boolean => isFiniteNumber(v) && v >= 0;

/** The fields of each schedule kind and whether a value of each is acceptable. */
const SCHEDULE_FIELDS: Record<string, Record<string, (v: unknown) => boolean>> = {
  step: { every: (v) => isInt(v, 1), factor: isFraction },
  exponential: { decayRate: isFraction, decayEpochs: (v) => isInt(v, 1), staircase: (v) => typeof v === 'boolean' },
  cosine: {
    decayEpochs: (v) => v === null || isInt(v, 1),
    alpha: (v) => isAtLeast0(v) && (v as number) <= 1,
    warmupEpochs: (v) => isInt(v, 0),
    warmupStart: (v) => v === null || isAtLeast0(v),
  },
  reduce_on_plateau: {
    monitor: (v) => MONITORS.includes(v as string),
    mode: (v) => MODES.includes(v as string),
    factor: isFraction,
    patience: (v) => isInt(v, 0),
    minDelta: isAtLeast0,
    cooldown: (v) => isInt(v, 0),
    minLr: isAtLeast0,
  },
};

const EARLY_STOPPING_FIELDS: Record<string, (v: unknown) => boolean> = {
  monitor: (v) => MONITORS.includes(v as string),
  mode: (v) => MODES.includes(v as string),
  patience: (v) => isInt(v, 0),
  minDelta: isAtLeast0,
  restoreBestWeights: (v) => typeof v === 'boolean',
};

const AUGMENTATION_FIELDS: Record<string, (v: unknown) => boolean> = {
  shift: (v) => isAtLeast0(v) && (v as number) <= 1,
  rotation: (v) => isAtLeast0(v) && (v as number) <= 180,
  zoom: (v) => isAtLeast0(v) && (v as number) < 1,
  horizontalFlip: (v) => typeof v === 'boolean',
  verticalFlip: (v) => typeof v === 'boolean',
  fill: (v) => v === 'constant' || v === 'nearest',
};

function fieldsProblem(name: string, value: unknown, fields: Record<string, (v: unknown) => boolean>): string | undefined {
  if (!isObject(value)) return `${name} must be a mapping`;
  const bad = Object.entries(fields).find(([field, ok]) => !ok(value[field]));
  return bad ? `${name}.${bad[0]} has a value training cannot use (${JSON.stringify(value[bad[0]]) ?? 'missing'})` : undefined;
}

/** Why the training controls (all optional) are not usable, or undefined when they are. */
function controlsProblem(cfg: Json): string | undefined {
  if (cfg.schedule !== undefined) {
    const kind = isObject(cfg.schedule) ? cfg.schedule.kind : undefined;
    const fields = typeof kind === 'string' ? SCHEDULE_FIELDS[kind] : undefined;
    if (!fields) return `schedule.kind must be one of ${Object.keys(SCHEDULE_FIELDS).join(', ')}`;
    const problem = fieldsProblem('schedule', cfg.schedule, fields);
    if (problem) return problem;
  }
  if (cfg.earlyStopping !== undefined) {
    const problem = fieldsProblem('earlyStopping', cfg.earlyStopping, EARLY_STOPPING_FIELDS);
    if (problem) return problem;
  }
  if (cfg.augmentation !== undefined) {
    const problem = fieldsProblem('augmentation', cfg.augmentation, AUGMENTATION_FIELDS);
    if (problem) return problem;
  }
  const weights = cfg.classWeights;
  if (weights !== undefined && !(isObject(weights) && Object.values(weights).every((w) => isAtLeast0(w)))) {
    return 'classWeights must map classes to weights of 0 or more';
  }
  return undefined;
}

/**
 * `cfg` as TrainingConfig, or a RunError naming `where` (a file, or "the training settings")
 * and the field that is wrong.
 */
export function checkTrainingConfig(cfg: unknown, where: string): TrainingConfig {
  const problem = trainingConfigProblem(cfg);
  if (problem) throw new RunError(`${where}: ${problem}`);
  return cfg as TrainingConfig;
}
