// The server behind `netspec serve`, over real HTTP: what it hands out, what it refuses (paths
// out of its folders however they are spelt, links leading out, other host names, other
// sites), and saving a spec with the checks and files of `netspec compile`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { liveModelProblems } from '../src/train/live-model.js';
import { compileSpecText } from '../src/compile/index.js';
import { formatDiagnostic } from '../src/compile/diagnostics.js';
import { loadSplit } from '../src/data/datasets.js';
import { startServer, type RunningServer } from '../src/serve/server.js';
import { ROOT, runCli, tempDir } from './helpers.js';

const SECRET = 'the secret outside every served folder';
const project = tempDir();
const specsDir = join(project, 'specs');
const runDir = join(project, 'runs', 'digits', 'run');
const webDir = join(project, 'web');
let withRun: RunningServer;
let withoutRun: RunningServer;

before(async () => {
  mkdirSync(specsDir);
  for (const spec of ['mnist-cnn.yaml', 'lenet5.yaml']) cpSync(join(ROOT, 'specs', spec), join(specsDir, spec));
  for (const file of ['mnist-cnn.ts', 'lenet5.ts', 'keras/mnist_cnn.py', 'keras/lenet5.py', 'pytorch/mnist_cnn.py', 'pytorch/lenet5.py']) {
    cpSync(join(ROOT, 'generated', file), join(project, 'generated', file), { recursive: true });
  }
  writeFileSync(join(project, 'secret.txt'), SECRET);
  // Links out of the specs folder; removed after the test of refused paths, as compile would trip on them.
  symlinkSync(join(project, 'secret.txt'), join(specsDir, 'escape.yaml'));
  symlinkSync(join(project, 'nowhere.yaml'), join(specsDir, 'dangling.yaml'));
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'model.json'), '{"modelTopology":{}}');
  writeFileSync(
    join(runDir, 'dataset.json'),
    JSON.stringify({
      ref: { kind: 'mnist' },
      specDir: specsDir,
      options: { limit: 100, testLimit: 50 },
      source: 'mnist',
      prepared: { classes: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'], sampleShape: [28, 28, 1] },
    }),
  );
  symlinkSync(join(project, 'secret.txt'), join(runDir, 'escape.bin'));
  mkdirSync(join(webDir, 'wasm'), { recursive: true });
  writeFileSync(join(webDir, 'index.html'), '<meta name="csp-nonce" content="{{csp-nonce}}"><p>page</p>');
  writeFileSync(join(webDir, 'app.js'), 'console.log(1)');
  writeFileSync(join(webDir, 'style.css'), 'p {}');
  writeFileSync(join(webDir, 'wasm', 'x.wasm'), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(join(webDir, 'build.json'), '{}');
  const specs = { dir: specsDir, outDir: join(project, 'generated'), display: 'specs', liveCheck: liveModelProblems };
  withRun = await startServer({ host: '127.0.0.1', port: 0, webDir, specs, run: { dir: runDir, shown: 'runs/digits/run' } });
  withoutRun = await startServer({ host: '127.0.0.1', port: 0, webDir, specs });
});

