import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../src/payments/signature.js';
import { ADDRESS, bearer, futureDate, signup, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { bodies, queryStrings, weirdString, weirdValue, wire } from './arbitraries.js';
import { expectNo5xx } from './support.js';

const RUNS = 40;

/** Path-encodes a string; a lone surrogate cannot be encoded, so it becomes a broken escape. */
const encode = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ZZ';
  }
};

/** Bad input on the booking, calendar, catalog and money endpoints: always a 4xx, never a 5xx. */
describe.each(engines)('property-based bad input on bookings and money, on %s', (engine) => {
  let t: TestApp;
  let admin: SignedUp;
  let customer: SignedUp;
  let slotId: string;
  let orderId: string;

  beforeAll(async () => {
    t = await startApp(engine);
    admin = await signupStaff(t, 'admin');
    customer = await signup(t.app);
    await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(customer.token), payload: { address: ADDRESS } });
    const slot = await t.app.inject({
      method: 'POST', url: '/api/admin/slots', headers: bearer(admin.token),
      payload: { date: futureDate(9), start_time: '09:00', end_time: '10:00', max_bookings: 100 },
    });
    slotId = slot.json().created[0].id;
    const other = await t.app.inject({
      method: 'POST', url: '/api/admin/slots', headers: bearer(admin.token),
      payload: { date: futureDate(10), start_time: '09:00', end_time: '10:00', max_bookings: 5 },
    });
    const booked = await t.app.inject({
      method: 'POST', url: '/api/bookings', headers: bearer(customer.token),
      payload: { slot_id: other.json().created[0].id, service_type: 'cold_plunge' },
    });
    orderId = booked.json().order.id;
    await t.app.inject({ method: 'POST', url: `${new URL(booked.json().checkout.url).pathname}/approve` });
  });
  afterAll(() => t?.close());

  const send = (method: 'POST' | 'PATCH' | 'PUT', url: string, body: unknown, user: SignedUp) =>
    t.app.inject({ method, url, headers: { ...bearer(user.token), 'content-type': 'application/json' }, payload: wire(body) });

  const check = async (arbitrary: fc.Arbitrary<unknown>, request: (value: unknown) => ReturnType<typeof send>) =>
    fc.assert(
      fc.asyncProperty(arbitrary, async (value) => {
        expectNo5xx(await request(value), wire(value));
      }),
      { numRuns: RUNS },
    );

  const uuidOrWeird = (real: () => string) => fc.oneof(fc.constant(null).map(() => real()), fc.uuid(), weirdValue);

  it('POST /api/bookings', async () => {
    const body = bodies(['slot_id', 'service_type', 'add_ons', 'address', 'notes', 'use_credits'], {
      slot_id: uuidOrWeird(() => slotId),
      service_type: fc.oneof(fc.constantFrom('cold_plunge', 'combo', 'hot_tub', ''), weirdValue),
      add_ons: fc.oneof(fc.dictionary(fc.constantFrom('family', 'extra_visits', 'towels', 'massage', '__proto__'), fc.oneof(fc.boolean(), fc.integer({ min: -5, max: 200 }))), weirdValue),
      use_credits: fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.constant('all'), weirdValue),
    }, { slot_id: slotId, service_type: 'cold_plunge' });
    await check(body, (value) => send('POST', '/api/bookings', value, customer));
  });

  it('POST /api/admin/slots', async () => {
    const date = fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)), fc.constantFrom('2027-02-30', '2027-03-14', '0000-01-01'), weirdValue);
    const time = fc.oneof(fc.constantFrom('00:00', '02:30', '23:59', '24:00', '9:00', '09:00:00'), weirdValue);
    const body = bodies(['date', 'start_time', 'end_time', 'max_bookings', 'from', 'to', 'weekdays', 'day_start', 'day_end', 'slot_minutes'], {
      date, from: date, to: date, start_time: time, end_time: time, day_start: time, day_end: time,
      weekdays: fc.oneof(fc.array(fc.integer({ min: -1, max: 9 }), { maxLength: 8 }), weirdValue),
      slot_minutes: fc.oneof(fc.integer({ min: -10, max: 2000 }), weirdValue),
      max_bookings: fc.oneof(fc.integer({ min: -1, max: 200 }), weirdValue),
    }, { date: futureDate(30), start_time: '07:00', end_time: '08:00' });
    await check(body, (value) => send('POST', '/api/admin/slots', value, admin));
  });

  it('PATCH /api/admin/slots/:id and PUT /api/admin/settings', async () => {
    await check(bodies(['is_available', 'max_bookings'], { max_bookings: fc.oneof(fc.integer({ min: -1, max: 200 }), weirdValue) }), (value) =>
      send('PATCH', `/api/admin/slots/${slotId}`, value, admin),
    );
    const settings = bodies(['timezone', 'min_notice_minutes', 'cancellation_window_minutes', 'service_area_zips', 'setup_fee_cents', 'referral_reward_credits', 'order_expiry_minutes'], {
      timezone: fc.oneof(fc.constantFrom('America/Los_Angeles', 'Mars/Olympus', 'UTC', '+05', 'EST5EDT'), weirdValue),
      service_area_zips: fc.oneof(fc.array(fc.oneof(fc.constantFrom('90210', '9021', '902100'), weirdString), { maxLength: 4 }), weirdValue),
    });
    await check(settings, (value) => send('PUT', '/api/admin/settings', value, admin));
  });

  it('PUT /api/admin/catalog', async () => {
    const service = bodies(['key', 'name', 'description', 'duration_minutes', 'price_cents', 'active', 'sort_order'], {
      key: fc.oneof(fc.constantFrom('cold_plunge', 'new_thing', 'Bad Key', ''), weirdValue),
    });
    const body = fc.record({ services: fc.oneof(fc.array(service, { maxLength: 3 }), weirdValue), add_ons: fc.oneof(fc.array(service, { maxLength: 3 }), weirdValue) }, { requiredKeys: [] });
    await check(body, (value) => send('PUT', '/api/admin/catalog', value, admin));
  });

  it('refunds, credit adjustments and referral invitations', async () => {
    await check(bodies(['amount_cents', 'to'], { to: fc.oneof(fc.constantFrom('card', 'credits', 'cash'), weirdValue), amount_cents: fc.oneof(fc.integer({ min: -10, max: 100_000 }), weirdValue) }), (value) =>
      send('POST', `/api/admin/orders/${orderId}/refund`, value, admin),
    );
    await check(bodies(['amount', 'description'], { amount: fc.oneof(fc.integer({ min: -1_000, max: 1_000 }), weirdValue) }), (value) =>
      send('POST', `/api/admin/customers/${customer.id}/credits`, value, admin),
    );
    await check(bodies(['email'], { email: fc.oneof(fc.emailAddress(), weirdValue) }), (value) => send('POST', '/api/referrals', value, customer));
  });

  it('query strings and ids in paths', async () => {
    const paths = fc.oneof(
      queryStrings.map((q) => `/api/availability?${q}`),
      queryStrings.map((q) => `/api/bookings?${q}`),
      queryStrings.map((q) => `/api/orders?${q}`),
      fc.oneof(fc.uuid(), weirdString).map((id) => `/api/bookings/${encode(id)}`),
      fc.oneof(fc.uuid(), weirdString).map((id) => `/api/orders/${encode(id)}`),
      fc.oneof(fc.uuid(), weirdString).map((id) => `/checkout/fake/${encode(id)}`),
    );
    await fc.assert(
      fc.asyncProperty(paths, async (url) => {
        expectNo5xx(await t.app.inject({ method: 'GET', url, headers: bearer(customer.token) }), url);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('correctly signed webhooks with any JSON', async () => {
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({ type: fc.oneof(fc.constantFrom('payment', 'credit', 'failed_payment', 'void', 'x'), weirdValue), data: fc.oneof(fc.record({ id: weirdValue, amount: weirdValue, order: fc.record({ cart: fc.record({ order_reference: fc.oneof(fc.constant(orderId), fc.uuid(), weirdValue) }) }) }), weirdValue) }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const raw = Buffer.from(wire(value));
        const res = await t.app.inject({
          method: 'POST', url: '/api/webhooks/bolt', payload: raw,
          headers: { 'content-type': 'application/json', 'x-bolt-hmac-sha256': signBody(raw, t.config.payments.signingSecret) },
        });
        expectNo5xx(res, wire(value));
        expect([200, 400]).toContain(res.statusCode);
      }),
      { numRuns: RUNS },
    );
  });
});
