// The run charts: learning curves and the confusion matrix, described in Vega-Lite and
// rendered to SVG right here in Node (renderer 'none' + toSVG), so the report embeds finished
// pictures and needs no JavaScript, no network and no browser to display them.
import type { TopLevelSpec } from 'vega-lite';
import type { EpochMetrics } from '../train/metrics.js';
import { FONT } from './architecture.js';

const TRAIN_COLOUR = '#2563eb';
const VAL_COLOUR = '#ea580c';
const LR_COLOUR = '#059669';
const KEPT_COLOUR = '#64748b';

/** Shared look: the report's fonts and greys, no chart border. */
const CONFIG = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: null },
  axis: {
    labelColor: '#475569',
    titleColor: '#334155',
    gridColor: '#e2e8f0',
    domainColor: '#94a3b8',
    tickColor: '#94a3b8',
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 500,
  },
  legend: { labelColor: '#334155', titleColor: '#334155', labelFontSize: 12, orient: 'bottom', direction: 'horizontal' },
  title: { color: '#0f172a', fontSize: 14, fontWeight: 600, anchor: 'start' },
} as const;

interface CurvePoint {
  epoch: number;
  metric: 'loss' | 'accuracy';
  split: 'training' | 'validation';
  value: number;
}

/** Long format, one row per (epoch, metric, split); missing validation values are left out. */
export function curveRows(epochs: readonly EpochMetrics[]): CurvePoint[] {
  const rows: CurvePoint[] = [];
  for (const m of epochs) {
    const add = (metric: CurvePoint['metric'], split: CurvePoint['split'], value: number | null): void => {
      if (value !== null && Number.isFinite(value)) rows.push({ epoch: m.epoch, metric, split, value });
    };
    add('loss', 'training', m.loss);
    add('loss', 'validation', m.val_loss);
    add('accuracy', 'training', m.accuracy);
    add('accuracy', 'validation', m.val_accuracy);
  }
  return rows;
}

/** Vega-Lite's own types for one panel of a concat and one layer of a layered chart. */
type ConcatItem = Extract<TopLevelSpec, { hconcat: unknown }>['hconcat'][number];
type LayerItem = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

const EPOCH_AXIS = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' }, scale: { nice: false } } as const;

/** A dashed vertical line at the epoch whose weights the run kept, labelled. */
function keptRule(epoch: number): LayerItem[] {
  const data = { values: [{ epoch, label: `kept: epoch ${epoch}` }] };
  return [
    { data, mark: { type: 'rule', strokeDash: [5, 4], strokeWidth: 1.5, color: KEPT_COLOUR }, encoding: { x: { field: 'epoch', type: 'quantitative' } } },
    {
      data,
      mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, y: 4, fontSize: 11, color: KEPT_COLOUR },
      encoding: { x: { field: 'epoch', type: 'quantitative' }, text: { field: 'label' } },
    },
  ];
}

function curvePanel(metric: CurvePoint['metric'], width: number, keptEpoch?: number): ConcatItem {
  const isAcc = metric === 'accuracy';
  const line: LayerItem = {
    transform: [{ filter: { field: 'metric', equal: metric } }],
    mark: { type: 'line', point: { filled: true, size: 45 }, strokeWidth: 2.5 },
    encoding: {
      x: EPOCH_AXIS,
      y: {
        field: 'value',
        type: 'quantitative',
        title: isAcc ? 'accuracy' : 'loss',
        scale: { zero: false },
        axis: isAcc ? { format: '.1~%' } : { format: '.3~f' },
      },
      color: {
        field: 'split',
        type: 'nominal',
        title: null,
        scale: { domain: ['training', 'validation'], range: [TRAIN_COLOUR, VAL_COLOUR] },
      },
      tooltip: [{ field: 'epoch' }, { field: 'split' }, { field: 'value', format: '.4f' }],
    },
  };
  return { title: isAcc ? 'Accuracy' : 'Loss', width, height: 240, layer: [line, ...(keptEpoch !== undefined ? keptRule(keptEpoch) : [])] };
}

/** The learning rate of each epoch, on a log scale when it spans more than a factor of 20. */
function ratePanel(epochs: readonly EpochMetrics[], width: number): ConcatItem {
  const rates = epochs.flatMap((m) => (m.learning_rate !== undefined && m.learning_rate > 0 ? [{ epoch: m.epoch, learning_rate: m.learning_rate }] : []));
  const spread = Math.max(...rates.map((r) => r.learning_rate)) / Math.min(...rates.map((r) => r.learning_rate));
  return {
    title: 'Learning rate',
    width,
    height: 240,
    data: { values: rates },
    mark: { type: 'line', point: { filled: true, size: 45 }, strokeWidth: 2.5, color: LR_COLOUR, interpolate: 'step-after' },
    encoding: {
      x: EPOCH_AXIS,
      y: {
        field: 'learning_rate',
        type: 'quantitative',
        title: 'learning rate',
        scale: spread > 20 ? { type: 'log' } : { zero: true },
        axis: { format: '~g' },
      },
      tooltip: [{ field: 'epoch' }, { field: 'learning_rate', format: '.3~e' }],
    },
  };
}

