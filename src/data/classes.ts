// Class names: found in the data (folder names, label values) or written in the spec's
// `classes`, and checked against each other and against the model's output.
import { DataError } from './errors.js';
import { listSome } from './display.js';

/** At most this many classes: labels are stored one byte per sample. */
export const MAX_CLASSES = 256;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Sorted class names: numerically when every name is a number ("2" before "10"), else by code point. */
export function sortClassNames(names: Iterable<string>): string[] {
  const unique = [...new Set(names)];
  if (unique.every((n) => NUMBER.test(n.trim()))) return unique.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
  return unique.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The class order for named classes (image folders, CSV labels): the spec's `classes` when
 * given, which must name exactly the classes found; else the found names, sorted.
 */
export function orderClasses(found: readonly string[], given: readonly string[] | undefined, where: string): string[] {
  if (found.length > MAX_CLASSES) {
    throw new DataError(`${where} has ${found.length} classes; at most ${MAX_CLASSES} are supported`);
  }
  if (!given) return sortClassNames(found);
  const missing = found.filter((c) => !given.includes(c));
  const extra = given.filter((c) => !found.includes(c));
  if (missing.length || extra.length) {
    const parts = [
      missing.length ? `it does not list ${listSome(missing.map((c) => `'${c}'`))}, found in ${where}` : '',
      extra.length ? `it lists ${listSome(extra.map((c) => `'${c}'`))}, which ${where} does not have` : '',
    ].filter(Boolean);
    throw new DataError(`the dataset's classes must name exactly the classes of the data: ${parts.join('; ')}`);
  }
  return [...given];
}

/** Names for numbered labels 0..n-1: the spec's `classes` when given, else the numbers. */
export function numberedClasses(numClasses: number, given: readonly string[] | undefined, where: string): string[] {
  if (!given) return Array.from({ length: numClasses }, (_, i) => String(i));
  if (given.length < numClasses) {
    throw new DataError(
      `the dataset's classes names ${given.length} classes but the labels of ${where} go up to ${numClasses - 1} ` +
        `(${numClasses} classes); name every label from 0 to ${numClasses - 1}`,
    );
  }
  return [...given];
}

/**
 * Checks that the model's last layer has one unit per class. Named classes need exactly one
 * unit each; numbered labels (MNIST-style files) need at least as many units as labels.
 */
export function checkClassCount(classNames: readonly string[], outputUnits: number, source: string, exact: boolean): void {
  const n = classNames.length;
  if (n === outputUnits || (!exact && n < outputUnits)) return;
  const names = n <= 12 ? ` (${classNames.join(', ')})` : '';
  throw new DataError(
    `${source} has ${n} classes${names} but the model's output has ${outputUnits} units; ` +
      `expected the last layer to have ${n} units, one per class`,
  );
}
