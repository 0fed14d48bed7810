// Route schemas compile on first use (not at app.ready()); a request sees no difference.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ajvOptions, lazyCompilers } from '../../src/http/validation.js';

function app() {
  const compilers = lazyCompilers();
  const server = Fastify({
    ajv: ajvOptions,
    schemaController: { compilersFactory: { buildValidator: compilers.buildValidator, buildSerializer: compilers.buildSerializer } },
  });
  server.post(
    '/items/:n',
    {
      schema: {
        params: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
        body: { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'] },
        response: { 200: { type: 'object', properties: { n: { type: 'integer' }, name: { type: 'string' } } } },
      },
    },
    async (request) => ({ ...(request.body as object), n: (request.params as { n: number }).n, secret: 'not in the schema' }),
  );
  // A schema Ajv refuses: start-up no longer finds it, compileAll does.
  server.get('/broken', { schema: { querystring: { type: 'object', properties: { q: { type: 'no-such-type' } } } } }, async () => 'never');
  return { server, compilers };
}

describe('lazily compiled route schemas', () => {
  it('validate, coerce params and serialize on first use as when compiled at start-up', async () => {
    const { server } = app();
    await server.ready();
    const ok = await server.inject({ method: 'POST', url: '/items/7', payload: { name: 'plunge' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ n: 7, name: 'plunge' });
    const bad = await server.inject({ method: 'POST', url: '/items/7', payload: { name: '' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/must NOT have fewer than 1 characters/);
    expect((await server.inject({ method: 'POST', url: '/items/x', payload: { name: 'a' } })).statusCode).toBe(400);
    await server.close();
  });

  it('compileAll compiles the rest and reports a schema that does not compile', async () => {
    const { server, compilers } = app();
    await server.ready();
    await expect(compilers.compileAll()).rejects.toThrow(/^GET \/broken: its schema does not compile: schema is invalid/);
    await server.close();
  });
});
