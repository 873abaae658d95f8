// Defaults are stated once, in the schema fragment of the key they belong to; lowering and the
// value checks fill them in from there.
import type { JsonSchema } from '../lib/json-schema.js';

/** The values of a mapping with every missing key that has a schema default filled in. */
export function withDefaults(keys: Readonly<Record<string, JsonSchema>>, values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const filled: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(keys)) {
    const value = Object.hasOwn(values, key) ? values[key] : schema.default;
    if (value !== undefined) filled[key] = value;
  }
  return filled;
}
