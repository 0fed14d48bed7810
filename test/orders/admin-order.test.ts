import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, errorCode, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { makeCustomer, paidOrder, refund, type Customer } from '../money/support.js';

vi.setConfig({ testTimeout: 60_000 });

interface AdminOrder {
  order: { id: string; status: string; amount: number; refunded_cents: number; card_refunded_cents: number };
  refundable_cents: number;
  card_refundable_cents: number;
  transaction_reference: string | null;
  customer: { id: string; email: string } | null;
  bookings: { id: string; status: string }[];
  refunds: { amount_cents: number; destination: string; status: string; provider_refund_id: string | null }[];
  events: { type: string; outcome: string | null; provider: string }[];
}

/** GET /api/admin/orders/:id: the console's order page (payments, refunds, webhook events), admins only. */
describe.each(engines)('an order for staff, on %s', (engine) => {
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

  const get = (who: { token: string }, id: string) => t.app.inject({ method: 'GET', url: `/api/admin/orders/${id}`, headers: bearer(who.token) });

  it('shows a paid order with its customer, booking, payment event and refunds, and what is left to refund', async () => {
    const { order, bookingId } = await paidOrder(t, customer);
    let res = await get(admin, order.id);
    expect(res.statusCode, res.body).toBe(200);
    let body = res.json() as AdminOrder;
    expect(body.order).toMatchObject({ id: order.id, status: 'paid', amount: order.amount });
    expect(body.customer).toMatchObject({ id: customer.id, email: customer.email });
    expect(body.bookings.map((b) => b.id)).toEqual([bookingId]);
    expect(body.refundable_cents).toBe(order.amount);
    expect(body.card_refundable_cents).toBe(order.amount);
    expect(body.transaction_reference).toEqual(expect.any(String));
    expect(body.events.length).toBeGreaterThanOrEqual(1);
    expect(body.events[0]).toMatchObject({ provider: 'bolt', type: expect.any(String) });
    expect(body.refunds).toEqual([]);

    expect((await refund(t, admin, order.id, { amount_cents: 1000, to: 'card' })).statusCode).toBe(200);
    expect((await refund(t, admin, order.id, { amount_cents: 500, to: 'credits' })).statusCode).toBe(200);
    res = await get(admin, order.id);
    body = res.json() as AdminOrder;
    expect(body.refunds.map((r) => [r.destination, r.amount_cents, r.status]).sort()).toEqual([
      ['card', 1000, 'completed'],
      ['credits', 500, 'completed'],
    ]);
    expect(body.order.refunded_cents).toBe(1500);
    expect(body.refundable_cents).toBe(order.amount - 1500);
    expect(body.card_refundable_cents).toBe(order.amount - 1500); // the card got 10.00 back; the 5.00 to credits counts against what is left
  });

  it('refuses operators and customers (403) and answers 404 for an unknown order', async () => {
    const { order } = await paidOrder(t, customer);
    const asOperator = await get(operator, order.id);
    expect(asOperator.statusCode).toBe(403);
    expect(errorCode(asOperator)).toBe('forbidden');
    expect((await get(customer, order.id)).statusCode).toBe(403);
    const missing = await get(admin, '00000000-0000-4000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
    expect(errorCode(missing)).toBe('not_found');
  });

  it('says nothing is refundable once everything is back', async () => {
    const { order } = await paidOrder(t, customer);
    expect((await refund(t, admin, order.id, { to: 'card' })).statusCode).toBe(200);
    const body = (await get(admin, order.id)).json() as AdminOrder;
    expect(body.order.status).toBe('refunded');
    expect(body.refundable_cents).toBe(0);
    expect(body.card_refundable_cents).toBe(0);
  });
});
