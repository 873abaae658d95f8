// Emitter: the Keras-style summary table. A stack of layers gets Keras's Sequential form
// (Layer (type) | Output Shape | Param #); a graph gets its functional form, with the input
// layer first and a "Connected to" column naming what each layer reads.
import { MODEL_INPUT } from '../compile/spec-schema.js';
import { formatShape } from '../shape.js';
import type { InferredModel } from '../types.js';

const fmt = (n: number): string => n.toLocaleString('en-US');

/**
 * The table between its rules: Keras's column widths, widened when a cell needs more room.
 * Each row is one or more lines of cells.
 */
function table(name: string, header: string[], rows: string[][][], minimums: number[], footer: string[]): string {
  const widths = minimums.map((min, c) =>
    Math.max(min, header[c]!.length + 2, ...rows.flatMap((r) => r.map((line) => (line[c] ?? '').length + 2))));
  const width = widths.reduce((a, b) => a + b, 0) + 1;
  const line = (cells: string[]): string => ` ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join('')}`.trimEnd();
  return [
    `Model: "${name}"`,
    '_'.repeat(width),
    line(header),
    '='.repeat(width),
    ...rows.flatMap((row) => row.map(line)),
    '='.repeat(width),
    ...footer,
    '_'.repeat(width),
  ].join('\n');
}

function totals(model: InferredModel): string[] {
  const { trainable, nonTrainable } = model.totals;
  return [
    `Total params: ${fmt(trainable + nonTrainable)}`,
    `Trainable params: ${fmt(trainable)}`,
    `Non-trainable params: ${fmt(nonTrainable)}`,
  ];
}

export function renderSummary(model: InferredModel): string {
  return model.ir.form === 'functional' ? functionalSummary(model) : sequentialSummary(model);
}

function sequentialSummary(model: InferredModel): string {
  const rows = model.layers.map((l) => [[
    `${l.node.name} (${l.typeName})`,
    formatShape(l.outputShape, true),
    fmt(l.params.trainable + l.params.nonTrainable),
  ]]);
  return table(model.ir.name, ['Layer (type)', 'Output Shape', 'Param #'], rows, [28, 26, 11], totals(model));
}

/** Like Keras's functional summary: one row per layer, several lines when it reads several layers. */
function functionalSummary(model: InferredModel): string {
  const names = new Map([[MODEL_INPUT, MODEL_INPUT], ...model.layers.map((l): [string, string] => [l.node.id, l.node.name])]);
  const inputRow = [[`${MODEL_INPUT} (InputLayer)`, formatShape(model.ir.inputShape, true), '0', '']];
  const rows = [
    inputRow,
    ...model.layers.map((l) => {
      const sources = l.node.inputs.map((id) => `${names.get(id)}[0][0]`);
      const first = [`${l.node.name} (${l.typeName})`, formatShape(l.outputShape, true), fmt(l.params.trainable + l.params.nonTrainable), sources[0] ?? ''];
      return [first, ...sources.slice(1).map((s) => ['', '', '', s])];
    }),
  ];
  return table(model.ir.name, ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'], rows, [31, 22, 12, 32], totals(model));
}
