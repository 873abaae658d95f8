// Runtimes take turns: each round measures every runtime once, in its own fresh process, and
// a runtime's figure is the median over rounds. On a shared machine the speed available drifts
// over minutes; measuring all repetitions of one runtime and then all of the next would turn
// that drift into a difference between runtimes. Interleaved, each ratio compares
// measurements taken a few seconds apart.
import type { RuntimeResult } from './types.js';

export interface Contender {
  id: string;
  /** One repetition in a fresh process. */
  measure: () => Promise<RuntimeResult>;
}

/**
 * `rounds` rounds over `contenders` (in the given order, which should put the runtimes
 * compared most closely next to each other). A runtime that is unavailable or fails is not
 * run again; its first outcome, with the repetitions it did complete, is what is reported.
 */
export async function runInRounds(contenders: readonly Contender[], rounds: number, log: (line: string) => void): Promise<RuntimeResult[]> {
  const results = new Map<string, RuntimeResult>();
  for (let round = 1; round <= rounds; round++) {
    for (const c of contenders) {
      const sofar = results.get(c.id);
      if (sofar && sofar.status !== 'ok') continue;
      log(`round ${round}/${rounds}: measuring ${c.id}...`);
      const result = await c.measure();
      if (!sofar) results.set(c.id, result);
      else if (result.status === 'ok') sofar.reps.push(...result.reps);
      else results.set(c.id, { ...sofar, status: result.status, reason: `round ${round}: ${result.reason}` });
    }
  }
  return contenders.map((c) => results.get(c.id)!);
}
