// Helpers for presenting problems found in a spec: the one-line format editors and CI logs
// understand, and "did you mean" suggestions for misspelled names.
import type { SpecDiagnostic } from '../types.js';

/** `file:line:col: message`, the format compilers use so terminals and editors can link to it. */
export function formatDiagnostic(d: SpecDiagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.message}`;
}

/** Orders diagnostics the way a reader scans a file: by line, then column. */
export function compareDiagnostics(a: SpecDiagnostic, b: SpecDiagnostic): number {
  return a.line - b.line || a.col - b.col || a.message.localeCompare(b.message);
}

/**
 * The candidate the user most likely meant by `word`, or undefined when nothing is close.
 * Checked in order of confidence: the same word in other case or spelling convention
 * (`conv2D`, `maxPool2d`, `learningRate` are the usual slips for people coming from
 * Keras or tfjs), then a small edit distance relative to the word's length.
 */
export function didYouMean(word: string, candidates: string[]): string | undefined {
  if (word.length === 0 || candidates.length === 0) return undefined;
  const normalized = normalize(word);
  const sameWord = candidates.find((c) => normalize(c) === normalized && c !== word);
  if (sameWord !== undefined) return sameWord;

  // A third of the word's length, at least 1 and at most 3 edits: enough for typos such as
  // 'filter' or 'rellu', not so much that 'tanh' suggests 'elu'.
  // A word of one or two letters is one substitution from any other short word, so it is
  // only matched by a letter added or dropped ('aa' for 'a', 'x' for 'xy'), never replaced.
  const short = word.length < 3;
  const budget = short ? 1 : Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    if (short && !contains(word.toLowerCase(), candidate.toLowerCase())) continue;
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= budget && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Whether one word is the other with letters added. */
function contains(a: string, b: string): boolean {
  return a.includes(b) || b.includes(a);
}

/** Lowercase without separators, so `max_pool2d`, `maxPool2d` and `MaxPool2D` compare equal. */
function normalize(word: string): string {
  return word.toLowerCase().replace(/[-_\s]/g, '');
}

/**
 * Edit distance counting a swap of two neighbouring letters as one edit ('stme' for 'stem'),
 * as people mistype, besides insertions, deletions and substitutions (optimal string alignment).
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const above = rows[i - 1]!;
      let best = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}
