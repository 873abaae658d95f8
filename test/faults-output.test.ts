// Outputs that cannot be written, inputs that are not files, and what the CLI says about any
// other failure: one plain line naming the path and what to do, exit 1, nothing left behind,
// and never a hang or a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailure, reportFailure } from '../src/cli/errors.js';
import { CLI, runCli, tempDir } from './helpers.js';
import { assertPlainFailure, project, specText } from './train-faults-helpers.js';

const canMkfifo = spawnSync('mkfifo', ['--version']).status === 0;

/** A project with one small spec, and a plain file in the way at `afile`. */
function compileProject(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'quarters.yaml'), specText());
  writeFileSync(join(dir, 'afile'), 'x');
  return dir;
}

test('compile and init name the path in the way when an output folder is a file, and write nothing', () => {
  const dir = compileProject();
  const cases: [string[], RegExp][] = [
    [
      ['compile', 'quarters.yaml', '-q', '--out-dir', 'afile'],
      /^error: cannot create the folder afile: already exists and is not a folder \(EEXIST\); choose another path/m,
    ],
    [
      ['compile', 'quarters.yaml', '-q', '--report-dir', 'afile/sub'],
      /^error: cannot create the folder afile: a part of the path is not a folder \(ENOTDIR\)/m,
    ],
    [['init', 'my-net', '--specs-dir', 'afile'], /^error: cannot create the folder afile: already exists and is not a folder/m],
  ];
  for (const [args, message] of cases) {
    const run = runCli(args, dir);
    assertPlainFailure(run, message);
    // --report-dir failing must not leave generated/ behind either: folders are made first.
    assert.deepEqual(readdirSync(dir).sort(), ['afile', 'quarters.yaml'], `${args.join(' ')} left files behind`);
  }
});

test('an output under /proc fails at once instead of looping forever in mkdir', () => {
  const dir = compileProject();
  for (const args of [
    ['compile', 'quarters.yaml', '-q', '--out-dir', '/proc/netspec-out'],
    ['init', 'x', '--specs-dir', '/proc/netspec-specs'],
  ]) {
    const started = Date.now();
    const run = runCli(args, dir);
    assertPlainFailure(run, /cannot create the folder \/proc\/netspec-\w+: operation not permitted/);
    assert.ok(Date.now() - started < 30_000, 'returned promptly');
  }
  const { dir: trainDir, spec } = project();
  assertPlainFailure(
    runCli(['train', spec, '--backend', 'cpu', '--out', '/proc'], trainDir),
    /cannot create the folder \/proc\/quarters: operation not permitted/,
  );
});