/**
 * Loss and accuracy per epoch, training and validation; the learning rate per epoch when the
 * run recorded it; and a marker at `keptEpoch`, the epoch early stopping kept.
 */
export function curvesSpec(epochs: readonly EpochMetrics[], keptEpoch?: number): TopLevelSpec {
  const withRate = epochs.some((m) => m.learning_rate !== undefined && m.learning_rate > 0);
  const width = withRate ? 320 : 470;
  return {
    config: CONFIG,
    data: { values: curveRows(epochs) },
    hconcat: [curvePanel('loss', width, keptEpoch), curvePanel('accuracy', width, keptEpoch), ...(withRate ? [ratePanel(epochs, width)] : [])],
    spacing: 36,
    resolve: { scale: { color: 'shared' } },
  };
}

/**
 * confusion[actual][predicted] as rows, with each row's share so the colour reads as recall.
 * Classes are named by `classNames` (numbered where a name is missing).
 */
export function confusionRows(
  confusion: readonly (readonly number[])[],
  classNames: readonly string[] = [],
): { actual: string; predicted: string; count: number; share: number }[] {
  const name = (i: number): string => classNames[i] ?? String(i);
  return confusion.flatMap((row, actual) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, predicted) => ({ actual: name(actual), predicted: name(predicted), count, share: total ? count / total : 0 }));
  });
}

export function confusionSpec(confusion: readonly (readonly number[])[], classNames: readonly string[] = []): TopLevelSpec {
  const classes = confusion.length;
  const cell = classes <= 12 ? 34 : Math.max(12, Math.floor(408 / classes));
  const domain = Array.from({ length: classes }, (_, i) => classNames[i] ?? String(i));
  // Names longer than a cell is wide are slanted so that neighbours do not overlap.
  const slanted = domain.some((n) => n.length * 6 > cell);
  const axis = (title: string, angle: number) => ({
    field: title,
    type: 'ordinal' as const,
    title,
    scale: { domain },
    axis: { labelAngle: angle, labelLimit: 120 },
  });
  const counts: LayerItem = {
    mark: { type: 'text', fontSize: classes <= 12 ? 11 : 8 },
    encoding: {
      text: { field: 'count', type: 'quantitative', format: 'd' },
      color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: '#1e293b' },
    },
  };
  return {
    config: CONFIG,
    data: { values: confusionRows(confusion, classNames) },
    width: cell * classes,
    height: cell * classes,
    encoding: { x: axis('predicted', slanted ? -45 : 0), y: axis('actual', 0) },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          // sqrt: the diagonal holds ~98% of each row; a linear scale would paint every mistake white.
          color: {
            field: 'share',
            type: 'quantitative',
            title: 'share of row',
            scale: { type: 'sqrt', domain: [0, 1], range: ['#f8fafc', '#1d4ed8'] },
            legend: { format: '.0%', orient: 'right', direction: 'vertical', gradientLength: cell * classes - 40 },
          },
          tooltip: [{ field: 'actual' }, { field: 'predicted' }, { field: 'count' }, { field: 'share', format: '.1%' }],
        },
      },
      // Numbers stop being readable past ~20 classes; the colour alone tells the story then.
      ...(classes <= 20 ? [counts] : []),
    ],
  };
}

/**
 * Vega names its defs clip1, gradient_0, ... from process-wide counters, so two charts inlined
 * in one page could point at each other's defs, and the same chart rendered twice would differ
 * byte for byte. Renumbering every id in order of appearance, under a per-chart prefix, fixes
 * both: ids are unique per page and the SVG is deterministic.
 */
export function namespaceIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\bid="([^"]+)"/g)) if (!ids.has(m[1]!)) ids.set(m[1]!, `${prefix}-${ids.size + 1}`);
  const rename = (id: string): string => ids.get(id) ?? id;
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${rename(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${rename(id)})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${rename(id)}"`);
}

/** Compiles Vega-Lite to Vega and renders it headlessly to an SVG string. */
export async function renderVegaLite(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  // Loaded on demand: `compile` and the spec-only report never pay for Vega's start-up.
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return namespaceIds(await view.toSVG(), idPrefix);
  } finally {
    view.finalize();
  }
}
