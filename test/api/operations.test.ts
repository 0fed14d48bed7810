import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { engines } from '../helpers/db.js';
import { errorCode, startApp, TEST_SECRET, type TestApp } from '../helpers/app.js';

describe.each(engines)('operations on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(engine);
  });
  afterAll(() => t?.close());

  it('GET /health → 200 {status: ok}', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready → 200 when the database answers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready' });
  });

  it("every route's schemas compile (they compile on first use; a listening server compiles the rest)", async () => {
    await expect(t.app.compileSchemas()).resolves.toBeUndefined();
  });

  it('GET /api/openapi.json is OpenAPI 3.1 with the contract’s paths', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    for (const path of ['/api/auth/signup', '/api/auth/login', '/api/auth/refresh', '/api/auth/logout', '/api/me', '/api/me/credits']) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
    expect(doc.paths['/api/me'].get).toBeDefined();
    expect(doc.paths['/api/me'].patch).toBeDefined();
    expect(doc.paths['/api/auth/signup'].post.requestBody).toBeDefined();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    // The error envelope is documented once and referenced.
    expect(JSON.stringify(doc)).toContain('ErrorResponse');
  });

  it('GET /api/openapi.json works with a bad token too (it is public)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json', headers: { authorization: 'Bearer nonsense' } });
    expect(res.statusCode).toBe(200);
  });

  it('GET /docs serves the interactive docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs' });
    expect([200, 301, 302]).toContain(res.statusCode);
    const page = res.statusCode === 200 ? res : await t.app.inject({ method: 'GET', url: '/docs/' });
    if (res.statusCode !== 200) expect(res.headers.location).toMatch(/\/docs\/$|^\.\/docs\/$|^\/docs\/static\/index\.html$|^\.\/docs\/static\/index\.html$/);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toMatch(/swagger/i);
  });

  it('GET /docs (built on first request) shows the same document as /api/openapi.json, with its own CSP', async () => {
    const [ui, api, script] = await Promise.all([
      t.app.inject({ method: 'GET', url: '/docs/json' }),
      t.app.inject({ method: 'GET', url: '/api/openapi.json' }),
      t.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' }),
    ]);
    expect(ui.statusCode).toBe(200);
    expect(ui.json()).toEqual(api.json());
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.headers['content-security-policy']).toMatch(/default-src 'self'/);
  });

  it('sends security headers (helmet)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBeDefined();
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
    const error = await t.app.inject({ method: 'GET', url: '/api/me' });
    expect(error.headers['x-content-type-options']).toBe('nosniff');
  });

  it('gives every response an x-request-id, keeping a well-formed one the client sent', async () => {
    const a = await t.app.inject({ method: 'GET', url: '/health' });
    const b = await t.app.inject({ method: 'GET', url: '/health' });
    expect(a.headers['x-request-id']).toMatch(/^[\w.-]+$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    const given = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'trace-abc.123' } });
    expect(given.headers['x-request-id']).toBe('trace-abc.123');
    // Also on errors.
    const err = await t.app.inject({ method: 'GET', url: '/api/me', headers: { 'x-request-id': 'trace-err-1' } });
    expect(err.statusCode).toBe(401);
    expect(err.headers['x-request-id']).toBe('trace-err-1');
    // A malformed one (log injection) is replaced.
    const bad = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'a b"{}' } });
    expect(bad.headers['x-request-id']).not.toBe('a b"{}');
    expect(bad.headers['x-request-id']).toMatch(/^[\w.-]+$/);
  });

  it('without CORS_ORIGINS, no cross-origin access is granted', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/me',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  describe('with CORS_ORIGINS set', () => {
    let cors: TestApp;
    beforeAll(async () => {
      cors = await startApp(engine, { CORS_ORIGINS: 'https://app.example.com' });
    });
    afterAll(() => cors?.close());

    const preflight = (origin: string) =>
      cors.app.inject({
        method: 'OPTIONS',
        url: '/api/me',
        headers: { origin, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,content-type' },
      });

    it('a preflight from the allowed origin is allowed', async () => {
      const res = await preflight('https://app.example.com');
      expect(res.statusCode).toBeLessThan(300);
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toMatch(/authorization/);
    });

    // KNOWN BUG (src/app.ts, not this suite's to edit): @fastify/cors 11 allows only GET,HEAD,POST
    // by default; the app lists every method its routes use so the web app can PATCH /api/me.
    it('a preflight for PATCH from the allowed origin lists PATCH', async () => {
      const res = await preflight('https://app.example.com');
      expect(String(res.headers['access-control-allow-methods'])).toMatch(/PATCH/);
    });

    it('a preflight from another origin is not', async () => {
      for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.com', 'http://app.example.com']) {
        const res = await preflight(origin);
        expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
      }
    });

    it('a simple request from the allowed origin exposes x-request-id', async () => {
      const res = await cors.app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://app.example.com' } });
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(String(res.headers['access-control-expose-headers'])).toMatch(/x-request-id/);
    });
  });

  it('an error response is JSON in the one shape', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/me' });
    expect(res.statusCode).toBe(401);
    expect(errorCode(res)).toBe('unauthorized');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });
});

