// The training controls after validation: lowering (defaults from the schema, camelCase) and
// the rules between values that the schema cannot state, each reported at the key it concerns:
// a monitored validation metric needs a validation split, a schedule must be able to move the
// optimizer's rate, augmentation needs an image input, class weights must name classes.
import type { JsonSchema } from '../lib/json-schema.js';
import type { AugmentationConfig, EarlyStoppingConfig, LearningRateSchedule, ModelIR, Shape, TrainingConfig } from '../types.js';
import { withDefaults } from './defaults.js';
import { didYouMean } from './diagnostics.js';
import { TRAINING_CONTROL_DEFINITIONS, TRAINING_CONTROL_PROPERTIES } from './training-controls-schema.js';

type Doc = Record<string, unknown>;

const keysOf = (schema: JsonSchema | undefined): Record<string, JsonSchema> => schema?.properties ?? {};
const SCHEDULE_SCHEMAS: Record<string, JsonSchema | undefined> = {
  step: TRAINING_CONTROL_DEFINITIONS.stepSchedule,
  exponential: TRAINING_CONTROL_DEFINITIONS.exponentialSchedule,
  cosine: TRAINING_CONTROL_DEFINITIONS.cosineSchedule,
  reduce_on_plateau: TRAINING_CONTROL_DEFINITIONS.plateauSchedule,
};

/** The controls a training section states, lowered; absent keys stay absent. */
export function lowerTrainingControls(t: Doc): Pick<TrainingConfig, 'schedule' | 'earlyStopping' | 'augmentation' | 'classWeights'> {
  const out: Pick<TrainingConfig, 'schedule' | 'earlyStopping' | 'augmentation' | 'classWeights'> = {};
  if (t.learning_rate_schedule !== undefined) out.schedule = lowerSchedule(t.learning_rate_schedule as Doc);
  if (t.early_stopping !== undefined) {
    const e = withDefaults(keysOf(TRAINING_CONTROL_PROPERTIES.early_stopping), t.early_stopping as Doc);
    out.earlyStopping = {
      monitor: e.monitor,
      mode: e.mode,
      patience: e.patience,
      minDelta: e.min_delta,
      restoreBestWeights: e.restore_best_weights,
    } as EarlyStoppingConfig;
  }
  if (t.augmentation !== undefined) {
    const a = withDefaults(keysOf(TRAINING_CONTROL_PROPERTIES.augmentation), t.augmentation as Doc);
    out.augmentation = {
      shift: a.shift,
      rotation: a.rotation,
      zoom: a.zoom,
      horizontalFlip: a.horizontal_flip,
      verticalFlip: a.vertical_flip,
      fill: a.fill,
    } as AugmentationConfig;
  }
  if (t.class_weights !== undefined) out.classWeights = { ...(t.class_weights as Record<string, number>) };
  return out;
}

function lowerSchedule(raw: Doc): LearningRateSchedule {
  const s = withDefaults(keysOf(SCHEDULE_SCHEMAS[raw.kind as string]), raw);
  switch (s.kind) {
    case 'step':
      return { kind: 'step', every: s.every as number, factor: s.factor as number };
    case 'exponential':
      return { kind: 'exponential', decayRate: s.decay_rate as number, decayEpochs: s.decay_epochs as number, staircase: s.staircase as boolean };
    case 'cosine':
      return {
        kind: 'cosine',
        decayEpochs: (s.decay_epochs as number | undefined) ?? null,
        alpha: s.alpha as number,
        warmupEpochs: s.warmup_epochs as number,
        warmupStart: (s.warmup_start as number | undefined) ?? null,
      };
    default:
      return {
        kind: 'reduce_on_plateau',
        monitor: s.monitor,
        mode: s.mode,
        factor: s.factor,
        patience: s.patience,
        minDelta: s.min_delta,
        cooldown: s.cooldown,
        minLr: s.min_lr,
      } as LearningRateSchedule;
  }
}

/** A rule broken: the spec path of the key and the message. */
export interface ControlProblem {
  path: string;
  message: string;
}

/**
 * Rules between the controls, the optimizer, the validation split and the model: `classes` is
 * the model's number of output classes, `classNames` the dataset's when known before loading it.
 */
