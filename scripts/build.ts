// `npm run build` (and `npm install` of the repository, through `prepare`): the package's code in
// dist/, laid out as src/ is, so every file the code finds next to itself (templates, Python
// helpers, the wasm pthread worker, worker entry modules) sits at the same relative place.
//   - each TypeScript module becomes one JavaScript module (esbuild, no bundling: a command
//     loads only the modules it needs);
//   - the schema validator is compiled ahead of time (ajv's standalone code), and so are the
//     code templates (handlebars), so a start compiles neither;
//   - CommonJS packages (tfjs, handlebars, yaml, commander, ...) are loaded with require, not
//     import: for an import, Node scans the whole CommonJS source for its export names first,
//     which costs tfjs's bundles about half a second at every start;
//   - type declarations come from tsc, for programs that use the library API.
// The page `netspec serve` shows is built separately (`npm run build:web`, run by `npm pack`).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { BUILD_INPUTS_STAMP, buildInputsHash, filesUnder } from './build-inputs.js';
import { precompiledTemplatesModule } from './precompiled-templates.js';
import { precompiledValidatorModule } from './precompiled-validator.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
/** Browser code: bundled into the page by build:web, never run by Node. */
const BROWSER_ONLY = path.join(SRC, 'web');
/** Sources of generated modules, not read at run time (templates are precompiled below). */
const SOURCE_ONLY = ['.wat', '.hbs'];
/** Kept when dist/ is rebuilt: the page is built by build:web, not here. */
const KEPT = new Set(['web']);

/** Whether Node loads the file a package specifier resolves to (from dist/) as CommonJS. */
function isCommonJs(specifier: string, cache = new Map<string, boolean>()): boolean {
  if (cache.has(specifier)) return cache.get(specifier)!;
  const file = fileURLToPath(import.meta.resolve(specifier, `file://${DIST}/index.js`));
  let format = file.endsWith('.cjs') ? 'commonjs' : file.endsWith('.mjs') ? 'module' : undefined;
  for (let dir = path.dirname(file); format === undefined; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) format = (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: string }).type ?? 'commonjs';
    else if (dir === path.dirname(dir)) format = 'commonjs';
  }
  cache.set(specifier, format === 'commonjs');
  return format === 'commonjs';
}

/** One static import of a package (as esbuild prints it): `import X, { a, b as c } from "pkg";`, `import * as X from "pkg";`. */
const PACKAGE_IMPORT = /^import ((?:\* as [\w$]+)|(?:[\w$]+)?(?:,\s*)?(?:\{[^}]*\})?) from "([^".][^"]*)";$/gm;

/** One dynamic import of a package: `import("pkg")`. */
const DYNAMIC_IMPORT = /\bimport\("([^".][^"]*)"\)/g;

/** Rewrites a module's imports of CommonJS packages as require calls, with the same bindings. */
function requireCommonJs(code: string): string {
  let rewritten = false;
  const out = code
    .replace(DYNAMIC_IMPORT, (call, specifier: string) => {
      if (specifier.startsWith('node:') || !isCommonJs(specifier)) return call;
      rewritten = true;
      // The namespace an import() of a CommonJS module gives: its exports, and them again as default.
      return `Promise.resolve().then(() => { const m = __netspecRequire(${JSON.stringify(specifier)}); return { ...m, default: m }; })`;
    })
    .replace(PACKAGE_IMPORT, (line, clause: string, specifier: string) => {
      if (specifier.startsWith('node:') || !isCommonJs(specifier)) return line;
      rewritten = true;
      const call = `__netspecRequire(${JSON.stringify(specifier)})`;
      const namespace = /^\* as ([\w$]+)$/.exec(clause);
      if (namespace) return `const ${namespace[1]} = ${call};`;
      const [, name, named] = /^([\w$]+)?(?:,\s*)?(\{[^}]*\})?$/.exec(clause.trim())!;
      const lines = [];
      if (name) lines.push(`const ${name} = ${call};`);
      if (named) lines.push(`const ${named.replace(/\s+as\s+/g, ': ')} = ${call};`);
      return lines.join(' ');
    });
  if (!rewritten) return code;
  return `import { createRequire as __netspecCreateRequire } from "node:module";\nconst __netspecRequire = __netspecCreateRequire(import.meta.url);\n${out}`;
}

const started = performance.now();
// Hashed before building, so that a source changed during the build makes the stamp stale.
const inputs = buildInputsHash(ROOT);
rmSync(path.join(ROOT, BUILD_INPUTS_STAMP), { force: true });
mkdirSync(DIST, { recursive: true });
for (const entry of readdirSync(DIST)) if (!KEPT.has(entry)) rmSync(path.join(DIST, entry), { recursive: true, force: true });

const files = filesUnder(SRC, BROWSER_ONLY);
const modules = files.filter((f) => f.endsWith('.ts'));
const built = await esbuild.build({
  entryPoints: modules,
  outdir: DIST,
  outbase: SRC,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  bundle: false,
  logLevel: 'warning',
  write: false,
});
for (const file of built.outputFiles) {
  mkdirSync(path.dirname(file.path), { recursive: true });
  writeFileSync(file.path, requireCommonJs(file.text));
}
for (const asset of files.filter((f) => !f.endsWith('.ts') && !SOURCE_ONLY.includes(path.extname(f)))) {
  cpSync(asset, path.join(DIST, path.relative(SRC, asset)));
}
writeFileSync(path.join(DIST, 'compile', 'spec-validator.js'), precompiledValidatorModule());
writeFileSync(path.join(DIST, 'emit', 'templates.js'), precompiledTemplatesModule());

// Declarations, for the library API (tsconfig.build.json: src/ without the page).
const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (tsc.status !== 0) {
  process.stderr.write('build: tsc could not write the type declarations\n');
  process.exit(1);
}
mkdirSync(path.dirname(path.join(ROOT, BUILD_INPUTS_STAMP)), { recursive: true });
writeFileSync(path.join(ROOT, BUILD_INPUTS_STAMP), `${inputs}\n`);
process.stdout.write(
  `built ${path.relative(process.cwd(), DIST) || DIST}/: ${modules.length} modules in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
