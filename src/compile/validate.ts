// Stage 2: check the loaded document against schema/model-spec.schema.json and explain each
// problem in plain words at the YAML node it concerns.
//
// ajv reports what failed inside the schema; users care about what is wrong in their file.
// So errors are regrouped by the spec node they concern: the many errors one bad value
// produces under oneOf/anyOf become a single message, and messages are worded from the
// schema itself (bounds, enums, titles, examples) so they stay in step with it.
import type { ErrorObject } from 'ajv';
import { compareDiagnostics, didYouMean } from './diagnostics.js';
import type { PositionIndex } from './load.js';
import { allowsType, describeSchema, exampleText, labelOf, resolveSchema, showValue, visible, type JsonSchema } from './schema-words.js';
import { oddCharacter, skeleton } from './lookalikes.js';
import type { SpecDiagnostic } from '../types.js';
import { isReservedFileName } from '../lib/file-names.js';
import { layerKind, layerKinds } from '../layers/registry.js';
import { withDefaults } from './defaults.js';
import { BUDGET_LOOKALIKES } from './budgets.js';
import { specSchema } from './spec-schema.js';
import { specValidator } from './spec-validator.js';

interface Problem {
  path: string;
  message: string;
  /** Point at the mapping key rather than its value (for unknown keys). */
  atKey?: boolean;
  /** The message describes the whole value, so problems inside it are redundant. */
  whole?: boolean;
  /** A misspelled key whose suggestion is this path: "missing 'filters'" then adds nothing. */
  standsFor?: string;
  missing?: boolean;
}

/** Checks a loaded spec against the schema; an empty array means it is valid. */
export function validateSpec(doc: unknown, positions: PositionIndex, file: string): SpecDiagnostic[] {
  const problems: Problem[] = [];
  if (doc === null || doc === undefined) {
    problems.push({ path: '', message: "the spec is empty; it needs at least 'name', 'input' and 'layers'" });
  } else {
    const validate = specValidator();
    const errors = validate(doc) ? [] : (validate.errors ?? []);
    problems.push(...explainErrors(errors, doc), ...checkLayerValues(doc, errors), ...checkSpecName(doc));
  }
  const seen = new Set<string>();
  return withoutRedundant(problems)
    .filter((p) => !seen.has(`${p.path}\n${p.message}`) && Boolean(seen.add(`${p.path}\n${p.message}`)))
    .map((p): SpecDiagnostic => {
      const at = p.atKey ? positions.locateKey(p.path) : positions.locate(p.path);
      return { file, line: at.line, col: at.col, message: p.message, path: p.path, stage: 'schema' };
    })
    .sort(compareDiagnostics);
}

function explainErrors(errors: ErrorObject[], doc: unknown): Problem[] {
  const remaining = new Set(errors);
  const problems: Problem[] = [];
  // Outermost unions first, so a union nested in a rejected branch is already gone.
  const unions = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const union of unions) {
    if (!remaining.has(union)) continue;
    remaining.delete(union);
    const kept = collapseUnion(union, [...remaining]);
    // Branches given by reference report their errors under the referenced definition's path.
    const refs = ((union.parentSchema as JsonSchema)[union.keyword as 'oneOf' | 'anyOf'] ?? []).flatMap((b) => (b.$ref ? [`${b.$ref}/`] : []));
    const owned = (e: ErrorObject): boolean => e.schemaPath.startsWith(`${union.schemaPath}/`) || refs.some((r) => e.schemaPath.startsWith(r));
    for (const e of [...remaining]) {
      if (owned(e) && within(e.instancePath, union.instancePath) && !kept.includes(e)) remaining.delete(e);
    }
    if (kept.length === 0) problems.push(valueProblem(union.instancePath, union.parentSchema as JsonSchema, union.data));
  }
  for (const error of remaining) {
    const problem = explainError(error, doc);
    if (problem) problems.push(problem);
  }
  return problems;
}

/**
 * Decides what to report for a failed oneOf/anyOf. When the value's type picks exactly one
 * branch (a list for "integer or pair", a mapping for "'mnist' or a mapping") and that
 * branch only failed deeper inside the value, those deeper errors are kept: they are more
 * precise. Otherwise nothing is kept and the caller reports the union as a whole.
 */
