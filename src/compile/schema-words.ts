// Puts JSON Schema constraints and spec values into plain English for validation messages:
// {type: integer, minimum: 1} -> "a positive integer"; ['relu', 3] -> "['relu', 3]".
// Wording is derived from the schema so messages cannot drift from what is enforced.
import type { JsonSchema } from '../lib/json-schema.js';
import { specSchema } from './spec-schema.js';
import { INVISIBLE } from './lookalikes.js';

export type { JsonSchema };

/** Plain-words meaning of each pattern in the schema (a test checks none is missing). */
export const PATTERN_WORDS: Readonly<Record<string, string>> = {
  '^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$':
    "a lowercase slug such as 'mnist-cnn' (a letter first, then lowercase letters and digits, with single '-' or '_' between words)",
  '^[A-Za-z][A-Za-z0-9_]*$': "an identifier such as 'conv_1' (a letter first, then letters, digits or '_')",
  '^[^/\\\\]+$': "a plain file name without '/' or '\\'",
};

/** Follows a local '#/definitions/x' reference, merging the referring schema's own keywords. */
export function resolveSchema(schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/definitions/', '');
  const { $ref: _ref, ...own } = schema;
  return { ...resolveSchema(specSchema().definitions?.[name] ?? {}), ...own };
}

/**
 * What a schema accepts, as a noun phrase that completes "kernel must be ...". `value` is the
 * offending value: an upper bound is only mentioned when the value exceeds it, so the common
 * case reads "a positive integer" rather than "an integer from 1 to 1024".
 */
export function describeSchema(input: JsonSchema, value?: unknown): string {
  const schema = resolveSchema(input);
  // A discriminated union ("a layer") is described by its tag, not by listing every branch.
  if (schema.discriminator) return `a mapping with '${schema.discriminator.propertyName}'`;
  const union = (schema.oneOf ?? schema.anyOf)?.map(resolveSchema);
  if (union) {
    const [single, pair] = union;
    if (union.length === 2 && single && pair && isPairOf(pair, single)) return `${describeSchema(single, value)} or a pair of them`;
    return joinWords(
      union.map((branch) => describeSchema(branch, value)),
      'or',
    );
  }
  if (schema.const !== undefined) return showValue(schema.const);
  if (schema.enum) return schema.enum.length === 1 ? showValue(schema.enum[0]) : `one of ${schema.enum.map(choiceWord).join(', ')}`;
  switch (schema.type) {
    case 'integer': {
      const above = schema.maximum !== undefined && typeof value === 'number' && value > schema.maximum;
      return integerWords(schema.minimum, false) + (above ? ` up to ${schema.maximum}` : '');
    }
    case 'number':
      return numberWords(schema);
    case 'string':
      return schema.pattern ? (PATTERN_WORDS[schema.pattern] ?? 'text in the required format') : 'text';
    case 'boolean':
      return 'true or false';
    case 'array':
      return arrayWords(schema, value);
    case 'object': {
      const keys = schema.required ?? [];
      return keys.length > 0
        ? `a mapping with ${joinWords(
            keys.map((k) => `'${k}'`),
            'and',
          )}`
        : 'a mapping of keys to values';
    }
    default:
      return 'a valid value';
  }
}

/** A choice as a list shows it: a plain word as is, anything else (',', a tab) quoted and escaped. */
function choiceWord(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z0-9_.-]+$/.test(value) ? value : showValue(value);
}

function integerWords(minimum: number | undefined, plural: boolean): string {
  const s = plural ? 's' : '';
  if (minimum === 1) return `${plural ? '' : 'a '}positive integer${s}`;
  if (minimum === 0) return `${plural ? '' : 'a '}non-negative integer${s}`;
  if (minimum !== undefined) return `${plural ? '' : 'an '}integer${s} of at least ${minimum}`;
  return `${plural ? '' : 'an '}integer${s}`;
}

function numberWords(schema: JsonSchema): string {
  const bounds = [
    schema.minimum !== undefined ? `at least ${schema.minimum}` : undefined,
    schema.exclusiveMinimum !== undefined ? `greater than ${schema.exclusiveMinimum}` : undefined,
    schema.maximum !== undefined ? `at most ${schema.maximum}` : undefined,
    schema.exclusiveMaximum !== undefined ? `less than ${schema.exclusiveMaximum}` : undefined,
  ].filter((b): b is string => b !== undefined);
  return bounds.length > 0 ? `a number that is ${bounds.join(' and ')}` : 'a number';
}

