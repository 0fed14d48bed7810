import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePastSlot } from '../db/support.js';
import { engines } from '../helpers/db.js';
import { addOnPrices, servicePrices } from '../helpers/factories.js';
import { ADDRESS, bearer, errorCode, futureDate, signup, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';

describe.each(engines)('booking engine on %s', (engine) => {
  let t: TestApp;
  let admin: SignedUp;
  let operator: SignedUp;
  let day = 10;

  beforeAll(async () => {
    t = await startApp(engine);
    admin = await signupStaff(t, 'admin');
    operator = await signupStaff(t, 'operator');
  });
  afterAll(() => t?.close());

  /** A fresh slot on its own future day. */
  async function makeSlot(maxBookings = 1, start = '09:00', end = '10:00'): Promise<{ id: string; starts_at: string; date: string }> {
    day += 1;
    const date = futureDate(day);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/admin/slots',
      headers: bearer(admin.token),
      payload: { date, start_time: start, end_time: end, max_bookings: maxBookings },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().created[0];
  }

  /** A slot three days ahead in the afternoon (hour 13 to 17), apart from the day-by-day slots above. */
  async function afternoonSlot(hour: number, maxBookings = 1): Promise<{ id: string }> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/admin/slots',
      headers: bearer(admin.token),
      payload: { date: futureDate(3), start_time: `${hour}:00`, end_time: `${hour + 1}:00`, max_bookings: maxBookings },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().created[0];
  }

  async function customer(): Promise<SignedUp> {
    const user = await signup(t.app);
    await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(user.token), payload: { address: ADDRESS } });
    return user;
  }

  const book = (user: SignedUp, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/bookings', headers: bearer(user.token), payload });

  it('lists the catalog publicly', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/services' });
    expect(res.statusCode).toBe(200);
    const { services, add_ons } = res.json();
    expect(services.map((s: { key: string }) => s.key)).toEqual(['cold_plunge', 'infrared_sauna', 'combo']);
    expect(add_ons.map((a: { key: string }) => a.key)).toEqual(['family', 'extra_visits', 'towels', 'electrolytes']);
  });

  it('books a slot priced from the catalog, never from the client', async () => {
    const slot = await makeSlot(2, '09:00', '10:30');
    const user = await customer();
    // 75 minutes do not fit an hour: the booking would run into the next slot.
    const hour = await makeSlot(2, '09:00', '10:00');
    const tooLong = await book(user, { slot_id: hour.id, service_type: 'combo', add_ons: { family: true } });
    expect([tooLong.statusCode, errorCode(tooLong)], tooLong.body).toEqual([422, 'slot_too_short']);
    const res = await book(user, { slot_id: slot.id, service_type: 'combo', add_ons: { family: true, extra_visits: 2, towels: false }, notes: 'Gate code 42' });
    expect(res.statusCode, res.body).toBe(201);
    const { booking } = res.json();
    // combo + family + 2 × extra visit, at the catalog's prices; 60 + 15 minutes
    const [services, addOns] = [await servicePrices(t.db), await addOnPrices(t.db)];
    const total = services.combo! + addOns.family! + 2 * addOns.extra_visits!;
    expect(booking).toMatchObject({ status: 'scheduled', service_type: 'combo', total_amount: total, duration: 75, slot_id: slot.id, address: ADDRESS });
    expect(booking.add_ons).toEqual({ family: true, extra_visits: 2 });
    expect(new Date(booking.date_time).toISOString()).toBe(new Date(slot.starts_at).toISOString());
    const forged = await book(user, { slot_id: slot.id, service_type: 'combo', total_amount: 1 });
    expect(forged.statusCode).toBe(400);
  });

  it('refuses with the right codes', async () => {
    const user = await customer();
    const full = await makeSlot(1);
    expect((await book(await customer(), { slot_id: full.id, service_type: 'cold_plunge' })).statusCode).toBe(201);
    const r1 = await book(user, { slot_id: full.id, service_type: 'cold_plunge' });
    expect([r1.statusCode, errorCode(r1)]).toEqual([409, 'slot_full']);

    const two = await makeSlot(2);
    expect((await book(user, { slot_id: two.id, service_type: 'cold_plunge' })).statusCode).toBe(201);
    const r2 = await book(user, { slot_id: two.id, service_type: 'cold_plunge' });
    expect([r2.statusCode, errorCode(r2)]).toEqual([409, 'already_booked']);

    const closed = await makeSlot(1);
    await t.app.inject({ method: 'PATCH', url: `/api/admin/slots/${closed.id}`, headers: bearer(admin.token), payload: { is_available: false } });
    const r3 = await book(user, { slot_id: closed.id, service_type: 'cold_plunge' });
    expect([r3.statusCode, errorCode(r3)]).toEqual([409, 'slot_unavailable']);

    const r4 = await book(user, { slot_id: (await makeSlot(1)).id, service_type: 'hot_tub' });
    expect([r4.statusCode, errorCode(r4)]).toEqual([400, 'validation_failed']);
    const r5 = await book(user, { slot_id: (await makeSlot(1)).id, service_type: 'cold_plunge', add_ons: { massage: true } });
    expect(r5.statusCode).toBe(400);

    const far = { ...ADDRESS, zip: '10001' };
    await t.app.inject({ method: 'PUT', url: '/api/admin/settings', headers: bearer(admin.token), payload: { service_area_zips: ['90210', '90211'] } });
    try {
      const r6 = await book(user, { slot_id: (await makeSlot(1)).id, service_type: 'cold_plunge', address: far });
      expect([r6.statusCode, errorCode(r6)]).toEqual([422, 'outside_service_area']);
    } finally {
      await t.app.inject({ method: 'PUT', url: '/api/admin/settings', headers: bearer(admin.token), payload: { service_area_zips: [] } });
    }
  });

  it('says why, with the messages and details the API documents', async () => {
    const user = await customer();
    const error = (res: { json(): { error: unknown } }) => res.json().error;
    const slot = await afternoonSlot(13);
    expect(error(await book(user, { slot_id: slot.id, service_type: 'hot_tub' }))).toEqual({
      code: 'validation_failed', message: 'Unknown service "hot_tub"', details: { field: 'service_type', code: 'unknown_service' },
    });
    // The first bad add-on in the request's order is the one reported.
    expect(error(await book(user, { slot_id: slot.id, service_type: 'cold_plunge', add_ons: { towels: true, massage: true, family: 3 } }))).toEqual({
      code: 'validation_failed', message: 'Unknown add-on "massage"', details: { field: 'add_ons.massage', code: 'unknown_add_on' },
    });
    expect(error(await book(user, { slot_id: slot.id, service_type: 'cold_plunge', add_ons: { extra_visits: 9 } }))).toEqual({
      code: 'validation_failed', message: 'Extra visits takes a whole number from 0 to 8', details: { field: 'add_ons.extra_visits' },
    });
    expect(error(await book(user, { slot_id: slot.id, service_type: 'cold_plunge', add_ons: { extra_visits: true } }))).toMatchObject({
      code: 'validation_failed', details: { field: 'add_ons.extra_visits' },
    });
    expect(error(await book(user, { slot_id: slot.id, service_type: 'cold_plunge', add_ons: { family: 1 } }))).toEqual({
      code: 'validation_failed', message: 'Family is true or false', details: { field: 'add_ons.family' },
    });
    expect(error(await book(user, { slot_id: '00000000-0000-4000-8000-000000000000', service_type: 'cold_plunge' }))).toEqual({
      code: 'not_found', message: 'Slot not found',
    });
    const nowhere = await signup(t.app);
    expect(error(await book(nowhere, { slot_id: slot.id, service_type: 'cold_plunge' }))).toEqual({
      code: 'address_required', message: 'Add an address to your profile or to the booking', details: { field: 'address' },
    });
    await t.app.inject({ method: 'PUT', url: '/api/admin/settings', headers: bearer(admin.token), payload: { service_area_zips: ['90211'] } });
    try {
      expect(error(await book(user, { slot_id: slot.id, service_type: 'cold_plunge', address: { ...ADDRESS, zip: '10001-1234' } }))).toEqual({
        code: 'outside_service_area', message: 'We do not serve 10001 yet', details: { zip: '10001' },
      });
    } finally {
      await t.app.inject({ method: 'PUT', url: '/api/admin/settings', headers: bearer(admin.token), payload: { service_area_zips: [] } });
    }
    const past = await makePastSlot(t.db, 4);
    expect(error(await book(user, { slot_id: past, service_type: 'cold_plunge' }))).toEqual({
      code: 'too_late', message: 'Sessions must be booked at least 120 minutes ahead', details: { min_notice_minutes: 120 },
    });
    // Nothing was left behind by the refusals.
    const { rows } = await t.db.query('select 1 from public.orders where user_id = $1', [user.id]);
    expect(rows).toHaveLength(0);
  });

  it('moves a booking only as the rules allow', async () => {
    const owner = await customer();
    const { booking } = (await book(owner, { slot_id: (await afternoonSlot(14)).id, service_type: 'cold_plunge' })).json();
    const move = (who: SignedUp, slotId: string, id = booking.id) =>
      t.app.inject({ method: 'POST', url: `/api/bookings/${id}/reschedule`, headers: bearer(who.token), payload: { slot_id: slotId } });
    const target = await afternoonSlot(15);
    // Someone else's booking does not exist for them.
    const foreign = await move(await customer(), target.id);
    expect([foreign.statusCode, foreign.json().error]).toEqual([404, { code: 'not_found', message: 'Booking not found' }]);
    // The same slot: nothing to do.
    const same = await move(owner, booking.slot_id);
    expect([same.statusCode, same.json().booking.updated_at]).toEqual([200, booking.updated_at]);
    const missing = await move(owner, '00000000-0000-4000-8000-000000000000');
    expect([missing.statusCode, missing.json().error]).toEqual([404, { code: 'not_found', message: 'Slot not found' }]);
    // Into another booking of the same customer at that time.
    const other = await afternoonSlot(16, 2);
    expect((await book(owner, { slot_id: other.id, service_type: 'cold_plunge' })).statusCode).toBe(201);
    const clash = await move(owner, other.id);
    expect([clash.statusCode, errorCode(clash)]).toEqual([409, 'already_booked']);

    await t.app.inject({ method: 'PUT', url: '/api/admin/settings', headers: bearer(admin.token), payload: { cancellation_window_minutes: 43170 } });
    try {
      const late = await move(owner, target.id);
      expect([late.statusCode, late.json().error]).toEqual([422, {
        code: 'cancellation_window_passed',
        message: 'Sessions can be moved online up to 719.5 hours before; please contact us',
        details: { cancellation_window_minutes: 43170 },
      }]);
      const byStaff = await move(operator, target.id);
      expect([byStaff.statusCode, byStaff.json().booking.slot_id]).toEqual([200, target.id]);
    } finally {
      await t.app.inject({ method: 'PUT', url: '/api/admin/settings', headers: bearer(admin.token), payload: { cancellation_window_minutes: 1440 } });
    }
    expect((await t.app.inject({ method: 'POST', url: `/api/bookings/${booking.id}/cancel`, headers: bearer(owner.token) })).statusCode).toBe(200);
    const dead = await move(owner, other.id);
    expect([dead.statusCode, dead.json().error]).toEqual([409, { code: 'invalid_transition', message: 'A cancelled booking cannot be moved' }]);
  });

  it('refuses past slots and slots inside the minimum notice as too_late', async () => {
    const past = await makePastSlot(t.db, 3);
    const pastRes = await book(await customer(), { slot_id: past, service_type: 'cold_plunge' });
    expect([pastRes.statusCode, errorCode(pastRes)]).toEqual([422, 'too_late']);

    const soon = await makeSlot(1); // ~11+ days ahead: inside a 30-day notice
    await t.app.inject({ method: 'PUT', url: '/api/admin/settings', headers: bearer(admin.token), payload: { min_notice_minutes: 43200 } });
    try {
      const res = await book(await customer(), { slot_id: soon.id, service_type: 'cold_plunge' });
      expect([res.statusCode, errorCode(res)]).toEqual([422, 'too_late']);
      const open = await t.app.inject({ method: 'GET', url: `/api/availability?from=${soon.date}&to=${soon.date}` });
      expect(open.json().slots).toEqual([]);
    } finally {
      await t.app.inject({ method: 'PUT', url: '/api/admin/settings', headers: bearer(admin.token), payload: { min_notice_minutes: 120 } });
    }
  });

  it('never overbooks: 100 parallel requests for 3 places give exactly 3 bookings', async () => {
    const slot = await makeSlot(3);
    const users = await Promise.all(Array.from({ length: 10 }, () => customer()));
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => book(users[i % users.length]!, { slot_id: slot.id, service_type: 'cold_plunge' })),
    );
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(3);
    expect(codes.every((c) => c === 201 || c === 409)).toBe(true);
    const { rows } = await t.db.query<{ current_bookings: number; live: number }>(
      `select s.current_bookings, (select count(*)::int from public.bookings b where b.slot_id = s.id and b.status <> 'cancelled') as live
         from public.availability_slots s where s.id = $1`,
      [slot.id],
    );
    expect(rows[0]).toEqual({ current_bookings: 3, live: 3 });
  });

  it('one customer racing for one slot gets it once; for two slots at once gets both', async () => {
    const user = await customer();
    const slot = await makeSlot(5);
    const same = await Promise.all(Array.from({ length: 20 }, () => book(user, { slot_id: slot.id, service_type: 'cold_plunge' })));
    expect(same.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(same.filter((r) => r.statusCode === 409).every((r) => errorCode(r) === 'already_booked')).toBe(true);
    const [a, b] = [await makeSlot(1, '09:00', '10:00'), await makeSlot(1, '11:00', '12:00')];
    const both = await Promise.all([a, b].map((s) => book(user, { slot_id: s.id, service_type: 'cold_plunge' })));
    expect(both.map((r) => r.statusCode)).toEqual([201, 201]);
  });

  it('cancels, reschedules atomically and follows the legal transitions', async () => {
    const user = await customer();
    const slotA = await makeSlot(1);
    const slotB = await makeSlot(1);
    const { booking } = (await book(user, { slot_id: slotA.id, service_type: 'infrared_sauna' })).json();

    // Moving onto a full slot changes nothing.
    const full = await makeSlot(1);
    await book(await customer(), { slot_id: full.id, service_type: 'cold_plunge' });
    const blocked = await t.app.inject({ method: 'POST', url: `/api/bookings/${booking.id}/reschedule`, headers: bearer(user.token), payload: { slot_id: full.id } });
    expect([blocked.statusCode, errorCode(blocked)]).toEqual([409, 'slot_full']);
    // A 45-minute sauna does not fit a 30-minute slot: refused, and the booking stays where it was.
    const short = await makeSlot(1, '09:00', '09:30');
    const tooShort = await t.app.inject({ method: 'POST', url: `/api/bookings/${booking.id}/reschedule`, headers: bearer(user.token), payload: { slot_id: short.id } });
    expect([tooShort.statusCode, errorCode(tooShort)], tooShort.body).toEqual([422, 'slot_too_short']);

    const moved = await t.app.inject({ method: 'POST', url: `/api/bookings/${booking.id}/reschedule`, headers: bearer(user.token), payload: { slot_id: slotB.id } });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().booking.slot_id).toBe(slotB.id);
    const counts = await t.db.query<{ id: string; current_bookings: number }>('select id, current_bookings from public.availability_slots where id = any($1)', [[slotA.id, slotB.id]]);
    expect(Object.fromEntries(counts.rows.map((r) => [r.id, r.current_bookings]))).toEqual({ [slotA.id]: 0, [slotB.id]: 1 });

    const customerConfirm = await t.app.inject({ method: 'POST', url: `/api/admin/bookings/${booking.id}/confirm`, headers: bearer(user.token) });
    expect(customerConfirm.statusCode).toBe(403);
    const confirmed = await t.app.inject({ method: 'POST', url: `/api/admin/bookings/${booking.id}/confirm`, headers: bearer(operator.token) });
    expect(confirmed.json().booking.status).toBe('confirmed');
    const early = await t.app.inject({ method: 'POST', url: `/api/admin/bookings/${booking.id}/complete`, headers: bearer(operator.token) });
    expect([early.statusCode, errorCode(early)]).toEqual([409, 'too_early']);

    const cancelled = await t.app.inject({ method: 'POST', url: `/api/bookings/${booking.id}/cancel`, headers: bearer(user.token) });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json().booking.status).toBe('cancelled');
    expect(cancelled.json().booking.cancelled_at).toBeTruthy();
    const again = await t.app.inject({ method: 'POST', url: `/api/admin/bookings/${booking.id}/confirm`, headers: bearer(operator.token) });
    expect([again.statusCode, errorCode(again)]).toEqual([409, 'invalid_transition']);
    const slotBAfter = await t.db.query<{ current_bookings: number }>('select current_bookings from public.availability_slots where id = $1', [slotB.id]);
    expect(slotBAfter.rows[0]!.current_bookings).toBe(0);
  });

  it('keeps customers out of the cancellation window and out of others’ bookings', async () => {
    const owner = await customer();
    const other = await customer();
    const { booking } = (await book(owner, { slot_id: (await makeSlot(1)).id, service_type: 'cold_plunge' })).json();
    for (const [method, url] of [
      ['GET', `/api/bookings/${booking.id}`],
      ['GET', `/api/bookings/${booking.id}/calendar.ics`],
      ['POST', `/api/bookings/${booking.id}/cancel`],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: bearer(other.token) });
      expect(res.statusCode, url).toBe(404);
    }
    const list = (await t.app.inject({ method: 'GET', url: '/api/bookings', headers: bearer(other.token) })).json();
    expect(list.bookings).toEqual([]);
    const staffList = (await t.app.inject({ method: 'GET', url: `/api/bookings?customer=${owner.id}`, headers: bearer(operator.token) })).json();
    expect(staffList.bookings.map((b: { id: string }) => b.id)).toEqual([booking.id]);

    await t.app.inject({ method: 'PUT', url: '/api/admin/settings', headers: bearer(admin.token), payload: { cancellation_window_minutes: 43200 } });
    try {
      const late = await t.app.inject({ method: 'POST', url: `/api/bookings/${booking.id}/cancel`, headers: bearer(owner.token) });
      expect([late.statusCode, errorCode(late)]).toEqual([422, 'cancellation_window_passed']);
      const byStaff = await t.app.inject({ method: 'POST', url: `/api/bookings/${booking.id}/cancel`, headers: bearer(operator.token) });
      expect(byStaff.json().booking.status).toBe('cancelled');
    } finally {
      await t.app.inject({ method: 'PUT', url: '/api/admin/settings', headers: bearer(admin.token), payload: { cancellation_window_minutes: 1440 } });
    }
  });

  it('serves the booking as an iCalendar event', async () => {
    const user = await customer();
    const { booking } = (await book(user, { slot_id: (await makeSlot(1)).id, service_type: 'cold_plunge' })).json();
    const res = await t.app.inject({ method: 'GET', url: `/api/bookings/${booking.id}/calendar.ics`, headers: bearer(user.token) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/calendar/);
    expect(res.body).toContain('BEGIN:VEVENT');
    expect(res.body).toContain('123 Main St\\, Los Angeles\\, CA 90210');
    const start = new Date(booking.date_time).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    expect(res.body).toContain(`DTSTART:${start}`);
  });

  it('handles daylight saving days deliberately', async () => {
    // America/Los_Angeles: DST starts 2027-03-14 (02:00 → 03:00), ends 2027-11-07 (01:00–02:00 twice).
    const gap = await t.app.inject({
      method: 'POST', url: '/api/admin/slots', headers: bearer(admin.token),
      payload: { date: '2027-03-14', start_time: '02:30', end_time: '03:30' },
    });
    expect([gap.statusCode, errorCode(gap)]).toEqual([422, 'nonexistent_local_time']);
    const twice = await t.app.inject({
      method: 'POST', url: '/api/admin/slots', headers: bearer(admin.token),
      payload: { date: '2027-11-07', start_time: '01:30', end_time: '02:30' },
    });
    expect([twice.statusCode, errorCode(twice)]).toEqual([422, 'ambiguous_local_time']);

    const set = await t.app.inject({
      method: 'POST', url: '/api/admin/slots', headers: bearer(admin.token),
      payload: { from: '2027-03-13', to: '2027-03-15', weekdays: [1, 2, 3, 4, 5, 6, 7], day_start: '01:00', day_end: '04:00', slot_minutes: 60 },
    });
    expect(set.statusCode, set.body).toBe(201);
    const body = set.json();
    expect(body.skipped).toEqual([{ date: '2027-03-14', start_time: '02:00', end_time: '03:00', problem: 'nonexistent_local_time' }, { date: '2027-03-14', start_time: '01:00', end_time: '02:00', problem: 'nonexistent_local_time' }].sort((a, b) => a.start_time.localeCompare(b.start_time)));
    const startsAt = Object.fromEntries(body.created.map((s: { date: string; start_time: string; starts_at: string }) => [`${s.date} ${s.start_time}`, s.starts_at]));
    expect(startsAt['2027-03-13 01:00']).toBe('2027-03-13T01:00:00-08:00');
    expect(startsAt['2027-03-14 03:00']).toBe('2027-03-14T03:00:00-07:00');
    expect(startsAt['2027-03-15 01:00']).toBe('2027-03-15T01:00:00-07:00');
    const again = await t.app.inject({
      method: 'POST', url: '/api/admin/slots', headers: bearer(admin.token),
      payload: { from: '2027-03-13', to: '2027-03-15', weekdays: [1, 2, 3, 4, 5, 6, 7], day_start: '01:00', day_end: '04:00', slot_minutes: 60 },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ created: [], existing: body.created.length });
  });

  it('refuses a slot that overlaps another (409 slot_overlaps) or starts in the past (422 slot_in_past); a recurring set skips and lists them', async () => {
    const post = (payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/admin/slots', headers: bearer(admin.token), payload });
    const [yesterday, d2, d3] = [futureDate(-1), futureDate(2), futureDate(3)];
    expect((await post({ date: d3, start_time: '10:00', end_time: '11:00' })).statusCode).toBe(201);
    const overlap = await post({ date: d3, start_time: '10:30', end_time: '11:30' });
    expect([overlap.statusCode, errorCode(overlap)], overlap.body).toEqual([409, 'slot_overlaps']);
    const same = await post({ date: d3, start_time: '10:00', end_time: '11:00' });
    expect([same.statusCode, same.json().existing]).toEqual([200, 1]);
    const past = await post({ date: yesterday, start_time: '10:00', end_time: '11:00' });
    expect([past.statusCode, errorCode(past)], past.body).toEqual([422, 'slot_in_past']);

    expect((await post({ date: d2, start_time: '10:30', end_time: '11:30' })).statusCode).toBe(201);
    const set = await post({ from: yesterday, to: d3, weekdays: [1, 2, 3, 4, 5, 6, 7], day_start: '09:00', day_end: '12:00', slot_minutes: 60 });
    expect(set.statusCode, set.body).toBe(201);
    const body = set.json() as { created: { date: string; start_time: string }[]; skipped: { date: string; start_time: string; problem: string }[]; existing: number };
    expect(body.existing).toBe(1);
    expect(body.skipped.filter((s) => s.date === yesterday).map((s) => [s.start_time, s.problem])).toEqual([['09:00', 'slot_in_past'], ['10:00', 'slot_in_past'], ['11:00', 'slot_in_past']]);
    expect(body.skipped.filter((s) => s.date === d2).map((s) => [s.start_time, s.problem])).toEqual([['10:00', 'slot_overlaps'], ['11:00', 'slot_overlaps']]);
    expect(body.created.filter((s) => s.date === d3).map((s) => s.start_time)).toEqual(['09:00', '11:00']);
    expect(body.created.filter((s) => s.date === d2).map((s) => s.start_time)).toEqual(['09:00']);
    const again = await post({ from: yesterday, to: d3, weekdays: [1, 2, 3, 4, 5, 6, 7], day_start: '09:00', day_end: '12:00', slot_minutes: 60 });
    expect([again.statusCode, again.json().created, again.json().existing]).toEqual([200, [], 1 + body.created.length]);
  });

  it('accepts only IANA time zone names: POSIX offsets and aliases are 422 invalid_timezone', async () => {
    const put = (timezone: string) => t.app.inject({ method: 'PUT', url: '/api/admin/settings', headers: bearer(admin.token), payload: { timezone } });
    for (const zone of ['+5', '0', '-13', 'EST5EDT', 'GMT+5', 'Etc/GMT+5', 'US/Pacific']) {
      const res = await put(zone);
      expect([res.statusCode, errorCode(res)], `${zone}: ${res.body}`).toEqual([422, 'invalid_timezone']);
    }
    const ok = await put('America/Los_Angeles');
    expect([ok.statusCode, ok.json().timezone]).toEqual([200, 'America/Los_Angeles']);
  });

  it('shows availability publicly with a capped range', async () => {
    const slot = await makeSlot(2);
    const res = await t.app.inject({ method: 'GET', url: `/api/availability?from=${slot.date}&to=${slot.date}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().slots).toEqual([{ id: slot.id, date: slot.date, start_time: '09:00', end_time: '10:00', starts_at: slot.starts_at, remaining: 2 }]);
    expect(slot.starts_at).toMatch(/^\d{4}-\d{2}-\d{2}T09:00:00-0[78]:00$/);
    const tooLong = await t.app.inject({ method: 'GET', url: `/api/availability?from=${futureDate(1)}&to=${futureDate(100)}` });
    expect([tooLong.statusCode, errorCode(tooLong)]).toEqual([400, 'validation_failed']);
    const customerSlots = await t.app.inject({ method: 'POST', url: '/api/admin/slots', headers: bearer((await customer()).token), payload: { date: futureDate(5), start_time: '09:00', end_time: '10:00' } });
    expect(customerSlots.statusCode).toBe(403);
  });
});
