import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/db/index.js';
import { engines } from '../helpers/db.js';
import { bearer, errorCode, signup, startApp, TEST_SECRET, uniqueEmail, type SignedUp, type TestApp } from '../helpers/app.js';
import { expectErrorShape, expectNo5xx, hasNul, nastyStrings } from './support.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const key = (secret: string) => new TextEncoder().encode(secret);

describe.each(engines)('security on %s', (engine) => {
  let t: TestApp;
  let alice: SignedUp;
  let bob: SignedUp;
  beforeAll(async () => {
    t = await startApp(engine);
    alice = await signup(t.app, { full_name: 'Alice Owner', phone: '555 0100' });
    bob = await signup(t.app, { full_name: 'Bob Other' });
    // Alice has credits and a ledger entry; Bob has none.
    await t.db.query("insert into public.credit_transactions (user_id, amount, type, description) values ($1, 50, 'earned', 'welcome')", [
      alice.id,
    ]);
  });
  afterAll(() => t?.close());

  const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });
  const patchMe = (token: string, payload: unknown) =>
    t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(token), payload: payload as object });
  const now = () => Math.floor(Date.now() / 1000);
  const claimsOf = (user: SignedUp) => ({ sub: user.id, email: user.email, role: 'authenticated', aud: 'authenticated' });

  describe('access tokens', () => {
    it('a well-formed token signed with the server key is accepted (control)', async () => {
      const token = await new SignJWT(claimsOf(alice)).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(key(TEST_SECRET));
      const res = await get('/api/me', bearer(token));
      expect(res.statusCode).toBe(200);
      expect(res.json().id).toBe(alice.id);
    });

    const forged: Array<[string, () => Promise<string>]> = [
      ['alg none, no signature', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claimsOf(alice), iat: now(), exp: now() + 600 })}.`],
      ['alg none, signature kept', async () => {
        const [, payload, signature] = alice.token.split('.');
        return `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.${signature}`;
      }],
      ['signed with another key', () =>
        new SignJWT(claimsOf(alice)).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(key('another-secret-another-secret-another-secret'))],
      ['HS512 with the server key', () =>
        new SignJWT(claimsOf(alice)).setProtectedHeader({ alg: 'HS512' }).setIssuedAt().setExpirationTime('5m').sign(key(TEST_SECRET))],
      ['payload changed to another user (signature kept)', async () => {
        const [header, payload, signature] = alice.token.split('.') as [string, string, string];
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
        return `${header}.${b64({ ...claims, sub: bob.id, email: bob.email })}.${signature}`;
      }],
      ['payload given a later expiry (signature kept)', async () => {
        const [header, payload, signature] = alice.token.split('.') as [string, string, string];
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
        return `${header}.${b64({ ...claims, exp: claims.exp + 86_400 })}.${signature}`;
      }],
      ['expired', () =>
        new SignJWT(claimsOf(alice)).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(now() - 7200).setExpirationTime(now() - 3600).sign(key(TEST_SECRET))],
      ['wrong audience', () =>
        new SignJWT({ ...claimsOf(alice), aud: 'anon' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(key(TEST_SECRET))],
      ['no audience', () =>
        new SignJWT({ sub: alice.id, email: alice.email, role: 'authenticated' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(key(TEST_SECRET))],
      ['role service_role', () =>
        new SignJWT({ ...claimsOf(alice), role: 'service_role' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(key(TEST_SECRET))],
      ['no subject', () =>
        new SignJWT({ email: alice.email, role: 'authenticated', aud: 'authenticated' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(key(TEST_SECRET))],
      ['garbage', async () => 'garbage'],
      ['three garbage parts', async () => 'a.b.c'],
      ['a refresh token', async () => alice.refreshToken],
    ];

    it.each(forged)('%s → 401 on GET /api/me', async (_name, make) => {
      const res = await get('/api/me', bearer(await make()));
      expect(res.statusCode).toBe(401);
      expect(errorCode(res)).toBe('unauthorized');
      expectErrorShape(res);
    });

    it.each([
      ['Basic scheme', () => `Basic ${Buffer.from('a:b').toString('base64')}`],
      ['Bearer without a token', () => 'Bearer'],
      ['token without a scheme', () => alice.token],
      ['two tokens', () => `Bearer ${alice.token} ${bob.token}`],
    ])('Authorization %s → 401', async (_name, header) => {
      const res = await get('/api/me', { authorization: header() });
      expect(res.statusCode).toBe(401);
      expect(errorCode(res)).toBe('unauthorized');
    });

    it('a forged token is refused on every /api route', async () => {
      const token = `${b64({ alg: 'none' })}.${b64({ ...claimsOf(alice), exp: now() + 600 })}.`;
      for (const [method, url] of [['GET', '/api/me'], ['PATCH', '/api/me'], ['GET', '/api/me/credits'], ['POST', '/api/auth/logout']] as const) {
        const res = await t.app.inject({ method, url, headers: bearer(token), payload: method === 'PATCH' ? { full_name: 'x' } : undefined });
        expect(res.statusCode, `${method} ${url}`).toBe(401);
      }
    });
  });

  describe('one customer cannot reach another’s data', () => {
    it('GET /api/me and /api/me/credits always answer with the caller’s own data', async () => {
      const me = await get('/api/me', bearer(bob.token));
      expect(me.json()).toMatchObject({ id: bob.id, email: bob.email, full_name: 'Bob Other', credits: 0 });
      const credits = await get('/api/me/credits', bearer(bob.token));
      expect(credits.statusCode).toBe(200);
      expect(credits.json()).toEqual({ balance: 0, transactions: [] });
      const aliceCredits = (await get('/api/me/credits', bearer(alice.token))).json();
      expect(aliceCredits.balance).toBe(50);
      expect(aliceCredits.transactions).toHaveLength(1);
    });

    it('there is no way to name another user in a query', async () => {
      for (const url of [`/api/me?id=${alice.id}`, `/api/me/credits?user_id=${alice.id}`]) {
        const res = await get(url, bearer(bob.token));
        if (res.statusCode === 200) expect(res.json().id ?? res.json().balance).not.toBe(alice.id);
        expect(JSON.stringify(res.json())).not.toContain(alice.email);
      }
      const res = await get(`/api/me/credits?user_id=${alice.id}`, bearer(bob.token));
      expect(res.statusCode).toBe(400);
    });

    it('PATCH /api/me cannot touch another profile', async () => {
      for (const payload of [{ id: alice.id, full_name: 'Hacked' }, { user_id: alice.id }, { email: alice.email }]) {
        const res = await patchMe(bob.token, payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(errorCode(res)).toBe('validation_failed');
      }
      const ok = await patchMe(bob.token, { full_name: 'Bob Renamed' });
      expect(ok.json()).toMatchObject({ id: bob.id, full_name: 'Bob Renamed' });
      const aliceNow = (await get('/api/me', bearer(alice.token))).json();
      expect(aliceNow).toMatchObject({ id: alice.id, full_name: 'Alice Owner', phone: '555 0100', credits: 50 });
    });

    const asUser = <T>(user: SignedUp, fn: (tx: Queryable) => Promise<T>) =>
      t.db.asCaller({ role: 'authenticated', claims: { sub: user.id, role: 'authenticated', email: user.email } }, fn);

    it('in the database as role authenticated, a customer sees only their own rows', async () => {
      const profiles = await asUser(bob, (tx) => tx.query<{ id: string }>('select id from public.profiles'));
      expect(profiles.rows).toEqual([{ id: bob.id }]);
      const bobLedger = await asUser(bob, (tx) => tx.query('select * from public.credit_transactions'));
      expect(bobLedger.rows).toEqual([]);
      const aliceLedger = await asUser(alice, (tx) => tx.query<{ user_id: string; amount: number }>('select user_id, amount from public.credit_transactions'));
      expect(aliceLedger.rows).toEqual([{ user_id: alice.id, amount: 50 }]);
      const byId = await asUser(bob, (tx) => tx.query('select * from public.profiles where id = $1', [alice.id]));
      expect(byId.rows).toEqual([]);
    });

    it('in the database, updates of another profile change nothing', async () => {
      const res = await asUser(bob, (tx) => tx.query("update public.profiles set full_name = 'Hacked' where id = $1", [alice.id]));
      expect(res.rowCount).toBe(0);
      const all = await asUser(bob, (tx) => tx.query("update public.profiles set phone = '000'"));
      expect(all.rowCount).toBe(1); // only Bob's own row
      const { rows } = await t.db.query('select full_name, phone from public.profiles where id = $1', [alice.id]);
      expect(rows).toEqual([{ full_name: 'Alice Owner', phone: '555 0100' }]);
    });

    it.each([
      ['credits', "update public.profiles set credits = 999 where id = $1"],
      ['credits of everyone', "update public.profiles set credits = 999 where id = $1 or true"],
      ['email', "update public.profiles set email = 'taken@example.com' where id = $1"],
      ['referral_code', "update public.profiles set referral_code = 'MINE0001' where id = $1"],
      ['a ledger entry', "insert into public.credit_transactions (user_id, amount, type, description) values ($1, 999, 'earned', 'free money')"],
      ['a profile delete', 'delete from public.profiles where id = $1'],
    ])('in the database, a customer cannot write %s of their own', async (_name, sql) => {
      const attempt = asUser(alice, (tx) => tx.query(sql, [alice.id]));
      // Refused outright (permission denied), or RLS lets it touch no row.
      const outcome = await attempt.then((r) => r.rowCount, (err: { code?: string }) => err.code);
      expect(['42501', 0]).toContain(outcome);
      const { rows } = await t.db.query('select email, referral_code, credits from public.profiles where id = $1', [alice.id]);
      expect(rows[0]).toMatchObject({ email: alice.email, credits: 50 });
      expect(rows[0]!.referral_code).not.toBe('MINE0001');
      const ledger = await t.db.query('select 1 from public.credit_transactions where user_id = $1', [alice.id]);
      expect(ledger.rows).toHaveLength(1);
    });

    it('as anon, the database shows no profiles or ledger', async () => {
      for (const sql of ['select * from public.profiles', 'select * from public.credit_transactions']) {
        // (rows.length: PGlite reports rowCount 0 for a select.)
        const outcome = await t.db.asCaller({ role: 'anon' }, (tx) => tx.query(sql)).then((r) => r.rows.length, (err: { code?: string }) => err.code);
        expect(['42501', 0]).toContain(outcome);
      }
    });
  });

  describe('injection and odd strings are stored verbatim or refused, never a 5xx', () => {
    let carol: SignedUp;
    beforeAll(async () => {
      carol = await signup(t.app);
    });

    it('a wrong password made of SQL does not sign in', async () => {
      for (const password of ["' or '1'='1", "x' or 1=1 --"]) {
        const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: alice.email, password } });
        expect(res.statusCode).toBe(401);
      }
    });

    it.each(nastyStrings.map((s) => [JSON.stringify(s), s]))('signup full_name and password %s', async (_label, value) => {
      const email = uniqueEmail('nasty');
      const password = `password-${value}`;
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email, password, full_name: value } });
      expectNo5xx(res, 'signup full_name');
      if (hasNul(value)) {
        expect(res.statusCode).toBe(400);
        expect(errorCode(res)).toBe('validation_failed');
        // The password alone (hashed, never stored as text) is fine, NUL and all.
        const pwOnly = await t.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email, password } });
        expect(pwOnly.statusCode).toBe(201);
      } else {
        expect(res.statusCode).toBe(201);
        const me = await get('/api/me', bearer(res.json().access_token));
        expect(me.json().full_name).toBe(value);
      }
      const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
      expect(login.statusCode).toBe(200);
    });

    it.each(nastyStrings.map((s) => [JSON.stringify(s), s]))('signup phone and referral_code %s → 400', async (_label, value) => {
      for (const field of ['phone', 'referral_code']) {
        const res = await t.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: uniqueEmail('nasty'), password: 'correct horse battery', [field]: value } });
        expect(res.statusCode, field).toBe(400);
        expectErrorShape(res);
      }
    });

    it.each(nastyStrings.map((s) => [JSON.stringify(s), s]))('email, login and refresh with %s', async (_label, value) => {
      const signupRes = await t.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: value, password: 'correct horse battery' } });
      expect(signupRes.statusCode).toBe(400);
      expectErrorShape(signupRes);
      const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: value, password: value } });
      expectNo5xx(login, 'login');
      expect([400, 401]).toContain(login.statusCode);
      const refresh = await t.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refresh_token: value } });
      expectNo5xx(refresh, 'refresh');
      expect([400, 401]).toContain(refresh.statusCode);
    });

    it('an email with a quote in it works end to end', async () => {
      const email = `o'reilly+--${Date.now().toString(36)}@example.com`;
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email, password: 'correct horse battery' } });
      expect(res.statusCode).toBe(201);
      expect(res.json().user.email).toBe(email);
      const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: 'correct horse battery' } });
      expect(login.statusCode).toBe(200);
    });

    it.each(nastyStrings.map((s) => [JSON.stringify(s), s]))('PATCH /api/me full_name and address with %s', async (_label, value) => {
      const user = carol;
      const name = await patchMe(user.token, { full_name: value });
      expectNo5xx(name, 'PATCH full_name');
      if (hasNul(value)) expect(name.statusCode).toBe(400);
      else {
        expect(name.statusCode).toBe(200);
        expect(name.json().full_name).toBe(value);
        expect((await get('/api/me', bearer(user.token))).json().full_name).toBe(value);
      }

      const address = { street: value, city: value, state: 'CA', zip: '90210' };
      const addr = await patchMe(user.token, { address });
      expectNo5xx(addr, 'PATCH address');
      if (hasNul(value)) expect(addr.statusCode).toBe(400);
      else {
        expect(addr.statusCode).toBe(200);
        expect((await get('/api/me', bearer(user.token))).json().address).toEqual(address);
      }

      for (const payload of [{ phone: value }, { address: { ...address, state: value } }, { address: { ...address, zip: value } }]) {
        const res = await patchMe(user.token, payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expectErrorShape(res);
      }
    });

    it('the tables are all still there', async () => {
      const { rows } = await t.db.query<{ n: number }>('select count(*)::int as n from public.profiles');
      expect(rows[0]!.n).toBeGreaterThan(2);
    });
  });

  describe('request handling', () => {
    it('malformed JSON → 400 validation_failed', async () => {
      for (const [url, headers] of [['/api/auth/login', {}], ['/api/auth/signup', {}], ['/api/auth/refresh', {}]] as const) {
        const res = await t.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: '{"email": "a@example.com",' });
        expect(res.statusCode, url).toBe(400);
        expect(errorCode(res)).toBe('validation_failed');
        expectErrorShape(res);
      }
      const patch = await t.app.inject({ method: 'PATCH', url: '/api/me', headers: { ...bearer(alice.token), 'content-type': 'application/json' }, payload: '{full_name: x}' });
      expect(patch.statusCode).toBe(400);
      expect(errorCode(patch)).toBe('validation_failed');
    });

    it('a body over 100 kB → 413 payload_too_large', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/signup',
        payload: { email: uniqueEmail('big'), password: 'correct horse battery', full_name: 'x'.repeat(110 * 1024) },
      });
      expect(res.statusCode).toBe(413);
      expect(errorCode(res)).toBe('payload_too_large');
      expectErrorShape(res);
    });

    it('a body just under the limit but invalid is a 400, not a 413', async () => {
      const res = await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(alice.token), payload: { full_name: 'x'.repeat(90 * 1024) } });
      expect(res.statusCode).toBe(400);
    });

    it('a wrong content type → 415', async () => {
      for (const contentType of ['application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x', 'image/png']) {
        const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': contentType }, payload: 'email=a@example.com&password=x' });
        expect(res.statusCode, contentType).toBe(415);
        expect(errorCode(res)).toBe('unsupported_media_type');
        expectErrorShape(res);
      }
    });

    it('a text/plain body (Fastify parses it as a string) is refused with 400, never used as JSON', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'content-type': 'text/plain' },
        payload: JSON.stringify({ email: alice.email, password: alice.password }),
      });
      expect(res.statusCode).toBe(400);
      expect(errorCode(res)).toBe('validation_failed');
    });

    it('an unknown route → 404 not_found', async () => {
      for (const [method, url] of [['GET', '/api/nothing-here'], ['GET', '/nothing'], ['DELETE', '/api/me'], ['POST', '/api/me/credits']] as const) {
        const res = await t.app.inject({ method, url, headers: bearer(alice.token) });
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(errorCode(res)).toBe('not_found');
        expectErrorShape(res);
      }
    });

    it('a missing body where one is required → 400', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/login' });
      expect(res.statusCode).toBe(400);
      expectErrorShape(res);
    });
  });
});