function collapseUnion(union: ErrorObject, candidates: ErrorObject[]): ErrorObject[] {
  const raw = (union.parentSchema as JsonSchema)[union.keyword as 'oneOf' | 'anyOf'] ?? [];
  const branches = raw.map(resolveSchema);
  const fitting = branches.flatMap((branch, i) => (acceptsTypeOf(branch, union.data) ? [i] : []));
  if (fitting.length > 1) {
    // Several mapping branches ("a mapping with 'kind'" or "a mapping with 'idx_dir'"): the one
    // whose required keys the mapping has is the one the user meant. Its errors are all those
    // about this value that the other branches (inline, or referenced definitions) did not make.
    const keyed = fitting.filter((i) => hasRequiredKeys(branches[i]!, union.data));
    if (keyed.length !== 1) return [];
    const others = raw.flatMap((b, i) => (i === keyed[0] ? [] : [`${union.schemaPath}/${i}/`, ...(b.$ref ? [`${b.$ref}/`] : [])]));
    const mine = candidates.filter((e) => within(e.instancePath, union.instancePath) && !others.some((p) => e.schemaPath.startsWith(p)));
    return mine.some((e) => e.instancePath === union.instancePath && !STRUCTURAL.has(e.keyword)) ? [] : mine;
  }
  if (fitting.length !== 1) return [];
  const prefix = `${union.schemaPath}/${fitting[0]}/`;
  const mine = candidates.filter((e) => e.schemaPath.startsWith(prefix) && within(e.instancePath, union.instancePath));
  const valueFailedHere = mine.some((e) => e.instancePath === union.instancePath && !STRUCTURAL.has(e.keyword));
  return valueFailedHere ? [] : mine;
}

function hasRequiredKeys(branch: JsonSchema, data: unknown): boolean {
  if (data === null || typeof data !== 'object' || Array.isArray(data) || !branch.required?.length) return false;
  return branch.required.every((key) => Object.prototype.hasOwnProperty.call(data, key));
}

/** Keywords about a mapping's keys rather than the value itself. */
const STRUCTURAL = new Set(['required', 'additionalProperties', 'discriminator']);

function explainError(error: ErrorObject, doc: unknown): Problem | undefined {
  const path = error.instancePath;
  const schema = error.parentSchema as JsonSchema;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return missingProblem(path, String(params.missingProperty), schema, doc);
    case 'additionalProperties':
      return unknownKeyProblem(path, String(params.additionalProperty), schema, doc);
    case 'discriminator':
      return discriminatorProblem(path, schema, params, error.data);
    case 'maxLength':
    case 'minLength': {
      const length = typeof error.data === 'string' ? error.data.length : 0;
      const limit = Number(params.limit);
      const rule = error.keyword === 'maxLength' ? `at most ${limit} characters long` : limit === 1 ? 'non-empty' : `at least ${limit} characters long`;
      return { path, message: `${labelOf(path)} must be ${rule}; got ${length} characters`, whole: true };
    }
    case 'uniqueItems': {
      const repeated = Array.isArray(error.data) ? error.data[Number(params.j)] : undefined;
      return { path, message: `${labelOf(path)} must not repeat a value; ${showValue(repeated)} appears twice`, whole: true };
    }
    default:
      return valueProblem(path, schema, error.data);
  }
}

/** "<name> must be <what the schema allows>; got <value>", plus a hint for common slips. */
function valueProblem(path: string, schema: JsonSchema, value: unknown): Problem {
  const resolved = resolveSchema(schema);
  let message = `${labelOf(path)} must be ${describeSchema(resolved, value)}; got ${showValue(value)}`;
  const choices = resolved.enum?.filter((c): c is string => typeof c === 'string');
  const suggestion = typeof value === 'string' && choices ? didYouMean(value, choices) : undefined;
  if (suggestion) message += `; did you mean '${suggestion}'?`;
  else if (typeof value === 'string' && allowsType(resolved, ['boolean']))
    message += ' (write true or false without quotes; YAML 1.2 reads yes/no/on/off as text)';
  else if (typeof value === 'string' && allowsType(resolved, ['number', 'integer']) && value.trim() !== '' && Number.isFinite(Number(value))) {
    message += ' (remove the quotes to make it a number)';
  }
  return { path, message, whole: true };
}

