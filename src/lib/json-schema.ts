// The subset of JSON Schema (draft-07) that netspec's spec schema uses, as a type: layer kinds,
// optimizers and datasets declare their fragments with it, and the schema is assembled from them.

/** The subset of JSON Schema (draft-07) that the spec schema uses. */
export interface JsonSchema {
  $schema?: string;
  additionalProperties?: boolean | JsonSchema;
  minProperties?: number;
  uniqueItems?: boolean;
  $id?: string;
  $ref?: string;
  type?: string;
  title?: string;
  description?: string;
  examples?: unknown[];
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  discriminator?: { propertyName: string };
  definitions?: Record<string, JsonSchema>;
}
