// Turns data into TypeScript source text. Every string from a spec reaches generated code
// through `tsString`, so no spec can break out of a literal; identifiers are checked, never
// escaped, because an identifier that needs escaping is a bug upstream.

import { mustEscapeInSource } from './source-chars.js';

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'as implements interface let package private protected public static yield any boolean constructor declare get ' +
    'module require number set string symbol type from of await async undefined NaN Infinity eval arguments'
  ).split(' '),
);

/** A double-quoted TypeScript string literal that denotes exactly `value`. */
export function tsString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (mustEscapeInSource(code)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

export function isIdentifier(name: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) && !RESERVED.has(name);
}

export function assertIdentifier(name: string): string {
  if (!isIdentifier(name)) throw new Error(`internal error: '${name}' is not a safe TypeScript identifier`);
  return name;
}

/** A number literal; non-finite numbers cannot come from a valid spec. */
export function tsNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`internal error: cannot emit non-finite number ${value}`);
  return Object.is(value, -0) ? '0' : String(value);
}

/** Code that the emitter itself wrote (never spec text), inserted as is. */
export class TsCode {
  constructor(readonly code: string) {}
}

export type TsValue = string | number | boolean | null | TsCode | readonly TsValue[] | { readonly [key: string]: TsValue };

/** Object keys may be any identifier name, reserved words included; others are quoted. */
const propertyKey = (key: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : tsString(key));

/**
 * A TypeScript literal for plain data, keys in insertion order. It stays on one line when that
 * fits in `width` columns after `indent`; otherwise objects and arrays break one entry a line.
 */
export function tsLiteral(value: TsValue, indent = 0, width = Number.POSITIVE_INFINITY): string {
  const oneLine = tsLiteralLine(value);
  if (indent + oneLine.length <= width || value instanceof TsCode || value === null || typeof value !== 'object') return oneLine;
  const pad = ' '.repeat(indent + 2);
  const items = Array.isArray(value)
    ? (value as readonly TsValue[]).map((v) => `${pad}${tsLiteral(v, indent + 2, width)},`)
    : Object.entries(value as Record<string, TsValue>).map(([k, v]) => `${pad}${propertyKey(k)}: ${tsLiteral(v, indent + 2, width)},`);
  if (!items.length) return oneLine;
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${items.join('\n')}\n${' '.repeat(indent)}${close}`;
}

function tsLiteralLine(value: TsValue): string {
  if (value instanceof TsCode) return value.code;
  if (value === null) return 'null';
  if (typeof value === 'string') return tsString(value);
  if (typeof value === 'number') return tsNumber(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => tsLiteralLine(v)).join(', ')}]`;
  const entries = Object.entries(value as Record<string, TsValue>);
  if (!entries.length) return '{}';
  const body = entries.map(([k, v]) => `${propertyKey(k)}: ${tsLiteralLine(v)}`).join(', ');
  return `{ ${body} }`;
}

/** kebab or snake case -> PascalCase, e.g. mnist-cnn -> MnistCnn (input is a validated slug). */
export function pascalCase(slug: string): string {
  return slug
    .split(/[-_]/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