test('a reader that closes the pipe early (| head) is not an error: the command finishes its files and exits 0', async () => {
  const dir = compileProject();
  const child = spawn(process.execPath, [CLI, 'compile', 'quarters.yaml'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  // Closing our end before the command prints anything makes its every write to stdout fail with EPIPE.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((done) => child.on('close', done));
  assert.equal(stderr, '');
  assert.equal(status, 0);
  assert.equal(existsSync(join(dir, 'generated', 'quarters.ts')), true, 'the generated files are still written');
});

test('a spec that cannot be reached says why: missing, a link to nothing, a link that loops', () => {
  const dir = compileProject();
  symlinkSync('gone.yaml', join(dir, 'dangling.yaml'));
  symlinkSync('loop-b.yaml', join(dir, 'loop-a.yaml'));
  symlinkSync('loop-a.yaml', join(dir, 'loop-b.yaml'));
  for (const [file, message] of [
    ['missing.yaml', /^error: spec file missing\.yaml does not exist$/m],
    ['dangling.yaml', /^error: spec file dangling\.yaml is a symbolic link to gone\.yaml, which does not exist$/m],
    ['loop-a.yaml', /^error: spec file loop-a\.yaml: has too many levels of symbolic links .*\(ELOOP\); fix the link, or give the real path$/m],
  ] as const) {
    for (const command of ['compile', 'train']) {
      const run = runCli([command, file], dir);
      assert.equal(run.status, 2, `${command} ${file}: ${run.stderr}`);
      assert.match(run.stderr, message, `${command} ${file}`);
    }
  }
});

test('a generated file that is a folder fails its spec only; the next spec still compiles', () => {
  const dir = compileProject();
  writeFileSync(join(dir, 'other.yaml'), specText().replace('name: quarters', 'name: other'));
  mkdirSync(join(dir, 'generated', 'quarters.ts'), { recursive: true });
  const run = runCli(['compile', 'quarters.yaml', 'other.yaml', '-q', '--no-report'], dir);
  assertPlainFailure(run, /^error: generated\/quarters\.ts: is a folder, not a regular file/m);
  assert.ok(existsSync(join(dir, 'generated', 'other.ts')), 'the other spec was written');
});

test('init --force refuses to replace something that is not a file', (t) => {
  const dir = compileProject();
  mkdirSync(join(dir, 'specs', 'my-net.yaml'), { recursive: true });
  assertPlainFailure(runCli(['init', 'my-net', '--force'], dir), /^error: cannot write specs\/my-net\.yaml: it is a folder, not a file/m);
  if (!canMkfifo) return t.skip('mkfifo is not available');
  spawnSync('mkfifo', [join(dir, 'specs', 'pipe-net.yaml')]);
  assertPlainFailure(runCli(['init', 'pipe-net', '--force'], dir), /it is a named pipe, not a file/);
});

test('specs and IDX files that are devices, pipes or folders are refused unread', (t) => {
  const { dir, spec } = project();
  symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
  const zero = runCli(['compile', 'zero.yaml', '-q', '--no-report'], dir);
  assert.equal(zero.status, 1, zero.stderr);
  assert.match(zero.stderr, /zero\.yaml:1:1: cannot read the spec file: is a character device, not a regular file; give the path of a spec file/);
  // An IDX file linked to /dev/urandom would otherwise be read until memory runs out.
  const images = join(dir, 'data', 'train-images-idx3-ubyte');
  const saved = join(dir, 'images.bak');
  spawnSync('mv', [images, saved]);
  symlinkSync('/dev/urandom', images);
  assertPlainFailure(runCli(['train', spec, '--backend', 'cpu', '--out', 'runs'], dir), /train-images-idx3-ubyte: is a character device, not a regular file/);
  assert.equal(existsSync(join(dir, 'runs')), false, 'no run folder for data that could not be read');
  if (!canMkfifo) return t.skip('mkfifo is not available');
  spawnSync('mkfifo', [join(dir, 'pipe.yaml')]);
  const pipe = runCli(['train', 'pipe.yaml', '--backend', 'cpu'], dir);
  assert.equal(pipe.status, 1, pipe.stderr);
  assert.match(pipe.stderr, /pipe\.yaml:1:1: cannot read the spec file: is a named pipe/);
});

test('any other error is one "internal error" line with a hint; the trace only with NETSPEC_DEBUG=1', (t) => {
  const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
  const failure = describeFailure(bug);
  assert.equal(failure.exitCode, 1);
  assert.match(
    failure.message,
    /^internal error: Cannot read properties of undefined \(reading 'x'\)\nThis is a bug in netspec, not in your input; .*NETSPEC_DEBUG=1/,
  );
  // File-system errors from anywhere are the user's to fix, in plain words.
  const fs = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path: 'runs/x/.model.json.12.ab.tmp' });
  assert.deepEqual(describeFailure(fs), {
    exitCode: 1,
    message: 'cannot write runs/x/model.json: no space left on the device (ENOSPC); free some space, or choose another disk',
  });
  assert.equal(describeFailure(new RangeError('Array buffer allocation failed')).message.startsWith('out of memory'), true);
  // A batch too large for the wasm heap, in one process or in a replica.
  for (const error of [
    new WebAssembly.RuntimeError('memory access out of bounds'),
    new Error('parallel worker failed: RuntimeError: memory access out of bounds'),
  ]) {
    const wasm = describeFailure(error);
    assert.equal(wasm.exitCode, 1);
    assert.match(wasm.message, /^the wasm backend ran out of memory \(.*memory access out of bounds\): .*use a smaller --batch-size/);
    assert.doesNotMatch(wasm.message, /\n/);
  }

  const written: string[] = [];
  t.mock.method(process.stderr, 'write', (chunk: string) => (written.push(chunk), true));
  const before = process.env.NETSPEC_DEBUG;
  try {
    delete process.env.NETSPEC_DEBUG;
    assert.equal(reportFailure(bug), 1);
    assert.doesNotMatch(written.join(''), /\n\s+at /, 'no trace by default');
    written.length = 0;
    process.env.NETSPEC_DEBUG = '1';
    reportFailure(bug);
    assert.match(written.join(''), /\n\s+at /, 'the trace with NETSPEC_DEBUG=1');
  } finally {
    if (before === undefined) delete process.env.NETSPEC_DEBUG;
    else process.env.NETSPEC_DEBUG = before;
  }
});
