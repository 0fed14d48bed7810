import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/db.js';
import { ADDRESS, bearer, errorCode, futureDate, signup, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';

/** JSON bodies are taken as typed; only query strings and path params are coerced from text. */
describe.each(engines)('typed JSON bodies on %s', (engine) => {
  let t: TestApp;
  let admin: SignedUp;
  let day = 20;

  beforeAll(async () => {
    t = await startApp(engine);
    admin = await signupStaff(t, 'admin');
  });
  afterAll(() => t?.close());

  async function makeSlot(): Promise<string> {
    day += 1;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/admin/slots',
      headers: bearer(admin.token),
      payload: { date: futureDate(day), start_time: '09:00', end_time: '10:00', max_bookings: 5 },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().created[0].id;
  }

  async function customer(credits = 0): Promise<SignedUp> {
    const user = await signup(t.app);
    await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(user.token), payload: { address: ADDRESS } });
    if (credits > 0) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/admin/customers/${user.id}/credits`,
        headers: bearer(admin.token),
        payload: { amount: credits, description: 'test' },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    return user;
  }

  const book = (user: SignedUp, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/bookings', headers: bearer(user.token), payload });

  it.each([
    [0, {}],
    [1, { extra_visits: 1 }],
    [2, { extra_visits: 2 }],
  ])('add_ons {"extra_visits": %s} books', async (visits, stored) => {
    const res = await book(await customer(), { slot_id: await makeSlot(), service_type: 'cold_plunge', add_ons: { extra_visits: visits } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().booking.add_ons).toEqual(stored);
  });

  it('a number where a boolean add-on belongs, or text where a count belongs, is refused', async () => {
    const user = await customer();
    for (const add_ons of [{ family: 1 }, { extra_visits: '1' }]) {
      const res = await book(user, { slot_id: await makeSlot(), service_type: 'cold_plunge', add_ons });
      expect(res.statusCode, JSON.stringify(add_ons)).toBe(400);
      expect(errorCode(res)).toBe('validation_failed');
    }
  });

  it.each([[true], [null], ['5']])('use_credits %j is refused, not turned into a number', async (useCredits) => {
    const user = await customer(100);
    const res = await book(user, { slot_id: await makeSlot(), service_type: 'cold_plunge', use_credits: useCredits });
    expect(res.statusCode, res.body).toBe(400);
    expect(errorCode(res)).toBe('validation_failed');
    const balance = (await t.app.inject({ method: 'GET', url: '/api/me/credits', headers: bearer(user.token) })).json().balance;
    expect(balance).toBe(100);
  });

  it.each([
    [{ address: { ...ADDRESS, city: false } }],
    [{ full_name: 12345 }],
    [{ phone: 5550100 }],
  ])('PATCH /api/me %j is refused and stores nothing', async (payload) => {
    const user = await signup(t.app, { full_name: 'Kept Name' });
    const res = await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(user.token), payload });
    expect(res.statusCode, res.body).toBe(400);
    expect(errorCode(res)).toBe('validation_failed');
    const me = (await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(user.token) })).json();
    expect(me).toMatchObject({ full_name: 'Kept Name', address: null });
  });

  it('query strings and path params are still read as their types', async () => {
    const user = await customer();
    const list = await t.app.inject({ method: 'GET', url: '/api/bookings?limit=5&offset=0', headers: bearer(user.token) });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json()).toMatchObject({ limit: 5, offset: 0 });
    const credits = await t.app.inject({ method: 'GET', url: '/api/me/credits?limit=3', headers: bearer(user.token) });
    expect(credits.statusCode, credits.body).toBe(200);
  });
});
