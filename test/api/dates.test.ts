import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/db.js';
import { bearer, errorCode, signup, startApp, type SignedUp, type TestApp } from '../helpers/app.js';

/** Dates that look right but are not (found by a fuzzer as 500s). */
describe.each(engines)('impossible dates and offsets on %s', (engine) => {
  let t: TestApp;
  let user: SignedUp;
  beforeAll(async () => {
    t = await startApp(engine);
    user = await signup(t.app);
  });
  afterAll(() => t?.close());

  it.each(['from=2026-13-01', 'from=0000-00-00', 'from=2026-02-30', 'from=2026-01-01&to=2026-04-31', 'from=0000-01-01'])(
    'GET /api/availability?%s → 400 validation_failed',
    async (query) => {
      const res = await t.app.inject({ method: 'GET', url: `/api/availability?${query}` });
      expect(res.statusCode, res.body).toBe(400);
      expect(errorCode(res)).toBe('validation_failed');
    },
  );

  it('a leap day is a real date', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/availability?from=2028-02-29' });
    expect(res.statusCode, res.body).toBe(200);
  });

  it.each(['2026-01-01T00:00:00-16:00', '2026-01-01T00:00:00%2B23:59', '0000-01-01T00:00:00Z'])(
    'GET /api/bookings?from=%s → 400 validation_failed',
    async (from) => {
      const res = await t.app.inject({ method: 'GET', url: `/api/bookings?from=${from}`, headers: bearer(user.token) });
      expect(res.statusCode, res.body).toBe(400);
      expect(errorCode(res)).toBe('validation_failed');
    },
  );
});
