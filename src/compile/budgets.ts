// Budgets: ceilings on a model's costs, written in the spec's `expect:` (max_mult_adds: 5e6)
// or given on the command line (--max-mult-adds 5e6). Each limits one figure of the summary.
// A model over one fails at compile time, at the budget's line (or, for a flag, at the layer),
// naming the layer that contributes most. This table drives the schema, the checks, the CLI
// flags and the reference, so a budget is added in one place.
import type { JsonSchema } from '../lib/json-schema.js';
import { formatShape, product } from '../shape.js';
import type { InferredLayer, InferredModel, SpecDiagnostic } from '../types.js';
import { count, MEGABYTE, megabytesBeside } from '../units.js';
import { BYTES_PER_VALUE } from './costs.js';
import { compareDiagnostics } from './diagnostics.js';
import { layerLabel } from './lower.js';

/** The budgets a caller may set besides the spec's, as the command line's flags set them. */
export interface BudgetLimits {
  maxMultAdds?: number;
  maxParamsMb?: number;
  maxForwardMb?: number;
  maxActivationsMb?: number;
  maxTrainingMb?: number;
}

/** The layer a figure owes most to, and how much: a plain-words phrase for the message. */
interface Contributor {
  layer: InferredLayer;
  words: string;
}

export interface Budget {
  /** The key under `expect:`. */
  key: string;
  /** The same budget from the command line (the spec's max_params has --max-params, checked as a safety limit). */
  limit?: keyof BudgetLimits;
  flag?: string;
  /** The summary line it limits. */
  figure: string;
  /** What it counts, completing "more ... than this" in the flag's help. */
  what: string;
  unit: 'count' | 'MB';
  schema: JsonSchema;
  /** The model's figure: a count, or bytes. */
  measure(model: InferredModel): number;
  /** "needs 2,794,240 multiply-adds per sample", from the figure in words. */
  needs(model: InferredModel, amount: string): string;
  top(model: InferredModel): Contributor | undefined;
  /** What to do, after "; ". */
  advice: string;
}

const percent = (part: number, whole: number): string => `${Math.round((100 * part) / Math.max(whole, 1))}%`;
const mb = (bytes: number): string => `${megabytesBeside(bytes, 0)} MB`;
const where = (l: InferredLayer): string => `${layerLabel(l.node)} at line ${l.node.loc.line}`;
const paramsOf = (l: InferredLayer): number => l.params.trainable + l.params.nonTrainable;

/** The layer with the largest share of a figure, worded with its share and the percentage of the figure it is. */
function largestShare(model: InferredModel, share: (l: InferredLayer) => number, show: (n: number) => string, total: number): Contributor | undefined {
  let best: InferredLayer | undefined;
  for (const l of model.layers) if (best === undefined || share(l) > share(best)) best = l;
  if (!best || share(best) <= 0) return undefined;
  return { layer: best, words: `the layer that contributes most is ${where(best)}, with ${show(share(best))} (${percent(share(best), total)})` };
}

/** Bytes a layer adds to training memory: its weights, their gradients and optimizer slots, and a batch of its kept activations. */
function trainingShare(model: InferredModel, l: InferredLayer): number {
  const { optimizer, batchSize } = model.costs;
  return (paramsOf(l) + l.params.trainable * (1 + optimizer.slotsPerWeight)) * BYTES_PER_VALUE + batchSize * l.keptBytes;
}

const megabytesSchema = (title: string, description: string, example: number): JsonSchema => ({
  title,
  description: `${description} In megabytes of 10^6 bytes; greater than 0.`,
  type: 'number',
  exclusiveMinimum: 0,
  examples: [example],
});

const SHRINK = 'shrink that layer (fewer filters or units; global pooling instead of flatten before a dense layer) or raise the budget';
const DOWNSAMPLE = 'downsample sooner (strides or pooling before that layer) or give it fewer filters, or raise the budget';

