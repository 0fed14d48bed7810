import Fastify from 'fastify';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAccessDeclarations } from '../../src/http/access.js';
import type { App } from '../../src/http/types.js';
import { engines } from '../helpers/db.js';
import { bearer, errorCode, signup, signupStaff, startApp, TEST_SECRET, type SignedUp, type TestApp } from '../helpers/app.js';

/** The same claims as a real token of this session, expired an hour ago. */
async function expired(user: SignedUp): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { iat: _iat, exp: _exp, ...claims } = decodeJwt(user.token);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now - 7200)
    .setExpirationTime(now - 3600)
    .sign(new TextEncoder().encode(TEST_SECRET));
}

describe('access declarations', () => {
  it('an /api route without config.access stops start-up', () => {
    const app = Fastify() as unknown as App;
    requireAccessDeclarations(app);
    expect(() => app.get('/api/forgotten', async () => 'x')).toThrow(/GET \/api\/forgotten must declare config.access/);
    expect(() => app.get('/api/typo', { config: { access: 'admins' as never } }, async () => 'x')).toThrow(/must declare/);
    expect(() => app.get('/elsewhere', async () => 'x')).not.toThrow();
    expect(() => app.get('/api/declared', { config: { access: 'public' } }, async () => 'x')).not.toThrow();
  });
});

describe.each(engines)('access before input on %s', (engine) => {
  let t: TestApp;
  let customer: SignedUp;
  let admin: SignedUp;
  beforeAll(async () => {
    t = await startApp(engine);
    customer = await signup(t.app);
    admin = await signupStaff(t, 'admin');
  });
  afterAll(() => t?.close());

  describe('a bad or expired token where none is needed is ignored', () => {
    it('refresh works with an expired Authorization header', async () => {
      const user = await signup(t.app);
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/refresh',
        headers: bearer(await expired(user)),
        payload: { refresh_token: user.refreshToken },
      });
      expect(res.statusCode, res.body).toBe(200);
    });

    it('login and public reads work with an expired or garbage token', async () => {
      const user = await signup(t.app);
      for (const headers of [bearer(await expired(user)), bearer('garbage'), { authorization: 'Basic abc' }]) {
        const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers, payload: { email: user.email, password: user.password } });
        expect(login.statusCode, login.body).toBe(200);
        expect((await t.app.inject({ method: 'GET', url: '/api/services', headers })).statusCode).toBe(200);
        expect((await t.app.inject({ method: 'GET', url: '/api/availability?from=2030-01-01', headers })).statusCode).toBe(200);
      }
    });

    it('logout with an expired token still ends that session', async () => {
      const user = await signup(t.app);
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(await expired(user)) });
      expect(res.statusCode, res.body).toBe(204);
      const refresh = await t.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refresh_token: user.refreshToken } });
      expect(refresh.statusCode).toBe(401);
    });
  });

  describe('a route that needs a token', () => {
    it('no token: 401 with WWW-Authenticate: Bearer', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/me' });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(errorCode(res)).toBe('unauthorized');
    });

    it('an expired or bad token: 401 with error="invalid_token"', async () => {
      for (const headers of [bearer(await expired(customer)), bearer('garbage'), { authorization: 'Basic abc' }]) {
        const res = await t.app.inject({ method: 'GET', url: '/api/me', headers });
        expect(res.statusCode).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
        expect(errorCode(res)).toBe('unauthorized');
      }
    });
  });

  describe('signed-out callers get 401 and customers 403 before anything about their input', () => {
    const cases: Array<[string, 'PUT' | 'POST' | 'PATCH', string, unknown]> = [
      ['catalog', 'PUT', '/api/admin/catalog', { services: 'nope' }],
      ['settings', 'PUT', '/api/admin/settings', {}],
      ['slots', 'POST', '/api/admin/slots', { date: 'yesterday' }],
      ['a slot (bad id)', 'PATCH', '/api/admin/slots/not-a-uuid', { is_available: 'maybe' }],
      ['credits', 'POST', '/api/admin/customers/not-a-uuid/credits', { amount: 'lots' }],
    ];
    it.each(cases)('%s', async (_name, method, url, payload) => {
      const anon = await t.app.inject({ method, url, payload: payload as object });
      expect(anon.statusCode, anon.body).toBe(401);
      expect(anon.headers['www-authenticate']).toBe('Bearer');
      const notStaff = await t.app.inject({ method, url, headers: bearer(customer.token), payload: payload as object });
      expect(notStaff.statusCode, notStaff.body).toBe(403);
      expect(errorCode(notStaff)).toBe('forbidden');
      const staff = await t.app.inject({ method, url, headers: bearer(admin.token), payload: payload as object });
      expect(staff.statusCode, staff.body).toBe(400);
    });

    it('referrals and a malformed JSON body: 401 first', async () => {
      const invite = await t.app.inject({ method: 'POST', url: '/api/referrals', payload: { email: 42 } });
      expect(invite.statusCode).toBe(401);
      const malformed = await t.app.inject({ method: 'PATCH', url: '/api/me', headers: { 'content-type': 'application/json' }, payload: '{"full_name":' });
      expect(malformed.statusCode).toBe(401);
    });

    it('an operator is below admin', async () => {
      const operator = await signupStaff(t, 'operator');
      const res = await t.app.inject({ method: 'PUT', url: '/api/admin/catalog', headers: bearer(operator.token), payload: {} });
      expect(res.statusCode).toBe(403);
    });
  });
});
