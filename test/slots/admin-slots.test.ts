import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS, bearer, errorCode, futureDate, signup, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';

/** GET /api/admin/slots: the staff calendar's slots, open or closed, with places and bookings. */
describe.each(engines)('the staff slot listing on %s', (engine) => {
  let t: TestApp;
  let admin: SignedUp;
  let operator: SignedUp;
  const day = futureDate(5);

  beforeAll(async () => {
    t = await startApp(engine, { WORKER: 'off' });
    admin = await signupStaff(t, 'admin');
    operator = await signupStaff(t, 'operator');
  });
  afterAll(() => t?.close());

  const list = (token: string, query: string) => t.app.inject({ method: 'GET', url: `/api/admin/slots?${query}`, headers: bearer(token) });

  it('lists every slot of the range, closed ones too, with places and the live bookings with who booked', async () => {
    const created = await t.app.inject({
      method: 'POST', url: '/api/admin/slots', headers: bearer(admin.token),
      payload: { date: day, start_time: '09:00', end_time: '10:00', max_bookings: 2 },
    });
    expect(created.statusCode, created.body).toBe(201);
    const open = created.json().created[0] as { id: string };
    const closedRes = await t.app.inject({
      method: 'POST', url: '/api/admin/slots', headers: bearer(admin.token), payload: { date: day, start_time: '11:00', end_time: '12:00' },
    });
    const closed = closedRes.json().created[0] as { id: string };
    expect((await t.app.inject({ method: 'PATCH', url: `/api/admin/slots/${closed.id}`, headers: bearer(admin.token), payload: { is_available: false } })).statusCode).toBe(200);

    const customer = await signup(t.app, { full_name: 'Dana Plunge', phone: '+13105550123' });
    await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(customer.token), payload: { address: ADDRESS } });
    const booked = await t.app.inject({
      method: 'POST', url: '/api/bookings', headers: bearer(customer.token), payload: { slot_id: open.id, service_type: 'cold_plunge', add_ons: { towels: true } },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const bookingId = booked.json().booking.id as string;
    // A cancelled booking holds no place and is not listed.
    const other = await signup(t.app);
    await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(other.token), payload: { address: ADDRESS } });
    const second = await t.app.inject({ method: 'POST', url: '/api/bookings', headers: bearer(other.token), payload: { slot_id: open.id, service_type: 'cold_plunge' } });
    expect(second.statusCode, second.body).toBe(201);
    const cancel = await t.app.inject({ method: 'POST', url: `/api/bookings/${second.json().booking.id}/cancel`, headers: bearer(other.token), payload: {} });
    expect(cancel.statusCode, cancel.body).toBe(200);

    for (const who of [operator, admin]) {
      const res = await list(who.token, `from=${day}&to=${day}`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.timezone).toBe('America/Los_Angeles');
      expect(body.slots.map((s: { start_time: string }) => s.start_time)).toEqual(['09:00', '11:00']);
      const [first, last] = body.slots;
      expect(first).toMatchObject({ id: open.id, date: day, end_time: '10:00', is_available: true, max_bookings: 2, current_bookings: 1, remaining: 1 });
      expect(first.starts_at).toMatch(new RegExp(`^${day}T09:00:00-0[78]:00$`));
      expect(first.ends_at).toMatch(new RegExp(`^${day}T10:00:00-0[78]:00$`));
      expect(first.bookings).toEqual([
        expect.objectContaining({ id: bookingId, status: 'scheduled', service_type: 'cold_plunge', add_ons: { towels: true }, customer: { id: customer.id, full_name: 'Dana Plunge', phone: '+13105550123' } }),
      ]);
      expect(last).toMatchObject({ id: closed.id, is_available: false, bookings: [] });
    }
    // Outside the range: nothing.
    expect((await list(operator.token, `from=${futureDate(40)}`)).json().slots).toEqual([]);
  });

  it('refuses customers (403), bad ranges (400) and the signed out (401)', async () => {
    const customer = await signup(t.app);
    const refused = await list(customer.token, `from=${day}`);
    expect(refused.statusCode).toBe(403);
    expect(errorCode(refused)).toBe('forbidden');
    for (const query of [`from=${day}&to=${futureDate(2)}`, `from=${day}&to=${futureDate(80)}`, 'from=2026-02-30', '']) {
      const res = await list(operator.token, query);
      expect(res.statusCode, query).toBe(400);
      expect(errorCode(res)).toBe('validation_failed');
    }
    expect((await t.app.inject({ method: 'GET', url: `/api/admin/slots?from=${day}` })).statusCode).toBe(401);
  });
});
