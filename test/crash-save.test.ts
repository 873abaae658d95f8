// kill -9 during saves: a child saves a model in a loop and is SIGKILLed at seeded random
// moments. Every time, the folder must load as one complete save (model.json and the weights
// it names from the same save, old or new), and the next save must clear what the kill left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../src/train/rng.js';
import { loadModelFromDir, readModelJson } from '../src/train/model-io.js';
import { ROOT, tempDir } from './helpers.js';

const SCRIPT = join(ROOT, 'test', 'fixtures', 'scripts', 'save-loop.ts');
const KILLS = 5;

/** Starts the save loop (endless unless `count` is given), reporting each completed save. */
function startLoop(dir: string, start: number, onSaved: (n: number) => void, count?: number) {
  const args = [SCRIPT, dir, String(start), ...(count === undefined ? [] : [String(count)])];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let buffered = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('saved ')) onSaved(Number(line.slice(6)));
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, exited };
}

test(`SIGKILL at ${KILLS} random moments during saves never leaves a torn model`, async () => {
  await tf.setBackend('cpu');
  const dir = tempDir();
  const rng = mulberry32(99);
  let start = 1;
  const outcomes: string[] = [];
  for (let round = 0; round < KILLS; round++) {
    let lastSaved = 0;
    let firstSave!: () => void;
    const saved = new Promise<void>((resolve) => (firstSave = resolve));
    const { child, exited } = startLoop(dir, start, (n) => {
      lastSaved = n;
      firstSave();
    });
    await saved;
    // 0-40 ms after a completed save: lands at different steps of the next save.
    await new Promise((resolve) => setTimeout(resolve, Math.floor(rng() * 40)));
    child.kill('SIGKILL');
    const { signal, stderr } = await exited;
    assert.equal(signal, 'SIGKILL', `the loop ended by itself: ${stderr}`);

    const meta = (await readModelJson(dir)).userDefinedMetadata as { save: number };
    const model = await loadModelFromDir(dir);
    const values = new Set(model.getWeights().flatMap((w) => [...new Set(w.dataSync())]));
    model.dispose();
    // Weights all equal the save number recorded in model.json: the two come from one save.
    assert.deepEqual([...values], [meta.save], `model.json says save ${meta.save} but the weights hold ${[...values]}`);
    assert.ok(meta.save === lastSaved || meta.save === lastSaved + 1, `loaded save ${meta.save}, last reported ${lastSaved}`);
    outcomes.push(meta.save === lastSaved ? 'previous' : 'new');
    start = lastSaved + 100; // the next round's saves are distinguishable from this one's
  }
  console.log(`# kill -9 outcomes: ${outcomes.join(', ')}`);

  // One clean save afterwards removes orphaned weights and the killed writers' temp files.
  const { exited } = startLoop(dir, 10_000, () => undefined, 1);
  assert.equal((await exited).code, 0);
  const files = readdirSync(dir).sort();
  const named = (await readModelJson(dir)).weightsManifest[0]!.paths.map((p) => p.replace('./', ''));
  assert.deepEqual(files, ['model.json', ...named].sort(), 'only model.json and the weights it names remain');
});
