import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/db.js';
import { bearer, signup, signupStaff, startApp, type TestApp } from '../helpers/app.js';
import { weirdString } from './arbitraries.js';
import { anyOf, type JsonSchema, type Resolve } from './schema-arbitrary.js';
import { expectErrorShape } from './support.js';

/** Requests per operation (callers, parameters and bodies drawn together). */
const RUNS = 15;
/** Sign-up and sign-in hash a password on purpose (bcrypt, a tenth of a second or more here); fuzz.test.ts fuzzes them at length. */
const SLOW = new Set(['/api/auth/signup', '/api/auth/login']);

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, unknown>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A generated value as URL text. */
const text = (value: unknown): string => (typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));

/** A path parameter value as a client might send it: the documented shape, or odd text (even empty). */
const pathValue = (schema: JsonSchema, resolve: Resolve) =>
  fc.oneof({ weight: 3, arbitrary: anyOf(schema, resolve) }, { weight: 1, arbitrary: weirdString }).map((v) => encodeURIComponent(text(v).replace(/[\ud800-\udfff]/g, '\ufffd')));

function request(path: string, op: Operation, resolve: Resolve) {
  const params = op.parameters ?? [];
  const inPath = params.filter((p) => p.in === 'path');
  const inQuery = params.filter((p) => p.in === 'query');
  const url = fc.record(Object.fromEntries(inPath.map((p) => [p.name, pathValue(p.schema, resolve)]))).map((values) =>
    path.replace(/\{(\w+)\}/g, (_m, name: string) => (values as Record<string, string>)[name] ?? ''),
  );
  const query = fc
    .tuple(
      fc.record(Object.fromEntries(inQuery.map((p) => [p.name, anyOf(p.schema, resolve)])), { requiredKeys: [] }),
      fc.option(fc.tuple(weirdString, weirdString), { freq: 5 }),
    )
    .map(([values, extra]) => {
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(values)) search.append(key, text(value));
      if (extra) search.append(extra[0], extra[1]);
      return search.toString();
    });
  const bodySchema = op.requestBody?.content['application/json']?.schema;
  const body = bodySchema ? anyOf(bodySchema, resolve).map((v) => JSON.stringify(v) ?? 'null') : fc.constant(undefined);
  return fc.record({ url, query, body });
}

describe.each(engines)('every documented operation, fuzzed from the OpenAPI document, on %s', (engine) => {
  let t: TestApp;
  let doc: Document;
  const callers: Record<string, Record<string, string>> = { anon: {} };

  beforeAll(async () => {
    t = await startApp(engine, { AUTH_RATE_LIMIT_PER_MINUTE: '100000' });
    doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as Document;
    callers.customer = bearer((await signup(t.app)).token);
    callers.admin = bearer((await signupStaff(t, 'super_admin')).token);
  });
  afterAll(() => t?.close());

  const resolve: Resolve = (ref) => {
    const schema = doc.components.schemas[ref.replace('#/components/schemas/', '')];
    if (!schema) throw new Error(`unresolved ${ref}`);
    return schema;
  };

  function check(method: string, path: string, op: Operation, res: LightMyRequestResponse, context: string): void {
    expect(res.statusCode, `${context} → ${res.statusCode} ${res.body.slice(0, 300)}`).toBeLessThan(500);
    expect(Object.keys(op.responses), `${context} → undeclared ${res.statusCode} ${res.body.slice(0, 200)}`).toContain(String(res.statusCode));
    if (res.statusCode >= 400) expectErrorShape(res);
  }

  it('never answers 5xx, only declared statuses, errors in the one shape', async () => {
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op })));
    expect(operations.length).toBeGreaterThan(30);
    for (const { method, path, op } of operations) {
      const arbitrary = fc.tuple(fc.constantFrom('anon', 'customer', 'admin'), request(path, op, resolve));
      await fc.assert(
        fc.asyncProperty(arbitrary, async ([who, { url, query, body }]) => {
          const headers: Record<string, string> = { ...callers[who] };
          if (body !== undefined) headers['content-type'] = 'application/json';
          const target = query ? `${url}?${query}` : url;
          const res = await t.app.inject({ method: method.toUpperCase() as Method, url: target, headers, payload: body });
          check(method, path, op, res, `${who} ${method.toUpperCase()} ${target} ${body ?? ''}`.slice(0, 500));
        }),
        { numRuns: SLOW.has(path) ? 3 : RUNS },
      );
    }
  });
});
