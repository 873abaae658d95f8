// The training controls as Python, shared by the Keras and PyTorch programs: the schedule's
// rate per epoch as a function (the same formula netspec applies, schedules.ts), the class
// weights as one weight per class, and the plateau and early-stopping settings as keywords.
import { pyNumber, pyString } from '../lib/py-literal.js';
import type { LearningRateSchedule, TrainingConfig } from '../types.js';

const n = pyNumber;

/**
 * `def scheduled_rate(epoch, epochs):` for a schedule with a formula (not plateau), epoch
 * 0-based; undefined when there is none.
 */
export function scheduleFunction(training: TrainingConfig): string | undefined {
  const s = training.schedule;
  const lr = training.optimizer.learningRate;
  if (!s || s.kind === 'reduce_on_plateau') return undefined;
  const head = (doc: string): string[] => ['def scheduled_rate(epoch, epochs):', `    """${doc} (epoch counts from 0)."""`];
  switch (s.kind) {
    case 'step':
      return [
        ...head(`The learning rate of an epoch: x ${n(s.factor)} every ${n(s.every)} epoch(s)`),
        `    return ${n(lr)} * ${n(s.factor)} ** (epoch // ${n(s.every)})`,
      ].join('\n');
    case 'exponential':
      return [
        ...head("The learning rate of an epoch: Keras's ExponentialDecay with steps read as epochs"),
        `    return ${n(lr)} * ${n(s.decayRate)} ** (epoch ${s.staircase ? '//' : '/'} ${n(s.decayEpochs)})`,
      ].join('\n');
    case 'cosine': {
      const start = s.warmupStart ?? lr / (s.warmupEpochs + 1);
      return [
        ...head("The learning rate of an epoch: Keras's CosineDecay with warmup, steps read as epochs"),
        ...(s.warmupEpochs > 0
          ? [`    if epoch < ${n(s.warmupEpochs)}:`, `        return ${n(start)} + (${n(lr)} - ${n(start)}) * epoch / ${n(s.warmupEpochs)}`]
          : []),
        `    decay = ${s.decayEpochs === null ? `max(1, epochs - ${n(s.warmupEpochs)})` : n(s.decayEpochs)}`,
        `    done = min(epoch - ${n(s.warmupEpochs)}, decay)`,
        `    return ${n(lr)} * ((1 - ${n(s.alpha)}) * 0.5 * (1 + math.cos(math.pi * done / decay)) + ${n(s.alpha)})`,
      ].join('\n');
    }
  }
}

type Plateau = Extract<LearningRateSchedule, { kind: 'reduce_on_plateau' }>;

/** 'min' or 'max' as Keras's mode 'auto' decides it for a metric. */
export function monitorMode(monitor: string, mode: string): 'min' | 'max' {
  return mode === 'max' || (mode === 'auto' && monitor.endsWith('accuracy')) ? 'max' : 'min';
}

/** The plateau schedule's settings, or undefined. */
export function plateauSettings(training: TrainingConfig): Plateau | undefined {
  return training.schedule?.kind === 'reduce_on_plateau' ? training.schedule : undefined;
}

/**
 * The class weights as one weight per class, or undefined without any. Keys that are class
 * names resolve when the spec lists its classes (or the data is MNIST); `unresolved` lists those
 * that do not, which the programs then say they ignore.
 */
export function classWeightList(training: TrainingConfig, classes: number): { weights: number[]; unresolved: string[] } | undefined {
  if (!training.classWeights) return undefined;
  const declared = (training.dataset as { classes?: unknown }).classes;
  const names = Array.isArray(declared) ? (declared as string[]) : [];
  const weights = new Array<number>(classes).fill(1);
  const unresolved: string[] = [];
  for (const [key, weight] of Object.entries(training.classWeights)) {
    const index = /^\d+$/.test(key) ? Number(key) : names.indexOf(key);
    if (index >= 0 && index < classes) weights[index] = weight;
    else unresolved.push(key);
  }
  return { weights, unresolved };
}

/** What a program does not apply, as one sentence for its comment and its run-time note. */
export function notApplied(training: TrainingConfig, what: { augmentation: boolean }, unresolved: readonly string[]): string[] {
  const notes: string[] = [];
  if (training.augmentation && !what.augmentation) {
    notes.push("the spec's image augmentation is not applied by this program (netspec train applies it)");
  }
  if (unresolved.length > 0) {
    notes.push(
      `class_weights names ${unresolved.map((u) => pyString(u)).join(', ')}, which this program cannot match to class numbers; those weights are not applied`,
    );
  }
  return notes;
}
