// The HTML report without a browser: the escaper, the numbers in the table and diagram, the
// run charts and self-containment. The command-line side is in report-cli.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSummary } from '../src/emit/summary.js';
import { renderArchitectureSvg } from '../src/report/architecture.js';
import { buildRunReport, buildSpecReport, writeRunReport } from '../src/report/build.js';
import { curveRows, namespaceIds } from '../src/report/charts.js';
import { escapeMarkup, html, raw } from '../src/report/escape.js';
import type { InferredModel } from '../src/types.js';
import { compileValid, compileValidText, ROOT, tempDir } from './helpers.js';
import { EPOCHS, writeSyntheticRun } from './report-fixtures.js';

const SEED = join(ROOT, 'specs', 'mnist-cnn.yaml');
const HOSTILE = '<script>alert(1)</script>';

/** Text content of markup: tags dropped, the five entities decoded. */
const text = (markup: string): string =>
  markup
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();

test('escapeMarkup neutralises markup, quotes and XML-forbidden characters', () => {
  assert.equal(escapeMarkup(HOSTILE), '&lt;script&gt;alert(1)&lt;/script&gt;');
  assert.equal(escapeMarkup(`a&b "c" 'd'`), 'a&amp;b &quot;c&quot; &#39;d&#39;');
  assert.equal(escapeMarkup('&amp;'), '&amp;amp;', 'escaping is not idempotent on purpose: text is text');
  assert.equal(escapeMarkup('bell\u0007 nul\u0000 tab\t'), 'bell\uFFFD nul\uFFFD tab\t');
  assert.equal(escapeMarkup('lone \uD800 surrogate'), 'lone \uFFFD surrogate');
  assert.equal(escapeMarkup('pair \uD83D\uDE00 kept'), 'pair \uD83D\uDE00 kept');
  assert.equal(escapeMarkup(42), '42');
});

test('the html template escapes every value unless it is wrapped in raw()', () => {
  const name = '"><img src=x onerror=alert(1)>';
  const out = html`<p title="${name}">${HOSTILE}${raw('<b>ok</b>')}${[html`<i>${'<'}</i>`, '&']}${null}${undefined}${false}</p>`.text;
  assert.equal(out, '<p title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&lt;script&gt;alert(1)&lt;/script&gt;<b>ok</b><i>&lt;</i>&amp;</p>');
});

test('the summary table has the same rows and totals as the terminal summary', () => {
  const model = compileValid(SEED);
  const page = buildSpecReport(model)['index.html']!;
  const body = page.slice(page.indexOf('<tbody>'), page.indexOf('</tbody>'));
  const tableRows = [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => text(c[1]!)));
  const summary = renderSummary(model).split('\n');
  const first = summary.findIndex((l) => l.startsWith('=')) + 1;
  const terminalRows = summary.slice(first, first + model.layers.length).map((l) => l.trim().split(/\s{2,}/));
  assert.equal(tableRows.length, 8);
  assert.deepEqual(tableRows, terminalRows);
  const foot = text(page.slice(page.indexOf('<tfoot>'), page.indexOf('</tfoot>')));
  // The terminal footer: every line after the table's closing rule, rules left out.
  const terminalFoot = summary
    .slice(summary.lastIndexOf(summary.find((l) => l.startsWith('='))!) + 1)
    .filter((l) => !/^_+$/.test(l))
    .map((l) => l.replace(/:( |$)/, '$1'))
    .join(' ')
    .trim();
  assert.equal(foot, terminalFoot);
  assert.match(foot, /^Total params 93,322 \(364\.54 KB\) Trainable params 93,322 .* Total mult-adds \(M\) 2\.79 /);
});

test('the diagram has an input box and one box per layer, each with its shape and parameter count', () => {
  const model = compileValid(SEED);
  const svg = renderArchitectureSvg(model);
  // Box contents without the hover tooltip, which repeats them.
  const boxes = [...svg.replace(/<title>[^<]*<\/title>/g, '').matchAll(/<g class="(input|layer)"[\s\S]*?<\/g>/g)];
  assert.deepEqual(
    boxes.map((b) => b[1]),
    ['input', ...model.layers.map(() => 'layer')],
  );
  assert.match(text(boxes[0]![0]), /input InputLayer .*\(None, 28, 28, 1\)/);
  model.layers.forEach((layer, i) => {
    const box = text(boxes[i + 1]![0]);
    const params = layer.params.trainable + layer.params.nonTrainable;
    assert.ok(box.startsWith(`${layer.node.name} ${layer.typeName}`), box);
    assert.ok(box.includes(params ? `${params.toLocaleString('en-US')} params` : 'no params'), box);
    assert.ok(box.includes(`(None, ${layer.outputShape.join(', ')})`), box);
  });
  assert.equal((svg.match(/class="arrow"/g) ?? []).length, model.layers.length);
  assert.match(text(boxes[1]![0]), /32 filters · 3×3 kernel · relu/);
});

