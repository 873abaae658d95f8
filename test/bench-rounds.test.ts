// runInRounds: runtimes take turns, repetitions are gathered per runtime, and a runtime that
// fails or is unavailable is not run again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInRounds } from '../src/bench/rounds.js';
import type { RuntimeResult } from '../src/bench/types.js';

const rep = (v: number) => ({ trainSamples: 64, trainSeconds: 64 / v, trainSamplesPerSec: v, inferSamples: 1, inferSeconds: 1, inferSamplesPerSec: 1 });

test('rounds interleave the runtimes and collect one repetition per round', async () => {
  const calls: string[] = [];
  let n = 0;
  const ok = (id: string) => ({
    id,
    measure: async (): Promise<RuntimeResult> => {
      calls.push(id);
      n++;
      return { id, status: 'ok', reason: 'fine', reps: [rep(n)] };
    },
  });
  const results = await runInRounds([ok('a'), ok('b')], 3, () => {});
  assert.deepEqual(calls, ['a', 'b', 'a', 'b', 'a', 'b']);
  assert.deepEqual(
    results.map((r) => r.reps.map((x) => x.trainSamplesPerSec)),
    [
      [1, 3, 5],
      [2, 4, 6],
    ],
  );
});

test('an unavailable runtime is asked once; a later failure keeps the repetitions done and is reported', async () => {
  const calls: string[] = [];
  let round = 0;
  const results = await runInRounds(
    [
      {
        id: 'gone',
        measure: async () => {
          calls.push('gone');
          return { id: 'gone', status: 'unavailable', reason: 'not installed', reps: [] };
        },
      },
      {
        id: 'flaky',
        measure: async () => {
          calls.push('flaky');
          round++;
          return round === 2
            ? { id: 'flaky', status: 'failed', reason: 'exit code 1', reps: [] }
            : { id: 'flaky', status: 'ok', reason: 'fine', reps: [rep(10)] };
        },
      },
    ],
    3,
    () => {},
  );
  assert.deepEqual(calls, ['gone', 'flaky', 'flaky']);
  assert.equal(results[0]!.status, 'unavailable');
  assert.equal(results[1]!.status, 'failed');
  assert.match(results[1]!.reason, /^round 2: exit code 1$/);
  assert.equal(results[1]!.reps.length, 1);
});