after(async () => {
  await withRun?.close();
  await withoutRun?.close();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request: the path goes out exactly as written (no normalising of . or ..). */
function fetchRaw(
  server: RunningServer,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: Uint8Array | string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // agent: false: a fresh connection each time, as the server shares this process and spawnSync stalls it.
    const req = request({ host: '127.0.0.1', port: server.port, path, method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const put = (path: string, body: Uint8Array | string, headers: Record<string, string> = {}): Promise<Reply> =>
  fetchRaw(withRun, path, { method: 'PUT', body, headers: { 'Content-Type': 'text/yaml', ...headers } });

test('the page comes with a strict Content-Security-Policy and a nonce that is new on every load', async () => {
  const [first, second] = [await fetchRaw(withRun, '/'), await fetchRaw(withRun, '/')];
  for (const reply of [first, second]) {
    assert.equal(reply.status, 200);
    const nonce = /content="([^"]+)"/.exec(reply.body)?.[1];
    assert.ok(nonce && nonce.length >= 22, reply.body);
    const csp = String(reply.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.ok(csp.includes(`style-src 'self' 'nonce-${nonce}'`), csp);
    assert.match(csp, /connect-src 'self'/);
    assert.equal(reply.headers['x-content-type-options'], 'nosniff');
  }
  assert.notEqual(/content="([^"]+)"/.exec(first.body)?.[1], /content="([^"]+)"/.exec(second.body)?.[1]);
  const script = await fetchRaw(withRun, '/assets/app.js');
  assert.equal(script.status, 200);
  assert.match(String(script.headers['content-type']), /^text\/javascript/);
  assert.equal((await fetchRaw(withRun, '/assets/wasm/x.wasm')).headers['content-type'], 'application/wasm');
  // build.json is in the bundle folder but not on the list of assets.
  assert.equal((await fetchRaw(withRun, '/assets/build.json')).status, 404);
});

test('specs are listed and read as they are on disk; links leading out are not listed', async () => {
  const list = JSON.parse((await fetchRaw(withRun, '/api/specs')).body) as { folder: string; specs: string[] };
  assert.deepEqual(list, { folder: 'specs', specs: ['lenet5.yaml', 'mnist-cnn.yaml'] });
  const spec = await fetchRaw(withRun, '/api/specs/mnist-cnn.yaml');
  assert.equal(spec.status, 200);
  assert.equal(spec.body, readFileSync(join(specsDir, 'mnist-cnn.yaml'), 'utf8'));
});

test('paths out of the served folders are refused however they are written, and nothing outside is read', async () => {
  const attempts = [
    '/api/specs/../secret.txt',
    '/api/specs/..%2fsecret.txt',
    '/api/specs/%2e%2e%2fsecret.txt',
    '/api/specs/%2E%2E/secret.txt',
    '/api/specs/..%5csecret.txt',
    '/api/specs/%2fetc%2fpasswd',
    '/api/specs/escape.yaml',
    '/api/specs/dangling.yaml',
    '/api/specs/.hidden.yaml',
    '/api/specs/x%00.yaml',
    '/api/specs/secret.txt',
    '/api/specs/..',
    '/api/specs/%',
    '/run/../../../secret.txt',
    '/run/..%2f..%2f..%2fsecret.txt',
    '/run/escape.bin',
    '/run//etc/passwd',
    '/run/%2fetc%2fpasswd',
    '/assets/../../secret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/assets/index.html/..',
    '//etc/passwd',
    '/../secret.txt',
    '/api/specs/mnist-cnn.yaml/../../secret.txt',
    'http://127.0.0.1/../secret.txt',
  ];
  for (const path of attempts) {
    const reply = await fetchRaw(withRun, path);
    assert.ok([400, 403, 404].includes(reply.status), `${path}: ${reply.status}`);
    assert.ok(!reply.body.includes(SECRET), `${path} leaked the file`);
    assert.match(reply.body, /^\{"error":"/, `${path}: a plain JSON error`);
  }
  for (const path of ['/api/specs/escape.yaml', '/api/specs/..%2fsecret.yaml', '/api/specs/dangling.yaml', '/api/specs/sub%2fx.yaml']) {
    const reply = await put(path, 'name: x\n');
    assert.equal(reply.status, 403, path);
  }
  assert.equal(readFileSync(join(project, 'secret.txt'), 'utf8'), SECRET);
  assert.equal(existsSync(join(project, 'nowhere.yaml')), false, 'a dangling link is not written through');
  for (const link of ['escape.yaml', 'dangling.yaml']) unlinkSync(join(specsDir, link));
});

test('requests naming another host, and saves from another site, are turned away', async () => {
  const rebound = await fetchRaw(withRun, '/api/specs', { headers: { Host: 'attacker.example' } });
  assert.equal(rebound.status, 421);
  assert.ok(!rebound.body.includes('mnist-cnn'));
  const text = readFileSync(join(specsDir, 'mnist-cnn.yaml'), 'utf8');
  for (const headers of [{ Origin: 'http://attacker.example' }, { 'Sec-Fetch-Site': 'cross-site' }] as Array<Record<string, string>>) {
    assert.equal((await put('/api/specs/mnist-cnn.yaml', 'name: x\n', headers)).status, 403);
  }
  assert.equal(readFileSync(join(specsDir, 'mnist-cnn.yaml'), 'utf8'), text);
  assert.equal((await fetchRaw(withRun, '/api/specs/mnist-cnn.yaml', { method: 'DELETE' })).status, 405);
  assert.equal((await fetchRaw(withRun, '/', { method: 'POST' })).status, 405);
  assert.equal((await fetchRaw(withRun, '/run/model.json', { method: 'PUT', body: '{}' })).status, 405);
});

test('a spec with errors is not saved: the page gets the messages compile prints, and the file is untouched', async () => {
  const file = join(specsDir, 'mnist-cnn.yaml');
  const before = readFileSync(file, 'utf8');
  const broken = before.replace('kernel: 3', 'kernel: -3').replace('units: 64', 'units: sixty');
  const reply = await put('/api/specs/mnist-cnn.yaml', broken);
  assert.equal(reply.status, 200);
  const result = JSON.parse(reply.body) as { saved: boolean; diagnostics: string[] };
  const expected = compileSpecText('specs/mnist-cnn.yaml', broken);
  assert.ok(!expected.ok);
  assert.deepEqual(result, { saved: false, diagnostics: expected.diagnostics.map(formatDiagnostic) });
  assert.equal(result.diagnostics.length, 2);
  // The same lines as the command line prints for that text.
  const scratch = tempDir();
  mkdirSync(join(scratch, 'specs'));
  writeFileSync(join(scratch, 'specs', 'mnist-cnn.yaml'), broken);
  const cli = runCli(['compile', 'specs/mnist-cnn.yaml', '--check'], scratch);
  assert.equal(cli.status, 1);
  assert.deepEqual(cli.stderr.trim().split('\n'), result.diagnostics);
  assert.equal(readFileSync(file, 'utf8'), before);
  assert.deepEqual(
    readdirSync(specsDir).filter((f) => f.endsWith('.tmp')),
    [],
  );

  const tooBig = await put('/api/specs/mnist-cnn.yaml', new Uint8Array(1024 * 1024 + 1).fill(35));
  assert.equal(tooBig.status, 413);
  const notUtf8 = JSON.parse((await put('/api/specs/mnist-cnn.yaml', new Uint8Array([110, 97, 109, 101, 58, 32, 0xff]))).body) as {
    saved: boolean;
    diagnostics: string[];
  };
  assert.equal(notUtf8.saved, false);
  assert.match(notUtf8.diagnostics[0]!, /^specs\/mnist-cnn\.yaml:1:1: the spec is not valid UTF-8/);
  const clash = JSON.parse((await put('/api/specs/copy.yaml', before)).body) as { saved: boolean; diagnostics: string[] };
  assert.deepEqual(clash, {
    saved: false,
    diagnostics: ["specs/copy.yaml:1:1: name 'mnist-cnn' is also used by specs/mnist-cnn.yaml; each spec needs its own name"],
  });
  assert.equal(existsSync(join(specsDir, 'copy.yaml')), false);
  assert.equal(readFileSync(file, 'utf8'), before);
});

test('saving a good spec writes it and its generated files, so compile --check agrees with the folder', async () => {
  const file = join(specsDir, 'mnist-cnn.yaml');
  // A dense layer of 32 units instead of 64: 576 * 32 + 32 and 32 * 10 + 10 parameters.
  const changed = readFileSync(file, 'utf8')
    .replace('units: 64', 'units: 32')
    .replace('shape: [64], params: 36928', 'shape: [32], params: 18464')
    .replace('params: 650', 'params: 330')
    .replace('params: 93322', 'params: 74538');
  const reply = JSON.parse((await put('/api/specs/mnist-cnn.yaml', changed)).body) as { saved: boolean; wrote: string[] };
  assert.deepEqual(reply, {
    saved: true,
    file: 'specs/mnist-cnn.yaml',
    wrote: ['generated/mnist-cnn.ts', 'generated/keras/mnist_cnn.py', 'generated/pytorch/mnist_cnn.py'],
  });
  assert.equal(readFileSync(file, 'utf8'), changed);
  assert.match(readFileSync(join(project, 'generated', 'mnist-cnn.ts'), 'utf8'), /units: 32/);
  const check = runCli(['compile', '--check'], project);
  assert.equal(check.status, 0, check.stderr);
  // Saving the same text again writes only the spec: its generated files are already up to date.
  const again = JSON.parse((await put('/api/specs/mnist-cnn.yaml', changed)).body) as { wrote: string[] };
  assert.deepEqual(again.wrote, []);
  // A new spec file is created next to the others.
  const fresh = JSON.parse((await put('/api/specs/small.yaml', changed.replace('name: mnist-cnn', 'name: small'))).body) as { saved: boolean; wrote: string[] };
  assert.deepEqual(fresh.wrote, ['generated/small.ts', 'generated/keras/small.py', 'generated/pytorch/small.py']);
  assert.equal(runCli(['compile', '--check'], project).status, 0);
});

test('the run folder: its description with class names, its files read-only, and a fixed sample of its test split', async () => {
  assert.deepEqual(JSON.parse((await fetchRaw(withoutRun, '/api/run')).body), { run: null });
  assert.equal((await fetchRaw(withoutRun, '/run/model.json')).status, 404);
  assert.equal((await fetchRaw(withoutRun, '/api/run/test-sample')).status, 404);

  const { run } = JSON.parse((await fetchRaw(withRun, '/api/run')).body) as { run: { dir: string; classes: string[]; source: string } };
  assert.equal(run.dir, 'runs/digits/run');
  assert.equal(run.classes[7], 'seven');
  assert.equal((await fetchRaw(withRun, '/run/model.json')).body, '{"modelTopology":{}}');

  const sample = JSON.parse((await fetchRaw(withRun, '/api/run/test-sample')).body) as {
    shape: number[];
    count: number;
    total: number;
    indices: number[];
    labels: number[];
    pixels: string;
  };
  const { split } = await loadSplit({ kind: 'mnist' }, specsDir, 'test', 50);
  assert.deepEqual([sample.shape, sample.count, sample.total], [[28, 28, 1], 50, 50]);
  assert.deepEqual(
    sample.labels,
    sample.indices.map((i) => split.labels[i]),
  );
  const bytes = Buffer.from(sample.pixels, 'base64');
  assert.equal(bytes.length, 50 * 784);
  const k = 17;
  const index = sample.indices[k]!;
  assert.deepEqual(
    [...bytes.subarray(k * 784, (k + 1) * 784)],
    Array.from(split.images.subarray(index * 784, (index + 1) * 784), (v) => Math.round(v * 255)),
  );
});

test('serve refuses a folder that is not a run, and a port out of range, as usage errors', () => {
  const notRun = runCli(['serve', specsDir]);
  assert.equal(notRun.status, 2);
  assert.match(notRun.stderr, /is not a run folder \(it has no model\.json\)/);
  const missing = runCli(['serve', join(project, 'nope')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /does not exist/);
  assert.equal(runCli(['serve', '--port', '70000']).status, 2);
});

test('a --specs-dir or --out-dir that is a file is refused before the page is built, and the command ends', () => {
  const web = tempDir();
  const file = join(tempDir(), 'notafolder.yaml');
  writeFileSync(file, 'name: x\n');
  for (const flag of ['--specs-dir', '--out-dir']) {
    const run = runCli(['serve', flag, file, '--web-dir', web]);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`^error: ${flag} .*notafolder\\.yaml is a file, not a folder; give a folder \\(it may not exist yet\\)$`, 'm'));
    assert.deepEqual(readdirSync(web), [], 'nothing was built');
  }
});

test('a --host that is not this machine is refused before the page is built', () => {
  const web = tempDir();
  const run = runCli(['serve', '--host', '192.0.2.1', '--web-dir', web]); // TEST-NET-1: never a local address
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /^error: 192\.0\.2\.1 is not an address of this machine; leave --host out for 127\.0\.0\.1$/m);
  assert.deepEqual(readdirSync(web), [], 'nothing was built');
  assert.doesNotMatch(run.stdout, /building/);
});