test('hostile spec text is escaped in the page and in the SVG', () => {
  const source = readFileSync(SEED, 'utf8')
    .replace(/^description: .*$/m, `description: "${HOSTILE} & \\"quotes\\" \\u0007"`)
    .replace('  - kind: flatten\n', `  - kind: flatten\n    description: "</title><script>alert(2)</script>"\n`);
  const model = compileValidText('hostile.yaml', source);
  const files = buildSpecReport(model);
  for (const [name, content] of Object.entries(files)) {
    assert.doesNotMatch(content, /<script/i, name);
    assert.doesNotMatch(content, /\u0007/, `${name}: control characters are replaced`);
  }
  assert.ok(files['index.html']!.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;'));
  assert.ok(files['architecture.svg']!.includes('&lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;'));

  // Names are restricted by the schema today; the renderer must not rely on that.
  const renamed: InferredModel = { ...model, layers: model.layers.map((l, i) => (i === 0 ? { ...l, node: { ...l.node, name: `a<b>&"c'` } } : l)) };
  const svg = renderArchitectureSvg(renamed);
  assert.ok(svg.includes('a&lt;b&gt;&amp;&quot;c&#39;'));
  assert.doesNotMatch(svg, /<b>/);
});

test('a report is self-contained: no scripts, no external resources, and a CSP that forbids them', async () => {
  const dir = tempDir();
  const model = compileValid(SEED);
  await writeSyntheticRun(dir, model);
  const pages = [buildSpecReport(model)['index.html']!, (await buildRunReport(dir))['report.html']!];
  for (const page of pages) {
    assert.doesNotMatch(page, /<script|<link|<iframe|<img|\ssrc=|@import|url\((?!#)/i);
    assert.match(page, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
    // The only absolute URLs are XML namespace names, which are identifiers and never fetched.
    const urls = page.match(/https?:\/\/[^\s"']+/g) ?? [];
    assert.ok(
      urls.every((u) => /^http:\/\/www\.w3\.org\/(2000\/svg|1999\/xlink)$/.test(u)),
      urls.join(' '),
    );
  }
});

test('a run report shows the results, learning curves and confusion matrix from the run folder', async () => {
  const dir = tempDir();
  await writeSyntheticRun(dir, compileValid(SEED));
  const first = await writeRunReport(dir);
  assert.deepEqual(
    readdirSync(dir)
      .filter((f) => /\.(svg|html)$/.test(f))
      .sort(),
    ['architecture.svg', 'confusion.svg', 'curves.svg', 'report.html'],
  );
  assert.equal(first.written.length, 4);
  const page = readFileSync(join(dir, 'report.html'), 'utf8');
  const header = text(page.slice(page.indexOf('<dl class="facts">'), page.indexOf('</dl>')));
  assert.equal(header, 'Test accuracy 95.50% Test loss 0.0917 Val. accuracy 97.02% Epochs 3 Samples / s 4,428 Total params 93,322');
  assert.doesNotMatch(page, /class="note"/, 'the spec is unchanged, so there is nothing to warn about');
  // results.json without a replica count (older runs) means one process.
  assert.match(text(page), /Backend cpu, one process/);

  const curves = readFileSync(join(dir, 'curves.svg'), 'utf8');
  assert.match(curves, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  for (const label of ['Loss', 'Accuracy', 'training', 'validation', 'epoch']) assert.ok(curves.includes(`>${label}<`), label);
  const confusion = readFileSync(join(dir, 'confusion.svg'), 'utf8');
  const cellTexts = [...confusion.matchAll(/<text[^>]*>(\d+)<\/text>/g)].map((m) => Number(m[1]));
  for (const n of [100, 99, 91, 9, 1]) assert.ok(cellTexts.includes(n), `cell ${n}`);
  // The inlined charts must not share ids, or one chart's clip paths would clip the other.
  const ids = [...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.join(' ')}`);

  const again = await writeRunReport(dir);
  assert.deepEqual(again.written, [], 'an unchanged report is not rewritten');
});

test('a run report says how many data-parallel replicas trained', async () => {
  const dir = tempDir();
  await writeSyntheticRun(dir, compileValid(SEED), { replicas: 2 });
  await writeRunReport(dir);
  assert.match(text(readFileSync(join(dir, 'report.html'), 'utf8')), /Backend cpu, 2 data-parallel replicas/);
});

test('a stopped run without test results, or with its spec gone, still gets a report with a note', async () => {
  const dir = tempDir();
  const model = compileValid(SEED);
  await writeSyntheticRun(dir, model, { withTest: false });
  const files = await buildRunReport(dir);
  assert.equal(files['confusion.svg'], undefined);
  assert.match(files['report.html']!, /No test results/);

  const elsewhere = tempDir();
  await writeSyntheticRun(elsewhere, model);
  const moved = join(elsewhere, 'dataset.json');
  const record = JSON.parse(readFileSync(moved, 'utf8'));
  writeFileSync(moved, JSON.stringify({ ...record, specDir: join(elsewhere, 'nowhere') }));
  writeFileSync(join(elsewhere, 'resolved-spec.json'), JSON.stringify({ spec: 'nowhere/gone.yaml', name: 'gone' }));
  const orphan = await buildRunReport(elsewhere);
  assert.equal(orphan['architecture.svg'], undefined);
  assert.match(orphan['report.html']!, /<p class="note">The spec of this run \(nowhere\/gone\.yaml\) was not found/);
  assert.ok(orphan['curves.svg']?.startsWith('<svg'));
});

test('curve rows skip missing validation values; namespaceIds renumbers ids and their references', () => {
  const rows = curveRows([{ ...EPOCHS[0]!, val_loss: null, val_accuracy: null }]);
  assert.deepEqual(
    rows.map((r) => `${r.metric}/${r.split}`),
    ['loss/training', 'accuracy/training'],
  );
  assert.equal(
    namespaceIds('<clipPath id="clip1"/><g clip-path="url(#clip1)"/><use href="#clip1"/>', 'c'),
    '<clipPath id="c-1"/><g clip-path="url(#c-1)"/><use href="#c-1"/>',
  );
});
