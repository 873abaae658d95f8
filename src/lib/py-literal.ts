// Turns data into Python source text, the Python twin of ts-literal.ts. Every string from a
// spec reaches generated Python through `pyString`, so no spec can end a literal, open a
// comment or smuggle in a line break; identifiers are checked, never escaped, because an
// identifier that needs escaping is a bug upstream.

import { mustEscapeInSource } from './source-chars.js';

const KEYWORDS = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from ' +
    'global if import in is lambda nonlocal not or pass raise return try while with yield match case type _'
  ).split(' '),
);

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A double-quoted Python 3 string literal that denotes exactly `value` (lone surrogates included). */
export function pyString(value: string): string {
  let out = '"';
  // for..of walks code points, so a well-formed surrogate pair stays one (printable) character
  // and only unpaired halves reach the \u escape.
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    const simple = SIMPLE_ESCAPES[ch];
    if (simple !== undefined) out += simple;
    else if (!mustEscapeInSource(code)) out += ch;
    else if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

export function isPyIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name);
}

export function assertPyIdentifier(name: string): string {
  if (!isPyIdentifier(name)) throw new Error(`internal error: '${name}' is not a safe Python identifier`);
  return name;
}

/** A number literal. Integers print as ints, others in JavaScript's shortest form, which Python reads back exactly. */
export function pyNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`internal error: cannot emit non-finite number ${value}`);
  if (Object.is(value, -0)) return '0';
  // 1e21 and above print in exponent form, which Python would read as a float: keep ints ints.
  if (Number.isInteger(value) && Math.abs(value) >= 1e21) return BigInt(value).toString();
  return String(value);
}

/** Code that the emitter itself wrote (never spec text), inserted as is. */
export class PyCode {
  constructor(readonly code: string) {}
}

/** A tuple, as Keras writes shapes and kernel sizes: (3, 3), (784,). */
export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

export type PyValue = string | number | boolean | null | PyCode | PyTuple | readonly PyValue[] | { readonly [key: string]: PyValue };

/** A one-line Python literal: None/True/False, numbers, strings, tuples, lists and dicts (keys in insertion order). */
export function pyLiteral(value: PyValue): string {
  if (value instanceof PyCode) return value.code;
  if (value instanceof PyTuple) {
    const items = value.items.map(pyLiteral);
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  }
  if (value === null) return 'None';
  if (typeof value === 'string') return pyString(value);
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return `[${value.map((v) => pyLiteral(v)).join(', ')}]`;
  const entries = Object.entries(value as Record<string, PyValue>);
  return `{${entries.map(([k, v]) => `${pyString(k)}: ${pyLiteral(v)}`).join(', ')}}`;
}
