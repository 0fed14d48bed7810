import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/db.js';
import { bearer, errorCode, signup, startApp, uniqueEmail, type TestApp } from '../helpers/app.js';

const PASSWORD = 'correct horse battery';

describe.each(engines)('auth API on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(engine);
  });
  afterAll(() => t?.close());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, payload: payload as object, headers });
  const me = (token: string) => t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });

  describe('POST /api/auth/signup', () => {
    it('answers 201 with a session and the user', async () => {
      const email = uniqueEmail('signup');
      const res = await post('/api/auth/signup', { email, password: PASSWORD, full_name: 'Sarah Johnson', phone: '+1 555 0123' });
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type', 'user']);
      expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600, user: { email } });
      expect(body.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(typeof body.refresh_token).toBe('string');
      expect(body.refresh_token.length).toBeGreaterThanOrEqual(32);
      expect(body.user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      // The signup trigger made the profile.
      const profile = await me(body.access_token);
      expect(profile.statusCode).toBe(200);
      expect(profile.json()).toMatchObject({ id: body.user.id, email, full_name: 'Sarah Johnson', phone: '+1 555 0123', credits: 0 });
    });

    it('trims and lower-cases the email', async () => {
      const local = `Mixed.Case-${Date.now().toString(36)}`;
      const res = await post('/api/auth/signup', { email: `  ${local}@Example.COM `, password: PASSWORD });
      expect(res.statusCode).toBe(201);
      expect(res.json().user.email).toBe(`${local.toLowerCase()}@example.com`);
      const login = await post('/api/auth/login', { email: `${local.toUpperCase()}@EXAMPLE.com`, password: PASSWORD });
      expect(login.statusCode).toBe(200);
      expect(login.json().user.id).toBe(res.json().user.id);
    });

    it('refuses a duplicate email with 409, also when only the case differs', async () => {
      const user = await signup(t.app);
      for (const email of [user.email, user.email.toUpperCase()]) {
        const res = await post('/api/auth/signup', { email, password: 'another password' });
        expect(res.statusCode, email).toBe(409);
        expect(errorCode(res)).toBe('conflict');
        expect(res.json().error.message).toMatch(/email/i);
      }
      // The original account keeps its password.
      expect((await post('/api/auth/login', { email: user.email, password: 'another password' })).statusCode).toBe(401);
      expect((await post('/api/auth/login', { email: user.email, password: user.password })).statusCode).toBe(200);
    });

    it('refuses a password shorter than 8 characters', async () => {
      const email = uniqueEmail('short');
      const res = await post('/api/auth/signup', { email, password: '1234567' });
      expect(res.statusCode).toBe(400);
      expect(errorCode(res)).toBe('validation_failed');
      expect(res.json().error.details).toEqual([expect.objectContaining({ field: 'password' })]);
      // Nothing was created: the same email signs up fine afterwards.
      expect((await post('/api/auth/signup', { email, password: '12345678' })).statusCode).toBe(201);
    });

    it('refuses a password bcrypt could not keep whole: over 72 characters, or over 72 bytes', async () => {
      const email = uniqueEmail('long');
      for (const password of ['a'.repeat(73), 'é'.repeat(40)]) {
        const res = await post('/api/auth/signup', { email, password });
        expect(res.statusCode).toBe(400);
        expect(errorCode(res)).toBe('validation_failed');
      }
      // 72 single-byte characters is the longest accepted, and it signs in.
      expect((await post('/api/auth/signup', { email, password: 'a'.repeat(72) })).statusCode).toBe(201);
      expect((await post('/api/auth/login', { email, password: 'a'.repeat(72) })).statusCode).toBe(200);
    });

    it.each([
      ['missing email', { password: PASSWORD }],
      ['missing password', { email: 'nopass@example.com' }],
      ['not an email', { email: 'not-an-email', password: PASSWORD }],
      ['unknown field', { email: 'extra@example.com', password: PASSWORD, role: 'service_role' }],
      ['bad phone', { email: 'phone@example.com', password: PASSWORD, phone: 'call me' }],
      ['bad referral code', { email: 'ref@example.com', password: PASSWORD, referral_code: 'AB-12' }],
    ])('refuses %s with 400', async (_name, body) => {
      const res = await post('/api/auth/signup', body);
      expect(res.statusCode).toBe(400);
      expect(errorCode(res)).toBe('validation_failed');
    });

    it('refuses an unknown referral code with 422 invalid_referral_code', async () => {
      const email = uniqueEmail('ref');
      const res = await post('/api/auth/signup', { email, password: PASSWORD, referral_code: 'NOSUCH99' });
      expect(res.statusCode).toBe(422);
      expect(errorCode(res)).toBe('invalid_referral_code');
      expect((await post('/api/auth/login', { email, password: PASSWORD })).statusCode).toBe(401);
    });

    it('accepts a known referral code, in any case', async () => {
      const referrer = await signup(t.app);
      const code = (await me(referrer.token)).json().referral_code as string;
      const res = await post('/api/auth/signup', { email: uniqueEmail('invitee'), password: PASSWORD, referral_code: code.toLowerCase() });
      expect(res.statusCode).toBe(201);
      const { rows } = await t.db.query<{ referrer_id: string }>('select referrer_id from public.referrals where invitee_id = $1', [
        res.json().user.id,
      ]);
      expect(rows).toEqual([{ referrer_id: referrer.id }]);
    });
  });

  describe('POST /api/auth/login', () => {
    it('answers 200 with a working session', async () => {
      const user = await signup(t.app);
      const res = await post('/api/auth/login', { email: user.email, password: user.password });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600, user: { id: user.id, email: user.email } });
      expect(body.refresh_token).not.toBe(user.refreshToken);
      expect((await me(body.access_token)).json().id).toBe(user.id);
    });

    it('answers 401 with the same message for a wrong password and an unknown email', async () => {
      const user = await signup(t.app);
      const wrong = await post('/api/auth/login', { email: user.email, password: 'wrong password' });
      const unknown = await post('/api/auth/login', { email: uniqueEmail('nobody'), password: user.password });
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(errorCode(wrong)).toBe('unauthorized');
      expect(wrong.json()).toEqual(unknown.json());
    });

    it('refuses a body without a password with 400', async () => {
      const res = await post('/api/auth/login', { email: 'a@example.com' });
      expect(res.statusCode).toBe(400);
      expect(errorCode(res)).toBe('validation_failed');
    });
  });

  describe('POST /api/auth/refresh', () => {
    /** Moves the user's past rotations back in time, out of the reuse interval (10 s by default). */
    const ageRotations = (userId: string, seconds = 11) =>
      t.db.query('update app_private.refresh_tokens set used_at = used_at - make_interval(secs => $2) where user_id = $1 and used_at is not null', [userId, seconds]);

    it('rotates: the new pair works, reusing the old token later revokes the whole family', async () => {
      const user = await signup(t.app);
      const first = await post('/api/auth/refresh', { refresh_token: user.refreshToken });
      expect(first.statusCode).toBe(200);
      const rotated = first.json();
      expect(rotated).toMatchObject({ token_type: 'bearer', user: { id: user.id, email: user.email } });
      expect(rotated.refresh_token).not.toBe(user.refreshToken);
      expect((await me(rotated.access_token)).statusCode).toBe(200);

      // The rotated-out token again, past the reuse interval: refused, and the family is revoked.
      await ageRotations(user.id);
      const reuse = await post('/api/auth/refresh', { refresh_token: user.refreshToken });
      expect(reuse.statusCode).toBe(401);
      expect(errorCode(reuse)).toBe('unauthorized');
      const afterReuse = await post('/api/auth/refresh', { refresh_token: rotated.refresh_token });
      expect(afterReuse.statusCode).toBe(401);
      expect(errorCode(afterReuse)).toBe('unauthorized');
    });

    it('within the reuse interval, the rotated-out token gets a new session in the same family (a lost answer signs nobody out)', async () => {
      const user = await signup(t.app);
      const first = (await post('/api/auth/refresh', { refresh_token: user.refreshToken })).json();
      // The answer was lost (a tab closed, a phone lost signal): the client asks again with the old token.
      const second = await post('/api/auth/refresh', { refresh_token: user.refreshToken });
      expect(second.statusCode).toBe(200);
      const sibling = second.json();
      expect(sibling.refresh_token).not.toBe(first.refresh_token);
      expect(decodeJwt(sibling.access_token).session_id).toBe(decodeJwt(first.access_token).session_id);
      expect((await me(sibling.access_token)).statusCode).toBe(200);
      // Both successors rotate; the family is one session, so signing out ends both.
      const fromSibling = (await post('/api/auth/refresh', { refresh_token: sibling.refresh_token })).json();
      expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(fromSibling.access_token) })).statusCode).toBe(204);
      expect((await post('/api/auth/refresh', { refresh_token: first.refresh_token })).statusCode).toBe(401);
      expect((await post('/api/auth/refresh', { refresh_token: user.refreshToken })).statusCode).toBe(401);
    });

    it('the interval is counted from the rotation: just inside it reuse works, just past it reuse revokes', async () => {
      const user = await signup(t.app);
      const first = (await post('/api/auth/refresh', { refresh_token: user.refreshToken })).json();
      await ageRotations(user.id, 8);
      expect((await post('/api/auth/refresh', { refresh_token: user.refreshToken })).statusCode).toBe(200);
      await ageRotations(user.id, 3);
      expect((await post('/api/auth/refresh', { refresh_token: user.refreshToken })).statusCode).toBe(401);
      expect((await post('/api/auth/refresh', { refresh_token: first.refresh_token })).statusCode).toBe(401);
    });

    it('a chain of rotations keeps working until a reuse', async () => {
      const user = await signup(t.app);
      let token = user.refreshToken;
      for (let i = 0; i < 3; i += 1) {
        const res = await post('/api/auth/refresh', { refresh_token: token });
        expect(res.statusCode).toBe(200);
        token = res.json().refresh_token;
      }
      expect((await post('/api/auth/refresh', { refresh_token: token })).statusCode).toBe(200);
    });

    it('revoking one family leaves the user’s other sessions alone', async () => {
      const user = await signup(t.app);
      const other = (await post('/api/auth/login', { email: user.email, password: user.password })).json();
      await post('/api/auth/refresh', { refresh_token: user.refreshToken });
      await ageRotations(user.id);
      expect((await post('/api/auth/refresh', { refresh_token: user.refreshToken })).statusCode).toBe(401);
      expect((await post('/api/auth/refresh', { refresh_token: other.refresh_token })).statusCode).toBe(200);
    });

    it('refuses an unknown token with 401 and a missing one with 400', async () => {
      const unknown = await post('/api/auth/refresh', { refresh_token: 'not-a-real-refresh-token' });
      expect(unknown.statusCode).toBe(401);
      expect(errorCode(unknown)).toBe('unauthorized');
      const missing = await post('/api/auth/refresh', {});
      expect(missing.statusCode).toBe(400);
      expect(errorCode(missing)).toBe('validation_failed');
    });
  });

  describe('POST /api/auth/logout', () => {
    it('revokes the session’s refresh tokens and answers 204', async () => {
      const user = await signup(t.app);
      const other = (await post('/api/auth/login', { email: user.email, password: user.password })).json();
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(user.token) });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      const refresh = await post('/api/auth/refresh', { refresh_token: user.refreshToken });
      expect(refresh.statusCode).toBe(401);
      // Only that session: the other sign-in still refreshes.
      expect((await post('/api/auth/refresh', { refresh_token: other.refresh_token })).statusCode).toBe(200);
    });

    it('revokes tokens rotated after the sign-in too (the whole family)', async () => {
      const user = await signup(t.app);
      const rotated = (await post('/api/auth/refresh', { refresh_token: user.refreshToken })).json();
      expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(rotated.access_token) })).statusCode).toBe(204);
      expect((await post('/api/auth/refresh', { refresh_token: rotated.refresh_token })).statusCode).toBe(401);
    });

    it('needs a token: 401 without one or with a bad one', async () => {
      for (const headers of [{}, { authorization: 'Bearer nonsense' }]) {
        const res = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers });
        expect(res.statusCode).toBe(401);
        expect(errorCode(res)).toBe('unauthorized');
      }
    });
  });

  it('access tokens carry Supabase’s claims and live one hour', async () => {
    const user = await signup(t.app);
    const claims = decodeJwt(user.token);
    expect(claims).toMatchObject({ sub: user.id, email: user.email, role: 'authenticated', aud: 'authenticated' });
    const now = Math.floor(Date.now() / 1000);
    expect(claims.iat).toBeGreaterThan(now - 60);
    expect(claims.iat).toBeLessThanOrEqual(now + 1);
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(typeof claims.session_id).toBe('string');
  });

  describe('rate limits (3 per minute)', () => {
    let limited: TestApp;
    beforeAll(async () => {
      limited = await startApp(engine, { AUTH_RATE_LIMIT_PER_MINUTE: '3' });
    });
    afterAll(() => limited?.close());

    const login = (email: string, remoteAddress: string) =>
      limited.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: 'wrong password' }, remoteAddress });

    function expectLimited(res: Awaited<ReturnType<typeof login>>) {
      expect(res.statusCode).toBe(429);
      expect(errorCode(res)).toBe('rate_limited');
      const retryAfter = Number(res.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }

    it('limits one email across IPs: the 4th attempt is 429 with Retry-After', async () => {
      const email = uniqueEmail('limited');
      for (let i = 1; i <= 3; i += 1) expect((await login(email, `10.0.1.${i}`)).statusCode).toBe(401);
      expectLimited(await login(email, '10.0.1.4'));
      // The same email in another case is the same account.
      expectLimited(await login(email.toUpperCase(), '10.0.1.5'));
      // Another email from a fresh IP is not affected.
      expect((await login(uniqueEmail('free'), '10.0.1.6')).statusCode).toBe(401);
    });

    it('limits one IP across emails', async () => {
      for (let i = 1; i <= 3; i += 1) expect((await login(uniqueEmail(`ip${i}`), '10.0.2.1')).statusCode).toBe(401);
      expectLimited(await login(uniqueEmail('ip4'), '10.0.2.1'));
      expect((await login(uniqueEmail('ip5'), '10.0.2.2')).statusCode).toBe(401);
    });

    it('limits signup and refresh per IP too', async () => {
      for (let i = 1; i <= 3; i += 1) {
        const res = await limited.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refresh_token: `nope-${i}` }, remoteAddress: '10.0.3.1' });
        expect(res.statusCode).toBe(401);
      }
      const refresh = await limited.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refresh_token: 'nope-4' }, remoteAddress: '10.0.3.1' });
      expectLimited(refresh);
      for (let i = 1; i <= 3; i += 1) {
        const res = await limited.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: uniqueEmail(`s${i}`), password: PASSWORD }, remoteAddress: '10.0.4.1' });
        expect(res.statusCode).toBe(201);
      }
      const signupRes = await limited.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: uniqueEmail('s4'), password: PASSWORD }, remoteAddress: '10.0.4.1' });
      expectLimited(signupRes);
    });
  });
});
