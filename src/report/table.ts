// The summary table as HTML: the same rows and numbers as the terminal summary
// (src/emit/summary.ts), so the report and `netspec compile` never disagree.
import { formatShape } from '../shape.js';
import type { InferredModel } from '../types.js';
import { html, type Markup } from './escape.js';

const fmt = (n: number): string => n.toLocaleString('en-US');

export function renderSummaryTable(model: InferredModel): Markup {
  const { trainable, nonTrainable } = model.totals;
  const rows = model.layers.map(
    (l) => html`<tr>
<td><span class="layer-name">${l.node.name}</span> <span class="layer-type">(${l.typeName})</span></td>
<td class="shape">${formatShape(l.outputShape, true)}</td>
<td class="num">${fmt(l.params.trainable + l.params.nonTrainable)}</td>
</tr>
`,
  );
  return html`<table class="summary">
<caption>Model: "${model.ir.name}"</caption>
<thead><tr><th scope="col">Layer (type)</th><th scope="col">Output Shape</th><th scope="col" class="num">Param #</th></tr></thead>
<tbody>
${rows}</tbody>
<tfoot>
<tr><th scope="row" colspan="2">Total params</th><td class="num total">${fmt(trainable + nonTrainable)}</td></tr>
<tr><th scope="row" colspan="2">Trainable params</th><td class="num">${fmt(trainable)}</td></tr>
<tr><th scope="row" colspan="2">Non-trainable params</th><td class="num">${fmt(nonTrainable)}</td></tr>
</tfoot>
</table>`;
}
