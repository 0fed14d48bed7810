import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';

type Operation = { responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>; security?: unknown };

/** The document lists what the API answers (only PGlite: the document does not depend on the engine). */
describe('the OpenAPI document', () => {
  let t: TestApp;
  let operations: Array<[string, string, Operation]>;
  beforeAll(async () => {
    t = await startApp('pglite');
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, Operation>> };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => [method.toUpperCase(), path, op] as [string, string, Operation]));
  });
  afterAll(() => t?.close());

  const isError = (status: string) => Number(status) >= 400;

  it('every operation declares 500, and every route with an {id} 400 and 404', () => {
    for (const [method, path, op] of operations) {
      expect(Object.keys(op.responses), `${method} ${path}`).toContain('500');
      if (path.includes('{')) expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['400', '404']));
    }
  });

  it('every route that needs a token declares 401 and bearer security; staff routes 403', () => {
    const byPath = (method: string, path: string) => operations.find(([m, p]) => m === method && p === path)![2];
    for (const [method, path] of [['GET', '/api/me'], ['POST', '/api/auth/logout'], ['GET', '/api/bookings/{id}'], ['PUT', '/api/admin/catalog']]) {
      const op = byPath(method!, path!);
      expect(Object.keys(op.responses), `${method} ${path}`).toContain('401');
      expect(op.security).toEqual([{ bearerAuth: [] }]);
    }
    for (const [method, path] of [['PUT', '/api/admin/catalog'], ['POST', '/api/admin/slots'], ['POST', '/api/admin/bookings/{id}/confirm']]) {
      expect(Object.keys(byPath(method!, path!).responses), `${method} ${path}`).toContain('403');
    }
  });

  it('every error response is the one ErrorResponse, in JSON', () => {
    for (const [method, path, op] of operations) {
      for (const [status, response] of Object.entries(op.responses).filter(([s]) => isError(s))) {
        expect(Object.keys(response.content ?? {}), `${method} ${path} ${status}`).toEqual(['application/json']);
        expect(response.content!['application/json']!.schema!.$ref, `${method} ${path} ${status}`).toBe('#/components/schemas/ErrorResponse');
      }
    }
  });

  it('calendar.ics: the 200 is text/calendar, its errors JSON', () => {
    const op = operations.find(([, p]) => p === '/api/bookings/{id}/calendar.ics')![2];
    expect(Object.keys(op.responses['200']!.content!)).toEqual(['text/calendar']);
    expect(Object.keys(op.responses['404']!.content!)).toEqual(['application/json']);
  });
});

describe('errors from Node’s HTTP parser', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startApp('pglite');
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(() => t?.close());

  function raw(request: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(request));
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('error', reject);
      socket.on('close', () => resolve(answer));
    });
  }

  const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

  it('huge headers: 431 in the one error shape', async () => {
    const answer = await raw(`GET /api/services HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer.startsWith('HTTP/1.1 431 ')).toBe(true);
    expect(answer).toMatch(/content-type: application\/json/i);
    expect(bodyOf(answer)).toEqual({ error: { code: 'header_too_large', message: expect.any(String) } });
  });

  it('a malformed request line: 400 in the one error shape', async () => {
    const answer = await raw('NOT A REQUEST\r\n\r\n');
    expect(answer.startsWith('HTTP/1.1 400 ')).toBe(true);
    expect(bodyOf(answer).error.code).toBe('bad_request');
  });
});
