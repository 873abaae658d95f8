// The browser page as files: src/web/ bundled by esbuild into one script (the compiler front
// end, CodeMirror and tfjs), its stylesheet and HTML, and tfjs's WebAssembly binaries, so the
// page needs nothing from outside the server. `npm run build:web` and `netspec serve` (when the
// bundle is missing or older than its sources) both call buildWebBundle.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv } from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';
import type { Plugin } from 'esbuild';
import { specSchema } from '../compile/spec-schema.js';
import { SPEC_VALIDATOR_OPTIONS } from '../compile/spec-validator.js';

/** The package's own folder (two levels above this file). */
export const PACKAGE_DIR = path.resolve(import.meta.dirname, '..', '..');
export const WEB_SOURCE_DIR = path.join(PACKAGE_DIR, 'src', 'web');
/** Where the bundle goes by default; git-ignored. */
export const DEFAULT_WEB_DIR = path.join(PACKAGE_DIR, 'dist', 'web');
/** Written last, so its presence means the build finished. */
export const BUILD_STAMP = 'build.json';
/** The files the server hands out from the bundle folder. */
export const STATIC_FILES = ['index.html', 'style.css', 'favicon.svg', 'app.js'];

const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];

export class BundleError extends Error {
  override name = 'BundleError';
}

export interface BuildReport {
  dir: string;
  /** Size of each written file in bytes. */
  files: Record<string, number>;
  seconds: number;
}

type StandaloneCode = (ajv: Ajv, validate: ReturnType<Ajv['compile']>) => string;
// ajv's standalone module is CommonJS: depending on the loader the function is the module or its default.
const standaloneCode = ((standaloneModule as unknown as { default?: StandaloneCode }).default ?? standaloneModule) as unknown as StandaloneCode;

/** The spec validator compiled ahead of time: plain JavaScript the page runs without eval. */
export function precompiledValidatorSource(): string {
  const ajv = new Ajv({ ...SPEC_VALIDATOR_OPTIONS, code: { source: true, esm: true } });
  const validate = ajv.compile(specSchema());
  return `${standaloneCode(ajv, validate)}\nexport function specValidator() { return validate10; }\n`;
}

/**
 * The page's compiler reaches the dataset kinds for their schema and lowering only (pure code);
 * their loaders read files and decode images with Node-only modules (node:*, sharp, pngjs,
 * csv-parse) and never run in the page. Imports of those from the data and predict folders,
 * and from the lib modules they read files with, become an empty module, so the page carries
 * none of them. A Node-only import anywhere else still fails the build.
 */
export function dataLoadersLeftOut(): Plugin {
  const nodeOnly = /^(node:|sharp$|pngjs($|\/)|csv-parse($|\/)|detect-libc$)/;
  const src = (...parts: string[]): string => path.join(PACKAGE_DIR, 'src', ...parts);
  // Folders whose modules may import the loaders, and the loaders' own folders.
  const importers = [src('data'), src('lib')].map((f) => f + path.sep);
  const loaders = [
    ...[src('data', 'images'), src('data', 'csv'), src('predict'), src('train')].map((f) => f + path.sep),
    src('data', 'read-file.'),
    src('lib', 'safe-read.'),
  ];
  const leftOut = (args: { path: string; importer: string; resolveDir: string }): boolean => {
    if (!importers.some((folder) => args.importer.startsWith(folder))) return false;
    if (nodeOnly.test(args.path)) return true;
    return args.path.startsWith('.') && loaders.some((prefix) => path.resolve(args.resolveDir, args.path).startsWith(prefix));
  };
  return {
    name: 'netspec-data-loaders-left-out',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => (leftOut(args) ? { path: args.path, namespace: 'netspec-left-out' } : undefined));
      // CommonJS, so that named imports of it bundle (as undefined) instead of failing to link.
      build.onLoad({ filter: /.*/, namespace: 'netspec-left-out' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
    },
  };
}

/** Swaps src/compile/spec-validator.ts for the precompiled validator. */
export function precompiledValidator(): Plugin {
  return {
    name: 'netspec-precompiled-validator',
    setup(build) {
      build.onResolve({ filter: /\/spec-validator\.js$/ }, (args) =>
        path.resolve(args.resolveDir, args.path) === path.join(PACKAGE_DIR, 'src', 'compile', 'spec-validator.js')
          ? { path: 'spec-validator', namespace: 'netspec-precompiled' }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'netspec-precompiled' }, () => {
        const contents = precompiledValidatorSource();
        if (!/\bvalidate10\b/.test(contents)) throw new BundleError('ajv named its standalone validator differently than expected');
        // resolveDir: the generated code imports ajv's small runtime helpers.
        return { contents, loader: 'js', resolveDir: PACKAGE_DIR };
      });
    },
  };
}