export function checkTrainingControls(ir: Pick<ModelIR, 'training' | 'inputShape'>, classes: number, classNames?: readonly string[]): ControlProblem[] {
  const t = ir.training;
  if (!t) return [];
  const problems: ControlProblem[] = [];
  const lr = t.optimizer.learningRate;
  const noValidation = (monitor: string): string =>
    `${monitor}, which is measured on the validation data, but validation_split is 0, so there is none; ` +
    'set validation_split above 0 (e.g. 0.1), or monitor loss or accuracy';
  const s = t.schedule;
  const at = '/training/learning_rate_schedule';
  if (s?.kind === 'reduce_on_plateau') {
    if (s.monitor.startsWith('val_') && t.validationSplit === 0)
      problems.push({ path: `${at}/monitor`, message: `the schedule watches ${noValidation(s.monitor)}` });
    if (s.minLr >= lr) {
      problems.push({
        path: `${at}/min_lr`,
        message:
          `min_lr ${s.minLr} is not below the ${t.optimizer.name} optimizer's learning_rate ${lr}, so the schedule could never reduce it; ` +
          'lower min_lr or raise learning_rate',
      });
    }
  }
  if (s?.kind === 'cosine') {
    if (s.warmupStart !== null && s.warmupEpochs === 0) {
      problems.push({
        path: `${at}/warmup_start`,
        message: 'warmup_start is set but warmup_epochs is 0, so there is no warmup; set warmup_epochs, or remove warmup_start',
      });
    }
    if (s.warmupStart !== null && s.warmupStart > lr) {
      problems.push({
        path: `${at}/warmup_start`,
        message:
          `warmup_start ${s.warmupStart} is above the ${t.optimizer.name} optimizer's learning_rate ${lr}, which the warmup climbs to; ` +
          'warmup_start must be at most learning_rate',
      });
    }
    if (s.warmupEpochs >= t.epochs) {
      problems.push({
        path: `${at}/warmup_epochs`,
        message: `warmup_epochs ${s.warmupEpochs} leaves none of the ${t.epochs} epochs for the cosine decay; use fewer warmup epochs or more epochs`,
      });
    }
  }
  const e = t.earlyStopping;
  if (e?.monitor.startsWith('val_') && t.validationSplit === 0) {
    problems.push({ path: '/training/early_stopping/monitor', message: `early stopping watches ${noValidation(e.monitor)}` });
  }
  if (t.augmentation) problems.push(...augmentationProblems(t.augmentation, ir.inputShape));
  if (t.classWeights) problems.push(...classWeightProblems(t.classWeights, classes, classNames));
  return problems;
}

function augmentationProblems(a: AugmentationConfig, input: Shape): ControlProblem[] {
  if (input.length !== 3) {
    return [
      {
        path: '/training/augmentation',
        message:
          `augmentation shifts, rotates and flips images, but the model's input ${JSON.stringify(input)} is not an image ` +
          '(height, width, channels); remove augmentation',
      },
    ];
  }
  const active = a.shift > 0 || a.rotation > 0 || a.zoom > 0 || a.horizontalFlip || a.verticalFlip;
  return active
    ? []
    : [
        {
          path: '/training/augmentation',
          message: 'augmentation changes nothing: shift, rotation and zoom are 0 and both flips are off; set one of them, or remove augmentation',
        },
      ];
}

function classWeightProblems(weights: Record<string, number>, classes: number, names?: readonly string[]): ControlProblem[] {
  const problems: ControlProblem[] = [];
  for (const key of Object.keys(weights)) {
    const path = `/training/class_weights/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (/^\d+$/.test(key)) {
      if (Number(key) >= classes) {
        problems.push({ path, message: `class ${key} does not exist: the model's output has ${classes} classes, numbered 0 to ${classes - 1}` });
      }
    } else if (names && !names.includes(key)) {
      const near = didYouMean(key, [...names]);
      problems.push({ path, message: `'${key}' is not a class of the dataset${near ? `; did you mean '${near}'?` : `; its classes are ${names.join(', ')}`}` });
    }
  }
  return problems;
}

/**
 * The weight of each class number, for a dataset whose classes are `names` (one per output):
 * a key is a class number or a class name. Throws a plain message naming a key that is neither.
 */
export function classWeightVector(weights: Record<string, number>, names: readonly string[], classes: number): Float32Array {
  const vector = new Float32Array(classes).fill(1);
  for (const [key, weight] of Object.entries(weights)) {
    const index = /^\d+$/.test(key) ? Number(key) : names.indexOf(key);
    if (index < 0 || index >= classes) {
      const near = didYouMean(key, [...names]);
      throw new Error(
        `class_weights names '${key}', which is not a class of the data (${names.length} classes: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''})` +
          (near ? `; did you mean '${near}'?` : ''),
      );
    }
    vector[index] = weight;
  }
  return vector;
}
