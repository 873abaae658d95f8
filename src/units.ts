// Number formats the summary, the report, `diff` and the budget messages share, each as the
// tool whose figure it is prints it, so that the numbers read the same next to Keras's or
// torchinfo's: Keras writes memory in 1024-based units ("364.54 KB"), torchinfo writes
// megabytes of 10^6 bytes and counts in K, M, G of 10^3.

/** 93,322 */
export const count = (n: number): string => n.toLocaleString('en-US');

/** Keras 3's memory size: 1024-based, two decimals, "B" to "TB". */
export function kerasBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let size = bytes;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${size.toFixed(2)} ${units[unit]}`;
}

/** Two decimals with thousands separators; a whole number without decimals, as torchinfo prints. */
function decimals(n: number): string {
  return Number.isInteger(n) ? count(n) : n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** torchinfo's count: the unit it chooses ('' below a thousand, then K, M, G, T) and the scaled number. */
export function scaledCount(n: number): { unit: string; text: string } {
  for (const [unit, scale] of [
    ['T', 1e12],
    ['G', 1e9],
    ['M', 1e6],
    ['K', 1e3],
  ] as const) {
    if (n >= scale) return { unit, text: decimals(n / scale) };
  }
  return { unit: '', text: decimals(n) };
}

/** Megabytes of 10^6 bytes, as torchinfo's "(MB)" lines and the budgets' `_mb` keys count them. */
export const MEGABYTE = 1e6;

/**
 * A "(MB)" figure: two decimals as torchinfo prints them (0.37, 11.17), but two significant
 * digits below 0.1 MB (0.0020 rather than 0.00), so a small model's sizes still say something.
 */
export function megabytes(bytes: number): string {
  const mb = bytes / MEGABYTE;
  return mb === 0 || mb >= 0.1 ? decimals(mb) : mb.toPrecision(2);
}

/** Megabytes with as many decimals as it takes to tell them from `other` (up to six): for "over the budget" messages. */
export function megabytesBeside(bytes: number, other: number): string {
  for (let digits = 2; digits < 6; digits++) {
    if ((bytes / MEGABYTE).toFixed(digits) !== (other / MEGABYTE).toFixed(digits)) return (bytes / MEGABYTE).toFixed(digits);
  }
  return (bytes / MEGABYTE).toFixed(6);
}
