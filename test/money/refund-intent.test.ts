import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { App } from '../../src/http/types.js';
import { upkeepSchedules } from '../../src/jobs/schedules.js';
import { PaymentProviderError, type RefundDone, type RefundRequest } from '../../src/orders/payment-provider.js';
import { FakeProvider } from '../../src/payments/fake.js';
import { buildServices, type Services } from '../../src/services.js';
import { bearer, errorCode, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { balance, booked, decide, expectIntegrity, grant, makeCustomer, makeSlot, orderRow, paidOrder, readPrices, sendWebhook, webhookBody } from './support.js';

vi.setConfig({ testTimeout: 60_000 });

/**
 * The offline provider with a script: `ok`; `down` (unreachable); `refused` (Bolt answers 422);
 * `webhook_first` (Bolt's credit webhook is delivered, and processed, before the refund call
 * returns); `crash` (the provider refunds, then our process dies before it records the answer;
 * that credit's webhook is lost). `gate` holds every answer while set.
 */
class ScriptedProvider extends FakeProvider {
  mode: 'ok' | 'down' | 'refused' | 'webhook_first' | 'crash' = 'ok';
  gate: Promise<void> | null = null;
  readonly calls: RefundRequest[] = [];
  /** Credit webhooks of the fake not to deliver (their credit ids). */
  private readonly lost = new Set<string>();

  override async refund(request: RefundRequest): Promise<RefundDone> {
    this.calls.push(request);
    if (this.gate) await this.gate;
    if (this.mode === 'down') throw new PaymentProviderError('Bolt is unreachable');
    if (this.mode === 'refused') throw new PaymentProviderError('Bolt answered 422', 422);
    if (this.mode === 'webhook_first') {
      const refundId = `fake_credit_${randomUUID().replace(/-/g, '')}`;
      const hook = await this.deliver('credit', { id: refundId, orderId: request.orderId, amount: request.amountCents, status: 'completed', sourceReference: request.transactionReference });
      expect(hook.statusCode).toBe(200);
      return { refundId, reference: FakeProvider.referenceOf(refundId) };
    }
    const done = await super.refund(request);
    if (this.mode === 'crash') {
      this.lost.add(done.refundId);
      throw new Error('the process died before recording the refund');
    }
    return done;
  }

  override async deliver(type: string, t: { id: string; orderId: string; amount: number; status: string; sourceReference?: string }) {
    if (type === 'credit' && this.lost.has(t.id)) return { statusCode: 200 };
    return super.deliver(type, t);
  }
}

interface RefundRow {
  status: string;
  amount_cents: number;
  provider_refund_id: string | null;
  provider_refund_reference: string | null;
  idempotency_key: string | null;
  failure_reason: string | null;
}

describe.each(engines)('card refunds: intent, provider call outside any transaction, result, on %s', (engine) => {
  let t: TestApp;
  let provider: ScriptedProvider;
  let services: Services;
  let app: App;
  let admin: SignedUp;
  let PAID: number;

  beforeAll(async () => {
    t = await startApp(engine);
    const { PRICE, SETUP_FEE } = await readPrices(t);
    PAID = PRICE.cold_plunge + SETUP_FEE;
    provider = new ScriptedProvider(t.config.publicUrl, t.config.payments.signingSecret);
    services = buildServices(t.config, t.db, { paymentProvider: provider });
    app = await buildApp({ config: t.config, db: t.db, logger: false, services });
    await app.ready();
    admin = await signupStaff(t, 'admin');
  });
  beforeEach(() => {
    provider.mode = 'ok';
    provider.gate = null;
    provider.calls.length = 0;
  });
  afterEach(async () => {
    if (t) await expectIntegrity(t);
    // No refund stays pending behind a test, and the reservations agree with the pending refunds.
    const { rows } = await t.db.query(
      `select o.id from public.orders o left join public.refunds r on r.order_id = o.id and r.status = 'pending'
        group by o.id having o.pending_refund_cents <> coalesce(sum(r.amount_cents), 0)`,
    );
    expect(rows).toEqual([]);
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  const refundVia = (body: { amount_cents?: number; to: 'card' | 'credits' }, orderId: string) =>
    app.inject({ method: 'POST', url: `/api/admin/orders/${orderId}/refund`, headers: bearer(admin.token), payload: body });
  const cancelVia = (who: { token: string }, bookingId: string) =>
    app.inject({ method: 'POST', url: `/api/bookings/${bookingId}/cancel`, headers: bearer(who.token) });
  const refundRows = async (orderId: string) =>
    (
      await t.db.query<RefundRow>(
        `select status, amount_cents, provider_refund_id, provider_refund_reference, idempotency_key, failure_reason
           from public.refunds where order_id = $1 and destination = 'card' order by created_at, id`,
        [orderId],
      )
    ).rows;
  const pendingCents = async (orderId: string) =>
    (await t.db.query<{ n: number }>('select pending_refund_cents as n from public.orders where id = $1', [orderId])).rows[0]!.n;
  /** Makes the order's pending refunds (and their last retry) look older than the sweeper's minute. */
  const age = (orderId: string) =>
    t.db.query("update public.refunds set created_at = created_at - interval '2 minutes', attempted_at = attempted_at - interval '2 minutes' where order_id = $1", [orderId]);
  async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('parallel card refunds while Bolt is slow: the pending ones count, exactly 2 of 5 go out, each asked once', async () => {
    const { order } = await paidOrder(t, await makeCustomer(t));
    let release!: () => void;
    provider.gate = new Promise((r) => (release = r));
    const responses = Array.from({ length: 5 }, () => refundVia({ to: 'card', amount_cents: PAID / 2 }, order.id));
    await until('two calls to Bolt', () => provider.calls.length === 2);
    // While Bolt has not answered, the whole amount is reserved: nothing more can go out.
    expect(await pendingCents(order.id)).toBe(PAID);
    expect(await orderRow(t, order.id)).toMatchObject({ status: 'paid', refunded_cents: 0 });
    expect((await refundVia({ to: 'credits', amount_cents: 100 }, order.id)).statusCode).toBe(422);
    release();
    const results = await Promise.all(responses);
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(2);
    // Refused: while the two are pending (422 refund_exceeds_paid), or, for a request the database
    // reached only after both completed (PGlite runs one at a time), the order is fully refunded (409).
    for (const r of results.filter((x) => x.statusCode !== 200)) {
      expect([[422, 'refund_exceeds_paid'], [409, 'order_not_paid']]).toContainEqual([r.statusCode, errorCode(r)]);
    }
    expect(provider.calls).toHaveLength(2);
    expect(new Set(provider.calls.map((c) => c.idempotencyKey)).size).toBe(2);
    expect(await orderRow(t, order.id)).toMatchObject({ status: 'refunded', refunded_cents: PAID, card_refunded_cents: PAID });
    const rows = await refundRows(order.id);
    expect(rows.map((r) => r.status)).toEqual(['completed', 'completed']);
    // Each refund was asked with its own key and named the payment by its Bolt reference.
    expect(provider.calls.map((c) => c.transactionReference)).toEqual([order.metadata.bolt_transaction_reference, order.metadata.bolt_transaction_reference]);
    expect(provider.calls.map((c) => c.idempotencyKey).sort()).toEqual(rows.map((r) => r.idempotency_key).sort());
    for (const r of rows) expect(r.provider_refund_reference).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  });

  it('Bolt down: the admin refund answers 503, the intent is failed and the amount refundable again', async () => {
    const { order } = await paidOrder(t, await makeCustomer(t));
    provider.mode = 'down';
    const failed = await refundVia({ to: 'card', amount_cents: 10000 }, order.id);
    expect([failed.statusCode, errorCode(failed)]).toEqual([503, 'payment_provider_unavailable']);
    expect(await refundRows(order.id)).toEqual([expect.objectContaining({ status: 'failed', amount_cents: 10000, failure_reason: 'payment_provider_unavailable', provider_refund_id: null })]);
    expect(await orderRow(t, order.id)).toMatchObject({ status: 'paid', refunded_cents: 0, card_refunded_cents: 0 });
    expect(await pendingCents(order.id)).toBe(0);
    provider.mode = 'ok';
    const all = await refundVia({ to: 'card' }, order.id);
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json().order).toMatchObject({ status: 'refunded', refunded_cents: PAID, card_refunded_cents: PAID });
    expect((await refundRows(order.id)).map((r) => r.status)).toEqual(['failed', 'completed']);
  });

  it('Bolt’s credit webhook before our own record: it completes the pending refund, and our record changes nothing', async () => {
    const { order } = await paidOrder(t, await makeCustomer(t));
    provider.mode = 'webhook_first';
    const res = await refundVia({ to: 'card', amount_cents: 12300 }, order.id);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().order).toMatchObject({ status: 'paid', refunded_cents: 12300, card_refunded_cents: 12300 });
    const [row] = await refundRows(order.id);
    expect(row).toMatchObject({ status: 'completed', amount_cents: 12300 });
    const { rows: events } = await t.db.query<{ outcome: string }>("select outcome from public.payment_events where order_id = $1 and type = 'credit'", [order.id]);
    expect(events).toEqual([{ outcome: 'refund_completed' }]);
    expect(row!.provider_refund_reference).toBe(FakeProvider.referenceOf(row!.provider_refund_id!));
    // The same webhook again is a replay; Bolt's answer recorded again changes nothing.
    const replay = await sendWebhook(t, webhookBody('credit', { id: row!.provider_refund_id!, orderId: order.id, amount: 12300 }));
    expect(replay.json()).toEqual({ status: 'duplicate' });
    expect(await orderRow(t, order.id)).toMatchObject({ refunded_cents: 12300, card_refunded_cents: 12300 });
  });

  it('a crash between the provider’s refund and our record: the sweeper asks again with the same key, and the money goes out once', async () => {
    const { order } = await paidOrder(t, await makeCustomer(t));
    provider.mode = 'crash';
    const crashed = await refundVia({ to: 'card', amount_cents: 20000 }, order.id);
    expect(crashed.statusCode).toBe(500);
    expect(await refundRows(order.id)).toEqual([expect.objectContaining({ status: 'pending', amount_cents: 20000, provider_refund_id: null })]);
    expect(await pendingCents(order.id)).toBe(20000);
    // Still reserved: the rest of the card payment can go, not more.
    provider.mode = 'ok';
    const tooMuch = await refundVia({ to: 'card', amount_cents: PAID - 20000 + 1 }, order.id);
    expect([tooMuch.statusCode, errorCode(tooMuch)]).toEqual([422, 'refund_exceeds_paid']);

    // Younger than a minute: left alone (it may still be in flight).
    expect(await services.orders.finishPendingRefunds()).toBe(0);
    expect(provider.calls).toHaveLength(1);
    await age(order.id);
    expect(await services.orders.finishPendingRefunds()).toBe(1);
    expect(provider.calls).toHaveLength(2);
    expect(provider.calls[1]!.idempotencyKey).toBe(provider.calls[0]!.idempotencyKey);
    const [row] = await refundRows(order.id);
    expect(row).toMatchObject({ status: 'completed', amount_cents: 20000, provider_refund_id: expect.stringMatching(/^fake_credit_/) });
    expect(await orderRow(t, order.id)).toMatchObject({ status: 'paid', refunded_cents: 20000, card_refunded_cents: 20000 });
    expect(await pendingCents(order.id)).toBe(0);
    expect(await services.orders.finishPendingRefunds()).toBe(0);
  });

  it('the scheduled upkeep finishes a pending refund left by a crash', async () => {
    const { order } = await paidOrder(t, await makeCustomer(t));
    provider.mode = 'crash';
    expect((await refundVia({ to: 'card', amount_cents: 5000 }, order.id)).statusCode).toBe(500);
    await age(order.id);
    provider.mode = 'ok';
    // The schedule pg-boss runs every minute (src/jobs/schedules.ts), one occurrence of it.
    const finish = upkeepSchedules({ db: t.db, services }, 60).find((s) => s.name === 'upkeep.finish-pending-refunds')!;
    expect(await finish.handler()).toEqual({ finished: 1 });
    expect((await refundRows(order.id))[0]!.status).toBe('completed');
    expect(await orderRow(t, order.id)).toMatchObject({ refunded_cents: 5000, card_refunded_cents: 5000 });
    expect(await finish.handler()).toEqual({ finished: 0 });
  });

  it('the sweeper keeps a refund pending while Bolt is unreachable; a refusal fails it and the cancelled order goes on the staff list', async () => {
    const c = await makeCustomer(t);
    const { order, bookingId } = await paidOrder(t, c);
    provider.mode = 'crash';
    expect((await cancelVia(c, bookingId)).statusCode).toBe(500);
    expect(await refundRows(order.id)).toEqual([expect.objectContaining({ status: 'pending', amount_cents: PAID })]);
    expect((await orderRow(t, order.id)).status).toBe('paid');
    await age(order.id);
    provider.mode = 'down';
    expect(await services.orders.finishPendingRefunds()).toBe(0);
    expect((await refundRows(order.id))[0]!.status).toBe('pending');
    // Retried at most once a minute.
    const calls = provider.calls.length;
    expect(await services.orders.finishPendingRefunds()).toBe(0);
    expect(provider.calls).toHaveLength(calls);
    await age(order.id);
    provider.mode = 'refused';
    expect(await services.orders.finishPendingRefunds()).toBe(1);
    expect(await refundRows(order.id)).toEqual([expect.objectContaining({ status: 'failed', failure_reason: 'payment_provider_refused' })]);
    expect(await orderRow(t, order.id)).toMatchObject({ status: 'paid', refunded_cents: 0, staff_flags: expect.objectContaining({ cancellation_refund_error: 'payment_provider_unavailable' }) });
    const list = await app.inject({ method: 'GET', url: '/api/admin/refunds/needed?limit=100', headers: bearer(admin.token) });
    expect(list.json().items.find((i: { order: { id: string } }) => i.order.id === order.id)).toMatchObject({ refundable_cents: PAID, reason: 'payment_provider_unavailable' });
    // An admin decides again, Bolt answering this time.
    provider.mode = 'ok';
    const decided = await app.inject({ method: 'POST', url: `/api/admin/orders/${order.id}/cancellation-refund`, headers: bearer(admin.token), payload: { refund: 'card' } });
    expect(decided.statusCode, decided.body).toBe(200);
    expect(decided.json()).toMatchObject({ money: { outcome: 'refunded', card_cents: PAID, order_status: 'refunded' }, order: { status: 'refunded', cancellation_refund: 'card' } });
  });

  it('the credit webhook completes a pending cancellation refund (found by the payment’s reference); the part paid in credits then comes back', async () => {
    const c = await makeCustomer(t);
    await grant(t, admin, c.id, 100);
    const { order, bookingId } = await paidOrder(t, c, { use_credits: 100 });
    provider.mode = 'crash';
    expect((await cancelVia(c, bookingId)).statusCode).toBe(500);
    // The card part waits; the credits part waits for it (a failed card refund leaves it all to staff).
    expect(await orderRow(t, order.id)).toMatchObject({ status: 'paid', refunded_cents: 0 });
    expect(await balance(t, c.id)).toBe(0);
    const reference = order.metadata.bolt_transaction_reference as string;
    const credit = FakeProvider.webhook('credit', { id: `TAcredit${randomUUID().slice(0, 8)}`, orderId: order.id, amount: PAID - 10000, status: 'completed', sourceReference: reference });
    delete (credit.data as { order?: unknown }).order; // a credit names the payment, not necessarily the order
    const hook = await sendWebhook(t, Buffer.from(JSON.stringify(credit)));
    expect(hook.json()).toEqual({ status: 'processed', outcome: 'refund_completed' });
    expect(await orderRow(t, order.id)).toMatchObject({ status: 'refunded', refunded_cents: PAID, card_refunded_cents: PAID - 10000 });
    expect(await balance(t, c.id)).toBe(100);
    expect(await refundRows(order.id)).toEqual([expect.objectContaining({ status: 'completed', provider_refund_id: credit.data.id, provider_refund_reference: credit.data.reference })]);
    // The sweeper's retry later finds nothing to do.
    await age(order.id);
    expect(await services.orders.finishPendingRefunds()).toBe(0);
  });

  it('Bolt’s event types: each has its effect, or is stored and ignored on purpose', async () => {
    const c = await makeCustomer(t);
    const res = await booked(t, c, { slot_id: await makeSlot(t) });
    const send = async (type: string, extra: Record<string, unknown> = {}) =>
      (await sendWebhook(t, webhookBody(type, { orderId: res.order.id, amount: res.order.amount, status: type === 'failed_payment' ? 'failed' : 'pending' }, extra))).json();
    for (const type of ['pending', 'auth', 'rejected_reversible', 'failed', 'newsletter_subscription']) {
      expect(await send(type), type).toEqual({ status: 'processed', outcome: 'ignored' });
      expect((await orderRow(t, res.order.id)).status, type).toBe('pending');
    }
    expect(await send('failed_payment')).toEqual({ status: 'processed', outcome: 'failed' });
    expect((await orderRow(t, res.order.id)).status).toBe('failed');
    const { rows } = await t.db.query<{ type: string }>('select type from public.payment_events where order_id = $1 order by received_at', [res.order.id]);
    expect(rows.map((r) => r.type)).toEqual(['pending', 'auth', 'rejected_reversible', 'failed', 'newsletter_subscription', 'failed_payment']);

    // A payment stores both the transaction's id and its reference; rejected_irreversible fails an unpaid order.
    const d = await booked(t, await makeCustomer(t), { slot_id: await makeSlot(t) });
    expect((await decide(t, d.checkout!.url, 'approve')).statusCode).toBe(200);
    const paid = await orderRow(t, d.order.id);
    expect(paid.metadata).toMatchObject({ bolt_transaction_id: expect.stringMatching(/^fake_txn_/), bolt_transaction_reference: expect.stringMatching(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/) });
    const e = await booked(t, await makeCustomer(t), { slot_id: await makeSlot(t) });
    expect((await sendWebhook(t, webhookBody('rejected_irreversible', { orderId: e.order.id, amount: e.order.amount, status: 'rejected' }))).json().outcome).toBe('failed');
  });
});