export const BUDGETS: readonly Budget[] = [
  {
    key: 'max_params',
    figure: 'Total params',
    what: 'parameters',
    unit: 'count',
    schema: {
      title: 'the most parameters',
      description: 'The most parameters the model may have, trainable and non-trainable together (Total params).',
      type: 'integer',
      minimum: 0,
      examples: [100000],
    },
    measure: (m) => m.totals.trainable + m.totals.nonTrainable,
    needs: (_m, n) => `has ${n} parameters`,
    top: (m) => largestShare(m, paramsOf, count, m.totals.trainable + m.totals.nonTrainable),
    advice: SHRINK,
  },
  {
    key: 'max_mult_adds',
    limit: 'maxMultAdds',
    flag: '--max-mult-adds',
    figure: 'Total mult-adds',
    what: 'multiply-adds per sample',
    unit: 'count',
    schema: {
      title: 'the most multiply-adds per sample',
      description: "The most multiply-adds one sample's forward pass may take (Total mult-adds). Write large numbers as 5e6 or 5000000.",
      type: 'number',
      minimum: 0,
      examples: [5e6],
    },
    measure: (m) => m.costs.multAdds,
    needs: (_m, n) => `needs ${n} multiply-adds per sample`,
    top: (m) => largestShare(m, (l) => l.multAdds, count, m.costs.multAdds),
    advice: 'make that layer cheaper (fewer filters, a stride or pooling before it, or separable_conv2d) or raise the budget',
  },
  {
    key: 'max_params_mb',
    limit: 'maxParamsMb',
    flag: '--max-params-mb',
    figure: 'Params size',
    what: 'megabytes of weights',
    unit: 'MB',
    schema: megabytesSchema('the most weight memory', 'The most memory the weights may take, as float32 (Params size).', 1),
    measure: (m) => m.costs.paramsBytes,
    needs: (_m, n) => `has ${n} of weights`,
    top: (m) => largestShare(m, (l) => paramsOf(l) * BYTES_PER_VALUE, mb, m.costs.paramsBytes),
    advice: SHRINK,
  },
  {
    key: 'max_forward_mb',
    limit: 'maxForwardMb',
    flag: '--max-forward-mb',
    figure: 'Forward pass size',
    what: 'megabytes of activations at once to infer one sample',
    unit: 'MB',
    schema: megabytesSchema('the most inference memory per sample', 'The most activation memory inferring one sample may hold at once (Forward pass size).', 1),
    measure: (m) => m.costs.forwardBytes,
    needs: (_m, n) => `holds up to ${n} of activations at once to infer one sample`,
    top: (m) => {
      const { during, largest, scratch } = m.costs.forwardPeak;
      const running = m.layers.find((l) => l.node.id === during);
      const biggest = m.layers.find((l) => l.node.id === largest);
      if (!running || !biggest) return undefined;
      const peak = `it peaks while ${where(running)} runs`;
      if (scratch) return { layer: running, words: `${peak}, and its own intermediate result is the largest tensor alive then` };
      const tensor = `${formatShape(biggest.outputShape)}, ${mb(product(biggest.outputShape) * BYTES_PER_VALUE)}`;
      const words =
        running === biggest
          ? `${peak}, and its output is the largest tensor alive then: ${tensor}`
          : `${peak}; the largest tensor alive then is the output of ${where(biggest)}: ${tensor}`;
      return { layer: biggest, words };
    },
    advice: DOWNSAMPLE,
  },
  {
    key: 'max_activations_mb',
    limit: 'maxActivationsMb',
    flag: '--max-activations-mb',
    figure: 'Forward/backward pass size',
    what: 'megabytes of activations kept per sample for backprop',
    unit: 'MB',
    schema: megabytesSchema(
      'the most training activation memory per sample',
      'The most activation memory backprop may keep for one sample (Forward/backward pass size).',
      1,
    ),
    measure: (m) => m.costs.keptBytes,
    needs: (_m, n) => `keeps ${n} of activations per sample for backprop`,
    top: (m) => largestShare(m, (l) => l.keptBytes, mb, m.costs.keptBytes),
    advice: DOWNSAMPLE,
  },
  {
    key: 'max_training_mb',
    limit: 'maxTrainingMb',
    flag: '--max-training-mb',
    figure: 'Training memory',
    what: "megabytes to train at the spec's batch size",
    unit: 'MB',
    schema: megabytesSchema(
      'the most training memory',
      "The most memory training may take at the spec's batch size: weights, gradients, optimizer state, and the batch's inputs and kept activations (Training memory).",
      100,
    ),
    measure: (m) => m.costs.trainingBytes,
    needs: (m, n) => `needs ${n} to train at batch ${m.costs.batchSize}`,
    top: (m) => largestShare(m, (l) => trainingShare(m, l), mb, m.costs.trainingBytes),
    advice: 'train with a smaller batch (training.batch_size, or --batch-size), downsample sooner or shrink that layer, or raise the budget',
  },
];

/** Budget names from other tools, and which of ours each one means: for the "unknown key" message. */
export const BUDGET_LOOKALIKES: Readonly<Record<string, string>> = {
  max_flops: 'FLOPs count each multiply-add as two operations; budget them as max_mult_adds, half the FLOPs',
  max_macs: 'multiply-accumulates are what netspec calls mult-adds; use max_mult_adds',
  max_memory_mb:
    'say which memory: max_params_mb (weights), max_forward_mb (inference, per sample), max_activations_mb ' +
    '(kept for backprop, per sample) or max_training_mb (training at the batch size)',
  max_activations:
    'activations are budgeted in megabytes: max_activations_mb (kept for backprop, per sample) or max_forward_mb ' +
    '(inference, per sample); --max-activations limits the values one layer outputs',
};

type At = (path: string, message: string) => SpecDiagnostic;

/** Every budget the model exceeds: the spec's at their own lines, the caller's at the layer that contributes most. */
export function checkBudgets(model: InferredModel, spec: Readonly<Record<string, unknown>>, limits: BudgetLimits, at: At): SpecDiagnostic[] {
  const found: SpecDiagnostic[] = [];
  for (const budget of BUDGETS) {
    const ceilings: Array<{ value: number; source: string; path?: string }> = [];
    const written = spec[budget.key];
    if (typeof written === 'number') ceilings.push({ value: written, source: `expect.${budget.key}`, path: `/expect/${budget.key}` });
    const given = budget.limit ? limits[budget.limit] : undefined;
    if (given !== undefined) ceilings.push({ value: given, source: budget.flag! });
    if (!ceilings.length) continue;
    const amount = budget.measure(model);
    const top = budget.top(model);
    for (const { value, source, path } of ceilings) {
      const ceiling = budget.unit === 'MB' ? value * MEGABYTE : value;
      if (amount <= ceiling) continue;
      const [shown, limit] = budget.unit === 'MB' ? [`${megabytesBeside(amount, ceiling)} MB`, `${value} MB`] : [count(amount), count(value)];
      const message =
        `the model ${budget.needs(model, shown)} (the summary's ${budget.figure}), over the budget of ${limit} ` +
        `${path ? `in ${source}` : `set by ${source}`}${top ? `; ${top.words}` : ''}; ${budget.advice}`;
      found.push(at(path ?? top?.layer.node.path ?? '/layers', message));
    }
  }
  return found.sort(compareDiagnostics);
}
