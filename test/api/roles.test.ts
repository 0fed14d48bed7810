/**
 * README.md's "## Roles" table is the access rule: this file parses it and, for every row and
 * role, calls each endpoint of the row as that role. ✓ = allowed on another customer's things
 * (not 401/403; lists show them), own = allowed on one's own only (lists leave others' out;
 * another's thing answers 403 or 404), ✗ = 403. A new row needs a probe below for each endpoint.
 */
import { readFileSync } from 'node:fs';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAdmin } from '../../src/admins/repository.js';
import { ADDRESS, bearer, futureDate, signup, signupStaff, startApp, uniqueEmail, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { callerOf, makePastBooking } from '../helpers/factories.js';

const roles = ['customer', 'operator', 'admin', 'super_admin'] as const;
type Role = (typeof roles)[number];
type Mark = '✓' | 'own' | '✗';

interface Row {
  capability: string;
  endpoints: string[];
  marks: Record<Role, Mark>;
}

/** The first table under "## Roles" in README.md. */
export function parseRolesTable(markdown: string): Row[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Roles\n'));
  if (!section) throw new Error('README.md has no "## Roles" section');
  const lines = section.split('\n').filter((line) => line.trim().startsWith('|'));
  const cells = (line: string) => line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
  const header = cells(lines[0]!).map((h) => h.toLowerCase().replace(/\s+/g, '_'));
  const column = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`the Roles table has no "${name}" column (columns: ${header.join(', ')})`);
    return i;
  };
  return lines.slice(2).map((line) => {
    const row = cells(line);
    const marks = Object.fromEntries(
      roles.map((role) => {
        const mark = row[column(role)]!.replace(/\*/g, '');
        if (mark !== '✓' && mark !== 'own' && mark !== '✗') throw new Error(`"${row[0]}": ${role} is "${mark}", not ✓, own or ✗`);
        return [role, mark];
      }),
    ) as Record<Role, Mark>;
    const endpoints = [...row[column('endpoints')]!.matchAll(/`((?:GET|POST|PUT|PATCH|DELETE) \/[^`]*)`/g)].map((m) => m[1]!);
    return { capability: row[column('capability')]!, endpoints, marks };
  });
}

const table = parseRolesTable(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'));

describe.each(engines)('roles as README.md documents them, on %s', (engine) => {
  let t: TestApp;
  let boss: SignedUp;
  let day = 3;
  const actors = {} as Record<Role, SignedUp>;
  /** Another customer, with a booking and an order, whose things the actors reach for. */
  let other: SignedUp;

  beforeAll(async () => {
    t = await startApp(engine);
    boss = await signupStaff(t, 'super_admin');
    actors.customer = await signup(t.app);
    actors.operator = await signupStaff(t, 'operator');
    actors.admin = await signupStaff(t, 'admin');
    actors.super_admin = await signupStaff(t, 'super_admin');
    other = await signup(t.app);
    for (const user of [other, ...Object.values(actors)]) await bookingOf(user);
  });
  afterAll(() => t?.close());

  async function as(token: string, options: InjectOptions): Promise<LightMyRequestResponse> {
    return t.app.inject({ ...options, headers: { ...options.headers, ...bearer(token) } });
  }

  async function slot(): Promise<string> {
    day += 1;
    const res = await as(boss.token, { method: 'POST', url: '/api/admin/slots', payload: { date: futureDate(day), start_time: '09:00', end_time: '10:00', max_bookings: 5 } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().created[0].id;
  }

  async function bookingOf(user: SignedUp): Promise<{ id: string; order_id: string }> {
    const res = await as(user.token, { method: 'POST', url: '/api/bookings', payload: { slot_id: await slot(), service_type: 'cold_plunge', address: ADDRESS } });
    expect(res.statusCode, res.body).toBe(201);
    return { id: res.json().booking.id, order_id: res.json().order.id };
  }

  /** A review of a session `user` had (a completed booking in the past), written as they would. */
  async function reviewOf(user: SignedUp): Promise<string> {
    day += 1;
    const booking = await makePastBooking(t.db, { user_id: user.id, status: 'completed', date_time: new Date(Date.now() - day * 86_400_000) });
    const { review } = await t.db.call<{ review: { id: string } }>(callerOf(user), 'api.submit_review', [booking.id, 5, 'role probe']);
    return review.id;
  }

  /** How to call an endpoint as `actor` on something of `owner`'s; `shows` for lists. */
  interface Probe {
    request(actor: SignedUp, owner: SignedUp): Promise<InjectOptions>;
    /** Lists: whether the answer includes the owner's things (the owner has a booking and an order). */
    shows?(res: LightMyRequestResponse, owner: SignedUp): boolean;
  }
  const byUser = (key: string) => (res: LightMyRequestResponse, owner: SignedUp) =>
    (res.json()[key] as { user_id: string }[]).some((item) => item.user_id === owner.id);

  const probes: Record<string, Probe> = {
    'GET /api/me': { request: async () => ({ method: 'GET', url: '/api/me' }) },
    'PATCH /api/me': { request: async () => ({ method: 'PATCH', url: '/api/me', payload: { full_name: 'Role Probe' } }) },
    'GET /api/me/credits': { request: async () => ({ method: 'GET', url: '/api/me/credits' }) },
    'GET /api/me/notifications': { request: async () => ({ method: 'GET', url: '/api/me/notifications' }) },
    'PATCH /api/me/notifications': { request: async () => ({ method: 'PATCH', url: '/api/me/notifications', payload: { review_requests: true } }) },
    'POST /api/bookings': {
      request: async () => ({ method: 'POST', url: '/api/bookings', payload: { slot_id: await slot(), service_type: 'cold_plunge', address: ADDRESS } }),
    },
    'GET /api/bookings': { request: async () => ({ method: 'GET', url: '/api/bookings?limit=200' }), shows: byUser('bookings') },
    'GET /api/bookings/:id': { request: async (_, owner) => ({ method: 'GET', url: `/api/bookings/${(await bookingOf(owner)).id}` }) },
    'GET /api/bookings/:id/calendar.ics': { request: async (_, owner) => ({ method: 'GET', url: `/api/bookings/${(await bookingOf(owner)).id}/calendar.ics` }) },
    'POST /api/bookings/:id/cancel': { request: async (_, owner) => ({ method: 'POST', url: `/api/bookings/${(await bookingOf(owner)).id}/cancel` }) },
    'POST /api/bookings/:id/reschedule': {
      request: async (_, owner) => ({ method: 'POST', url: `/api/bookings/${(await bookingOf(owner)).id}/reschedule`, payload: { slot_id: await slot() } }),
    },
    'POST /api/admin/bookings/:id/confirm': { request: async (_, owner) => ({ method: 'POST', url: `/api/admin/bookings/${(await bookingOf(owner)).id}/confirm` }) },
    // Completing a future session is 409 too_early for staff: allowed, just not yet.
    'POST /api/admin/bookings/:id/complete': { request: async (_, owner) => ({ method: 'POST', url: `/api/admin/bookings/${(await bookingOf(owner)).id}/complete` }) },
    'GET /api/orders': { request: async () => ({ method: 'GET', url: '/api/orders?limit=200' }), shows: byUser('orders') },
    'GET /api/orders/:id': { request: async (_, owner) => ({ method: 'GET', url: `/api/orders/${(await bookingOf(owner)).order_id}` }) },
    'POST /api/admin/slots': {
      request: async () => ({ method: 'POST', url: '/api/admin/slots', payload: { date: futureDate((day += 1)), start_time: '11:00', end_time: '12:00', max_bookings: 1 } }),
    },
    'PATCH /api/admin/slots/:id': { request: async () => ({ method: 'PATCH', url: `/api/admin/slots/${await slot()}`, payload: { max_bookings: 3 } }) },
    'DELETE /api/admin/slots/:id': { request: async () => ({ method: 'DELETE', url: `/api/admin/slots/${await slot()}` }) },
    'GET /api/admin/catalog': { request: async () => ({ method: 'GET', url: '/api/admin/catalog' }) },
    'PUT /api/admin/catalog': {
      request: async () => ({ method: 'PUT', url: '/api/admin/catalog', payload: (await as(boss.token, { method: 'GET', url: '/api/admin/catalog' })).json() }),
    },
    'GET /api/admin/settings': { request: async () => ({ method: 'GET', url: '/api/admin/settings' }) },
    'PUT /api/admin/settings': {
      request: async () => {
        const { order_expiry_minutes } = (await as(boss.token, { method: 'GET', url: '/api/admin/settings' })).json();
        return { method: 'PUT', url: '/api/admin/settings', payload: { order_expiry_minutes } };
      },
    },
    // An unpaid order: staff who may refund get 409 order_not_paid, the rest 403.
    'POST /api/admin/orders/:id/refund': {
      request: async (_, owner) => ({ method: 'POST', url: `/api/admin/orders/${(await bookingOf(owner)).order_id}/refund`, payload: { to: 'credits' } }),
    },
    // An order without flags: admins get 409 not_flagged, the rest 403.
    'POST /api/admin/orders/:id/flags/review': { request: async (_, owner) => ({ method: 'POST', url: `/api/admin/orders/${(await bookingOf(owner)).order_id}/flags/review` }) },
    'GET /api/admin/orders/:id': { request: async (_, owner) => ({ method: 'GET', url: `/api/admin/orders/${(await bookingOf(owner)).order_id}` }) },
    'POST /api/admin/customers/:id/credits': {
      request: async (_, owner) => ({ method: 'POST', url: `/api/admin/customers/${owner.id}/credits`, payload: { amount: 1, description: 'role probe' } }),
    },
    'GET /api/admin/customers': { request: async (_, owner) => ({ method: 'GET', url: `/api/admin/customers?q=${encodeURIComponent(owner.email)}` }) },
    'GET /api/admin/customers/:id': { request: async (_, owner) => ({ method: 'GET', url: `/api/admin/customers/${owner.id}` }) },
    'GET /api/admin/refunds/needed': { request: async () => ({ method: 'GET', url: '/api/admin/refunds/needed' }) },
    'POST /api/admin/orders/:id/cancellation-refund': {
      // Not cancelled, so 409 for those allowed: the point is who gets 403.
      request: async (_, owner) => ({ method: 'POST', url: `/api/admin/orders/${(await bookingOf(owner)).order_id}/cancellation-refund`, payload: { refund: 'none' } }),
    },
    'GET /api/admin/reviews': {
      request: async (_, owner) => {
        await reviewOf(owner);
        return { method: 'GET', url: '/api/admin/reviews?limit=200' };
      },
      shows: byUser('reviews'),
    },
    'POST /api/admin/reviews/:id/feature': { request: async (_, owner) => ({ method: 'POST', url: `/api/admin/reviews/${await reviewOf(owner)}/feature` }) },
    'POST /api/admin/reviews/:id/unfeature': { request: async (_, owner) => ({ method: 'POST', url: `/api/admin/reviews/${await reviewOf(owner)}/unfeature` }) },
    'GET /api/admin/messages': { request: async () => ({ method: 'GET', url: '/api/admin/messages?status=pending' }) },
    'GET /api/admin/reports/:name': { request: async () => ({ method: 'GET', url: '/api/admin/reports/overview' }) },
    'GET /api/admin/slots': { request: async () => ({ method: 'GET', url: `/api/admin/slots?from=${futureDate(1)}&to=${futureDate(7)}` }) },
    // A pending message: admins get 409 (only failed ones are retried), the rest 403.
    'POST /api/admin/messages/:id/retry': {
      request: async (_, owner) => {
        const { rows } = await t.db.query<{ id: string }>('select id from public.messages where user_id = $1 limit 1', [owner.id]);
        return { method: 'POST', url: `/api/admin/messages/${rows[0]!.id}/retry` };
      },
    },
    'GET /api/admin/staff': { request: async () => ({ method: 'GET', url: '/api/admin/staff' }) },
    'POST /api/admin/staff': { request: async () => ({ method: 'POST', url: '/api/admin/staff', payload: { email: uniqueEmail('probe'), role: 'operator' } }) },
    'DELETE /api/admin/staff/:email': {
      request: async () => {
        const email = uniqueEmail('probe');
        await upsertAdmin(t.db, email, 'operator');
        return { method: 'DELETE', url: `/api/admin/staff/${encodeURIComponent(email)}` };
      },
    },
  };

  const allowed = (res: LightMyRequestResponse) => res.statusCode !== 401 && res.statusCode !== 403 && res.statusCode < 500;

  it('the table has rows, and every endpoint in it has a probe', () => {
    expect(table.length).toBeGreaterThan(5);
    for (const row of table) {
      expect(row.endpoints.length, `"${row.capability}" names no endpoint`).toBeGreaterThan(0);
      for (const endpoint of row.endpoints) expect(Object.keys(probes), `add a probe for ${endpoint} to test/api/roles.test.ts`).toContain(endpoint);
    }
  });

  it('every /api/admin endpoint is in the table', async () => {
    const paths = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json().paths as Record<string, Record<string, unknown>>;
    const documented = new Set(table.flatMap((row) => row.endpoints));
    for (const [path, methods] of Object.entries(paths)) {
      if (!path.startsWith('/api/admin/')) continue;
      for (const method of Object.keys(methods)) {
        const endpoint = `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
        expect(documented, `README.md "## Roles" has no row for ${endpoint}`).toContain(endpoint);
      }
    }
  });

  for (const row of table) {
    for (const endpoint of row.endpoints) {
      it(`${row.capability}: ${endpoint} signed out → 401`, async () => {
        const probe = probes[endpoint];
        if (!probe) throw new Error(`no probe for ${endpoint}`);
        const res = await t.app.inject(await probe.request(actors.customer, actors.customer));
        expect(res.statusCode, res.body).toBe(401);
      });
      for (const role of roles) {
        const mark = row.marks[role];
        it(`${row.capability}: ${endpoint} as ${role} → ${mark}`, async () => {
          const probe = probes[endpoint];
          if (!probe) throw new Error(`no probe for ${endpoint}`);
          const actor = actors[role];
          const onOthers = await as(actor.token, await probe.request(actor, other));
          const said = `${role} ${endpoint} (${mark}): ${onOthers.statusCode} ${onOthers.body.slice(0, 300)}`;
          if (mark === '✗') {
            expect(onOthers.statusCode, said).toBe(403);
            return;
          }
          if (mark === '✓') {
            expect(allowed(onOthers), said).toBe(true);
            if (probe.shows) expect(probe.shows(onOthers, other), `${said}: should list another customer's`).toBe(true);
            return;
          }
          // own
          if (probe.shows) {
            expect(allowed(onOthers), said).toBe(true);
            expect(probe.shows(onOthers, other), `${said}: should not list another customer's`).toBe(false);
            expect(probe.shows(await as(actor.token, await probe.request(actor, actor)), actor), `${said}: should list their own`).toBe(true);
          } else {
            expect([403, 404], said).toContain(onOthers.statusCode);
            const onOwn = await as(actor.token, await probe.request(actor, actor));
            expect(allowed(onOwn), `${role} ${endpoint} on their own: ${onOwn.statusCode} ${onOwn.body.slice(0, 300)}`).toBe(true);
          }
        });
      }
    }
  }
});
