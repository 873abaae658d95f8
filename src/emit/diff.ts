// Emitter: two compiled models side by side, as `netspec diff A B` prints them. Layers are
// matched by name (give layers names to follow them across insertions: automatic names such
// as conv2d_1 shift when a layer is added before them) and listed in the order of the two
// summaries; each row says what changed: type, wiring, shape, parameters, multiply-adds and the
// activation memory the layer keeps for training. The totals compare every figure of the
// summary's footer.
import { formatShape } from '../shape.js';
import type { InferredLayer, InferredModel } from '../types.js';
import { count, megabytes, scaledCount } from '../units.js';
import { MODEL_INPUT } from '../compile/spec-schema.js';

export type LayerStatus = 'same' | 'changed' | 'added' | 'removed';

export interface LayerDiff {
  name: string;
  status: LayerStatus;
  a?: InferredLayer;
  b?: InferredLayer;
  /** What changed, in words ("shape", "+18,496 params"); empty when nothing did. */
  changes: string[];
}

export interface TotalDiff {
  label: string;
  unit: 'count' | 'MB';
  a: number;
  b: number;
}

export interface ModelDiff {
  a: InferredModel;
  b: InferredModel;
  layers: LayerDiff[];
  totals: TotalDiff[];
}

/** The longest common subsequence of two name lists, as index pairs. */
function commonOrder(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  const lengths = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i]![j] = a[i] === b[j] ? lengths[i + 1]![j + 1]! + 1 : Math.max(lengths[i + 1]![j]!, lengths[i]![j + 1]!);
    }
  }
  const pairs: Array<[number, number]> = [];
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    if (a[i] === b[j]) pairs.push([i++, j++]);
    else if (lengths[i + 1]![j]! >= lengths[i]![j + 1]!) i++;
    else j++;
  }
  return pairs;
}

const signed = (n: number, show: (v: number) => string): string => (n > 0 ? `+${show(n)}` : n < 0 ? `-${show(-n)}` : show(0));
const shortCount = (n: number): string => {
  const { unit, text } = scaledCount(n);
  return `${text}${unit}`;
};

function readsOf(model: InferredModel, layer: InferredLayer): string[] {
  return layer.node.inputs.map((id) => (id === MODEL_INPUT ? MODEL_INPUT : (model.layers.find((l) => l.node.id === id)?.node.name ?? id)));
}

function layerChanges(a: InferredModel, b: InferredModel, la: InferredLayer, lb: InferredLayer): string[] {
  const changes: string[] = [];
  if (la.typeName !== lb.typeName) changes.push(`type ${la.typeName} → ${lb.typeName}`);
  const [ra, rb] = [readsOf(a, la), readsOf(b, lb)];
  if (ra.join() !== rb.join()) changes.push(`reads ${rb.join(', ')} (was ${ra.join(', ')})`);
  if (formatShape(la.outputShape) !== formatShape(lb.outputShape)) changes.push('shape');
  const params = (l: InferredLayer): number => l.params.trainable + l.params.nonTrainable;
  if (params(la) !== params(lb)) changes.push(`${signed(params(lb) - params(la), count)} params`);
  if (la.multAdds !== lb.multAdds) changes.push(`${signed(lb.multAdds - la.multAdds, shortCount)} mult-adds`);
  if (la.keptBytes !== lb.keptBytes) changes.push(`${signed(lb.keptBytes - la.keptBytes, megabytes)} MB kept`);
  return changes;
}

export function diffModels(a: InferredModel, b: InferredModel): ModelDiff {
  const namesA = a.layers.map((l) => l.node.name);
  const namesB = b.layers.map((l) => l.node.name);
  const inB = new Map(b.layers.map((l) => [l.node.name, l]));
  const inA = new Map(a.layers.map((l) => [l.node.name, l]));
  const pairs = commonOrder(namesA, namesB);
  const rows: LayerDiff[] = [];
  const matched = (la: InferredLayer, lb: InferredLayer): LayerDiff => {
    const changes = layerChanges(a, b, la, lb);
    return { name: lb.node.name, status: changes.length ? 'changed' : 'same', a: la, b: lb, changes };
  };
  let i = 0;
  let j = 0;
  for (const [pi, pj] of [...pairs, [namesA.length, namesB.length] as [number, number]]) {
    // Before the next common layer: A's layers that B lacks, then B's own (a layer both have
    // but in another order is shown where B has it).
    for (; i < pi; i++) if (!inB.has(namesA[i]!)) rows.push({ name: namesA[i]!, status: 'removed', a: a.layers[i]!, changes: [] });
    for (; j < pj; j++) {
      const lb = b.layers[j]!;
      const la = inA.get(lb.node.name);
      rows.push(
        la
          ? { ...matched(la, lb), changes: ['moved', ...layerChanges(a, b, la, lb)], status: 'changed' }
          : { name: lb.node.name, status: 'added', b: lb, changes: [] },
      );
    }
    if (pi < namesA.length) rows.push(matched(a.layers[pi]!, b.layers[pj]!));
    i = pi + 1;
    j = pj + 1;
  }
  return { a, b, layers: rows, totals: totalsOf(a, b) };
}

