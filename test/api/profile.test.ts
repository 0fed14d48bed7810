import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/db.js';
import { bearer, errorCode, signup, startApp, type TestApp } from '../helpers/app.js';

describe.each(engines)('profile API on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(engine);
  });
  afterAll(() => t?.close());

  it('GET /api/me returns the signed-up profile', async () => {
    const user = await signup(t.app, { full_name: 'Sarah Johnson', phone: '+1-555-0123' });
    const res = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(user.token) });
    expect(res.statusCode).toBe(200);
    const me = res.json();
    expect(me).toMatchObject({ id: user.id, email: user.email, full_name: 'Sarah Johnson', phone: '+1-555-0123', credits: 0, address: null });
    expect(me.referral_code).toMatch(/^[A-Z0-9]{8}$/);
  });

  it('PATCH /api/me changes name, phone and address only', async () => {
    const user = await signup(t.app);
    const address = { street: '123 Main St', city: 'Los Angeles', state: 'CA', zip: '90210' };
    const res = await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(user.token), payload: { full_name: 'New Name', address } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ full_name: 'New Name', address });
    for (const field of ['credits', 'email', 'referral_code', 'id']) {
      const bad = await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(user.token), payload: { [field]: field === 'credits' ? 1000 : 'X' } });
      expect(bad.statusCode, field).toBe(400);
      expect(errorCode(bad)).toBe('validation_failed');
    }
    const me = (await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(user.token) })).json();
    expect(me.credits).toBe(0);
  });

  it('GET /api/me without a token is 401', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/me' });
    expect(res.statusCode).toBe(401);
    expect(errorCode(res)).toBe('unauthorized');
  });
});
