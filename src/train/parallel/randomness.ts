// Randomness inside a replica: dropout masks. tfjs draws each mask from a generator seeded by
// Math.random() (tf.randomUniform without a seed), and a worker thread has a Math.random of its
// own, so a replica seeds that one: replica i of a run with seed s draws from
// mulberry32(replicaSeed(s, i)). Its masks are then reproducible (the same seed and number of
// replicas give the same run) and differ between replicas, so the two halves of a batch do not
// share one pattern, as one process's mask over the whole batch would not. A replica applies
// its mask to its own shard only, which is what a mask over the whole batch does to those rows.

import { mulberry32 } from '../rng.js';

/** The seed of replica `index`'s stream: well apart for neighbouring indices and seeds. */
export function replicaSeed(seed: number, index: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
}

/** Makes Math.random on this thread replica `index`'s seeded stream (call before the first step). */
export function seedReplicaRandom(seed: number, index: number): void {
  Math.random = mulberry32(replicaSeed(seed, index));
}
