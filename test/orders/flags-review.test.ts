import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, errorCode, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { makeCustomer, paidOrder, type Customer } from '../money/support.js';

vi.setConfig({ testTimeout: 60_000 });

interface Listed {
  orders: { id: string; staff_flags: Record<string, unknown> | null; flags_reviewed_at: string | null; customer: { id: string } | null }[];
  total: number;
}

/**
 * Orders flagged for review (needs_review, amount_mismatch, …): GET /api/orders?flagged=true lists
 * those awaiting review, POST /api/admin/orders/:id/flags/review marks them reviewed, new flags
 * reopen them. Admins only.
 */
describe.each(engines)('reviewing an order’s flags, on %s', (engine) => {
  let t: TestApp;
  let admin: SignedUp;
  let operator: SignedUp;
  let customer: Customer;

  beforeAll(async () => {
    t = await startApp(engine, { WORKER: 'off' });
    admin = await signupStaff(t, 'admin');
    operator = await signupStaff(t, 'operator');
    customer = await makeCustomer(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const flag = (orderId: string, flags: object) => t.db.query('select app_hidden.flag_order($1, $2::jsonb)', [orderId, JSON.stringify(flags)]);
  const flagged = async (who: { token: string }) => {
    const res = await t.app.inject({ method: 'GET', url: '/api/orders?flagged=true&limit=200', headers: bearer(who.token) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Listed;
  };
  const review = (who: { token: string }, id: string) => t.app.inject({ method: 'POST', url: `/api/admin/orders/${id}/flags/review`, headers: bearer(who.token) });
  const detail = async (id: string) => (await t.app.inject({ method: 'GET', url: `/api/admin/orders/${id}`, headers: bearer(admin.token) })).json() as {
    flags_review: { reviewed_at: string; reviewed_by: { id: string; email: string } | null } | null;
  };

  it('lists only the orders whose flags await review, however old; reviewing takes one off and keeps the flags', async () => {
    const { order: plain } = await paidOrder(t, customer);
    const { order: flaggedOrder } = await paidOrder(t, customer);
    await flag(flaggedOrder.id, { needs_review: true });
    // Older than a page of newer orders: still listed.
    await t.db.query("update public.orders set created_at = now() - interval '400 days' where id = $1", [flaggedOrder.id]);

    let list = await flagged(admin);
    expect(list.orders.map((o) => o.id)).toContain(flaggedOrder.id);
    expect(list.orders.map((o) => o.id)).not.toContain(plain.id);
    expect(list.total).toBe(list.orders.length);
    const row = list.orders.find((o) => o.id === flaggedOrder.id)!;
    expect(row).toMatchObject({ staff_flags: { needs_review: true }, flags_reviewed_at: null, customer: { id: customer.id } });
    expect(await detail(flaggedOrder.id)).toMatchObject({ flags_review: null });

    const res = await review(admin, flaggedOrder.id);
    expect(res.statusCode, res.body).toBe(200);
    const reviewed = res.json() as { order_id: string; flags: object; reviewed_at: string; reviewed_by: { id: string } };
    expect(reviewed).toMatchObject({ order_id: flaggedOrder.id, flags: { needs_review: true }, reviewed_by: { id: admin.id, email: admin.email } });
    expect(Date.parse(reviewed.reviewed_at)).toBeGreaterThan(Date.now() - 60_000);

    list = await flagged(admin);
    expect(list.orders.map((o) => o.id)).not.toContain(flaggedOrder.id);
    expect(await detail(flaggedOrder.id)).toMatchObject({ flags_review: { reviewed_at: reviewed.reviewed_at, reviewed_by: { id: admin.id } } });
    // The full list still shows the flags, and when they were reviewed.
    const all = (await t.app.inject({ method: 'GET', url: `/api/orders?customer=${customer.id}&limit=200`, headers: bearer(admin.token) })).json() as Listed;
    expect(all.orders.find((o) => o.id === flaggedOrder.id)).toMatchObject({ staff_flags: { needs_review: true }, flags_reviewed_at: reviewed.reviewed_at });

    // Reviewing again keeps the first review.
    const again = await review(admin, flaggedOrder.id);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ reviewed_at: reviewed.reviewed_at });
  });

  it('the same flag again keeps the review; a new flag reopens it', async () => {
    const { order } = await paidOrder(t, customer);
    await flag(order.id, { amount_mismatch: true });
    expect((await review(admin, order.id)).statusCode).toBe(200);
    await flag(order.id, { amount_mismatch: true });
    expect((await flagged(admin)).orders.map((o) => o.id)).not.toContain(order.id);
    await flag(order.id, { late_payment_reference: 'ref-2' });
    expect((await flagged(admin)).orders.map((o) => o.id)).toContain(order.id);
    expect(await detail(order.id)).toMatchObject({ flags_review: null });
  });

  it('answers 409 not_flagged for an order without flags, 404 for no order, 403 for operators and customers', async () => {
    const { order } = await paidOrder(t, customer);
    let res = await review(admin, order.id);
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('not_flagged');
    res = await review(admin, '00000000-0000-4000-8000-000000000000');
    expect(res.statusCode).toBe(404);
    expect(errorCode(res)).toBe('not_found');
    await flag(order.id, { needs_review: true });
    for (const who of [operator, customer]) {
      res = await review(who, order.id);
      expect(res.statusCode).toBe(403);
      expect(errorCode(res)).toBe('forbidden');
    }
    expect(await detail(order.id)).toMatchObject({ flags_review: null });
  });

  it('a customer asking for flagged orders gets their own orders, flags hidden (the filter is for staff)', async () => {
    const mine = await flagged(customer);
    expect(mine.orders.length).toBeGreaterThan(0);
    expect(mine.orders.every((o) => o.staff_flags === null && o.flags_reviewed_at === null && o.customer === null)).toBe(true);
  });
});
