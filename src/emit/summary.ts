// Emitter: the Keras-style summary table. A stack of layers gets Keras's Sequential form
// (Layer (type) | Output Shape | Param #); a graph gets its functional form, with the input
// layer first and a "Connected to" column naming what each layer reads. Both add torchinfo's
// Mult-Adds column, Keras 3's memory sizes and optimizer line, and torchinfo's size footer
// for a batch of one; the figures come from src/compile/costs.ts.
import { MODEL_INPUT } from '../compile/spec-schema.js';
import { formatShape } from '../shape.js';
import type { InferredModel } from '../types.js';
import { count, kerasBytes, megabytes, scaledCount } from '../units.js';

const fmt = count;

/**
 * The table between its rules: Keras's column widths, widened when a cell needs more room.
 * Each row is one or more lines of cells.
 */
function table(name: string, header: string[], rows: string[][][], minimums: number[], footer: string[][]): string {
  const widths = minimums.map((min, c) => Math.max(min, header[c]!.length + 2, ...rows.flatMap((r) => r.map((line) => (line[c] ?? '').length + 2))));
  const width = widths.reduce((a, b) => a + b, 0) + 1;
  const line = (cells: string[]): string => ` ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join('')}`.trimEnd();
  return [
    `Model: "${name}"`,
    '_'.repeat(width),
    line(header),
    '='.repeat(width),
    ...rows.flatMap((row) => row.map(line)),
    '='.repeat(width),
    ...footer.flatMap((block, i) => [...(i ? ['_'.repeat(width)] : []), ...block]),
    '_'.repeat(width),
  ].join('\n');
}

/** A block of the footer: an optional heading, then label-value lines. */
export interface FooterBlock {
  heading?: string;
  lines: Array<[label: string, value: string]>;
}

/**
 * Keras 3's totals with their memory, torchinfo's sizes for a batch of one, and what training
 * at the spec's batch size needs. The HTML report shows the same blocks.
 */
export function summaryFooter(model: InferredModel): FooterBlock[] {
  const { trainable, nonTrainable } = model.totals;
  const c = model.costs;
  const withSize = (n: number, bytes: number): string => `${fmt(n)} (${kerasBytes(bytes)})`;
  const { unit, text } = scaledCount(c.multAdds);
  return [
    {
      lines: [
        ['Total params', withSize(trainable + nonTrainable, c.paramsBytes)],
        ['Trainable params', withSize(trainable, c.gradientBytes)],
        ['Non-trainable params', withSize(nonTrainable, c.paramsBytes - c.gradientBytes)],
        ['Optimizer params', withSize(c.optimizer.values, c.optimizer.bytes)],
      ],
    },
    {
      heading: 'For a batch of one:',
      lines: [
        [`Total mult-adds${unit ? ` (${unit})` : ''}`, text],
        ['Input size (MB)', megabytes(c.inputBytes)],
        ['Forward pass size (MB)', megabytes(c.forwardBytes)],
        ['Forward/backward pass size (MB)', megabytes(c.keptBytes)],
        ['Params size (MB)', megabytes(c.paramsBytes)],
        ['Estimated Total Size (MB)', megabytes(c.totalBytes)],
      ],
    },
    { lines: [[`Training memory at batch ${c.batchSize} (MB)`, megabytes(c.trainingBytes)]] },
  ];
}

const footerText = (blocks: FooterBlock[]): string[][] =>
  blocks.map((b) => [...(b.heading ? [b.heading] : []), ...b.lines.map(([label, value]) => `${label}: ${value}`)]);

export function renderSummary(model: InferredModel): string {
  return model.ir.form === 'functional' ? functionalSummary(model) : sequentialSummary(model);
}

function sequentialSummary(model: InferredModel): string {
  const rows = model.layers.map((l) => [
    [`${l.node.name} (${l.typeName})`, formatShape(l.outputShape, true), fmt(l.params.trainable + l.params.nonTrainable), fmt(l.multAdds)],
  ]);
  return table(model.ir.name, ['Layer (type)', 'Output Shape', 'Param #', 'Mult-Adds'], rows, [28, 26, 12, 13], footerText(summaryFooter(model)));
}

/** Like Keras's functional summary: one row per layer, several lines when it reads several layers. */
function functionalSummary(model: InferredModel): string {
  const names = new Map([[MODEL_INPUT, MODEL_INPUT], ...model.layers.map((l): [string, string] => [l.node.id, l.node.name])]);
  const inputRow = [[`${MODEL_INPUT} (InputLayer)`, formatShape(model.ir.inputShape, true), '0', '0', '']];
  const rows = [
    inputRow,
    ...model.layers.map((l) => {
      const sources = l.node.inputs.map((id) => `${names.get(id)}[0][0]`);
      const first = [
        `${l.node.name} (${l.typeName})`,
        formatShape(l.outputShape, true),
        fmt(l.params.trainable + l.params.nonTrainable),
        fmt(l.multAdds),
        sources[0] ?? '',
      ];
      return [first, ...sources.slice(1).map((s) => ['', '', '', '', s])];
    }),
  ];
  return table(
    model.ir.name,
    ['Layer (type)', 'Output Shape', 'Param #', 'Mult-Adds', 'Connected to'],
    rows,
    [31, 22, 12, 13, 32],
    footerText(summaryFooter(model)),
  );
}
