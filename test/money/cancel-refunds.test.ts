import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { App } from '../../src/http/types.js';
import { FakeProvider } from '../../src/payments/fake.js';
import { PaymentProviderError, type RefundDone, type RefundRequest } from '../../src/orders/payment-provider.js';
import { buildServices } from '../../src/services.js';
import { bearer, errorCode, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { balance, booked, bookingStatus, cardRefundIds, expectIntegrity, grant, makeCustomer, makeSlot, orderRow, paidOrder, readPrices, expectOwnCreditEcho } from './support.js';

vi.setConfig({ testTimeout: 60_000 });

/** The fake provider with its refunds down (Bolt unreachable). */
class RefundsDown extends FakeProvider {
  override async refund(_request: RefundRequest): Promise<RefundDone> {
    throw new PaymentProviderError('Bolt is unreachable');
  }
}

describe.each(engines)('cancelling a paid booking refunds it or asks staff, on %s', (engine) => {
  let t: TestApp;
  /** A first cold plunge: the service and the setup fee, in cents (read from the catalog). */
  let PAID: number;
  let down: App;
  let admin: SignedUp;
  let operator: SignedUp;

  beforeAll(async () => {
    t = await startApp(engine);
    const { PRICE, SETUP_FEE } = await readPrices(t);
    PAID = PRICE.cold_plunge + SETUP_FEE;
    const services = buildServices(t.config, t.db, { paymentProvider: new RefundsDown(t.config.publicUrl, t.config.payments.signingSecret) });
    down = await buildApp({ config: t.config, db: t.db, logger: false, services });
    await down.ready();
    admin = await signupStaff(t, 'admin');
    operator = await signupStaff(t, 'operator');
  });
  afterEach(async () => {
    if (t) await expectIntegrity(t);
  });
  afterAll(async () => {
    await down?.close();
    await t?.close();
  });

  const cancel = (app: App, who: { token: string }, bookingId: string, body?: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: `/api/bookings/${bookingId}/cancel`, headers: bearer(who.token), ...(body ? { payload: body } : {}) });
  const needed = async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/admin/refunds/needed', headers: bearer(admin.token) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: { order: { id: string }; reason: string | null; refundable_cents: number; customer: { email: string } }[]; total: number };
  };
  const settings = (payload: Record<string, unknown>) => t.app.inject({ method: 'PUT', url: '/api/admin/settings', headers: bearer(admin.token), payload });

  it('settings: cancellation_refund_to (default card) and referral_reward_on (default first_paid_booking)', async () => {
    const got = (await t.app.inject({ method: 'GET', url: '/api/admin/settings', headers: bearer(admin.token) })).json();
    expect(got).toMatchObject({ cancellation_refund_to: 'card', referral_reward_on: 'first_paid_booking' });
    const bad = await settings({ cancellation_refund_to: 'cash' });
    expect(bad.statusCode).toBe(400);
    const changed = await settings({ cancellation_refund_to: 'credits', referral_reward_on: 'signup' });
    expect(changed.json()).toMatchObject({ cancellation_refund_to: 'credits', referral_reward_on: 'signup' });
    expect((await settings({ cancellation_refund_to: 'card', referral_reward_on: 'first_paid_booking' })).statusCode).toBe(200);
    const byOperator = await t.app.inject({ method: 'PUT', url: '/api/admin/settings', headers: bearer(operator.token), payload: { cancellation_refund_to: 'credits' } });
    expect(byOperator.statusCode).toBe(403);
  });

  it('a customer’s cancel of a paid booking goes back to the card by default (credits spent come back as credits)', async () => {
    const c = await makeCustomer(t);
    await grant(t, admin, c.id, 100);
    const { order, bookingId } = await paidOrder(t, c, { use_credits: 100 }); // 30000 by card + 100 credits
    expect(await balance(t, c.id)).toBe(0);
    const res = await cancel(t.app, c, bookingId);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().booking.status).toBe('cancelled');
    expect(res.json().money).toMatchObject({ outcome: 'refunded', refund_to: 'card', card_cents: PAID - 10000, credits: 100, order_id: order.id, order_status: 'refunded' });
    expect(await orderRow(t, order.id)).toMatchObject({ status: 'refunded', refunded_cents: PAID, card_refunded_cents: PAID - 10000 });
    expect(await balance(t, c.id)).toBe(100);
    const [refundId] = await cardRefundIds(t, order.id);
    await expectOwnCreditEcho(t, `credit:${refundId}`);
    expect((await needed()).items.map((i) => i.order.id)).not.toContain(order.id);
  });

  it('with cancellation_refund_to = credits, everything paid comes back as credits', async () => {
    expect((await settings({ cancellation_refund_to: 'credits' })).statusCode).toBe(200);
    try {
      const c = await makeCustomer(t);
      const { order, bookingId } = await paidOrder(t, c);
      const res = await cancel(t.app, c, bookingId);
      expect(res.json().money).toMatchObject({ outcome: 'refunded', refund_to: 'credits', card_cents: 0, credits: 400, order_status: 'refunded' });
      expect(await orderRow(t, order.id)).toMatchObject({ status: 'refunded', refunded_cents: PAID, card_refunded_cents: 0 });
      expect(await balance(t, c.id)).toBe(400);
      expect(await cardRefundIds(t, order.id)).toEqual([]);
    } finally {
      await settings({ cancellation_refund_to: 'card' });
    }
  });

  it('when the card refund cannot be made, the cancel still happens and the order lands on the staff list', async () => {
    const c = await makeCustomer(t);
    const { order, bookingId, slotId } = await paidOrder(t, c);
    const res = await cancel(down, c, bookingId);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().money).toMatchObject({ outcome: 'refund_needed', refund_to: 'card', card_cents: 0, credits: 0, order_status: 'paid' });
    expect(await bookingStatus(t, bookingId)).toBe('cancelled');
    expect(await orderRow(t, order.id)).toMatchObject({ status: 'paid', refunded_cents: 0 });
    const list = await needed();
    expect(list.items.find((i) => i.order.id === order.id)).toMatchObject({ reason: 'payment_provider_unavailable', refundable_cents: PAID, customer: { email: c.email } });
    // Customers and operators do not see the list.
    for (const who of [c, operator]) {
      expect((await t.app.inject({ method: 'GET', url: '/api/admin/refunds/needed', headers: bearer(who.token) })).statusCode).toBe(403);
    }
    // Still down: the admin's card refund fails with nothing changed; then credits.
    const decide = (app: App, refund: string) =>
      app.inject({ method: 'POST', url: `/api/admin/orders/${order.id}/cancellation-refund`, headers: bearer(admin.token), payload: { refund } });
    const stillDown = await decide(down, 'card');
    expect([stillDown.statusCode, errorCode(stillDown)]).toEqual([503, 'payment_provider_unavailable']);
    const byCredits = await decide(t.app, 'credits');
    expect(byCredits.statusCode, byCredits.body).toBe(200);
    expect(byCredits.json().money).toMatchObject({ outcome: 'refunded', credits: 400 });
    expect(byCredits.json().order).toMatchObject({ status: 'refunded', cancellation_refund: 'credits' });
    expect(await balance(t, c.id)).toBe(400);
    expect((await needed()).items.map((i) => i.order.id)).not.toContain(order.id);
    const again = await decide(t.app, 'none');
    expect([again.statusCode, errorCode(again)]).toEqual([409, 'refund_already_decided']);
    expect(slotId).toBeTruthy();
  });

  it('admins must say how to refund a paid booking they cancel; "none" is a decision', async () => {
    const c = await makeCustomer(t);
    const { order, bookingId } = await paidOrder(t, c);
    const undecided = await cancel(t.app, admin, bookingId);
    expect([undecided.statusCode, errorCode(undecided)]).toEqual([422, 'refund_decision_required']);
    expect(await bookingStatus(t, bookingId)).toBe('confirmed');
    const bad = await cancel(t.app, admin, bookingId, { refund: 'cash' });
    expect(bad.statusCode).toBe(400);
    const kept = await cancel(t.app, admin, bookingId, { refund: 'none' });
    expect(kept.statusCode, kept.body).toBe(200);
    expect(kept.json().money).toMatchObject({ outcome: 'kept', refund_to: 'none', card_cents: 0, credits: 0, order_status: 'paid' });
    expect(await orderRow(t, order.id)).toMatchObject({ status: 'paid', refunded_cents: 0 });
    expect((await needed()).items.map((i) => i.order.id)).not.toContain(order.id);

    const d = await makeCustomer(t);
    const second = await paidOrder(t, d);
    const toCard = await cancel(t.app, admin, second.bookingId, { refund: 'card' });
    expect(toCard.json().money).toMatchObject({ outcome: 'refunded', refund_to: 'card', card_cents: PAID, credits: 0 });
    const [refundId] = await cardRefundIds(t, second.order.id);
    await expectOwnCreditEcho(t, `credit:${refundId}`);
  });

  it('operators may cancel but not refund: the paid order waits on the list for an admin', async () => {
    const c = await makeCustomer(t);
    const { order, bookingId } = await paidOrder(t, c);
    const refusing = await cancel(t.app, operator, bookingId, { refund: 'credits' });
    expect([refusing.statusCode, errorCode(refusing)]).toEqual([403, 'forbidden']);
    const customerChoosing = await cancel(t.app, c, bookingId, { refund: 'none' });
    expect([customerChoosing.statusCode, errorCode(customerChoosing)]).toEqual([403, 'forbidden']);
    const res = await cancel(t.app, operator, bookingId);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().money).toMatchObject({ outcome: 'refund_needed', refund_to: null, order_status: 'paid' });
    expect((await needed()).items.find((i) => i.order.id === order.id)).toMatchObject({ reason: 'staff_decision_needed' });
    const decided = await t.app.inject({ method: 'POST', url: `/api/admin/orders/${order.id}/cancellation-refund`, headers: bearer(admin.token), payload: { refund: 'none' } });
    expect(decided.json().money).toMatchObject({ outcome: 'kept' });
    expect((await needed()).items.map((i) => i.order.id)).not.toContain(order.id);
  });

  it('an unpaid booking’s cancel says the payment was cancelled; a live booking’s order cannot be decided', async () => {
    const c = await makeCustomer(t);
    await grant(t, admin, c.id, 20);
    const res = await booked(t, c, { slot_id: await makeSlot(t), use_credits: 20 });
    const cancelled = await cancel(t.app, c, res.booking.id);
    expect(cancelled.json().money).toMatchObject({ outcome: 'payment_cancelled', credits: 20, order_status: 'failed' });
    expect(await balance(t, c.id)).toBe(20);

    const live = await paidOrder(t, await makeCustomer(t));
    const early = await t.app.inject({ method: 'POST', url: `/api/admin/orders/${live.order.id}/cancellation-refund`, headers: bearer(admin.token), payload: { refund: 'credits' } });
    expect([early.statusCode, errorCode(early)]).toEqual([409, 'booking_not_cancelled']);
  });
});
