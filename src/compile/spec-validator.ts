// The schema validator behind validateSpec, compiled by ajv on first use (a few milliseconds).
// ajv compiles by generating JavaScript, which a page with a strict Content-Security-Policy may
// not run: the browser bundle swaps this module for the same validator compiled ahead of time
// (src/serve/build.ts), so both give the same errors.
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { specSchema } from './spec-schema.js';

/** ajv's settings; verbose errors carry the failing value and schema, which the messages are built from. */
export const SPEC_VALIDATOR_OPTIONS = { allErrors: true, strict: true, discriminator: true, verbose: true } as const;

let cachedValidator: ValidateFunction | undefined;

export function specValidator(): ValidateFunction {
  cachedValidator ??= new Ajv(SPEC_VALIDATOR_OPTIONS).compile(specSchema());
  return cachedValidator;
}
