/** A small JSON Schema → fast-check generator, for the schemas in our own OpenAPI document. */
import fc from 'fast-check';
import { weirdString, weirdValue } from './arbitraries.js';

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  patternProperties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  maxProperties?: number;
  default?: unknown;
}

export type Resolve = (ref: string) => JsonSchema;

const day = 86_400_000;
const dates = fc.integer({ min: -30, max: 400 }).map((offset) => new Date(Date.now() + offset * day));

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  switch (schema.format) {
    case 'uuid':
      return fc.uuid();
    case 'email':
      return fc.emailAddress().filter((e) => e.length <= 254);
    case 'date':
      return dates.map((d) => d.toISOString().slice(0, 10));
    case 'date-time':
      return dates.map((d) => d.toISOString());
  }
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? 1000));
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
}

/** Values of the schema's shape (mostly valid; ranges and lengths are honoured where cheap). */
export function valid(schema: JsonSchema, resolve: Resolve, depth = 0): fc.Arbitrary<unknown> {
  if (schema.$ref) return valid(resolve(schema.$ref), resolve, depth);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return fc.oneof(...union.map((s) => valid(s, resolve, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -1000, -1_000_000), max: Math.min(schema.maximum ?? 1000, 1_000_000) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schema.items && depth < 4 ? valid(schema.items, resolve, depth + 1) : weirdValue, {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'object': {
      if (schema.patternProperties && depth < 4) {
        const [[, values]] = Object.entries(schema.patternProperties) as [[string, JsonSchema]];
        return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), valid(values, resolve, depth + 1), { maxKeys: 3 });
      }
      const properties = Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([key, s]) => [key, depth < 4 ? valid(s, resolve, depth + 1) : weirdValue]),
      );
      return fc.record(properties, { requiredKeys: schema.required ?? [] });
    }
    default:
      return weirdValue;
  }
}

/** Malformed values: anything at all, or a valid-shaped object with one property swapped for an odd value. */
export function malformed(schema: JsonSchema, resolve: Resolve): fc.Arbitrary<unknown> {
  const target = schema.$ref ? resolve(schema.$ref) : schema;
  const choices: fc.Arbitrary<unknown>[] = [weirdValue, fc.jsonValue({ maxDepth: 2 })];
  const keys = Object.keys(target.properties ?? {});
  if (keys.length > 0) {
    const oneOdd = fc
      .tuple(valid(target, resolve), fc.constantFrom(...keys), fc.oneof(weirdValue, weirdString))
      .map(([value, key, odd]) => ({ ...(value as object), [key]: odd }));
    choices.push(oneOdd, oneOdd);
  }
  return fc.oneof(...choices);
}

/** Mostly valid-shaped, sometimes malformed. */
export const anyOf = (schema: JsonSchema, resolve: Resolve): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 2, arbitrary: valid(schema, resolve) }, { weight: 1, arbitrary: malformed(schema, resolve) });