function totalsOf(a: InferredModel, b: InferredModel): TotalDiff[] {
  const figures: Array<[string, 'count' | 'MB', (m: InferredModel) => number]> = [
    ['Total params', 'count', (m) => m.totals.trainable + m.totals.nonTrainable],
    ['Trainable params', 'count', (m) => m.totals.trainable],
    ['Non-trainable params', 'count', (m) => m.totals.nonTrainable],
    ['Optimizer params', 'count', (m) => m.costs.optimizer.values],
    ['Total mult-adds', 'count', (m) => m.costs.multAdds],
    ['Input size (MB)', 'MB', (m) => m.costs.inputBytes],
    ['Forward pass size (MB)', 'MB', (m) => m.costs.forwardBytes],
    ['Forward/backward pass size (MB)', 'MB', (m) => m.costs.keptBytes],
    ['Params size (MB)', 'MB', (m) => m.costs.paramsBytes],
    ['Estimated Total Size (MB)', 'MB', (m) => m.costs.totalBytes],
  ];
  const batches = a.costs.batchSize === b.costs.batchSize ? `batch ${a.costs.batchSize}` : `batch ${a.costs.batchSize} and ${b.costs.batchSize}`;
  figures.push([`Training memory at ${batches} (MB)`, 'MB', (m) => m.costs.trainingBytes]);
  return figures.map(([label, unit, value]) => ({ label, unit, a: value(a), b: value(b) }));
}

const MARKS: Record<LayerStatus, string> = { same: ' ', changed: '~', added: '+', removed: '-' };

/** Columns of text padded to widths; the last column is not padded. */
function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 2)))
      .join('')
      .trimEnd(),
  );
}

function change(t: TotalDiff): string {
  if (t.a === t.b) return '';
  const show = t.unit === 'count' ? count : (bytes: number) => megabytes(bytes);
  const percent = t.a === 0 ? '' : ` (${t.b > t.a ? '+' : '-'}${((Math.abs(t.b - t.a) / t.a) * 100).toFixed(1)}%)`;
  return `${signed(t.b - t.a, show)}${percent}`;
}

/**
 * The diff as text: a header naming both sides, one row per layer with a mark (~ changed,
 * + only in B, - only in A) and both sides' summary columns, then the totals.
 */
export function renderDiff(diff: ModelDiff, labels: { a: string; b: string }): string {
  const { a, b } = diff;
  const side = (m: InferredModel, l: InferredLayer | undefined): string[] =>
    l ? [formatShape(l.outputShape, true), count(l.params.trainable + l.params.nonTrainable), count(l.multAdds)] : ['', '', ''];
  const typeOf = (d: LayerDiff): string => (d.a && d.b && d.a.typeName !== d.b.typeName ? `${d.a.typeName} → ${d.b.typeName}` : (d.b ?? d.a)!.typeName);
  const header = [
    '',
    'Layer (type)',
    'Output Shape (A)',
    'Param # (A)',
    'Mult-Adds (A)',
    '|',
    'Output Shape (B)',
    'Param # (B)',
    'Mult-Adds (B)',
    '|',
    'Changes',
  ];
  const input = [
    '',
    `${MODEL_INPUT} (InputLayer)`,
    formatShape(a.ir.inputShape, true),
    '0',
    '0',
    '|',
    formatShape(b.ir.inputShape, true),
    '0',
    '0',
    '|',
    formatShape(a.ir.inputShape) === formatShape(b.ir.inputShape) ? '' : 'shape',
  ];
  const rows = diff.layers.map((d) => [
    MARKS[d.status],
    `${d.name} (${typeOf(d)})`,
    ...side(a, d.a),
    '|',
    ...side(b, d.b),
    '|',
    d.status === 'added' ? 'only in B' : d.status === 'removed' ? 'only in A' : d.changes.join(', '),
  ]);
  const table = columns([header, input, ...rows]);
  // Rules as wide as the two sides; the changes run on past them.
  const width = table[0]!.length;
  const totals = columns([
    ['', 'A', 'B', 'Change'],
    ...diff.totals.map((t) => {
      const show = t.unit === 'count' ? count : megabytes;
      return [t.label, show(t.a), show(t.b), change(t)];
    }),
  ]);
  const counts = (['changed', 'added', 'removed'] as const).map((s) => `${diff.layers.filter((d) => d.status === s).length} ${s}`);
  return [
    `A: Model "${a.ir.name}" (${labels.a})`,
    `B: Model "${b.ir.name}" (${labels.b})`,
    '_'.repeat(width),
    table[0],
    '='.repeat(width),
    ...table.slice(1),
    '='.repeat(width),
    `Layers: ${a.layers.length} in A, ${b.layers.length} in B; ${counts.join(', ')}`,
    '_'.repeat(width),
    ...totals,
    '_'.repeat(width),
  ].join('\n');
}
