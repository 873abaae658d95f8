/** selectBackend on this machine: tfjs-node is not installed, wasm is. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { selectBackend } from '../src/backend/select.js';

/** Script files in the shared temp folder: threaded wasm must not write its worker there. */
const tempScripts = (): string[] => readdirSync(os.tmpdir()).filter((f) => /\.(c|m)?js$/.test(f));

test('no preference: picks wasm and says why', async () => {
  const scriptsBefore = tempScripts();
  const chosen = await selectBackend();
  // One thread per core, started from the worker file shipped in the package.
  assert.doesNotMatch(chosen.reason, /threaded init failed/);
  if (os.cpus().length > 1) assert.match(chosen.reason, new RegExp(`${os.cpus().length} thread\\(s\\)`));
  assert.deepEqual(tempScripts().filter((f) => !scriptsBefore.includes(f)), [], 'nothing executable written to the temp folder');
  assert.equal(chosen.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.match(chosen.reason, /tfjs-node not installed/);
  assert.match(chosen.reason, /using wasm/);
  assert.doesNotMatch(chosen.reason, /\n/);
  // The fast gradients are installed: wasm now has a filter-gradient kernel.
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
});

test('explicit cpu works', async () => {
  const chosen = await selectBackend('cpu');
  assert.equal(chosen.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.match(chosen.reason, /--backend/);
  assert.equal(tf.tidy(() => tf.add(1, 2).dataSync()[0]), 3);
});

test('explicit wasm works and a conv gradient runs on it', async () => {
  const chosen = await selectBackend('wasm');
  assert.equal(chosen.name, 'wasm');
  assert.match(chosen.reason, /wasm requested with --backend/);
  const g = tf.tidy(() => {
    const x = tf.ones([1, 5, 5, 2]) as tf.Tensor4D;
    return tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'valid')))(tf.ones([3, 3, 2, 4])).dataSync();
  });
  assert.equal(g[0], 9); // each tap sees a 3x3 window of ones
});

test('explicit node fails with a clear message', async () => {
  await assert.rejects(selectBackend('node'), (err: Error) => {
    assert.match(err.message, /--backend node/);
    assert.match(err.message, /@tensorflow\/tfjs-node/);
    assert.match(err.message, /--backend wasm/);
    return true;
  });
});
