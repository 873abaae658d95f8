// Variable names for generated code, derived from layer names. Layer names are already
// identifier-shaped, but two may map to one variable (a_b and aB both become aB in camelCase)
// and some are words the language or the generated module already uses; those get a suffix.

/**
 * One distinct variable per name, in the order given: `shape(name)` when it is usable and
 * free, else the first of `shape(name)_1`, `_2`, ... that is.
 */
export function uniqueIdentifiers(names: readonly string[], shape: (name: string) => string, usable: (identifier: string) => boolean): Map<string, string> {
  const taken = new Set<string>();
  const result = new Map<string, string>();
  for (const name of names) {
    const base = shape(name);
    let candidate = base;
    for (let n = 1; !usable(candidate) || taken.has(candidate); n++) candidate = `${base}_${n}`;
    taken.add(candidate);
    result.set(name, candidate);
  }
  return result;
}

/** snake_case -> camelCase, first letter lower: block1_conv2 -> block1Conv2, Stem -> stem. */
export function camelCase(name: string): string {
  const joined = name.replace(/_+([A-Za-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/_+$/, '');
  return joined.charAt(0).toLowerCase() + joined.slice(1);
}
