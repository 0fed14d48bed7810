import { Ajv } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as bookingsRepo from '../../src/bookings/repository.js';
import * as catalogRepo from '../../src/catalog/repository.js';
import * as creditsRepo from '../../src/credits/repository.js';
import type { Caller } from '../../src/db/index.js';
import * as ordersRepo from '../../src/orders/repository.js';
import * as slotsRepo from '../../src/slots/repository.js';
import { engines } from '../helpers/db.js';
import { ADDRESS, bearer, futureDate, signup, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';

// The lists send JSON the database wrote, as it is (no serializer in between): each must still be
// exactly the shape the OpenAPI document promises (no field more or less, timestamps as
// toISOString prints them), and the same content as the statements the server ran before.

type JsonSchema = Record<string, unknown>;
interface Document {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }> }>>;
  components: { schemas: Record<string, JsonSchema> };
}

// ajv-formats is CommonJS: its plugin is the module itself, or its `default` (the app's own Ajv uses it too).
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? addFormatsModule) as FormatsPlugin;

/** The documented schema made exact: $refs inlined, objects closed (`additionalProperties: false`). */
function exact(schema: unknown, doc: Document): unknown {
  if (Array.isArray(schema)) return schema.map((s) => exact(s, doc));
  if (typeof schema !== 'object' || schema === null) return schema;
  const s = schema as JsonSchema;
  if (typeof s.$ref === 'string') return exact(doc.components.schemas[s.$ref.replace('#/components/schemas/', '')], doc);
  const out: JsonSchema = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, ps]) => [p, exact(ps, doc)])) : exact(v, doc)]));
  if (s.type === 'object' && s.properties && s.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe.each(engines)('list responses built by the database, on %s', (engine) => {
  let t: TestApp;
  let doc: Document;
  let admin: SignedUp;
  let customer: SignedUp;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Timestamps exactly as JavaScript's toISOString prints them, as the serializer wrote Dates.
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s);

  const callerOf = (user: SignedUp): Caller => ({ role: 'authenticated', claims: { sub: user.id, role: 'authenticated', email: user.email } });

  /** GETs `url` and checks the 200 body against the documented response schema of `path`, exactly. */
  async function getDocumented(path: string, url: string, user?: SignedUp): Promise<unknown> {
    const res: LightMyRequestResponse = await t.app.inject({ method: 'GET', url, headers: user ? bearer(user.token) : {} });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const documented = doc.paths[path]?.get?.responses['200']?.content?.['application/json']?.schema;
    expect(documented, `${path} documents its 200 response`).toBeDefined();
    const validate = ajv.compile(exact(documented, doc) as object);
    const body = res.json();
    expect(validate(body) ? [] : validate.errors, `${url}: ${res.body.slice(0, 400)}`).toEqual([]);
    return body;
  }

  beforeAll(async () => {
    t = await startApp(engine);
    doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as Document;
    admin = await signupStaff(t, 'super_admin');
    customer = await signup(t.app, { full_name: 'List Customer', phone: '+1 555 0101' });
    await t.app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(customer.token), payload: { address: ADDRESS } });
    // A ledger with an adjustment (no reference) and credits spent on an order (a reference).
    const adjusted = await t.app.inject({
      method: 'POST',
      url: `/api/admin/customers/${customer.id}/credits`,
      headers: bearer(admin.token),
      payload: { amount: 30, description: 'Welcome' },
    });
    expect(adjusted.statusCode, adjusted.body).toBe(201);
    const services = (await t.app.inject({ method: 'GET', url: '/api/services' })).json() as { services: { key: string }[] };
    for (const [i, useCredits] of [10, 0].entries()) {
      const slot = await t.app.inject({
        method: 'POST',
        url: '/api/admin/slots',
        headers: bearer(admin.token),
        payload: { date: futureDate(20 + i), start_time: '09:00', end_time: '10:00', max_bookings: 2 },
      });
      expect(slot.statusCode, slot.body).toBe(201);
      const booked = await t.app.inject({
        method: 'POST',
        url: '/api/bookings',
        headers: bearer(customer.token),
        payload: { slot_id: slot.json().created[0].id, service_type: services.services[0]!.key, notes: 'Gate code 1234', use_credits: useCredits },
      });
      expect(booked.statusCode, booked.body).toBe(201);
    }
    // Staff flags on one order: admins see them, the customer never.
    await t.db.query(`insert into public.order_flags (order_id, flags) select id, '{"needs_review": true}' from public.orders where user_id = $1 limit 1`, [customer.id]);
    await t.db.query(`update public.services set active = false where key = (select key from public.services order by sort_order desc, key desc limit 1)`);
  });
  afterAll(() => t?.close());

  it('GET /api/availability: the documented shape, as the statements before gave it', async () => {
    const from = futureDate(19);
    const to = futureDate(23);
    const body = (await getDocumented('/api/availability', `/api/availability?from=${from}&to=${to}`)) as { slots: unknown[] };
    expect(body.slots.length).toBeGreaterThanOrEqual(2);
    // What SlotService.availability ran before, as anon: the business timezone, then the slots.
    const before = await t.db.asCaller({ role: 'anon' }, async (tx) => {
      const notice = await slotsRepo.useBusinessTimezone(tx);
      const { rows } = await tx.query(
        `select s.id, s.date, to_char(s.start_time, 'HH24:MI') as start_time, to_char(s.end_time, 'HH24:MI') as end_time,
                to_char((s.date + s.start_time) at time zone public.business_timezone(), 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') as starts_at,
                s.max_bookings - s.current_bookings as remaining
           from public.availability_slots s
          where s.date between $1::date and $2::date and s.is_available and s.current_bookings < s.max_bookings
            and (s.date + s.start_time) at time zone public.business_timezone() >= now() + make_interval(mins => $3)
          order by s.date, s.start_time`,
        [from, to, notice],
      );
      return rows;
    });
    expect(body).toEqual({ slots: before });
  });

  it('GET /api/bookings: the documented shape, as the statements before gave it (customer and staff)', async () => {
    const mine = await getDocumented('/api/bookings', '/api/bookings', customer);
    const filter = { limit: 50, offset: 0 };
    const before = await t.db.asCaller(callerOf(customer), (tx) => bookingsRepo.listBookings(tx, { ...filter, customer: customer.id }));
    expect(mine).toEqual(asJson({ ...before, ...filter }));
    expect((mine as { total: number }).total).toBe(2);

    const staffFilter = { customer: customer.id, status: 'scheduled' as const, from: new Date().toISOString(), limit: 1, offset: 1 };
    const query = new URLSearchParams({ ...staffFilter, limit: '1', offset: '1' }).toString();
    const theirs = await getDocumented('/api/bookings', `/api/bookings?${query}`, admin);
    const staffBefore = await t.db.asCaller(callerOf(admin), (tx) => bookingsRepo.listBookings(tx, staffFilter));
    expect(theirs).toEqual(asJson({ ...staffBefore, limit: 1, offset: 1 }));
    // A customer's filter on someone else is ignored: their own bookings only.
    expect(await getDocumented('/api/bookings', `/api/bookings?customer=${admin.id}`, customer)).toEqual(mine);
  });

  it('GET /api/orders: the documented shape, staff flags for admins only', async () => {
    const filter = { limit: 50, offset: 0 };
    type Listed = { orders: { staff_flags: unknown; customer: unknown; flags_reviewed_at: unknown }[]; total: number };
    // The orders as the statements before gave them, and (admins only) whose they are and whether their flags were reviewed.
    const withoutCustomer = (body: Listed) => ({ ...body, orders: body.orders.map(({ customer: _, flags_reviewed_at: __, ...o }) => o) });
    const mine = (await getDocumented('/api/orders', '/api/orders', customer)) as Listed;
    const before = await t.db.asCaller(callerOf(customer), (tx) => ordersRepo.listOrders(tx, { ...filter, customer: customer.id }));
    expect(withoutCustomer(mine)).toEqual(asJson(before));
    expect(mine.orders.map((o) => o.staff_flags)).toEqual([null, null]);
    expect(mine.orders.map((o) => [o.customer, o.flags_reviewed_at])).toEqual([[null, null], [null, null]]);

    const theirs = (await getDocumented('/api/orders', `/api/orders?customer=${customer.id}`, admin)) as Listed;
    const adminBefore = await t.db.asCaller(callerOf(admin), (tx) => ordersRepo.listOrders(tx, { ...filter, customer: customer.id }));
    expect(withoutCustomer(theirs)).toEqual(asJson(adminBefore));
    expect(theirs.orders.filter((o) => o.staff_flags !== null)).toHaveLength(1);
    const profile = { id: customer.id, full_name: expect.anything() as unknown, email: customer.email };
    expect(theirs.orders.map((o) => o.customer)).toEqual([profile, profile]);
  });

  it('GET /api/me/credits: the documented shape, as the statements before gave it', async () => {
    const body = (await getDocumented('/api/me/credits', '/api/me/credits', customer)) as { balance: number; transactions: unknown[] };
    const before = await t.db.asCaller(callerOf(customer), async (tx) => ({
      balance: await creditsRepo.balanceOf(tx, customer.id),
      transactions: await creditsRepo.listLedger(tx, customer.id, 500),
    }));
    expect(body).toEqual(asJson(before));
    expect(body.transactions).toHaveLength(2);
    expect(((await getDocumented('/api/me/credits', '/api/me/credits?limit=1', customer)) as typeof body).transactions).toEqual(body.transactions.slice(0, 1));
  });

  it('the catalog and the settings: the documented shape, as the statements before gave them', async () => {
    const forAll = await getDocumented('/api/services', '/api/services');
    const anon: Caller = { role: 'anon' };
    expect(forAll).toEqual(await t.db.asCaller(anon, async (tx) => ({ services: await catalogRepo.listServices(tx), add_ons: await catalogRepo.listAddOns(tx) })));
    const whole = (await getDocumented('/api/admin/catalog', '/api/admin/catalog', admin)) as { services: { active: boolean }[] };
    expect(whole.services.some((s) => !s.active)).toBe(true);
    expect(whole).toEqual(
      await t.db.asCaller(callerOf(admin), async (tx) => ({ services: await catalogRepo.listServices(tx), add_ons: await catalogRepo.listAddOns(tx) })),
    );
    const settings = await getDocumented('/api/admin/settings', '/api/admin/settings', admin);
    expect(settings).toEqual(await t.db.asCaller(callerOf(admin), (tx) => catalogRepo.getSettings(tx)));
  });

  it('admin reads refuse customers as before (403 forbidden)', async () => {
    for (const url of ['/api/admin/catalog', '/api/admin/settings']) {
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(customer.token) });
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
    }
  });
});
