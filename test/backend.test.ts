// Backend selection as a function of the machine's situation: tfjs-node missing, installed,
// installed without its native binary, or failing otherwise; wasm failing too. The situations are
// played with stand-in loaders, so these tests expect the same on every machine; the real
// loaders are checked where they do not depend on what is installed (wasm and cpu ship with npm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { readdirSync } from 'node:fs';
import { nodeUnavailableReason, selectBackend, type BackendLoaders } from '../src/backend/select.js';

/** The errors each situation really produces (Node 20's ESM loader; tfjs-node 4.22's binding check). */
const MISSING_PACKAGE = Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node' imported from /app/src/backend/select.ts"), {
  code: 'ERR_MODULE_NOT_FOUND',
});
const MISSING_BINARY = new Error(
  'The Node.js native addon module (tfjs_binding.node) can not be found at path: /app/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node. \n' +
    "Please run command 'npm rebuild @tensorflow/tfjs-node --build-addon-from-source' to rebuild the native addon module.",
);
const MISSING_DEPENDENCY = Object.assign(
  new Error("Cannot find module 'node-fetch'\nRequire stack:\n- /app/node_modules/@tensorflow/tfjs-node/dist/index.js"),
  { code: 'MODULE_NOT_FOUND' },
);
const MISSING_LIBTENSORFLOW = new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');

/** Stand-in loaders: each either comes up or throws, and records that it was asked and with what. */
function situation(node: Error | null, wasm: Error | null = null): { loaders: BackendLoaders; asked: string[] } {
  const asked: string[] = [];
  const loaders: BackendLoaders = {
    node: async () => {
      asked.push('node');
      if (node) throw node;
    },
    wasm: async (threads) => {
      asked.push(`wasm ${threads}`);
      if (wasm) throw wasm;
      return `${threads} thread(s), SIMD on`;
    },
    cpu: async () => void asked.push('cpu'),
  };
  return { loaders, asked };
}

const quiet = { fastGradients: false, threads: 2 };

