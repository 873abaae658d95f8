// The fields of a lowered dataset reference, as a run folder's dataset.json records it: each
// kind declares its own (kinds/*.ts, `refFields`), and a record read back is checked against
// them before any loader sees it, so that an edited record is refused by name instead of
// failing deep inside a loader.

/** What a field holds (`?` marks one that may be absent), or the names it may be. */
export type RefField = 'path' | 'path?' | 'column' | 'text?' | 'texts?' | 'fraction' | 'seed' | 'files' | 'size?' | 'channels?' | readonly string[];
type Named = Exclude<RefField, readonly string[]>;

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && !v.includes('\0');
const isTexts = (v: unknown): boolean => Array.isArray(v) && v.length > 0 && v.every(isText);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

const CHECKS: Record<Named, { ok: (v: unknown) => boolean; expected: string }> = {
  path: { ok: isText, expected: 'a file or folder name' },
  'path?': { ok: isText, expected: 'a file or folder name' },
  column: { ok: isText, expected: 'a column name' },
  'text?': { ok: isText, expected: 'text' },
  'texts?': { ok: isTexts, expected: 'a list of names' },
  fraction: { ok: (v) => typeof v === 'number' && v >= 0 && v < 1, expected: 'a number from 0 up to 1' },
  seed: { ok: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0, expected: 'a whole number of at least 0' },
  files: { ok: (v) => isObject(v) && isText(v.images) && isText(v.labels), expected: 'the names of its images and labels files' },
  'size?': { ok: (v) => Array.isArray(v) && v.length === 2 && v.every((n) => Number.isSafeInteger(n) && (n as number) >= 1), expected: '[height, width]' },
  'channels?': { ok: (v) => v === 1 || v === 3, expected: '1 or 3' },
};

/** The first field of `ref` that is missing or does not hold what `fields` says, in words; undefined when all do. */
export function refFieldsProblem(ref: Record<string, unknown>, fields: Record<string, RefField>): string | undefined {
  for (const [name, field] of Object.entries(fields)) {
    const value = ref[name];
    if (value === undefined) {
      if (typeof field === 'string' && field.endsWith('?')) continue;
      return `dataset.${name} is missing`;
    }
    if (typeof field !== 'string') {
      if (!field.includes(value as string)) return `dataset.${name} must be one of ${field.join(', ')}`;
      continue;
    }
    const check = CHECKS[field as Named];
    if (!check.ok(value)) return `dataset.${name} must be ${check.expected}`;
  }
  return undefined;
}
