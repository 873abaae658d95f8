// Emitter: the Keras-style summary table (Layer (type) | Output Shape | Param #, then totals).
import { formatShape } from '../shape.js';
import type { InferredModel } from '../types.js';

const fmt = (n: number): string => n.toLocaleString('en-US');

export function renderSummary(model: InferredModel): string {
  const rows = model.layers.map((l) => [
    `${l.node.name} (${l.typeName})`,
    formatShape(l.outputShape, true),
    fmt(l.params.trainable + l.params.nonTrainable),
  ]);
  const header = ['Layer (type)', 'Output Shape', 'Param #'];
  // Keras's column widths (65 characters in all), widened when a cell needs more room.
  const widths = [28, 26, 11].map((min, c) => Math.max(min, ...rows.map((r) => r[c]!.length + 2), header[c]!.length + 2));
  const lineWidth = widths.reduce((a, b) => a + b, 0) + 1;
  const line = (cells: string[]): string => ` ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join('')}`.trimEnd();
  const { trainable, nonTrainable } = model.totals;
  return [
    `Model: "${model.ir.name}"`,
    '_'.repeat(lineWidth),
    line(header),
    '='.repeat(lineWidth),
    ...rows.map(line),
    '='.repeat(lineWidth),
    `Total params: ${fmt(trainable + nonTrainable)}`,
    `Trainable params: ${fmt(trainable)}`,
    `Non-trainable params: ${fmt(nonTrainable)}`,
    '_'.repeat(lineWidth),
  ].join('\n');
}