test('without a preference: tfjs-node when it loads, else wasm, else cpu, each time saying why in one line', async () => {
  const cases: [string, Error | null, Error | null, string, RegExp, string[]][] = [
    ['tfjs-node installed', null, null, 'tensorflow', /^tfjs-node is installed; using native TensorFlow$/, ['node']],
    [
      'tfjs-node not installed',
      MISSING_PACKAGE,
      null,
      'wasm',
      /^tfjs-node not installed \(optional dependency\); using wasm \(2 thread\(s\), SIMD on\)$/,
      ['node', 'wasm 2'],
    ],
    [
      'tfjs-node without its binary',
      MISSING_BINARY,
      null,
      'wasm',
      /^tfjs-node is installed without its native binary \(The Node\.js native addon module \(tfjs_binding\.node\) can not be found .*\); using wasm/,
      ['node', 'wasm 2'],
    ],
    [
      'a dependency of tfjs-node missing',
      MISSING_DEPENDENCY,
      null,
      'wasm',
      /^tfjs-node failed to load \(Cannot find module 'node-fetch'\); using wasm/,
      ['node', 'wasm 2'],
    ],
    [
      'libtensorflow missing',
      MISSING_LIBTENSORFLOW,
      null,
      'wasm',
      /^tfjs-node failed to load \(libtensorflow\.so\.2: cannot open shared object file/,
      ['node', 'wasm 2'],
    ],
    [
      'neither tfjs-node nor wasm',
      MISSING_PACKAGE,
      new Error('no WebAssembly here'),
      'cpu',
      /^tfjs-node not installed .*; wasm failed \(no WebAssembly here\); using cpu \(slow\)$/,
      ['node', 'wasm 2', 'cpu'],
    ],
  ];
  for (const [label, nodeError, wasmError, name, reason, asked] of cases) {
    const s = situation(nodeError, wasmError);
    const chosen = await selectBackend(undefined, { ...quiet, loaders: s.loaders });
    assert.equal(chosen.name, name, label);
    assert.match(chosen.reason, reason, label);
    assert.doesNotMatch(chosen.reason, /\n/, `${label}: one line`);
    assert.deepEqual(s.asked, asked, `${label}: what was tried`);
  }
});

test('an explicit preference is used or refused with what to do, never swapped for another backend', async () => {
  const present = situation(null);
  assert.equal((await selectBackend('node', { ...quiet, loaders: present.loaders })).name, 'tensorflow');
  assert.deepEqual(present.asked, ['node']);
  for (const error of [MISSING_PACKAGE, MISSING_BINARY]) {
    const absent = situation(error);
    await assert.rejects(selectBackend('node', { ...quiet, loaders: absent.loaders }), (err: Error) => {
      assert.match(
        err.message,
        /^--backend node: cannot load @tensorflow\/tfjs-node \(.+\)\. It is an optional dependency with native binaries; install it, or use --backend wasm\.$/,
      );
      return true;
    });
    assert.deepEqual(absent.asked, ['node'], 'no fallback to wasm');
  }
  const noWasm = situation(null, new Error('no WebAssembly here'));
  await assert.rejects(
    selectBackend('wasm', { ...quiet, loaders: noWasm.loaders }),
    /^Error: --backend wasm: cannot initialise the wasm backend \(no WebAssembly here\)$/,
  );
  assert.deepEqual(noWasm.asked, ['wasm 2'], 'tfjs-node is not tried when wasm was asked for');
  const cpu = situation(MISSING_PACKAGE);
  assert.equal((await selectBackend('cpu', { ...quiet, loaders: cpu.loaders })).name, 'cpu');
  assert.deepEqual(cpu.asked, ['cpu']);
});

test('wasm gets one thread per core unless told otherwise', async () => {
  const s = situation(MISSING_PACKAGE);
  await selectBackend(undefined, { fastGradients: false, loaders: s.loaders });
  await selectBackend('wasm', { fastGradients: false, threads: 1, loaders: s.loaders });
  assert.deepEqual(s.asked, ['node', `wasm ${os.cpus().length}`, 'wasm 1']);
});

test("the real tfjs-node import's failure is classified as what it is on this machine", async () => {
  // Whatever is installed here: the reason must match what resolving the package says.
  let installed = true;
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
  } catch {
    installed = false;
  }
  const error = await import(['@tensorflow', 'tfjs-node'].join('/')).then(
    () => null,
    (e: unknown) => e,
  );
  if (error === null) assert.ok(installed, 'tfjs-node loaded but cannot be resolved');
  else assert.equal(nodeUnavailableReason(error) === 'tfjs-node not installed (optional dependency)', !installed, nodeUnavailableReason(error));
});

test('threaded wasm starts one thread per core from the worker file in the package, writing no script to the temp folder', async () => {
  const tempScripts = (): string[] => readdirSync(os.tmpdir()).filter((f) => /\.(c|m)?js$/.test(f));
  const scriptsBefore = tempScripts();
  // More threads than cores: tfjs starts one per core, and the reason says so rather than staying silent.
  const chosen = await selectBackend('wasm', { threads: 64 });
  assert.doesNotMatch(chosen.reason, /threaded init failed/);
  if (os.cpus().length > 1 && os.cpus().length < 64)
    assert.match(chosen.reason, new RegExp(`\\(${os.cpus().length} thread\\(s\\), one per core \\(64 asked\\), SIMD on\\)`));
  assert.deepEqual(
    tempScripts().filter((f) => !scriptsBefore.includes(f)),
    [],
    'nothing executable written to the temp folder',
  );
  assert.equal(tf.getBackend(), 'wasm');
  // The fast gradients are installed: wasm now has a filter-gradient kernel.
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
});

test('explicit cpu works', async () => {
  const chosen = await selectBackend('cpu');
  assert.equal(chosen.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.match(chosen.reason, /--backend/);
  assert.equal(
    tf.tidy(() => tf.add(1, 2).dataSync()[0]),
    3,
  );
});

test('explicit wasm works and a conv gradient runs on it', async () => {
  const chosen = await selectBackend('wasm');
  assert.equal(chosen.name, 'wasm');
  assert.match(chosen.reason, /wasm requested with --backend/);
  // The fast gradients are installed: stock wasm has no filter-gradient kernel at all.
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
  const g = tf.tidy(() => {
    const x = tf.ones([1, 5, 5, 2]) as tf.Tensor4D;
    return tf
      .grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'valid')))(tf.ones([3, 3, 2, 4]))
      .dataSync();
  });
  assert.equal(g[0], 9); // each tap sees a 3x3 window of ones
});
