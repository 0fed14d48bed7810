import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/db.js';
import { bearer, signup, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { bodies, queryStrings, validAddress, weirdString, weirdValue, wire } from './arbitraries.js';
import { expectNo5xx } from './support.js';

const RUNS = 60;

describe.each(engines)('property-based bad input on %s', (engine) => {
  let t: TestApp;
  let user: SignedUp;
  beforeAll(async () => {
    t = await startApp(engine, { AUTH_RATE_LIMIT_PER_MINUTE: '100000' });
    user = await signup(t.app);
  });
  afterAll(() => t?.close());

  let fresh = 0;
  /** The nearly-valid signup bodies get a new email each time, so they reach the database. */
  const withFreshEmail = (value: unknown) => {
    if (value && typeof value === 'object' && (value as { email?: unknown }).email === 'fuzz@example.com') {
      fresh += 1;
      return { ...value, email: `fuzz-${fresh}-${Date.now().toString(36)}@example.com` };
    }
    return value;
  };

  const send = (method: 'POST' | 'PATCH', url: string, body: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method, url, headers: { ...headers, 'content-type': 'application/json' }, payload: wire(body) });

  it('POST /api/auth/signup never answers 5xx', async () => {
    const body = bodies(['email', 'password', 'full_name', 'phone', 'referral_code'], {
      email: fc.oneof(fc.emailAddress(), weirdValue),
      password: fc.oneof(fc.string({ unit: 'binary', minLength: 8, maxLength: 30 }), weirdValue),
    }, { email: 'fuzz@example.com', password: 'correct horse battery', full_name: 'Fuzz' });
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const res = await send('POST', '/api/auth/signup', withFreshEmail(value));
        expectNo5xx(res, `signup ${wire(value)}`);
        if (res.statusCode === 201) expect(res.json().token_type).toBe('bearer');
      }),
      { numRuns: RUNS },
    );
  });

  it('POST /api/auth/login never answers 5xx', async () => {
    const body = bodies(['email', 'password'], { email: fc.oneof(fc.constant(user.email), weirdValue) }, { email: user.email, password: 'not the password' });
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const res = await send('POST', '/api/auth/login', value);
        expectNo5xx(res, `login ${wire(value)}`);
        expect(res.statusCode).not.toBe(200); // nothing random is the right password
      }),
      { numRuns: RUNS },
    );
  });

  it('POST /api/auth/refresh never answers 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(bodies(['refresh_token'], {}, { refresh_token: 'x' }), async (value) => {
        const res = await send('POST', '/api/auth/refresh', value);
        expectNo5xx(res, `refresh ${wire(value)}`);
        expect(res.statusCode).not.toBe(200);
      }),
      { numRuns: RUNS },
    );
  });

  it('PATCH /api/me (signed in) never answers 5xx', async () => {
    const body = fc.oneof(
      bodies(['full_name', 'phone', 'address'], { address: fc.oneof(validAddress, weirdValue) }, { full_name: 'Fuzz', phone: '555 0100' }),
      fc.tuple(fc.constantFrom('street', 'city', 'state', 'zip'), weirdString).map(([key, odd]) => ({
        address: { street: '1 Main St', city: 'Los Angeles', state: 'CA', zip: '90210', [key]: odd },
      })),
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const res = await send('PATCH', '/api/me', value, bearer(user.token));
        expectNo5xx(res, `PATCH /api/me ${wire(value)}`);
        if (res.statusCode === 200) expect(res.json()).toMatchObject({ id: user.id, email: user.email, credits: 0 });
      }),
      { numRuns: RUNS },
    );
  });

  it('GET /api/me/credits with any query string never answers 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(queryStrings, async (query) => {
        const res = await t.app.inject({ method: 'GET', url: `/api/me/credits?${query}`, headers: bearer(user.token) });
        expectNo5xx(res, `?${query}`);
        if (res.statusCode === 200) expect(res.json()).toEqual({ balance: 0, transactions: [] });
      }),
      { numRuns: RUNS },
    );
  });

  it('any Authorization header on GET /api/me is a 200 for the real token or a 401, never 5xx', async () => {
    const header = fc.oneof(
      weirdString.map((s) => `Bearer ${s}`),
      fc.string().map((s) => `bearer ${user.token}${s}`),
      weirdString.filter((s) => /^[\t\x20-\x7e]*$/.test(s)),
    );
    await fc.assert(
      fc.asyncProperty(header, async (authorization) => {
        let res;
        try {
          res = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization } });
        } catch (err) {
          // Node refuses to send a header value with control characters; no request was made.
          if ((err as { code?: string }).code === 'ERR_INVALID_CHAR') return;
          throw err;
        }
        expectNo5xx(res, `authorization ${JSON.stringify(authorization)}`);
        expect([200, 401]).toContain(res.statusCode);
        if (res.statusCode === 200) expect(res.json().id).toBe(user.id);
      }),
      { numRuns: RUNS },
    );
  });
});
