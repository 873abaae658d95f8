// Seeded randomness for the training loop. Math.random cannot be seeded, and tf's own
// model.fit shuffles with it, which is why training uses its own loop and these helpers:
// the same seed must give the same batch order, hence the same metrics, on a given backend.

/** A function returning uniform floats in [0, 1). */
export type Rng = () => number;

/**
 * mulberry32: a tiny, fast 32-bit generator with good enough statistics for shuffling.
 * Chosen over seedrandom's heavier generators because shuffling needs no cryptographic quality.
 */
export function mulberry32(seed: number): StatefulRng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // The whole state is one uint32, and mulberry32(state()) continues the same sequence:
  // that is what a checkpoint saves to rebuild the same shuffles after a resume.
  return Object.assign(next, { state: () => state });
}

/** An Rng whose position can be saved: mulberry32(rng.state()) continues where it is. */
export type StatefulRng = Rng & { state(): number };

/** A uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Fisher-Yates shuffle in place: every permutation equally likely given a uniform rng. */
export function shuffleInPlace(items: Uint32Array | number[], rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
}

/** 0..n-1 in a seeded random order. */
export function shuffledIndices(n: number, rng: Rng): Uint32Array {
  const indices = new Uint32Array(n);
  for (let i = 0; i < n; i++) indices[i] = i;
  shuffleInPlace(indices, rng);
  return indices;
}
