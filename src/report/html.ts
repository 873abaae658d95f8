// Assembles one self-contained report page from finished parts (diagram SVG, chart SVGs,
// summary table). Everything user-written goes through the escaping `html` template; the
// SVGs come from our own renderers, which escape their text themselves.
import { formatShape } from '../shape.js';
import type { EpochMetrics } from '../train/metrics.js';
import type { RunResults } from '../train/run-dir.js';
import type { InferredModel, TrainingConfig } from '../types.js';
import { html, raw, type Markup } from './escape.js';
import { REPORT_CSS } from './style.js';
import { renderSummaryTable } from './table.js';
import { controlRows } from './controls.js';
import { count, megabytes } from '../units.js';

/**
 * No scripts, no fetches, no frames: only inline styles and data: images may load. Even if a
 * string slipped past the escaper, the browser would refuse to run it.
 */
export const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

export interface RunView {
  /** Run folder as the user named it, shown in the header. */
  dir: string;
  epochs: EpochMetrics[];
  interrupted: boolean;
  results: RunResults | null;
  training?: TrainingConfig;
  /** Where the data came from and its class names (dataset.json). */
  data?: { source?: string; classes?: string[] };
  curvesSvg?: string;
  confusionSvg?: string;
  /** With early stopping: the epoch whose weights the run kept, and why it stopped early if it did. */
  keptEpoch?: number;
  stoppedEarly?: { epoch: number; reason: string };
}

