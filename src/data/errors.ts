// The one error type of the data layer. Its message is meant for the user as is: it names the
// file (with row and column for tables), says what was expected and what to do.

export class DataError extends Error {
  override name = 'DataError';
}

/** 47040016 -> "47,040,016": counts are unreadable without grouping. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
