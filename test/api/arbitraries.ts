/** fast-check generators of bad input, shared by the fuzz tests. */
import fc from 'fast-check';
import { nastyStrings } from './support.js';

/** Strings a client might send by mistake or on purpose. */
export const weirdString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.emailAddress(),
  { weight: 2, arbitrary: fc.constantFrom(...nastyStrings, '', ' ', '\ud800', '\udfff x', '  UPPER@EXAMPLE.COM ', 'x'.repeat(300), '12345678', 'a@b.c') },
  // Printable text with one troublesome character in it.
  { weight: 2, arbitrary: fc.tuple(fc.string({ minLength: 1 }), fc.constantFrom('\u0000', '\ud800', "'", '"', '\\', '\n', '\u202e', '🧊')).map(([a, b]) => `${a}${b}${a}`) },
);

export const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: weirdString },
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(weirdString, { maxLength: 3 }),
  fc.dictionary(weirdString, weirdString, { maxKeys: 3 }),
);

/**
 * Any JSON at all, an object with the route's own keys holding odd values, or a valid body
 * with one field swapped for an odd string (so odd values reach the database, not only the schema).
 */
export function bodies(keys: string[], extra: Record<string, fc.Arbitrary<unknown>> = {}, valid?: Record<string, unknown>): fc.Arbitrary<unknown> {
  const ownKeys = fc.record(Object.fromEntries(keys.map((key) => [key, extra[key] ?? weirdValue])), { requiredKeys: [] });
  const choices: Array<fc.WeightedArbitrary<unknown>> = [
    { weight: 1, arbitrary: fc.jsonValue() },
    { weight: 1, arbitrary: fc.anything() },
    { weight: 1, arbitrary: fc.object() },
    { weight: 3, arbitrary: ownKeys },
  ];
  if (valid) {
    const oneOdd = fc.tuple(fc.constantFrom(...keys), weirdString).map(([key, odd]) => ({ ...valid, [key]: odd }));
    choices.push({ weight: 3, arbitrary: oneOdd });
  }
  return fc.oneof(...choices);
}

/** The body as sent over the wire: JSON, or nothing when the value has no JSON form (undefined). */
export const wire = (value: unknown): string => JSON.stringify(value) ?? '';

export const validAddress = fc.record({
  street: weirdString,
  city: weirdString,
  state: fc.oneof(fc.constantFrom('CA', 'ny', 'C', 'CAL', ''), weirdString),
  zip: fc.oneof(fc.constantFrom('90210', '90210-1234', '9021', ''), weirdString),
});

/** A query string, made of random pairs, typical mistakes, or raw characters (with broken %-escapes). */
export const queryStrings = fc.oneof(
  fc.dictionary(weirdString, weirdString, { maxKeys: 4 }).map((pairs) => new URLSearchParams(pairs).toString()),
  fc.oneof(fc.integer(), fc.double(), weirdString).map((v) => new URLSearchParams({ limit: String(v) }).toString()),
  fc.constantFrom(
    'limit=abc', 'limit=-1', 'limit=0', 'limit=1001', 'limit=1e3', 'limit=1.5', 'limit=99999999999999999999',
    'limit=1&limit=2', 'limit[]=1', 'limit=%00', 'limit=%zz', '%', '__proto__[x]=1', 'constructor[prototype][x]=1', 'limit', '=&=&',
  ),
  fc.string({ unit: 'binary', maxLength: 30 }).map((s) =>
    Array.from(s, (c) => {
      if (/[\x21-\x7e]/.test(c) && c !== '#') return c;
      try {
        return encodeURIComponent(c);
      } catch {
        return '%';
      }
    }).join(''),
  ),
);

