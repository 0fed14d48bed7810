import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeProvider } from '../../src/payments/fake.js';
import { signBody } from '../../src/payments/signature.js';
import { bearer, errorCode, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import {
  balance,
  booked,
  bookingStatus,
  cardRefundIds,
  decide,
  expectIntegrity,
  grant,
  makeCustomer,
  makeSlot,
  orderLedger,
  orderRow,
  paymentEvents,
  sendWebhook,
  slotCount,
  expectOwnCreditEcho,
  webhookBody,
} from './support.js';

// Several requests per test on two shared cores, with bcrypt password hashing at sign-up: allow headroom.
vi.setConfig({ testTimeout: 60_000 });

describe.each(engines)('money: Bolt webhooks on %s', (engine) => {
  let t: TestApp;
  let admin: SignedUp;
  let secret: string;

  beforeAll(async () => {
    t = await startApp(engine);
    admin = await signupStaff(t, 'admin');
    secret = t.config.payments.signingSecret;
  });
  afterEach(async () => {
    if (t) await expectIntegrity(t);
  });
  afterAll(() => t?.close());

  /** A pending order (with credits applied when asked) and its booking. */
  async function pending(credits = 0) {
    const customer = await makeCustomer(t);
    if (credits > 0) await grant(t, admin, customer.id, credits);
    const slotId = await makeSlot(t);
    const res = await booked(t, customer, { slot_id: slotId, use_credits: credits });
    expect(res.order.status).toBe('pending');
    return { customer, slotId, order: res.order, bookingId: res.booking.id, checkoutUrl: res.checkout!.url };
  }

  const headers = (signature: string, name = 'x-bolt-hmac-sha256') => ({ 'content-type': 'application/json', [name]: signature });

  it('refuses anything but the exact signed bytes: wrong secret, one altered byte, no header, re-serialized JSON', async () => {
    const { order, bookingId } = await pending();
    // The raw bytes carry an é, as UTF-8.
    const raw = webhookBody('payment', { orderId: order.id, amount: order.amount }, { note: 'Café Zoë' });
    expect(raw.toString('utf8')).toContain('é');
    const good = signBody(raw, secret);
    const parsed = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;

    const reordered = Buffer.from(JSON.stringify(Object.fromEntries(Object.entries(parsed).reverse())));
    const spaced = Buffer.from(JSON.stringify(parsed, null, 2));
    const spaceAfterColon = Buffer.from(raw.toString('utf8').replace('"type":', '"type": '));
    const escaped = Buffer.from(raw.toString('utf8').replace('é', '\\u00e9'));
    expect(JSON.parse(escaped.toString('utf8'))).toEqual(parsed); // the same JSON, other bytes
    const altered = Buffer.from(raw);
    const at = altered.indexOf('completed');
    altered[at] = 'C'.charCodeAt(0); // one byte
    const attempts: [string, Buffer, Record<string, string>][] = [
      ['wrong secret', raw, headers(signBody(raw, `${secret}x`))],
      ['altered byte', altered, headers(good)],
      ['missing header', raw, { 'content-type': 'application/json' }],
      ['empty header', raw, headers('')],
      ['hex instead of base64', raw, headers(Buffer.from(good, 'base64').toString('hex'))],
      ['truncated signature', raw, headers(good.slice(0, -4))],
      ['signature of another body', raw, headers(signBody(reordered, secret))],
      ['reordered keys', reordered, headers(good)],
      ['JSON.stringify with spaces', spaced, headers(good)],
      ['one space added', spaceAfterColon, headers(good)],
      ['escaped Unicode', escaped, headers(good)],
      ['wrong pending header only', raw, headers(signBody(raw, 'old-secret'), 'x-bolt-hmac-sha256-pending')],
    ];
    for (const [what, body, h] of attempts) {
      const res = await sendWebhook(t, body, h);
      expect([what, res.statusCode, errorCode(res)]).toEqual([what, 401, 'unauthorized']);
    }
    expect(await paymentEvents(t, order.id)).toEqual([]);
    expect((await orderRow(t, order.id)).status).toBe('pending');

    // Escaped Unicode is fine when those are the bytes that were signed.
    const escapedOk = await sendWebhook(t, escaped, headers(signBody(escaped, secret)));
    expect(escapedOk.json()).toEqual({ status: 'processed', outcome: 'paid' });
    expect((await orderRow(t, order.id)).status).toBe('paid');
    expect(await bookingStatus(t, bookingId)).toBe('confirmed');
    // ...and those raw bytes, being the same event (type + data.id), are now a replay.
    const exact = await sendWebhook(t, raw, headers(good));
    expect([exact.statusCode, exact.json()]).toEqual([200, { status: 'duplicate' }]);
  });

  it('accepts the exact raw bytes, and X-Bolt-Hmac-Sha256-Pending alone during key rotation', async () => {
    const first = await pending();
    const raw = webhookBody('payment', { orderId: first.order.id, amount: first.order.amount }, { note: 'Café' });
    const res = await sendWebhook(t, raw, headers(signBody(raw, secret)));
    expect([res.statusCode, res.json()]).toEqual([200, { status: 'processed', outcome: 'paid' }]);

    const second = await pending();
    const raw2 = webhookBody('payment', { orderId: second.order.id, amount: second.order.amount });
    const pendingOnly = await sendWebhook(t, raw2, headers(signBody(raw2, secret), 'x-bolt-hmac-sha256-pending'));
    expect([pendingOnly.statusCode, pendingOnly.json()]).toEqual([200, { status: 'processed', outcome: 'paid' }]);

    // A stale current header next to a valid pending one passes too.
    const third = await pending();
    const raw3 = webhookBody('payment', { orderId: third.order.id, amount: third.order.amount });
    const both = await sendWebhook(t, raw3, {
      'content-type': 'application/json',
      'x-bolt-hmac-sha256': signBody(raw3, 'previous-secret'),
      'x-bolt-hmac-sha256-pending': signBody(raw3, secret),
    });
    expect(both.json()).toEqual({ status: 'processed', outcome: 'paid' });
    for (const o of [first, second, third]) {
      expect((await orderRow(t, o.order.id)).status).toBe('paid');
      expect(await bookingStatus(t, o.bookingId)).toBe('confirmed');
    }
  });

  it('a replayed webhook is a 200 no-op: by event id, or by type and transaction id', async () => {
    const { order } = await pending();
    const txn = `txn_${randomUUID().replace(/-/g, '')}`;
    const raw = webhookBody('payment', { id: txn, orderId: order.id, amount: order.amount });
    expect((await sendWebhook(t, raw)).json()).toEqual({ status: 'processed', outcome: 'paid' });
    const paid = await orderRow(t, order.id);
    const { rows: before } = await t.db.query<{ updated_at: Date }>('select updated_at from public.orders where id = $1', [order.id]);

    expect((await sendWebhook(t, raw)).json()).toEqual({ status: 'duplicate' });
    // Different bytes, same event (type + data.id): still a replay.
    const resent = webhookBody('payment', { id: txn, orderId: order.id, amount: order.amount }, { retry: 2 });
    expect((await sendWebhook(t, resent)).json()).toEqual({ status: 'duplicate' });
    const { rows: after } = await t.db.query<{ updated_at: Date }>('select updated_at from public.orders where id = $1', [order.id]);
    expect(after[0]!.updated_at).toEqual(before[0]!.updated_at);
    expect(await orderRow(t, order.id)).toEqual(paid);
    expect(await paymentEvents(t, order.id)).toEqual([{ id: `payment:${txn}`, type: 'payment', outcome: 'paid' }]);

    // An explicit event id wins over type + data.id: the same id with another body is a replay.
    const other = await pending();
    const withId = webhookBody('failed_payment', { orderId: other.order.id, amount: other.order.amount, status: 'failed' }, { id: 'evt_fixed_1' });
    expect((await sendWebhook(t, withId)).json()).toEqual({ status: 'processed', outcome: 'failed' });
    const sameId = webhookBody('payment', { orderId: other.order.id, amount: other.order.amount }, { id: 'evt_fixed_1' });
    expect((await sendWebhook(t, sameId)).json()).toEqual({ status: 'duplicate' });
    expect((await orderRow(t, other.order.id)).status).toBe('failed');
  });

  it('out of order: a failure after the payment leaves it paid; a payment after failure or expiry is flagged, not applied', async () => {
    const a = await pending(25);
    expect((await decide(t, a.checkoutUrl, 'approve')).statusCode).toBe(200);
    const lateFailure = await sendWebhook(t, webhookBody('failed_payment', { orderId: a.order.id, amount: a.order.amount, status: 'failed' }));
    expect(lateFailure.json()).toEqual({ status: 'processed', outcome: 'no_change' });
    expect((await orderRow(t, a.order.id)).status).toBe('paid');
    expect(await bookingStatus(t, a.bookingId)).toBe('confirmed');
    expect(await orderLedger(t, a.order.id)).toEqual(['spent:-25']); // no credits came back
    expect(await balance(t, a.customer.id)).toBe(0);
    for (const type of ['void', 'rejected_irreversible']) {
      expect((await sendWebhook(t, webhookBody(type, { orderId: a.order.id, amount: a.order.amount }))).json().outcome).toBe('no_change');
    }

    const b = await pending(10);
    expect((await decide(t, b.checkoutUrl, 'decline')).statusCode).toBe(200);
    const latePayment = await sendWebhook(t, webhookBody('payment', { id: 'txn_late_b', orderId: b.order.id, amount: b.order.amount }));
    expect(latePayment.json()).toEqual({ status: 'processed', outcome: 'late_payment' });
    const bOrder = await orderRow(t, b.order.id);
    expect(bOrder.status).toBe('failed');
    expect(bOrder.staff_flags).toMatchObject({ needs_review: true, late_payment_reference: FakeProvider.referenceOf('txn_late_b') });
    expect(bOrder.metadata).not.toHaveProperty('needs_review');
    expect(await bookingStatus(t, b.bookingId)).toBe('cancelled');
    expect(await orderLedger(t, b.order.id)).toEqual(['refunded:10', 'spent:-10']);

    const c = await pending();
    await t.db.query("update public.orders set expires_at = now() - interval '1 minute' where id = $1", [c.order.id]);
    await t.services.orders.expireUnpaid();
    const afterExpiry = await sendWebhook(t, webhookBody('capture', { orderId: c.order.id, amount: c.order.amount }));
    expect(afterExpiry.json().outcome).toBe('late_payment');
    expect(await orderRow(t, c.order.id)).toMatchObject({ status: 'failed', metadata: expect.objectContaining({ failure_reason: 'expired' }), staff_flags: expect.objectContaining({ needs_review: true }) });
    expect(await slotCount(t, c.slotId)).toBe(0);

    // A refund notice for an order that was never paid changes nothing.
    const d = await pending();
    const credit = await sendWebhook(t, webhookBody('credit', { orderId: d.order.id, amount: 100 }));
    expect(credit.json().outcome).toBe('no_change');
    expect(await orderRow(t, d.order.id)).toMatchObject({ status: 'pending', refunded_cents: 0 });
  });

  it('a payment after expires_at but before the sweep is a late payment: expired on the spot and flagged, never confirmed', async () => {
    const e = await pending(15);
    await t.db.query("update public.orders set expires_at = now() - interval '1 second' where id = $1", [e.order.id]);
    const late = await sendWebhook(t, webhookBody('payment', { id: 'txn_late_e', orderId: e.order.id, amount: e.order.amount }));
    expect(late.json()).toEqual({ status: 'processed', outcome: 'late_payment' });
    expect(await orderRow(t, e.order.id)).toMatchObject({
      status: 'failed',
      paid_at: null,
      metadata: expect.objectContaining({ failure_reason: 'expired' }),
      staff_flags: { needs_review: true, late_payment_reference: FakeProvider.referenceOf('txn_late_e') },
    });
    expect(await bookingStatus(t, e.bookingId)).toBe('cancelled');
    expect(await slotCount(t, e.slotId)).toBe(0);
    expect(await orderLedger(t, e.order.id)).toEqual(['refunded:15', 'spent:-15']);
    expect(await balance(t, e.customer.id)).toBe(15);
  });

  it('staff flags never reach the customer: GET /api/orders and /api/orders/:id hide them, admins see them', async () => {
    const { customer, order } = await pending();
    await sendWebhook(t, webhookBody('payment', { orderId: order.id, amount: order.amount + 1 }));
    for (const url of [`/api/orders/${order.id}`, '/api/orders']) {
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(customer.token) });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.body).not.toMatch(/needs_review|amount_mismatch/);
    }
    const mine = await t.app.inject({ method: 'GET', url: `/api/orders/${order.id}`, headers: bearer(customer.token) });
    expect(mine.json().order.staff_flags).toBeNull();
    const staff = await t.app.inject({ method: 'GET', url: `/api/orders/${order.id}`, headers: bearer(admin.token) });
    expect(staff.json().order).toMatchObject({ staff_flags: { needs_review: true, amount_mismatch: order.amount + 1 } });
    expect(staff.json().order.metadata).not.toHaveProperty('needs_review');
  });

  it('unknown types and unknown orders are 200 no-ops; an amount mismatch stays pending for review', async () => {
    const { order } = await pending();
    const unknownType = await sendWebhook(t, webhookBody('merchant_credit_card_updated', { orderId: order.id, amount: order.amount }));
    expect([unknownType.statusCode, unknownType.json()]).toEqual([200, { status: 'processed', outcome: 'ignored' }]);
    expect((await orderRow(t, order.id)).status).toBe('pending');

    for (const reference of [randomUUID(), 'not-an-order', '']) {
      const res = await sendWebhook(t, webhookBody('payment', { orderId: reference, amount: 100 }));
      expect([res.statusCode, res.json()]).toEqual([200, { status: 'processed', outcome: 'unknown_order' }]);
    }
    const { rows } = await t.db.query("select order_id from public.payment_events where outcome = 'unknown_order'");
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.order_id === null)).toBe(true);

    const mismatch = await sendWebhook(t, webhookBody('payment', { orderId: order.id, amount: order.amount - 1 }));
    expect(mismatch.json()).toEqual({ status: 'processed', outcome: 'amount_mismatch' });
    const flagged = await orderRow(t, order.id);
    expect(flagged).toMatchObject({ status: 'pending', staff_flags: { needs_review: true, amount_mismatch: order.amount - 1 } });
    expect(flagged.metadata).not.toHaveProperty('amount_mismatch');
    expect(flagged.paid_at).toBeNull();
    const noAmount = Buffer.from(JSON.stringify({ type: 'payment', data: { id: 'txn_no_amount', order: { cart: { order_reference: order.id } } } }));
    expect((await sendWebhook(t, noAmount)).json().outcome).toBe('amount_mismatch');
    expect((await orderRow(t, order.id)).status).toBe('pending');
    // The right amount later pays it.
    expect((await sendWebhook(t, webhookBody('payment', { orderId: order.id, amount: order.amount }))).json().outcome).toBe('paid');
  });

  it('malformed or shapeless JSON with a valid signature is a 400', async () => {
    const count = async () => (await t.db.query<{ n: number }>('select count(*)::int as n from public.payment_events')).rows[0]!.n;
    const before = await count();
    for (const body of ['{"type":"payment","data":', 'not json', '', '[]', '{"type":"payment"}', '{"type":1,"data":{"id":"x"}}', 'null']) {
      const res = await sendWebhook(t, Buffer.from(body));
      expect([body, res.statusCode, errorCode(res)]).toEqual([body, 400, 'validation_failed']);
    }
    expect(await count()).toBe(before); // nothing stored
  });

  it('10 parallel deliveries of one payment: paid once, confirmed, one stored event', async () => {
    const { order, bookingId } = await pending(15);
    const raw = webhookBody('payment', { orderId: order.id, amount: order.amount });
    const results = await Promise.all(Array.from({ length: 10 }, () => sendWebhook(t, raw)));
    expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    const bodies = results.map((r) => r.json());
    expect(bodies.filter((b) => b.status === 'processed')).toEqual([{ status: 'processed', outcome: 'paid' }]);
    expect(bodies.filter((b) => b.status === 'duplicate')).toHaveLength(9);
    expect((await orderRow(t, order.id)).status).toBe('paid');
    expect(await bookingStatus(t, bookingId)).toBe('confirmed');
    expect(await paymentEvents(t, order.id)).toHaveLength(1);
    expect(await orderLedger(t, order.id)).toEqual(['spent:-15']);
  });

  it('a payment and a failure racing for one pending order: one wins, consistently', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round += 1) {
      const { order, bookingId, slotId, customer } = await pending(20);
      const pay = webhookBody('payment', { orderId: order.id, amount: order.amount });
      const fail = webhookBody('failed_payment', { orderId: order.id, amount: order.amount, status: 'failed' });
      const pair = round % 2 === 0 ? [pay, fail] : [fail, pay];
      const results = await Promise.all(pair.map((body) => sendWebhook(t, body)));
      expect(results.map((r) => r.statusCode)).toEqual([200, 200]);
      const final = await orderRow(t, order.id);
      const applied = results.map((r) => r.json().outcome).sort();
      outcomes.push(final.status);
      if (final.status === 'paid') {
        expect(applied).toEqual(['no_change', 'paid']);
        expect(await bookingStatus(t, bookingId)).toBe('confirmed');
        expect(await orderLedger(t, order.id)).toEqual(['spent:-20']);
        expect(await balance(t, customer.id)).toBe(0);
        expect(await slotCount(t, slotId)).toBe(1);
      } else {
        expect(final.status).toBe('failed');
        // A payment arriving after the failure is money for an order we gave up on: flagged for staff.
        expect(applied).toEqual(['failed', 'late_payment']);
        expect(final.staff_flags?.needs_review).toBe(true);
        expect(await bookingStatus(t, bookingId)).toBe('cancelled');
        expect(await orderLedger(t, order.id)).toEqual(['refunded:20', 'spent:-20']);
        expect(await balance(t, customer.id)).toBe(20);
        expect(await slotCount(t, slotId)).toBe(0);
      }
      const events = await paymentEvents(t, order.id);
      expect(events).toHaveLength(2);
    }
    expect(outcomes.every((s) => s === 'paid' || s === 'failed')).toBe(true);
  });

  // Cancel locks the order before the booking, as the webhook and expiry do: no deadlock.
  it('a customer cancelling while the payment webhook arrives: no error, and a consistent end', async () => {
    for (let round = 0; round < 12; round += 1) {
      const { order, bookingId, slotId, customer } = await pending(20);
      const pay = webhookBody('payment', { orderId: order.id, amount: order.amount });
      const cancel = () => t.app.inject({ method: 'POST', url: `/api/bookings/${bookingId}/cancel`, headers: bearer(customer.token) });
      const [cancelled, hook] = round % 2 === 0 ? await Promise.all([cancel(), sendWebhook(t, pay)]) : (await Promise.all([sendWebhook(t, pay), cancel()])).reverse();
      expect([cancelled!.statusCode, hook!.statusCode], `${cancelled!.body} ${hook!.body}`).toEqual([200, 200]);
      expect(await bookingStatus(t, bookingId)).toBe('cancelled');
      expect(await slotCount(t, slotId)).toBe(0);
      const final = await orderRow(t, order.id);
      if (hook!.json().outcome === 'paid') {
        // Paid first: the customer's cancel refunds it (the default: the card part to the card,
        // the credits part as credits), and the refund's own webhook echo changes nothing.
        expect(cancelled!.json().money).toMatchObject({ outcome: 'refunded', refund_to: 'card', card_cents: order.amount, credits: 20 });
        expect(final).toMatchObject({ status: 'refunded', card_refunded_cents: order.amount, refunded_cents: order.amount + 2000 });
        expect(await orderLedger(t, order.id)).toEqual(['refunded:20', 'spent:-20']);
        expect(await balance(t, customer.id)).toBe(20);
        for (const id of await cardRefundIds(t, order.id)) await expectOwnCreditEcho(t, `credit:${id}`);
      } else {
        expect(hook!.json().outcome).toBe('late_payment');
        expect(final).toMatchObject({ status: 'failed', metadata: expect.objectContaining({ failure_reason: 'cancelled' }), staff_flags: expect.objectContaining({ needs_review: true }) });
        expect(await orderLedger(t, order.id)).toEqual(['refunded:20', 'spent:-20']);
        expect(await balance(t, customer.id)).toBe(20);
      }
    }
  });
});