function arrayWords(schema: JsonSchema, value: unknown): string {
  const things = pluralWords(schema.items ?? {});
  const { minItems: min = 0, maxItems: max } = schema;
  const length = Array.isArray(value) ? value.length : 0;
  if (max !== undefined && min === max) return max === 2 ? `a pair of ${things}` : `a list of exactly ${max} ${things}`;
  // Large limits (1000 layers) only matter when they are the problem.
  if (max !== undefined && (max <= 10 || length > max)) {
    return min >= 1 ? `a list of ${min} to ${max} ${things}` : `a list of at most ${max} ${things}`;
  }
  if (min === 1) return `a non-empty list of ${things}`;
  return min > 1 ? `a list of at least ${min} ${things}` : `a list of ${things}`;
}

/** The plural noun for list items: "positive integers", "layers", "values from a, b". */
function pluralWords(input: JsonSchema): string {
  const schema = resolveSchema(input);
  if (schema.discriminator && schema.title) return `${schema.title}s`;
  const union = schema.oneOf ?? schema.anyOf;
  if (union) return joinWords(union.map(pluralWords), 'or');
  if (schema.const !== undefined) return showValue(schema.const);
  if (schema.enum) return `values from ${schema.enum.map(choiceWord).join(', ')}`;
  if (schema.type === 'integer') return integerWords(schema.minimum, true);
  if (schema.type === 'number') return 'numbers';
  if (schema.type === 'object') return schema.title ? `${schema.title}s` : 'mappings';
  return 'values';
}

/** Whether the schema, or any branch of it, has one of the given types. */
export function allowsType(input: JsonSchema, types: string[]): boolean {
  const schema = resolveSchema(input);
  if (schema.type !== undefined && types.includes(schema.type)) return true;
  return (schema.oneOf ?? schema.anyOf ?? []).some((branch) => allowsType(branch, types));
}

function isPairOf(candidate: JsonSchema, single: JsonSchema): boolean {
  return (
    candidate.type === 'array' &&
    candidate.minItems === 2 &&
    candidate.maxItems === 2 &&
    JSON.stringify(resolveSchema(candidate.items ?? {})) === JSON.stringify(single)
  );
}

function joinWords(words: string[], conjunction: 'and' | 'or'): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${conjunction} ${words[words.length - 1]}`;
}

/** A value as the user wrote it, short enough for a one-line message. */
export function showValue(value: unknown, budget = 60): string {
  if (value === null || value === undefined) return 'an empty value';
  if (typeof value === 'string') {
    const text = visible(value.length > 40 ? `${value.slice(0, 40)}...` : value);
    // Text holding a ' is shown in double quotes, so the quoting stays unambiguous.
    return text.includes("'") ? `"${text}"` : `'${text}'`;
  }
  if (Array.isArray(value)) {
    const text = `[${value.map((item) => (typeof item === 'object' && item !== null ? (Array.isArray(item) ? '[...]' : '{...}') : showValue(item))).join(', ')}]`;
    return text.length > budget ? `${text.slice(0, budget)}...]` : text;
  }
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/**
 * Control characters and line separators written as escapes: a name holding a newline must
 * not break a one-line message in two (or fake a second diagnostic line).
 */
export function visible(text: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  // Invisible and direction-steering characters too, so 'dense\u200b' does not print as 'dense'.
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f\u00a0\u2028\u2029]/g, (c) => named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(new RegExp(INVISIBLE.source, 'gu'), (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

/** An example value written the way it would appear in YAML flow style: 32, [3, 3], relu. */
export function exampleText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(exampleText).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${exampleText(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** How a node is named in messages: '/layers/2/kernel/1' -> 'kernel[1]'; '' -> 'the spec'. */
export function labelOf(path: string): string {
  const segments = path
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let indices = '';
  while (segments.length > 0 && /^\d+$/.test(segments[segments.length - 1] ?? '')) indices = `[${segments.pop()}]${indices}`;
  const key = segments.pop();
  return key === undefined ? `the spec${indices}` : `${key}${indices}`;
}