export interface ReportParts {
  /** Null when a run's spec could not be compiled again: the run part still renders. */
  model: InferredModel | null;
  /** Shown in the header when there is no model. */
  title: string;
  architectureSvg?: string;
  run?: RunView;
  /** Warnings shown at the top, e.g. "the spec changed since this run". */
  notes?: string[];
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

function fact(label: string, value: string, cls = ''): Markup {
  return html`<div class="fact ${cls}"><dt>${label}</dt><dd>${value}</dd></div>`;
}

function modelFacts(model: InferredModel): Markup[] {
  const { trainable, nonTrainable } = model.totals;
  return [
    fact('Total params', fmt(trainable + nonTrainable)),
    fact('Trainable', fmt(trainable)),
    fact('Non-trainable', fmt(nonTrainable)),
    fact('Layers', String(model.layers.length)),
    fact('Input', formatShape(model.ir.inputShape)),
    fact('Output', formatShape(model.outputShape)),
    fact('Mult-adds per sample', count(model.costs.multAdds)),
    fact(`Training memory, batch ${model.costs.batchSize}`, `${megabytes(model.costs.trainingBytes)} MB`),
  ];
}

function runFacts(run: RunView): Markup[] {
  const test = run.results?.test;
  const last = run.epochs.at(-1);
  const facts: Markup[] = [];
  if (test) facts.push(fact('Test accuracy', pct(test.accuracy), 'good'), fact('Test loss', test.loss.toFixed(4)));
  if (last?.val_accuracy != null) facts.push(fact('Val. accuracy', pct(last.val_accuracy)));
  facts.push(fact('Epochs', `${run.epochs.length}${run.interrupted ? ' (stopped)' : ''}`));
  if (run.results) facts.push(fact('Samples / s', fmt(Math.round(run.results.training.samples_per_sec))));
  return facts;
}

function trainingDetails(run: RunView): Markup {
  const rows: [string, string][] = [];
  const r = run.results;
  const cfg = run.training;
  if (r) {
    // Older runs have no replica count: they trained in one process.
    const replicas = r.training.replicas ?? 1;
    const how = replicas > 1 ? `${r.backend}, ${replicas} data-parallel replicas` : `${r.backend}, one process`;
    rows.push(['Backend', how], ['Training time', `${r.training.seconds.toFixed(1)} s`]);
  }
  if (run.data?.source) rows.push(['Data', run.data.source]);
  const classes = run.data?.classes ?? r?.test?.classes;
  if (classes) rows.push(['Classes', `${classes.length}: ${classes.length <= 30 ? classes.join(', ') : `${classes.slice(0, 30).join(', ')}, ...`}`]);
  if (r)
    rows.push([
      'Samples',
      `${fmt(r.training.train_samples)} train · ${fmt(r.training.validation_samples)} validation${r.test ? ` · ${fmt(r.test.samples)} test` : ''}`,
    ]);
  if (cfg) {
    rows.push(['Optimizer', `${cfg.optimizer.name}, learning rate ${cfg.optimizer.learningRate}`]);
    rows.push(['Loss', cfg.loss], ['Batch size', String(cfg.batchSize)], ['Seed', String(cfg.seed)]);
    rows.push(...controlRows(cfg));
  }
  if (run.stoppedEarly) rows.push(['Stopped early', `after epoch ${run.stoppedEarly.epoch}: ${run.stoppedEarly.reason}`]);
  if (run.keptEpoch !== undefined) rows.push(['Kept epoch', String(run.keptEpoch)]);
  if (r?.test) rows.push(['Test set', `loss ${r.test.loss.toFixed(4)}, accuracy ${pct(r.test.accuracy)}`]);
  return html`<dl class="kv">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

function runSections(run: RunView): Markup {
  const curves = run.curvesSvg
    ? html`<div class="scroll">${raw(run.curvesSvg)}</div>`
    : html`<p class="note">No epochs were recorded, so there is nothing to plot.</p>`;
  const confusion = run.confusionSvg
    ? html`<div class="scroll">${raw(run.confusionSvg)}</div>`
    : html`<p class="note">No test results: the run was stopped before the test set was evaluated.</p>`;
  return html`<section id="curves" class="card"><h2>Learning curves</h2>${curves}</section>
<div class="grid">
<section id="confusion" class="card"><h2>Confusion matrix</h2><p class="caption">Test set. Rows are the actual class, columns the predicted one; colour is the share of the row.</p>${confusion}</section>
<section id="training" class="card"><h2>Training</h2>${trainingDetails(run)}</section>
</div>`;
}

export function renderReportHtml(parts: ReportParts): string {
  const { model, run } = parts;
  const name = model?.ir.name ?? parts.title;
  // A run page leads with results; the model's own numbers are in its summary table below.
  const facts = run ? [...runFacts(run), ...(model ? modelFacts(model).slice(0, 1) : [])] : model ? modelFacts(model) : [];
  const architecture = parts.architectureSvg
    ? html`<div class="scroll">${raw(parts.architectureSvg)}</div>`
    : html`<p class="note">The spec could not be compiled, so the architecture is not shown.</p>`;
  const table = model ? renderSummaryTable(model) : html`<p class="note">No summary without a compiled spec.</p>`;
  const source = model ? html`<code>${model.ir.source.file}</code> · sha256 <code>${model.ir.source.sha256.slice(0, 12)}</code> · ` : '';
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${run ? `${name} · run report` : `${name} · model report`} · netspec</title>
<style>${raw(REPORT_CSS)}</style>
</head>
<body>
<main>
<header class="top">
<p class="eyebrow">netspec · ${run ? 'training run' : 'model report'}</p>
<h1>${name}</h1>
${model?.ir.description ? html`<p class="description">${model.ir.description}</p>` : ''}
${run ? html`<p class="description"><code>${run.dir}</code></p>` : ''}
${(parts.notes ?? []).map((n) => html`<p class="note">${n}</p>`)}
<dl class="facts">${facts}</dl>
</header>
${run ? runSections(run) : ''}
<div class="grid">
<section id="architecture" class="card"><h2>Architecture</h2>${architecture}</section>
<section id="summary" class="card"><h2>Summary</h2>${table}</section>
</div>
<footer>${source}generated by netspec</footer>
</main>
</body>
</html>
`;
  return page.text;
}