describe('configuration', () => {
  const base = { NODE_ENV: 'test', JWT_SECRET: TEST_SECRET, DATA_DIR: '/tmp/rm-test-unused' };

  function problemsOf(env: Record<string, string>): string {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).message;
    }
    throw new Error('loadConfig accepted a bad configuration');
  }

  it('reads a good configuration into one typed object with the defaults', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      env: 'test',
      host: '127.0.0.1',
      port: 3000,
      jwtSecret: TEST_SECRET,
      accessTokenTtl: 3600,
      authRateLimitPerMinute: 20,
      corsOrigins: [],
      databaseUrl: undefined,
    });
    const custom = loadConfig({ ...base, PORT: '8080', DATABASE_URL: 'postgresql://u@h/db', CORS_ORIGINS: 'https://a.example.com, https://b.example.com' });
    expect(custom).toMatchObject({ port: 8080, databaseUrl: 'postgresql://u@h/db', corsOrigins: ['https://a.example.com', 'https://b.example.com'] });
  });

  it.each([
    ['PORT=abc', { PORT: 'abc' }, 'PORT'],
    ['PORT out of range', { PORT: '70000' }, 'PORT'],
    ['production without JWT_SECRET', { NODE_ENV: 'production', JWT_SECRET: '' }, 'JWT_SECRET'],
    ['a short JWT_SECRET', { JWT_SECRET: 'too-short' }, 'JWT_SECRET'],
    ['a DATABASE_URL that is not postgres', { DATABASE_URL: 'mysql://u@h/db' }, 'DATABASE_URL'],
    ['a DATABASE_URL that is not a URL', { DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    ['DATABASE_APP_URL without DATABASE_URL', { DATABASE_APP_URL: 'postgres://app@h/db' }, 'DATABASE_APP_URL'],
    ['an unknown NODE_ENV', { NODE_ENV: 'staging' }, 'NODE_ENV'],
    ['AUTH_RATE_LIMIT_PER_MINUTE=0', { AUTH_RATE_LIMIT_PER_MINUTE: '0' }, 'AUTH_RATE_LIMIT_PER_MINUTE'],
    ['a bad CORS origin', { CORS_ORIGINS: 'app.example.com/path' }, 'CORS_ORIGINS'],
    ['ORDER_SWEEP_SECONDS=soon', { ORDER_SWEEP_SECONDS: 'soon' }, 'ORDER_SWEEP_SECONDS'],
    ['REFERRAL_INVITES_PER_DAY=0', { REFERRAL_INVITES_PER_DAY: '0' }, 'REFERRAL_INVITES_PER_DAY'],
  ])('%s → ConfigError naming it', (_name, env, variable) => {
    expect(problemsOf({ ...base, ...env })).toContain(variable);
  });

  it('names every bad value at once', () => {
    const message = problemsOf({ ...base, PORT: 'abc', JWT_SECRET: 'short' });
    expect(message).toContain('PORT');
    expect(message).toContain('JWT_SECRET');
  });

  it('in development, makes a signing key once and keeps it in the data dir', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rm-config-'));
    try {
      const first = loadConfig({ NODE_ENV: 'development', DATA_DIR: dir });
      expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
      expect(existsSync(join(dir, 'jwt-secret'))).toBe(true);
      expect(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim()).toBe(first.jwtSecret);
      expect(loadConfig({ NODE_ENV: 'development', DATA_DIR: dir }).jwtSecret).toBe(first.jwtSecret);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
