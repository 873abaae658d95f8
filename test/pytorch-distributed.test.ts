// The generated training program on a real distributed engine: torchrun with 2 processes on the
// loopback address, both ending with identical weights, the checkpoint imported into netspec and
// evaluated to the accuracy PyTorch printed. Then what goes wrong: a rank that dies, a port
// already in use, no torch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { readCheckpointTensors } from '../src/interop/torch-files.js';
import { ROOT, runCli, tempDir } from './helpers.js';
import { torchForTests } from './torch-helpers.js';

const torch = torchForTests();
const PROGRAM = join(ROOT, 'generated', 'pytorch', 'mnist_cnn.py');

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function finished(child: ChildProcess): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Processes whose command line mentions `marker`, with the RANK torchrun gave them. */
function processesOf(marker: string): Array<{ pid: number; rank?: string }> {
  const found = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) continue;
      const rank = /(?:^|\0)RANK=(\d+)\0/.exec(readFileSync(`/proc/${entry}/environ`, 'utf8'))?.[1];
      found.push({ pid: Number(entry), ...(rank !== undefined ? { rank } : {}) });
    } catch {
      // The process ended while it was being looked at.
    }
  }
  return found;
}

/** The program's own digest of a state_dict: each floating tensor's name and float32 bytes, in order. */
function digestOf(tensors: Awaited<ReturnType<typeof readCheckpointTensors>>['tensors']): string {
  const hash = createHash('sha256');
  for (const t of tensors.filter((t) => /^(float|double|half|bfloat)/.test(t.dtype))) {
    hash.update(t.key);
    hash.update(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest('hex');
}

test(
  'torchrun with 2 processes: identical weights on both, and netspec evaluates the imported checkpoint to the accuracy PyTorch printed',
  { skip: torch.skip, timeout: 600_000 },
  async () => {
    const out = join(tempDir(), 'torch-run');
    const runs = tempDir();
    const port = await freePort();
    // torchrun itself, as `python -m torch.distributed.run` so that it is the Python that has torch.
    // --redirects/--tee name a rank that does not exist, meaning "no redirection": Debian's torchrun
    // (PyTorch 1.13 on Python 3.11) cannot parse its own default "0".
    const torchrun = spawn(
      torch.python!,
      [
        '-m',
        'torch.distributed.run',
        '--nproc_per_node=2',
        '--master_addr=127.0.0.1',
        `--master_port=${port}`,
        '--redirects=2:0',
        '--tee=2:0',
        PROGRAM,
        '--epochs',
        '1',
        '--limit',
        '4096',
        '--out',
        out,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const run = await finished(torchrun);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /2 process\(es\) \(gloo, cpu/);

    const digests = [...run.stdout.matchAll(/^rank (\d) of 2: weights sha256 ([0-9a-f]{64})$/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(digests.map(([rank]) => rank).sort(), ['0', '1'], run.stdout);
    assert.equal(digests[0]![1], digests[1]![1], 'the two processes end with different weights');
    const checkpoint = join(out, 'checkpoint.pt');
    const read = await readCheckpointTensors(checkpoint, torch.python);
    assert.equal(digestOf(read.tensors), digests[0]![1], 'the checkpoint does not hold the weights the processes ended with');
    assert.equal((read.meta as { training: { processes: number } }).training.processes, 2);
    assert.deepEqual(readdirSync(out), ['checkpoint.pt'], 'a temporary file was left behind');

    const printed = /^Test: loss (\d+\.\d{4}) {2}accuracy (\d+\.\d{2})% on 10,000 samples$/m.exec(run.stdout);
    assert.ok(printed, run.stdout);
    const imported = runCli(['import-torch', 'specs/mnist-cnn.yaml', checkpoint, '--out', runs]);
    assert.equal(imported.status, 0, imported.stderr);
    assert.match(imported.stdout, /PyTorch reported: loss \d+\.\d{4} {2}accuracy [\d.]+% \(the same accuracy\)/);
    const dir = /^run folder: (.+)$/m.exec(imported.stdout)![1]!;
    for (const file of ['model.json', 'resolved-spec.json', 'dataset.json', 'results.json', 'metrics.json', 'report.html']) {
      assert.ok(existsSync(join(dir, file)), `${file} is missing from the imported run`);
    }
    const evaluated = runCli(['evaluate', dir]);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    const accuracy = /accuracy (\d+\.\d{2})% on 10,000 samples/.exec(evaluated.stdout)?.[1];
    assert.equal(accuracy, printed[2], `PyTorch printed ${printed[2]}%, netspec evaluate ${accuracy}%`);
    assert.match(evaluated.stdout, /reproduced: loss, accuracy and confusion matrix equal the saved results exactly/);
    const loss = Number(/Test: loss (\d+\.\d+)/.exec(evaluated.stdout)![1]);
    assert.ok(Math.abs(loss - Number(printed[1])) <= 2e-4, `PyTorch's loss ${printed[1]} and netspec's ${loss} differ`);
    const report = runCli(['report', dir]);
    assert.equal(report.status, 0, report.stderr);
  },
);

test('a rank that dies: its exit code is passed on, the other is stopped, the last checkpoint is whole', { skip: torch.skip, timeout: 600_000 }, async () => {
  const out = join(tempDir(), 'dies');
  const port = await freePort();
  const launcher = spawn(torch.python!, [PROGRAM, '--nproc-per-node', '2', '--master-port', String(port), '--epochs', '5', '--limit', '8000', '--out', out], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ended = finished(launcher);
  const checkpoint = join(out, 'checkpoint.pt');
  const deadline = Date.now() + 300_000;
  while (!existsSync(checkpoint) && Date.now() < deadline && launcher.exitCode === null) await new Promise((r) => setTimeout(r, 200));
  assert.ok(existsSync(checkpoint), 'no checkpoint after the first epoch');
  const rank1 = processesOf(out).find((p) => p.rank === '1');
  assert.ok(rank1, 'rank 1 is not running');
  process.kill(rank1.pid, 'SIGKILL');

  const run = await ended;
  assert.equal(run.code, 128 + 9, run.stderr);
  assert.match(run.stderr, /^error: rank 1 was killed by SIGKILL; the other processes were stopped$/m);
  assert.match(run.stderr, /the last checkpoint, .*checkpoint\.pt, holds epoch \d; continue with --resume/);
  assert.doesNotMatch(run.stderr, /Traceback|^(WARNING|ERROR):/m);
  assert.deepEqual(processesOf(out), [], 'a process of the run is still alive');
  assert.deepEqual(readdirSync(out), ['checkpoint.pt'], 'a temporary file was left behind');
  const read = await readCheckpointTensors(checkpoint, torch.python);
  assert.ok(((read.meta as { epoch: number }).epoch ?? 0) >= 1);
});

test('a port already in use is said plainly, before anything starts', { skip: torch.skip, timeout: 120_000 }, async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const out = join(tempDir(), 'busy');
  try {
    const launcher = spawn(torch.python!, [PROGRAM, '--nproc-per-node', '2', '--master-port', String(port), '--epochs', '1', '--out', out], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run = await finished(launcher);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(
      run.stderr.trim(),
      `error: port ${port} on 127.0.0.1 is already in use (another training run or program holds it); choose a free one with --master-port`,
    );
    assert.ok(!existsSync(out), 'a run folder was made');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('without torch: the program and netspec name the package to install', { skip: torch.skip, timeout: 120_000 }, () => {
  // -S leaves out site-packages, where Debian's torch lives: a Python without torch.
  const program = spawnSync(torch.python!, ['-S', PROGRAM, '--epochs', '1'], { encoding: 'utf8' });
  assert.equal(program.status, 1);
  assert.match(
    program.stderr,
    /^error: this program needs PyTorch, which .* cannot import \(No module named 'torch'\); on Debian or Ubuntu: apt-get install python3-torch/,
  );
  const bare = join(tempDir(), 'python-without-torch');
  writeFileSync(bare, `#!/bin/sh\nexec ${torch.python} -S "$@"\n`);
  chmodSync(bare, 0o755);
  const cli = runCli(['import-torch', 'specs/mnist-cnn.yaml', PROGRAM, '--python', bare]);
  assert.equal(cli.status, 1);
  assert.match(
    cli.stderr,
    /^error: reading and writing PyTorch files needs PyTorch: no Python here can import torch \(.*No module named 'torch'\); install PyTorch for it \(on Debian or Ubuntu: apt-get install python3-torch\)/,
  );
  assert.doesNotMatch(cli.stderr, /\n\s+at /);
});

test('a torch that is there but does not import is named in one plain line', { skip: torch.skip, timeout: 120_000 }, () => {
  // netspec only looks for torch before running its helper (importing it takes seconds); the
  // helper's own import then fails, as a torch with a missing library would.
  const fake = join(tempDir(), 'site');
  mkdirSync(join(fake, 'torch'), { recursive: true });
  writeFileSync(join(fake, 'torch', '__init__.py'), 'raise ImportError("libtorch_cpu.so: cannot open shared object file")\n');
  const cli = runCli(['import-torch', 'specs/mnist-cnn.yaml', PROGRAM, '--python', torch.python!], ROOT, { PYTHONPATH: fake });
  assert.equal(cli.status, 1);
  assert.equal(
    cli.stderr.trim(),
    `error: ${torch.python} cannot import torch (libtorch_cpu.so: cannot open shared object file); on Debian or Ubuntu: apt-get install python3-torch`,
  );
});

test('with no Python at all, netspec says what to install', () => {
  const cli = runCli(['import-torch', 'specs/mnist-cnn.yaml', PROGRAM, '--python', '/nonexistent/python3']);
  assert.equal(cli.status, 1);
  assert.equal(
    cli.stderr.trim(),
    'error: reading and writing PyTorch files needs PyTorch: no Python here can import torch (/nonexistent/python3: not found); ' +
      'install Python and PyTorch (on Debian or Ubuntu: apt-get install python3-torch), or name one with --python',
  );
});
