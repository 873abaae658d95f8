// The summary table as HTML: the same rows, columns and footer as the terminal summary
// (src/emit/summary.ts), so the report and `netspec compile` never disagree.
import { summaryFooter } from '../emit/summary.js';
import { formatShape } from '../shape.js';
import type { InferredModel } from '../types.js';
import { count } from '../units.js';
import { html, type Markup } from './escape.js';

function footerRows(model: InferredModel): Markup[] {
  return summaryFooter(model).flatMap((block, b) => [
    ...(block.heading
      ? [
          html`<tr class="block"><th scope="rowgroup" colspan="4" class="heading">${block.heading.replace(/:$/, '')}</th></tr>
`,
        ]
      : []),
    ...block.lines.map(([label, value], i) => {
      // A block without a heading is set off by its first row's rule instead.
      const row = !block.heading && i === 0 && b > 0 ? html`<tr class="block">` : html`<tr>`;
      return html`${row}<th scope="row" colspan="3">${label}</th><td class="num${b === 0 && i === 0 ? ' total' : ''}">${value}</td></tr>
`;
    }),
  ]);
}

export function renderSummaryTable(model: InferredModel): Markup {
  const rows = model.layers.map(
    (l) => html`<tr>
<td><span class="layer-name">${l.node.name}</span> <span class="layer-type">(${l.typeName})</span></td>
<td class="shape">${formatShape(l.outputShape, true)}</td>
<td class="num">${count(l.params.trainable + l.params.nonTrainable)}</td>
<td class="num">${count(l.multAdds)}</td>
</tr>
`,
  );
  return html`<table class="summary">
<caption>Model: "${model.ir.name}"</caption>
<thead><tr><th scope="col">Layer (type)</th><th scope="col">Output Shape</th><th scope="col" class="num">Param #</th><th scope="col" class="num">Mult-Adds</th></tr></thead>
<tbody>
${rows}</tbody>
<tfoot>
${footerRows(model)}</tfoot>
</table>`;
}