function missingProblem(path: string, key: string, schema: JsonSchema, doc: unknown): Problem {
  const property = schema.properties?.[key];
  const hints = [property?.title, property?.examples?.[0] !== undefined ? `e.g. ${exampleText(property.examples[0])}` : undefined].filter(
    (h): h is string => h !== undefined && h.length <= 60,
  );
  const hint = hints.length > 0 ? ` (${hints.join(', ')})` : '';
  return { path: `${path}/${escapeSegment(key)}`, message: `${contextOf(path, doc).subject} is missing '${key}'${hint}`, missing: true };
}

function unknownKeyProblem(path: string, key: string, schema: JsonSchema, doc: unknown): Problem {
  const allowed = Object.keys(schema.properties ?? {});
  const context = contextOf(path, doc);
  const odd = oddCharacter(key);
  let message = `unknown key '${visible(key)}'${odd ? ` (it has ${odd})` : ''} ${context.where}`;
  const suggestion = didYouMean(key, allowed) ?? (odd ? allowed.find((k) => k === skeleton(key)) : undefined);
  const owners = context.isLayer ? layerKindsWithKey(key) : [];
  const notOffered = context.kind === undefined ? (path === '/expect' ? BUDGET_LOOKALIKES : undefined) : layerKind(context.kind).notOffered;
  const reason = notOffered && Object.hasOwn(notOffered, key) ? notOffered[key] : undefined;
  if (reason) message += `: ${reason}`;
  else if (suggestion) message += `; did you mean '${suggestion}'?`;
  else if (owners.length > 0)
    message += `; '${key}' belongs in ${owners.length > 1 ? `${owners.slice(0, -1).join(', ')} and ${owners[owners.length - 1]}` : owners[0]} layers`;
  else message += `; the keys allowed here are ${allowed.join(', ')}`;
  const standsFor = suggestion === undefined ? undefined : `${path}/${escapeSegment(suggestion)}`;
  return { path: `${path}/${escapeSegment(key)}`, message, atKey: true, ...(standsFor ? { standsFor } : {}) };
}

function discriminatorProblem(path: string, schema: JsonSchema, params: Record<string, unknown>, data: unknown): Problem {
  const tag = String(params.tag);
  const noun = `${schema.title ?? 'value'} ${tag}`;
  const choices = (schema.oneOf ?? []).map((b) => resolveSchema(b).properties?.[tag]?.const).filter((c): c is string => typeof c === 'string');
  const value = params.tagValue;
  if (value === undefined) {
    // A key that looks like the tag but is not ('Kind', 'kind ', a Cyrillic 'kіnd') is the usual cause.
    const keys = data !== null && typeof data === 'object' ? Object.keys(data) : [];
    const near = keys.find((k) => skeleton(k).toLowerCase() === tag);
    const subject = `${schema.title ?? 'this mapping'} is missing '${tag}'`;
    if (near === undefined) return { path, message: `${subject} (the ${noun}: one of ${choices.join(', ')})` };
    const how = near.toLowerCase() === tag ? 'differs in case (keys are case-sensitive)' : `has ${oddCharacter(near) ?? 'other letters'}`;
    return { path: `${path}/${escapeSegment(near)}`, message: `${subject}: its key '${visible(near)}' is not '${tag}', it ${how}`, atKey: true };
  }
  const tagPath = `${path}/${escapeSegment(tag)}`;
  if (typeof value !== 'string') return { path: tagPath, message: `${tag} must be one of ${choices.join(', ')}; got ${showValue(value)}`, whole: true };
  const odd = oddCharacter(value);
  const suggestion = didYouMean(value, choices) ?? (odd ? choices.find((c) => c === skeleton(value)) : undefined);
  const advice = suggestion ? `did you mean '${suggestion}'?` : `expected one of ${choices.join(', ')}`;
  return { path: tagPath, message: `unknown ${noun} ${showValue(value)}${odd ? ` (it has ${odd})` : ''}; ${advice}`, whole: true };
}

