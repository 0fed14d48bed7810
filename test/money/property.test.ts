import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { OrderService } from '../../src/orders/service.js';
import { bearer, errorCode, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import {
  adjust,
  balance,
  book,
  cardRefundIds,
  decide,
  expectIntegrity,
  makeCustomer,
  makeSlot,
  orderRow,
  readPrices,
  refund,
  REWARD,
  rewardOn,
  expectOwnCreditEcho,
  type Customer,
  type Service,
} from './support.js';

// Several requests per test on two shared cores, with bcrypt password hashing at sign-up: allow headroom.
vi.setConfig({ testTimeout: 60_000 });

/** A share of what is left (may be more than 100%), raw cents, or nothing (the API's default: all that is left). */
type RefundAmount = { percent: number } | { cents: number } | undefined;

type Action =
  | { kind: 'book'; who: number; service: Service; credits: number | 'all' | undefined; thenPay: boolean }
  | { kind: 'pay' | 'decline' | 'cancel' | 'expire'; which: number; focus: boolean }
  | { kind: 'refund'; which: number; focus: boolean; amount: RefundAmount; to: 'card' | 'credits' }
  | { kind: 'adjust'; who: number; amount: number }
  | { kind: 'refer'; who: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('book' as const),
      who: fc.nat(),
      service: fc.constantFrom<Service>('cold_plunge', 'infrared_sauna', 'combo'),
      credits: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 200 }), fc.constant('all' as const)),
      thenPay: fc.boolean(),
    }),
  },
  // `focus`: mostly aim at orders where the action can succeed (pending to pay, paid to refund).
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('pay' as const),
      which: fc.nat(),
      focus: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constantFrom('decline' as const, 'cancel' as const, 'expire' as const), which: fc.nat(), focus: fc.boolean() }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      which: fc.nat(),
      focus: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      amount: fc.oneof(
        { weight: 3, arbitrary: fc.record({ percent: fc.integer({ min: 1, max: 120 }) }) },
        { weight: 1, arbitrary: fc.record({ cents: fc.integer({ min: 1, max: 45000 }) }) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      ),
      to: fc.constantFrom('card' as const, 'credits' as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('adjust' as const), who: fc.nat(), amount: fc.oneof(fc.integer({ min: -150, max: 150 }).filter((n) => n !== 0), fc.integer({ min: 300, max: 500 })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refer' as const), who: fc.nat() }) },
);

interface ModelCustomer extends Customer {
  balance: number;
}

interface ModelOrder {
  id: string;
  customer: ModelCustomer;
  bookingId: string;
  bookingStatus: 'scheduled' | 'confirmed' | 'cancelled';
  status: 'pending' | 'paid' | 'failed' | 'refunded';
  amount: number;
  credits: number;
  setupFee: number;
  refunded: number;
  cardRefunded: number;
  checkoutUrl: string | null;
}

describe.each(engines)('money properties on %s', (engine) => {
  let t: TestApp;
  let PRICE: Record<Service, number>;
  let SETUP_FEE: number;
  let admin: SignedUp;
  let expiry: OrderService;

  beforeAll(async () => {
    t = await startApp(engine);
    ({ PRICE, SETUP_FEE } = await readPrices(t));
    await rewardOn(t, 'signup'); // the seed's rewards at sign-up; the default is in referral-rewards.test.ts
    admin = await signupStaff(t, 'admin');
    expiry = t.services.orders;
  });
  afterEach(async () => {
    if (t) await expectIntegrity(t);
  });
  afterAll(() => t?.close());

  /** Runs one sequence of actions on fresh customers, checking every answer against a model. */
  async function run(actions: Action[]): Promise<void> {
    const first = await makeCustomer(t);
    const code = (await t.app.inject({ method: 'GET', url: '/api/referrals', headers: bearer(first.token) })).json().referral_code as string;
    const second = await makeCustomer(t, { referral_code: code });
    const customers: ModelCustomer[] = [
      { ...first, balance: REWARD },
      { ...second, balance: REWARD },
    ];
    const orders: ModelOrder[] = [];
    const feeLive = (c: ModelCustomer) => orders.some((o) => o.customer === c && o.setupFee > 0 && o.status !== 'failed');
    /** The `which`-th order, among those `preferred` when `focus` is set and there are any. */
    const pick = (which: number, focus: boolean, preferred: (o: ModelOrder) => boolean, among = orders): ModelOrder | undefined => {
      const aimed = focus ? among.filter(preferred) : [];
      const pool = aimed.length > 0 ? aimed : among;
      return pool.length === 0 ? undefined : pool[which % pool.length];
    };
    const returnCredits = (o: ModelOrder) => {
      o.customer.balance += o.credits;
    };

    for (const [step, a] of actions.entries()) {
      const at = `step ${step} ${JSON.stringify(a)}`;
      switch (a.kind) {
        case 'book': {
          const c = customers[a.who % customers.length]!;
          const slotId = await makeSlot(t);
          const res = await book(t, c, { slot_id: slotId, service_type: a.service, ...(a.credits === undefined ? {} : { use_credits: a.credits }) });
          const setupFee = feeLive(c) ? 0 : SETUP_FEE;
          const due = PRICE[a.service] + setupFee;
          const usable = Math.floor(due / 100);
          if (typeof a.credits === 'number' && a.credits > c.balance) {
            expect([res.statusCode, errorCode(res)], at).toEqual([422, 'insufficient_credits']);
            break;
          }
          const spend = a.credits === 'all' ? Math.min(c.balance, usable) : Math.min(a.credits ?? 0, usable);
          const amount = due - spend * 100;
          expect(res.statusCode, `${at} ${res.body}`).toBe(201);
          const body = res.json();
          expect(body.order, at).toMatchObject({ amount, credits_applied: spend, setup_fee_applied: setupFee, status: amount === 0 ? 'paid' : 'pending' });
          expect(body.booking.status, at).toBe(amount === 0 ? 'confirmed' : 'scheduled');
          expect(body.checkout === null, at).toBe(amount === 0);
          c.balance -= spend;
          orders.push({
            id: body.order.id,
            customer: c,
            bookingId: body.booking.id,
            bookingStatus: body.booking.status,
            status: body.order.status,
            amount,
            credits: spend,
            setupFee,
            refunded: 0,
            cardRefunded: 0,
            checkoutUrl: body.checkout?.url ?? null,
          });
          if (a.thenPay && body.checkout) {
            const paid = await decide(t, body.checkout.url, 'approve');
            expect(paid.statusCode, `${at} ${paid.body}`).toBe(200);
            orders.at(-1)!.status = 'paid';
            orders.at(-1)!.bookingStatus = 'confirmed';
          }
          break;
        }
        case 'pay':
        case 'decline': {
          const o = pick(a.which, a.focus, (x) => x.status === 'pending', orders.filter((x) => x.checkoutUrl));
          if (!o) break;
          const res = await decide(t, o.checkoutUrl!, a.kind === 'pay' ? 'approve' : 'decline');
          if (o.status !== 'pending') {
            expect([res.statusCode, errorCode(res)], at).toEqual([409, 'checkout_closed']);
            break;
          }
          expect(res.statusCode, `${at} ${res.body}`).toBe(200);
          if (a.kind === 'pay') {
            o.status = 'paid';
            o.bookingStatus = 'confirmed';
          } else {
            o.status = 'failed';
            o.bookingStatus = 'cancelled';
            returnCredits(o);
          }
          expect(res.json().status, at).toBe(o.status);
          break;
        }
        case 'cancel': {
          const o = pick(a.which, a.focus, (x) => x.bookingStatus !== 'cancelled');
          if (!o) break;
          const res = await t.app.inject({ method: 'POST', url: `/api/bookings/${o.bookingId}/cancel`, headers: bearer(o.customer.token) });
          if (o.bookingStatus === 'cancelled') {
            expect([res.statusCode, errorCode(res)], at).toEqual([409, 'invalid_transition']);
            break;
          }
          expect(res.statusCode, `${at} ${res.body}`).toBe(200);
          o.bookingStatus = 'cancelled';
          if (o.status === 'pending') {
            o.status = 'failed';
            returnCredits(o);
          } else if (o.status === 'paid') {
            // The customer's cancel refunds what is left: the card part to the card (the default
            // setting), the part paid in credits as credits.
            const left = o.amount + o.credits * 100 - o.refunded;
            const card = Math.min(o.amount - o.cardRefunded, left);
            const credits = Math.floor((left - card) / 100);
            o.refunded += card + credits * 100;
            o.cardRefunded += card;
            o.customer.balance += credits;
            if (o.refunded >= o.amount + o.credits * 100) o.status = 'refunded';
            expect(res.json().money, at).toMatchObject({ outcome: left > 0 ? 'refunded' : 'nothing_paid', order_status: o.status });
          }
          break;
        }
        case 'expire': {
          const open = orders.filter((o) => o.status === 'pending');
          if (open.length === 0) break;
          const o = open[a.which % open.length]!;
          await t.db.query("update public.orders set expires_at = now() - interval '1 minute' where id = $1", [o.id]);
          expect(await expiry.expireUnpaid(), at).toBe(1);
          o.status = 'failed';
          o.bookingStatus = 'cancelled';
          returnCredits(o);
          break;
        }
        case 'refund': {
          const o = pick(a.which, a.focus, (x) => x.status === 'paid');
          if (!o) break;
          const paidTotal = o.amount + o.credits * 100;
          const left = paidTotal - o.refunded;
          const refundable = a.to === 'card' ? o.amount - o.cardRefunded : left;
          const asked =
            a.amount === undefined ? undefined : 'cents' in a.amount ? a.amount.cents : Math.max(1, Math.round((Math.min(refundable, left) * a.amount.percent) / 10000) * 100);
          const res = await refund(t, admin, o.id, { to: a.to, ...(asked === undefined ? {} : { amount_cents: asked }) });
          const amount = asked ?? Math.min(refundable, left);
          if (o.status !== 'paid') {
            expect([res.statusCode, errorCode(res)], at).toEqual([409, 'order_not_paid']);
          } else if (amount <= 0 || amount > refundable || amount > left) {
            expect([res.statusCode, errorCode(res)], at).toEqual([422, 'refund_exceeds_paid']);
          } else if (a.to === 'credits' && amount % 100 !== 0) {
            expect([res.statusCode, errorCode(res)], at).toEqual([422, 'whole_credits_only']);
          } else {
            expect(res.statusCode, `${at} ${res.body}`).toBe(200);
            o.refunded += amount;
            if (a.to === 'card') o.cardRefunded += amount;
            else o.customer.balance += amount / 100;
            if (o.refunded >= paidTotal) o.status = 'refunded';
            expect(res.json().order, at).toMatchObject({ status: o.status, refunded_cents: o.refunded, card_refunded_cents: o.cardRefunded });
          }
          break;
        }
        case 'adjust': {
          const c = customers[a.who % customers.length]!;
          const res = await adjust(t, admin, c.id, a.amount);
          if (c.balance + a.amount < 0) {
            expect([res.statusCode, errorCode(res)], at).toEqual([422, 'insufficient_credits']);
          } else {
            expect(res.statusCode, `${at} ${res.body}`).toBe(201);
            c.balance += a.amount;
            expect(res.json().balance, at).toBe(c.balance);
          }
          break;
        }
        case 'refer': {
          const referrer = customers[a.who % customers.length]!;
          const mine = await t.app.inject({ method: 'GET', url: '/api/referrals', headers: bearer(referrer.token) });
          const invitee = await makeCustomer(t, { referral_code: mine.json().referral_code });
          referrer.balance += REWARD;
          customers.push({ ...invitee, balance: REWARD });
          break;
        }
      }
    }

    // The fake's card-refund webhooks arrive after the refund call: each must change nothing.
    for (const o of orders) {
      for (const id of await cardRefundIds(t, o.id)) await expectOwnCreditEcho(t, `credit:${id}`);
    }
    for (const c of customers) {
      expect(await balance(t, c.id), `balance of ${c.email}`).toBe(c.balance);
      const { rows } = await t.db.query<{ total: number }>('select coalesce(sum(amount), 0)::int as total from public.credit_transactions where user_id = $1', [c.id]);
      expect(rows[0]!.total).toBe(c.balance);
    }
    for (const o of orders) {
      const row = await orderRow(t, o.id);
      expect(row, o.id).toMatchObject({ status: o.status, amount: o.amount, credits_applied: o.credits, refunded_cents: o.refunded, card_refunded_cents: o.cardRefunded });
      expect(row.staff_flags?.needs_review, o.id).toBeUndefined();
      const { rows: b } = await t.db.query<{ status: string }>('select status::text as status from public.bookings where id = $1', [o.bookingId]);
      expect(b[0]!.status, o.bookingId).toBe(o.bookingStatus);
      const { rows: paidEvents } = await t.db.query<{ n: number }>("select count(*)::int as n from public.payment_events where order_id = $1 and outcome = 'paid'", [o.id]);
      const paidByCard = o.amount > 0 && (o.status === 'paid' || o.status === 'refunded');
      expect(paidEvents[0]!.n, o.id).toBe(paidByCard ? 1 : 0);
    }
  }

  it('random book / pay / decline / cancel / expire / refund / adjust / refer sequences keep every cent and credit accounted for', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 6, maxLength: 24 }), async (actions) => {
        await run(actions);
        // Whole-database invariants, after every run.
        await expectIntegrity(t);
        const { rows: twice } = await t.db.query(
          "select order_id from public.payment_events where outcome = 'paid' group by order_id having count(*) > 1",
        );
        expect(twice, 'orders paid twice').toEqual([]);
        const { rows: over } = await t.db.query(
          'select id from public.orders where refunded_cents > amount + credits_applied * 100 or card_refunded_cents > amount or refunded_cents < 0',
        );
        expect(over, 'orders refunded beyond what was paid').toEqual([]);
        const { rows: refundSums } = await t.db.query(
          `select o.id from public.orders o left join public.refunds r on r.order_id = o.id
            group by o.id having o.refunded_cents <> coalesce(sum(r.amount_cents) filter (where r.status = 'completed'), 0)
                            or o.card_refunded_cents <> coalesce(sum(r.amount_cents) filter (where r.destination = 'card' and r.status = 'completed'), 0)
                            or o.pending_refund_cents <> coalesce(sum(r.amount_cents) filter (where r.status = 'pending'), 0)`,
        );
        expect(refundSums, 'order totals that disagree with their refunds').toEqual([]);
        const { rows: slots } = await t.db.query(
          `select s.id from public.availability_slots s left join public.bookings b on b.slot_id = s.id and b.status <> 'cancelled'
            group by s.id having s.current_bookings <> count(b.id)`,
        );
        expect(slots, 'slot counters').toEqual([]);
      }),
      { numRuns: 15 },
    );
  }, 180_000);
});
