// The page's bundle: it builds, holds nothing Node-only, and its compiler (the same modules
// with the validator compiled ahead of time and a pure SHA-256) says exactly what the command
// line's says, error for error and summary for summary, on every spec and bad spec we have and
// on hundreds of broken variants of them.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { compileSpecText } from '../src/compile/index.js';
import { renderSummary } from '../src/emit/summary.js';
import { renderArchitectureSvg } from '../src/report/architecture.js';
import { BUILD_STAMP, buildWebBundle, bundleState, dataLoadersLeftOut, precompiledValidator } from '../src/serve/bundle.js';
import type * as WebCompiler from '../src/web/compiler.js';
import { ROOT, tempDir } from './helpers.js';

let web: typeof WebCompiler;

before(async () => {
  // The page's compiler entry, bundled for the browser exactly as in the page, then loaded here.
  const dir = tempDir(true);
  const out = join(dir, 'compiler.mjs');
  await esbuild.build({
    entryPoints: [join(ROOT, 'src', 'web', 'compiler.ts')],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    plugins: [precompiledValidator(), dataLoadersLeftOut()],
  });
  web = (await import(pathToFileURL(out).href)) as typeof WebCompiler;
});

test('the bundle builds into a folder of its own with the page, its script and the wasm binaries, and nothing Node-only', async () => {
  const dir = join(tempDir(), 'web');
  assert.equal(bundleState(dir), 'missing');
  const report = await buildWebBundle(dir);
  assert.deepEqual(Object.keys(report.files).sort(), [
    'app.js',
    'favicon.svg',
    'index.html',
    'style.css',
    'wasm/tfjs-backend-wasm-simd.wasm',
    'wasm/tfjs-backend-wasm.wasm',
  ]);
  for (const [file, size] of Object.entries(report.files)) assert.equal(statSync(join(dir, file)).size, size);
  assert.equal(bundleState(dir), 'fresh');
  const script = readFileSync(join(dir, 'app.js'), 'utf8');
  assert.doesNotMatch(script, /\bfrom\s*["']node:|import\(\s*["']node:|require\(\s*["']node:/);
  // ajv compiles validators with new Function at run time; the page's CSP forbids that, so the bundle must not need it.
  assert.doesNotMatch(script, /new Function\(/);
  assert.match(readFileSync(join(dir, 'index.html'), 'utf8'), /<meta name="csp-nonce" content="\{\{csp-nonce\}\}">/);
  assert.ok(JSON.parse(readFileSync(join(dir, BUILD_STAMP), 'utf8')).built);
});

function specFiles(): string[] {
  const inDir = (dir: string): string[] =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(dir, f));
  return [...inDir(join(ROOT, 'specs')), ...inDir(join(ROOT, 'test', 'fixtures', 'good')), ...inDir(join(ROOT, 'test', 'fixtures', 'bad'))];
}

/** What a compile says, in a form to compare: the diagnostics, or the summary, diagram and hash. */
function outcome(compile: typeof compileSpecText, summary: typeof renderSummary, svg: typeof renderArchitectureSvg, file: string, text: string): unknown {
  const result = compile(file, text);
  if (!result.ok) return { diagnostics: result.diagnostics };
  return { summary: summary(result.model), svg: svg(result.model), sha256: result.model.ir.source.sha256 };
}

const node = (file: string, text: string): unknown => outcome(compileSpecText, renderSummary, renderArchitectureSvg, file, text);
const page = (file: string, text: string): unknown => outcome(web.compileSpecText, web.renderSummary, web.renderArchitectureSvg, file, text);

test('the page compiles every spec and bad spec exactly as the command line does', () => {
  let good = 0;
  for (const file of specFiles()) {
    const text = readFileSync(file, 'utf8');
    const expected = node(file, text);
    assert.deepEqual(page(file, text), expected, file);
    if (!('diagnostics' in (expected as object))) good++;
  }
  assert.ok(good >= 10, `${good} valid specs compared`);
});

test('the page agrees with the command line on every spec with one line removed or one character changed', () => {
  let compared = 0;
  let failing = 0;
  for (const file of readdirSync(join(ROOT, 'specs')).map((f) => join(ROOT, 'specs', f))) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const variants = [
        [...lines.slice(0, i), ...lines.slice(i + 1)],
        lines.map((line, k) =>
          k === i ? line.replace(/[0-9a-z]/, (c) => (c === '9' ? 'x' : c === 'z' ? '-' : String.fromCharCode(c.charCodeAt(0) + 1))) : line,
        ),
        lines.map((line, k) => (k === i ? `${line} <script>alert(1)</script> ünïcödé` : line)),
      ];
      for (const variant of variants) {
        const text = variant.join('\n');
        const expected = node(file, text);
        assert.deepEqual(page(file, text), expected, `${file}, line ${i + 1}:\n${text}`);
        compared++;
        if ('diagnostics' in (expected as object)) failing++;
      }
    }
  }
  assert.ok(compared > 500 && failing > 200, `${compared} variants compared, ${failing} of them with errors`);
});