/** How to name the mapping at `path` in messages: "in a conv2d layer", "training", ... */
function contextOf(path: string, doc: unknown): { where: string; subject: string; isLayer: boolean; kind?: string } {
  if (path === '') return { where: 'at the top level of the spec', subject: 'the spec', isLayer: false };
  const node = valueAt(doc, path) as Record<string, unknown> | undefined;
  if (/^\/layers\/\d+$/.test(path) && typeof node?.kind === 'string') {
    const article = /^[aeiou]/.test(node.kind) ? 'an' : 'a';
    const known = layerKinds().includes(node.kind);
    return { where: `in ${article} ${node.kind} layer`, subject: `${node.kind} layer`, isLayer: true, ...(known ? { kind: node.kind } : {}) };
  }
  if (path === '/training/optimizer' && typeof node?.name === 'string') {
    return { where: `in the ${node.name} optimizer`, subject: `the ${node.name} optimizer`, isLayer: false };
  }
  return { where: `in ${labelOf(path)}`, subject: labelOf(path), isLayer: false };
}

let keyOwners: Map<string, string[]> | undefined;

/** Layer kinds whose schema allows `key`, e.g. 'units' -> ['dense']. */
function layerKindsWithKey(key: string): string[] {
  if (!keyOwners) {
    keyOwners = new Map();
    for (const branch of resolveSchema(specSchema().definitions?.layer ?? {}).oneOf ?? []) {
      const layer = resolveSchema(branch);
      const kind = layer.properties?.kind?.const;
      for (const k of Object.keys(layer.properties ?? {})) keyOwners.set(k, [...(keyOwners.get(k) ?? []), String(kind)]);
    }
  }
  return keyOwners.get(key) ?? [];
}

/**
 * Rules between values that JSON Schema cannot state, each owned by its kind (a reshape target
 * has at most one -1; a dilated convolution cannot also step). Run on every layer the schema
 * found nothing wrong with, so they are reported together with the schema's own problems.
 */
function checkLayerValues(doc: unknown, errors: readonly ErrorObject[]): Problem[] {
  const layers = (doc as { layers?: unknown }).layers;
  if (!Array.isArray(layers)) return [];
  return layers.flatMap((layer: unknown, i): Problem[] => {
    const path = `/layers/${i}`;
    if (errors.some((e) => within(e.instancePath, path) || within(path, e.instancePath || '/'))) return [];
    const def = layerKind((layer as { kind: string }).kind);
    if (!def.check) return [];
    return def
      .check(def.normalize(withDefaults(def.params, layer as Record<string, unknown>)))
      .map(({ key, message }) => ({ path: `${path}/${key}`, message }));
  });
}

/**
 * The spec name becomes generated/<name>.ts and runs/<name>/: a slug the schema accepts can
 * still be a device name Windows reserves. Refused here so compile fails at the name itself
 * on every platform, rather than only when the file is written.
 */
function checkSpecName(doc: unknown): Problem[] {
  const name = (doc as { name?: unknown }).name;
  if (typeof name !== 'string' || !isReservedFileName(name)) return [];
  return [
    {
      path: '/name',
      message:
        `name '${name}' is a reserved device name on Windows (con, prn, aux, nul, com0-9, lpt0-9) and cannot name the ` +
        'generated file or run folder; choose another name',
    },
  ];
}

/**
 * Drops problems another message already covers: "whole value" problems nested inside
 * another one, and "missing 'filters'" next to "unknown key 'filter'; did you mean 'filters'?".
 */
function withoutRedundant(problems: Problem[]): Problem[] {
  const wholePaths = problems.filter((p) => p.whole).map((p) => p.path);
  const misspelled = new Set(problems.map((p) => p.standsFor));
  return problems.filter((p) => !(p.missing && misspelled.has(p.path)) && (!p.whole || !wholePaths.some((w) => w !== p.path && within(p.path, w))));
}

function within(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

function escapeSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function valueAt(doc: unknown, path: string): unknown {
  let node = doc;
  for (const segment of path.split('/').slice(1)) {
    const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node !== null && typeof node === 'object' && Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

/** Whether a value's JSON type fits a schema's type (its type keyword, const or enum). */
function acceptsTypeOf(schema: JsonSchema, value: unknown): boolean {
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value === 'object' ? 'object' : typeof value;
  const declared = schema.type ?? (schema.const !== undefined ? typeof schema.const : schema.enum?.length ? typeof schema.enum[0] : undefined);
  if (declared === undefined) return true;
  if (declared === 'integer') return Number.isInteger(value);
  return declared === type;
}