async function loadEsbuild(): Promise<typeof import('esbuild')> {
  try {
    return await import('esbuild');
  } catch {
    throw new BundleError('esbuild is not installed; run `npm install` in the netspec folder, then `npm run build:web`');
  }
}

/** Builds the page into `dir` (default dist/web/). The old bundle stays in place until the new one is complete. */
export async function buildWebBundle(dir: string = DEFAULT_WEB_DIR): Promise<BuildReport> {
  const started = performance.now();
  if (!existsSync(WEB_SOURCE_DIR)) {
    // An installed package: the page comes built in dist/web, without its sources.
    throw new BundleError(
      `there is no built page in ${dir}, and this installation of netspec has no page sources to build it from; leave --web-dir out to serve the page it comes with`,
    );
  }
  const esbuild = await loadEsbuild();
  const target = path.resolve(dir);
  const staging = `${target}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  try {
    mkdirSync(path.join(staging, 'wasm'), { recursive: true });
  } catch (error) {
    throw new BundleError(
      `cannot write the page's bundle to ${path.dirname(target)} (${(error as Error).message}); ` +
        'run `npm run build:web` as a user who can write there, or give --web-dir a folder you can write',
    );
  }
  try {
    const result = await esbuild.build({
      entryPoints: { app: path.join(WEB_SOURCE_DIR, 'app.ts') },
      outdir: staging,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      legalComments: 'eof',
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
      plugins: [precompiledValidator(), dataLoadersLeftOut()],
      metafile: true,
    });
    const nodeOnly = Object.keys(result.metafile.inputs).filter((f) => f.startsWith('node:'));
    if (nodeOnly.length) throw new BundleError(`the page's bundle would import Node-only modules: ${nodeOnly.join(', ')}`);
    for (const file of ['index.html', 'style.css', 'favicon.svg']) cpSync(path.join(WEB_SOURCE_DIR, file), path.join(staging, file));
    const wasmDir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    for (const file of WASM_FILES) cpSync(path.join(wasmDir, file), path.join(staging, 'wasm', file));
    writeFileSync(path.join(staging, BUILD_STAMP), `${JSON.stringify({ built: new Date().toISOString(), esbuild: esbuild.version }, null, 2)}\n`);
    rmSync(target, { recursive: true, force: true });
    try {
      renameSync(staging, target);
    } catch (error) {
      // Another build (a second `serve` starting at the same moment) finished first: keep its result.
      if (!isComplete(target)) throw error;
      rmSync(staging, { recursive: true, force: true });
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (error instanceof BundleError) throw error;
    const messages = (error as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors;
    const detail = messages?.length
      ? messages
          .slice(0, 5)
          .map((m) => (m.location ? `${m.location.file}:${m.location.line}: ${m.text}` : m.text))
          .join('\n')
      : (error as Error).message;
    throw new BundleError(`building the page failed:\n${detail}`);
  }
  const files: Record<string, number> = {};
  for (const file of [...STATIC_FILES, ...WASM_FILES.map((f) => `wasm/${f}`)]) files[file] = statSync(path.join(target, file)).size;
  return { dir: target, files, seconds: (performance.now() - started) / 1000 };
}

/** Newest modification time among the files the bundle is built from. */
function newestSource(): number {
  let newest = 0;
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile()) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  visit(path.join(PACKAGE_DIR, 'src'));
  newest = Math.max(newest, statSync(path.join(PACKAGE_DIR, 'package.json')).mtimeMs);
  return newest;
}

/** 'missing' when no complete bundle is in `dir`; 'stale' when a source file changed after it was built. */
export function bundleState(dir: string = DEFAULT_WEB_DIR): 'missing' | 'stale' | 'fresh' {
  if (!isComplete(dir)) return 'missing';
  // An installed package has the page built, and no sources to compare it with.
  if (!existsSync(WEB_SOURCE_DIR)) return 'fresh';
  return statSync(path.join(dir, BUILD_STAMP)).mtimeMs >= newestSource() ? 'fresh' : 'stale';
}

function isComplete(dir: string): boolean {
  try {
    JSON.parse(readFileSync(path.join(dir, BUILD_STAMP), 'utf8'));
  } catch {
    return false;
  }
  return STATIC_FILES.every((f) => existsSync(path.join(dir, f)));
}
