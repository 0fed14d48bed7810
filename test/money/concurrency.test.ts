import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SERVICE_ROLE } from '../../src/db/index.js';
import { bearer, errorCode, signupStaff, startApp, uniqueEmail, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import {
  balance,
  book,
  expectIntegrity,
  grant,
  ledger,
  makeCustomer,
  makeSlot,
  orderLedger,
  orderRow,
  paidOrder,
  readPrices,
  type Service,
  refund,
  REWARD,
  rewardOn,
  sendWebhook,
  expectOwnCreditEcho,
  webhookBody,
  cardRefundIds,
} from './support.js';

// Several requests per test on two shared cores, with bcrypt password hashing at sign-up: allow headroom.
vi.setConfig({ testTimeout: 60_000 });

describe.each(engines)('money under concurrency on %s', (engine) => {
  let t: TestApp;
  let PRICE: Record<Service, number>;
  let SETUP_FEE: number;
  /** A first cold plunge: the service and the setup fee, in cents. */
  let PAID: number;
  let admin: SignedUp;

  beforeAll(async () => {
    t = await startApp(engine);
    ({ PRICE, SETUP_FEE } = await readPrices(t));
    PAID = PRICE.cold_plunge + SETUP_FEE;
    await rewardOn(t, 'signup'); // the seed's rewards at sign-up; the default is in referral-rewards.test.ts
    admin = await signupStaff(t, 'admin');
  });
  afterEach(async () => {
    if (t) await expectIntegrity(t);
  });
  afterAll(() => t?.close());

  const slots = (n: number) => Promise.all(Array.from({ length: n }, () => makeSlot(t)));

  it('10 parallel bookings spending 30 of 100 credits: exactly 3 spend, the rest are refused, never below zero', async () => {
    const c = await makeCustomer(t);
    await grant(t, admin, c.id, 100);
    const ids = await slots(10);
    const results = await Promise.all(ids.map((slotId) => book(t, c, { slot_id: slotId, use_credits: 30 })));
    const ok = results.filter((r) => r.statusCode === 201);
    expect(ok).toHaveLength(3);
    for (const r of results.filter((x) => x.statusCode !== 201)) expect([r.statusCode, errorCode(r)]).toEqual([422, 'insufficient_credits']);
    expect(ok.map((r) => r.json().order.credits_applied)).toEqual([30, 30, 30]);
    // The setup fee went on exactly one of them.
    expect(ok.map((r) => r.json().order.setup_fee_applied).sort()).toEqual([0, 0, SETUP_FEE]);
    expect(await balance(t, c.id)).toBe(10);
    const rows = await ledger(t, c.id);
    expect(rows.filter((r) => r.type === 'spent').map((r) => r.amount)).toEqual([-30, -30, -30]);
    expect(rows.reduce((sum, r) => sum + r.amount, 0)).toBe(10);
    const { rows: live } = await t.db.query<{ n: number }>("select count(*)::int as n from public.bookings where user_id = $1 and status <> 'cancelled'", [c.id]);
    expect(live[0]!.n).toBe(3);
  });

  it('"all" in parallel spends at most the balance in total', async () => {
    const c = await makeCustomer(t);
    await grant(t, admin, c.id, 100);
    const ids = await slots(6);
    const results = await Promise.all(ids.map((slotId) => book(t, c, { slot_id: slotId, use_credits: 'all' })));
    expect(results.map((r) => r.statusCode)).toEqual(Array(6).fill(201));
    const spent = results.map((r) => r.json().order.credits_applied as number);
    expect(spent.reduce((a, b) => a + b, 0)).toBe(100); // the first one took everything; never more
    expect(spent.filter((s) => s > 0)).toEqual([100]);
    expect(await balance(t, c.id)).toBe(0);
    for (const r of results) {
      const { order } = r.json();
      expect(order.amount).toBe(PRICE.cold_plunge + order.setup_fee_applied - order.credits_applied * 100);
    }
  });

  it('parallel first bookings of a new customer: the setup fee is on exactly one live order', async () => {
    const c = await makeCustomer(t);
    const ids = await slots(8);
    const results = await Promise.all(ids.map((slotId) => book(t, c, { slot_id: slotId })));
    // The customer's row lock serializes them: all succeed, the first one pays the fee.
    expect(results.map((r) => r.statusCode)).toEqual(Array(8).fill(201));
    const { rows } = await t.db.query<{ setup_fee_applied: number }>(
      "select setup_fee_applied from public.orders where user_id = $1 and status <> 'failed'",
      [c.id],
    );
    expect(rows.filter((o) => o.setup_fee_applied > 0)).toEqual([{ setup_fee_applied: SETUP_FEE }]);
    expect(rows).toHaveLength(8);
  });

  /** A paid order with 100 credits applied: 30000 by card + 10000 in credits = 40000 paid in total. */
  async function paidWithCredits() {
    const c = await makeCustomer(t);
    await grant(t, admin, c.id, 100);
    const { order } = await paidOrder(t, c, { use_credits: 100 });
    expect(order).toMatchObject({ amount: PAID - 10000, credits_applied: 100 });
    return { c, order, reference: order.metadata.bolt_transaction_reference as string };
  }

  it('a refund to credits of everything racing a card refund webhook from Bolt: never more than was paid', async () => {
    for (let round = 0; round < 4; round += 1) {
      const { c, order, reference } = await paidWithCredits();
      const creditId = `bolt_credit_race_${round}_${order.id.slice(0, 8)}`;
      const webhook = webhookBody('credit', { id: creditId, orderId: order.id, amount: order.amount, sourceReference: reference });
      const [adminRes, hookRes] = await Promise.all([
        refund(t, admin, order.id, { to: 'credits', amount_cents: PAID }),
        sendWebhook(t, webhook),
      ]);
      expect(hookRes.statusCode).toBe(200);
      const final = await orderRow(t, order.id);
      expect(final.refunded_cents).toBeLessThanOrEqual(final.amount + final.credits_applied * 100);
      expect(final.card_refunded_cents).toBeLessThanOrEqual(final.amount);
      const hookOutcome = hookRes.json().outcome;
      if (adminRes.statusCode === 200) {
        // Ours first: everything is back as credits; Bolt's later refund no longer fits and is flagged.
        expect(hookOutcome).toBe('refund_exceeds_paid');
        expect(final).toMatchObject({ status: 'refunded', refunded_cents: PAID, card_refunded_cents: 0 });
        expect(final.staff_flags).toMatchObject({ needs_review: true, excess_refund: creditId });
        expect(await orderLedger(t, order.id)).toEqual(['refunded:400', 'spent:-100']);
        expect(await balance(t, c.id)).toBe(400);
      } else {
        // Bolt's first: 30000 back on the card; refunding 40000 more is refused.
        expect([adminRes.statusCode, errorCode(adminRes)]).toEqual([422, 'refund_exceeds_paid']);
        expect(hookOutcome).toBe('refunded');
        expect(final).toMatchObject({ status: 'paid', refunded_cents: PAID - 10000, card_refunded_cents: PAID - 10000 });
        expect(await orderLedger(t, order.id)).toEqual(['spent:-100']);
        expect(await balance(t, c.id)).toBe(0);
      }
    }
  });

  it('a partial refund to credits racing a card refund webhook: both fit, both apply, in either order', async () => {
    for (let round = 0; round < 3; round += 1) {
      const { c, order, reference } = await paidWithCredits();
      const webhook = webhookBody('credit', { id: `bolt_credit_fit_${round}_${order.id.slice(0, 8)}`, orderId: order.id, amount: PAID - 10000, sourceReference: reference });
      const [adminRes, hookRes] = await Promise.all([refund(t, admin, order.id, { to: 'credits', amount_cents: 10000 }), sendWebhook(t, webhook)]);
      expect(adminRes.statusCode, adminRes.body).toBe(200);
      expect(hookRes.json().outcome).toBe('refunded');
      const final = await orderRow(t, order.id);
      expect(final).toMatchObject({ status: 'refunded', refunded_cents: PAID, card_refunded_cents: PAID - 10000 });
      expect(final.staff_flags?.needs_review).toBeUndefined();
      expect(await balance(t, c.id)).toBe(100);
      const { rows } = await t.db.query<{ n: number }>('select count(*)::int as n from public.refunds where order_id = $1', [order.id]);
      expect(rows[0]!.n).toBe(2);
    }
  });

  it('5 parallel refunds of half the order: exactly 2 succeed (to credits, and to the card)', async () => {
    for (const to of ['credits', 'card'] as const) {
      const c = await makeCustomer(t);
      const { order } = await paidOrder(t, c); // 40000 by card
      const results = await Promise.all(Array.from({ length: 5 }, () => refund(t, admin, order.id, { to, amount_cents: 20000 })));
      const ok = results.filter((r) => r.statusCode === 200);
      expect(ok).toHaveLength(2);
      for (const r of results.filter((x) => x.statusCode !== 200)) {
        expect([[409, 'order_not_paid'], [422, 'refund_exceeds_paid']]).toContainEqual([r.statusCode, errorCode(r)]);
      }
      const final = await orderRow(t, order.id);
      expect(final).toMatchObject({ status: 'refunded', refunded_cents: PAID, card_refunded_cents: to === 'card' ? PAID : 0 });
      if (to === 'credits') {
        expect(await orderLedger(t, order.id)).toEqual(['refunded:200', 'refunded:200']);
        expect(await balance(t, c.id)).toBe(400);
      } else {
        const ids = await cardRefundIds(t, order.id);
        expect(ids).toHaveLength(2);
        for (const id of ids) await expectOwnCreditEcho(t, `credit:${id}`);
        expect(await orderRow(t, order.id)).toMatchObject({ refunded_cents: PAID, card_refunded_cents: PAID });
        expect((await orderRow(t, order.id)).staff_flags?.needs_review).toBeUndefined();
      }
    }
  });

  it('a referral is rewarded once when two sign-ups or two accepts race', async () => {
    const x = await makeCustomer(t);
    const y = await makeCustomer(t);
    const code = async (who: { token: string }) =>
      (await t.app.inject({ method: 'GET', url: '/api/referrals', headers: bearer(who.token) })).json().referral_code as string;
    const [xCode, yCode] = [await code(x), await code(y)];

    // The same email signing up twice at once, with the code: one account, one reward each side.
    const email = uniqueEmail('race');
    const signups = await Promise.all(
      [0, 1].map(() => t.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email, password: 'correct horse battery', referral_code: xCode } })),
    );
    expect(signups.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const invitee = signups.find((r) => r.statusCode === 201)!.json().user.id as string;
    expect(await balance(t, invitee)).toBe(REWARD);
    expect(await balance(t, x.id)).toBe(REWARD);

    // A customer without a referral, accepted by two codes at once, many times: credited once.
    const z = await makeCustomer(t);
    const accepts = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.db.asCaller(SERVICE_ROLE, (tx) => tx.query<{ id: string | null }>('select public.accept_referral($1, $2) as id', [z.id, i % 2 ? xCode : yCode])),
      ),
    );
    expect(accepts.filter((r) => r.rows[0]!.id !== null)).toHaveLength(1);
    expect(await balance(t, z.id)).toBe(REWARD);
    expect((await balance(t, x.id)) + (await balance(t, y.id))).toBe(2 * REWARD);
    const { rows } = await t.db.query("select 1 from public.referrals where invitee_id = $1 and status = 'accepted'", [z.id]);
    expect(rows).toHaveLength(1);
  });
});
