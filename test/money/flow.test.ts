import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SERVICE_ROLE } from '../../src/db/index.js';
import { bearer, errorCode, signup, signupStaff, uniqueEmail, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import {
  adjust,
  balance,
  book,
  booked,
  bookingStatus,
  cardRefundIds,
  decide,
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
  paymentEvents,
  refund,
  REWARD,
  rewardOn,
  slotCount,
  expectOwnCreditEcho,
} from './support.js';

// Several requests per test on two shared cores, with bcrypt password hashing at sign-up: allow headroom.
vi.setConfig({ testTimeout: 60_000 });

const INVITES_PER_DAY = 3;

describe.each(engines)('money: the offline flow on %s', (engine) => {
  let t: TestApp;
  let PRICE: Record<Service, number>;
  let SETUP_FEE: number;
  /** A first cold plunge: the service and the setup fee, in cents. */
  let PAID: number;
  let admin: SignedUp;
  let operator: SignedUp;

  beforeAll(async () => {
    t = await startApp(engine, { REFERRAL_INVITES_PER_DAY: String(INVITES_PER_DAY) });
    ({ PRICE, SETUP_FEE } = await readPrices(t));
    PAID = PRICE.cold_plunge + SETUP_FEE;
    await rewardOn(t, 'signup'); // the seed's rewards at sign-up; the default is in referral-rewards.test.ts
    admin = await signupStaff(t, 'admin');
    operator = await signupStaff(t, 'operator');
  });
  afterEach(async () => {
    if (t) await expectIntegrity(t);
  });
  afterAll(() => t?.close());

  const get = (token: string, url: string) => t.app.inject({ method: 'GET', url, headers: bearer(token) });

  it('sign up with a referral code → book with credits → pay → webhook → refund half to credits: every row exact', async () => {
    // A signs up; B signs up with A's code (shared by hand: no invitation row yet).
    const a = await signup(t.app);
    const code = (await get(a.token, '/api/referrals')).json().referral_code as string;
    expect(code).toMatch(/^[A-Z0-9]+$/);
    const b = await signup(t.app, { referral_code: code.toLowerCase() });
    for (const user of [a, b]) {
      const credits = (await get(user.token, '/api/me/credits')).json();
      expect(credits.balance).toBe(REWARD);
      expect(credits.transactions).toHaveLength(1);
      expect(credits.transactions[0]).toMatchObject({ amount: REWARD, type: 'earned' });
    }
    const aReferrals = (await get(a.token, '/api/referrals')).json();
    expect(aReferrals.invitations).toEqual([
      expect.objectContaining({ invitee_email: b.email, status: 'accepted', reward_credits: REWARD, referral_code: code }),
    ]);
    const referralId = aReferrals.invitations[0].id as string;

    // B books a cold plunge: 15000 + setup fee 25000, 50 credits off.
    const slotId = await makeSlot(t);
    const first = await booked(t, b, { slot_id: slotId, service_type: 'cold_plunge', use_credits: 50 });
    expect(first.order).toMatchObject({
      status: 'pending',
      amount: PRICE.cold_plunge + SETUP_FEE - 5000,
      setup_fee_applied: SETUP_FEE,
      credits_applied: 50,
      refunded_cents: 0,
      provider: 'fake',
      user_id: b.id,
    });
    expect(first.order.amount).toBe(35000);
    expect(first.booking).toMatchObject({ status: 'scheduled', order_id: first.order.id, slot_id: slotId });
    expect(first.checkout?.provider).toBe('fake');
    expect(first.checkout?.url).toMatch(new RegExp(`^${t.config.publicUrl}/checkout/fake/fake_chk_[0-9a-f]{32}$`));
    const checkoutId = new URL(first.checkout!.url).pathname.split('/').pop()!;
    expect(first.order.bolt_checkout_id).toBe(checkoutId);
    expect(await balance(t, b.id)).toBe(0);
    expect(await orderLedger(t, first.order.id)).toEqual(['spent:-50']);
    expect(await slotCount(t, slotId)).toBe(1);

    // The checkout page shows the amount; approving sends the signed webhook.
    const page = await t.app.inject({ method: 'GET', url: new URL(first.checkout!.url).pathname });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('$350.00');
    const approved = await decide(t, first.checkout!.url, 'approve');
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toEqual({ order_id: first.order.id, status: 'paid' });
    const paid = (await get(b.token, `/api/orders/${first.order.id}`)).json().order;
    expect(paid).toMatchObject({ status: 'paid', amount: 35000, credits_applied: 50, bolt_checkout_id: checkoutId });
    expect(paid.paid_at).not.toBeNull();
    expect(paid.metadata.bolt_transaction_id).toMatch(/^fake_txn_/);
    expect((await get(b.token, `/api/bookings/${first.booking.id}`)).json().booking.status).toBe('confirmed');
    const events = await paymentEvents(t, first.order.id);
    expect(events).toEqual([expect.objectContaining({ type: 'payment', outcome: 'paid' })]);
    // The checkout is closed now.
    const again = await decide(t, first.checkout!.url, 'approve');
    expect([again.statusCode, errorCode(again)]).toEqual([409, 'checkout_closed']);

    // Admin refunds half of the total paid (35000 by card + 5000 in credits) to credits.
    const refunded = await refund(t, admin, first.order.id, { amount_cents: 20000, to: 'credits' });
    expect(refunded.statusCode, refunded.body).toBe(200);
    expect(refunded.json().order).toMatchObject({ status: 'paid', refunded_cents: 20000, card_refunded_cents: 0 });
    expect(refunded.json().order.metadata).toMatchObject({ partially_refunded: true, refunded_cents: 20000 });

    // Every ledger row and balance, exactly.
    expect(await ledger(t, a.id)).toEqual([
      { amount: REWARD, type: 'earned', reference_id: referralId, created_by: null, description: 'Referral reward' },
    ]);
    expect(await ledger(t, b.id)).toEqual([
      expect.objectContaining({ amount: REWARD, type: 'earned', reference_id: referralId }),
      expect.objectContaining({ amount: -50, type: 'spent', reference_id: first.order.id }),
      { amount: 200, type: 'refunded', reference_id: first.order.id, created_by: admin.id, description: 'Refund to credits' },
    ]);
    expect(await balance(t, a.id)).toBe(REWARD);
    expect(await balance(t, b.id)).toBe(200);
    const mine = (await get(b.token, '/api/me/credits')).json();
    expect(mine.balance).toBe(200);
    expect(mine.transactions.map((x: { type: string; amount: number }) => `${x.type}:${x.amount}`).sort()).toEqual(['earned:50', 'refunded:200', 'spent:-50']);

    // A second booking: no setup fee this time.
    const second = await booked(t, b, { slot_id: await makeSlot(t), service_type: 'infrared_sauna' });
    expect(second.order).toMatchObject({ amount: PRICE.infrared_sauna, setup_fee_applied: 0, credits_applied: 0, status: 'pending' });
    expect(await balance(t, b.id)).toBe(200);

    // Orders: own for customers, everyone's for admins; others' are invisible.
    const own = (await get(b.token, '/api/orders')).json();
    expect(own.total).toBe(2);
    expect(own.orders.every((o: { user_id: string }) => o.user_id === b.id)).toBe(true);
    expect((await get(a.token, '/api/orders')).json().total).toBe(0);
    expect((await get(a.token, `/api/orders/${first.order.id}`)).statusCode).toBe(404);
    const byAdmin = (await get(admin.token, `/api/orders?customer=${b.id}&status=paid`)).json();
    expect(byAdmin.orders.map((o: { id: string }) => o.id)).toEqual([first.order.id]);
  });

  it('decline: the order fails, the booking is cancelled, its place freed and the credits returned', async () => {
    const c = await makeCustomer(t);
    await grant(t, admin, c.id, 30);
    const slotId = await makeSlot(t);
    const res = await booked(t, c, { slot_id: slotId, use_credits: 30 });
    expect(res.order).toMatchObject({ amount: PRICE.cold_plunge + SETUP_FEE - 3000, credits_applied: 30, status: 'pending' });
    expect(await balance(t, c.id)).toBe(0);

    const declined = await decide(t, res.checkout!.url, 'decline');
    expect(declined.statusCode, declined.body).toBe(200);
    expect(declined.json()).toEqual({ order_id: res.order.id, status: 'failed' });
    const order = await orderRow(t, res.order.id);
    expect(order.status).toBe('failed');
    expect(order.metadata.failure_reason).toBe('declined');
    expect(order.paid_at).toBeNull();
    expect(await bookingStatus(t, res.booking.id)).toBe('cancelled');
    expect(await slotCount(t, slotId)).toBe(0);
    expect(await orderLedger(t, res.order.id)).toEqual(['refunded:30', 'spent:-30']);
    expect(await balance(t, c.id)).toBe(30);
    // Closed for good: neither button works again.
    expect((await decide(t, res.checkout!.url, 'approve')).statusCode).toBe(409);
    expect((await decide(t, res.checkout!.url, 'decline')).statusCode).toBe(409);
    // The place can be booked again, and the failed order's setup fee does not count: charged again.
    const retry = await booked(t, c, { slot_id: slotId });
    expect(retry.order).toMatchObject({ setup_fee_applied: SETUP_FEE, amount: PRICE.cold_plunge + SETUP_FEE });
  });

  it('expiry: an unpaid order past its time fails once, frees its place and returns the credits', async () => {
    const d = await makeCustomer(t);
    await grant(t, admin, d.id, 40);
    const slotId = await makeSlot(t);
    const res = await booked(t, d, { slot_id: slotId, use_credits: 40 });
    const other = await booked(t, await makeCustomer(t), { slot_id: await makeSlot(t) }); // not yet due
    const expiry = t.services.orders;
    expect(await expiry.expireUnpaid()).toBe(0);

    await t.db.query("update public.orders set expires_at = now() - interval '1 minute' where id = $1", [res.order.id]);
    expect(await expiry.expireUnpaid()).toBe(1);
    expect(await expiry.expireUnpaid()).toBe(0);
    const order = await orderRow(t, res.order.id);
    expect(order.status).toBe('failed');
    expect(order.metadata.failure_reason).toBe('expired');
    expect(await bookingStatus(t, res.booking.id)).toBe('cancelled');
    expect(await slotCount(t, slotId)).toBe(0);
    expect(await orderLedger(t, res.order.id)).toEqual(['refunded:40', 'spent:-40']);
    expect(await balance(t, d.id)).toBe(40);
    expect((await orderRow(t, other.order.id)).status).toBe('pending');
    const late = await decide(t, res.checkout!.url, 'approve');
    expect([late.statusCode, errorCode(late)]).toEqual([409, 'checkout_closed']);
  });

  it('an expired checkout answers 410 checkout_expired, page and Approve alike, and expires the order on the spot', async () => {
    const f = await makeCustomer(t);
    await grant(t, admin, f.id, 20);
    const slotId = await makeSlot(t);
    const res = await booked(t, f, { slot_id: slotId, use_credits: 20 });
    const path = new URL(res.checkout!.url).pathname;
    expect((await t.app.inject({ method: 'GET', url: path })).statusCode).toBe(200);
    await t.db.query("update public.orders set expires_at = now() - interval '1 second' where id = $1", [res.order.id]);
    const approve = await decide(t, res.checkout!.url, 'approve');
    expect([approve.statusCode, errorCode(approve)]).toEqual([410, 'checkout_expired']);
    // Expired now, not at the next sweep: booking cancelled, place freed, credits back.
    const order = await orderRow(t, res.order.id);
    expect([order.status, order.metadata.failure_reason, order.paid_at]).toEqual(['failed', 'expired', null]);
    expect(await bookingStatus(t, res.booking.id)).toBe('cancelled');
    expect(await slotCount(t, slotId)).toBe(0);
    expect(await orderLedger(t, res.order.id)).toEqual(['refunded:20', 'spent:-20']);
    expect(await balance(t, f.id)).toBe(20);

    const g = await booked(t, await makeCustomer(t), { slot_id: await makeSlot(t) });
    await t.db.query("update public.orders set expires_at = now() - interval '1 second' where id = $1", [g.order.id]);
    const page = await t.app.inject({ method: 'GET', url: new URL(g.checkout!.url).pathname });
    expect([page.statusCode, errorCode(page)]).toEqual([410, 'checkout_expired']);
    expect((await orderRow(t, g.order.id)).status).toBe('failed');
  });

  it('a booking fully covered by credits is paid at once, with no checkout', async () => {
    const e = await makeCustomer(t);
    await grant(t, admin, e.id, 450);
    const slotId = await makeSlot(t);
    const res = await booked(t, e, { slot_id: slotId, use_credits: 'all' });
    expect(res.checkout).toBeNull();
    expect(res.order).toMatchObject({ status: 'paid', amount: 0, credits_applied: 400, setup_fee_applied: SETUP_FEE, provider: null, bolt_checkout_id: null });
    expect(res.order.paid_at).not.toBeNull();
    expect(res.booking.status).toBe('confirmed');
    expect(await balance(t, e.id)).toBe(50);
    expect(await orderLedger(t, res.order.id)).toEqual(['spent:-400']);

    // Nothing was paid by card, so nothing goes back to the card; all of it can go back as credits.
    const toCard = await refund(t, admin, res.order.id, { to: 'card', amount_cents: 100 });
    expect([toCard.statusCode, errorCode(toCard)]).toEqual([422, 'refund_exceeds_paid']);
    const all = await refund(t, admin, res.order.id, { to: 'credits' });
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json().order).toMatchObject({ status: 'refunded', refunded_cents: PAID, card_refunded_cents: 0 });
    expect(all.json().order.metadata.partially_refunded).toBe(false);
    expect(await balance(t, e.id)).toBe(450);
    const more = await refund(t, admin, res.order.id, { to: 'credits', amount_cents: 100 });
    expect([more.statusCode, errorCode(more)]).toEqual([409, 'order_not_paid']);
  });

  it('a refund to the card goes through the provider; its webhook is then a no-op, counted once', async () => {
    const f = await makeCustomer(t);
    const { order } = await paidOrder(t, f);
    expect(order.amount).toBe(PAID);

    const part = await refund(t, admin, order.id, { to: 'card', amount_cents: 10000 });
    expect(part.statusCode, part.body).toBe(200);
    expect(part.json().order).toMatchObject({ status: 'paid', refunded_cents: 10000, card_refunded_cents: 10000 });
    const [firstId] = await cardRefundIds(t, order.id);
    expect(firstId).toMatch(/^fake_credit_/);
    await expectOwnCreditEcho(t, `credit:${firstId}`);
    expect(await orderRow(t, order.id)).toMatchObject({ refunded_cents: 10000, card_refunded_cents: 10000, status: 'paid' });

    // The rest (default amount: all that is left) fully refunds the order; its webhook changes nothing either.
    const rest = await refund(t, admin, order.id, { to: 'card' });
    expect(rest.statusCode, rest.body).toBe(200);
    expect(rest.json().order).toMatchObject({ status: 'refunded', refunded_cents: PAID, card_refunded_cents: PAID });
    const ids = await cardRefundIds(t, order.id);
    expect(ids).toHaveLength(2);
    await expectOwnCreditEcho(t, `credit:${ids[1]}`);
    const after = await orderRow(t, order.id);
    expect(after).toMatchObject({ status: 'refunded', refunded_cents: PAID, card_refunded_cents: PAID });
    // The echo of our own refund is not an anomaly for staff to review.
    expect(after.staff_flags?.needs_review).toBeUndefined();
    expect(await orderLedger(t, order.id)).toEqual([]);
  });

  it('refuses refunds beyond what was paid, of unpaid orders, and by non-admins', async () => {
    const g = await makeCustomer(t);
    await grant(t, admin, g.id, 100);
    const { order } = await paidOrder(t, g, { use_credits: 100 }); // 30000 by card + 10000 in credits
    const tooMuch = await refund(t, admin, order.id, { to: 'credits', amount_cents: PAID + 100 });
    expect([tooMuch.statusCode, errorCode(tooMuch)]).toEqual([422, 'refund_exceeds_paid']);
    const beyondCard = await refund(t, admin, order.id, { to: 'card', amount_cents: PAID - 10000 + 1 });
    expect([beyondCard.statusCode, errorCode(beyondCard)]).toEqual([422, 'refund_exceeds_paid']);
    const cents = await refund(t, admin, order.id, { to: 'credits', amount_cents: 150 });
    expect([cents.statusCode, errorCode(cents)]).toEqual([422, 'whole_credits_only']);
    for (const who of [operator, g]) {
      const res = await refund(t, who, order.id, { to: 'credits', amount_cents: 100 });
      expect([res.statusCode, errorCode(res)]).toEqual([403, 'forbidden']);
    }
    const missing = await refund(t, admin, '00000000-0000-4000-8000-000000000000', { to: 'credits' });
    expect(missing.statusCode).toBe(404);
    expect(await orderRow(t, order.id)).toMatchObject({ refunded_cents: 0, card_refunded_cents: 0, status: 'paid' });

    // Exactly all that was paid is fine: 30000 to the card, then 10000 to credits.
    expect((await refund(t, admin, order.id, { to: 'card', amount_cents: PAID - 10000 })).statusCode).toBe(200);
    const last = await refund(t, admin, order.id, { to: 'credits', amount_cents: 10000 });
    expect(last.statusCode, last.body).toBe(200);
    expect(last.json().order).toMatchObject({ status: 'refunded', refunded_cents: PAID, card_refunded_cents: PAID - 10000 });

    const pending = await booked(t, g, { slot_id: await makeSlot(t) });
    const res = await refund(t, admin, pending.order.id, { to: 'credits', amount_cents: 100 });
    expect([res.statusCode, errorCode(res)]).toEqual([409, 'order_not_paid']);
    // The card refund's webhook (the fake sends it after the call) was our own: nothing to review.
    const [cardRefund] = await cardRefundIds(t, order.id);
    await expectOwnCreditEcho(t, `credit:${cardRefund}`);
    expect((await orderRow(t, order.id)).staff_flags?.needs_review).toBeUndefined();
  });

  it('refuses spending more credits than the balance, and leaves nothing behind', async () => {
    const h = await makeCustomer(t);
    await grant(t, admin, h.id, 20);
    const slotId = await makeSlot(t);
    const res = await book(t, h, { slot_id: slotId, use_credits: 21 });
    expect([res.statusCode, errorCode(res)]).toEqual([422, 'insufficient_credits']);
    expect(res.json().error.details).toEqual({ balance: 20 });
    expect(await slotCount(t, slotId)).toBe(0);
    const { rows } = await t.db.query('select 1 from public.orders where user_id = $1', [h.id]);
    expect(rows).toHaveLength(0);
    expect(await balance(t, h.id)).toBe(20);
    // More than the order can use spends only what it can use.
    const capped = await booked(t, h, { slot_id: slotId, service_type: 'cold_plunge', use_credits: 20 });
    expect(capped.order).toMatchObject({ credits_applied: 20, amount: PRICE.cold_plunge + SETUP_FEE - 2000 });
  });

  it('admin adjustments: one row with created_by; never below zero; operators and customers may not', async () => {
    const k = await makeCustomer(t);
    const up = await adjust(t, admin, k.id, 75, '  Sorry for the wait  ');
    expect(up.statusCode, up.body).toBe(201);
    expect(up.json()).toMatchObject({ balance: 75, transaction: { amount: 75, type: 'adjustment', description: 'Sorry for the wait', reference_id: null } });
    const down = await adjust(t, admin, k.id, -25);
    expect(down.json().balance).toBe(50);
    const overdraft = await adjust(t, admin, k.id, -51);
    expect([overdraft.statusCode, errorCode(overdraft)]).toEqual([422, 'insufficient_credits']);
    for (const who of [operator, k]) {
      const res = await adjust(t, who, k.id, 10);
      expect([res.statusCode, errorCode(res)]).toEqual([403, 'forbidden']);
    }
    expect((await adjust(t, admin, k.id, 0)).statusCode).toBe(400);
    expect((await adjust(t, admin, '00000000-0000-4000-8000-000000000000', 5)).statusCode).toBe(404);
    expect(await ledger(t, k.id)).toEqual([
      expect.objectContaining({ amount: 75, type: 'adjustment', created_by: admin.id }),
      expect.objectContaining({ amount: -25, type: 'adjustment', created_by: admin.id }),
    ]);
    expect(await balance(t, k.id)).toBe(50);
  });

  it('referrals: invite, list, and the refusals (already invited, yourself, a customer, the daily limit)', async () => {
    const r = await signup(t.app);
    const friend = uniqueEmail('friend');
    const invited = await t.app.inject({ method: 'POST', url: '/api/referrals', headers: bearer(r.token), payload: { email: friend.toUpperCase() } });
    expect(invited.statusCode, invited.body).toBe(201);
    const referral = invited.json().referral;
    const code = (await t.app.inject({ method: 'GET', url: '/api/referrals', headers: bearer(r.token) })).json().referral_code;
    expect(referral).toMatchObject({ invitee_email: friend, status: 'pending', reward_credits: REWARD, referral_code: code });
    expect(referral.invite_url).toBe(`${t.config.publicUrl}/signup?ref=${code}`);
    const { rows: queued } = await t.db.query<{ recipient: string; data: Record<string, unknown> }>(
      "select recipient, data from public.messages where kind = 'referral_invitation' and data->>'referral_id' = $1",
      [referral.id],
    );
    expect(queued).toEqual([{ recipient: friend, data: expect.objectContaining({ referral_code: code, invite_path: `/signup?ref=${code}` }) }]);

    const post = (email: string) => t.app.inject({ method: 'POST', url: '/api/referrals', headers: bearer(r.token), payload: { email } });
    const twice = await post(friend);
    expect([twice.statusCode, errorCode(twice)]).toEqual([409, 'already_invited']);
    const self = await post(r.email);
    expect([self.statusCode, errorCode(self)]).toEqual([422, 'self_referral']);
    const existing = await makeCustomer(t);
    const customer = await post(existing.email);
    expect([customer.statusCode, errorCode(customer)]).toEqual([422, 'already_customer']);
    expect((await post('not an email')).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/api/referrals', payload: { email: friend } })).statusCode).toBe(401);

    // Friends who sign up with the code shared by hand are no invitations sent: they do not use up the limit.
    for (let i = 0; i < INVITES_PER_DAY; i += 1) await makeCustomer(t, { referral_code: code });
    for (let i = 1; i < INVITES_PER_DAY; i += 1) {
      const res = await post(uniqueEmail('friend'));
      expect(res.statusCode, res.body).toBe(201);
    }
    const limited = await post(uniqueEmail('friend'));
    expect([limited.statusCode, errorCode(limited)]).toEqual([429, 'rate_limited']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    const list = (await t.app.inject({ method: 'GET', url: '/api/referrals', headers: bearer(r.token) })).json();
    expect(list.invitations).toHaveLength(2 * INVITES_PER_DAY);
    expect(list.invitations.filter((i: { status: string }) => i.status === 'pending')).toHaveLength(INVITES_PER_DAY);
    expect(list.invitations.filter((i: { status: string }) => i.status === 'accepted')).toHaveLength(INVITES_PER_DAY);
    const { rows: outbox } = await t.db.query("select 1 from public.messages where kind = 'referral_invitation' and data->>'referral_code' = $1", [code]);
    expect(outbox).toHaveLength(INVITES_PER_DAY); // refused invitations queued nothing
    expect(await balance(t, r.id)).toBe(INVITES_PER_DAY * REWARD);

    const bad = await t.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: uniqueEmail(), password: 'correct horse battery', referral_code: 'NOSUCHCODE1' } });
    expect([bad.statusCode, errorCode(bad)]).toEqual([422, 'invalid_referral_code']);
  });

  it('signing up with the code accepts that same invitation, and rewards the invitee once whoever else invited them', async () => {
    const x = await makeCustomer(t);
    const y = await makeCustomer(t);
    const friend = uniqueEmail('friend');
    const invite = async (who: { token: string }) => {
      const res = await t.app.inject({ method: 'POST', url: '/api/referrals', headers: bearer(who.token), payload: { email: friend } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().referral.id as string;
    };
    const fromX = await invite(x);
    const fromY = await invite(y);
    const xCode = (await t.app.inject({ method: 'GET', url: '/api/referrals', headers: bearer(x.token) })).json().referral_code;

    const z = await signup(t.app, { email: friend, referral_code: xCode });
    const { rows } = await t.db.query<{ id: string; status: string; invitee_id: string | null; referrer_id: string }>(
      'select id, status::text as status, invitee_id, referrer_id from public.referrals where invitee_email = $1 order by referrer_id = $2 desc',
      [friend, x.id],
    );
    expect(rows).toEqual([
      { id: fromX, status: 'accepted', invitee_id: z.id, referrer_id: x.id },
      { id: fromY, status: 'pending', invitee_id: null, referrer_id: y.id },
    ]);
    const listed = (await t.app.inject({ method: 'GET', url: '/api/referrals', headers: bearer(x.token) })).json().invitations;
    expect(listed).toEqual([expect.objectContaining({ id: fromX, status: 'accepted', reward_credits: REWARD })]);
    expect(await balance(t, x.id)).toBe(REWARD);
    expect(await balance(t, z.id)).toBe(REWARD);
    expect(await balance(t, y.id)).toBe(0);

    // Y's code later (accepted again by hand) pays nobody: the invitee was already credited.
    const yCode = (await t.app.inject({ method: 'GET', url: '/api/referrals', headers: bearer(y.token) })).json().referral_code;
    const { rows: again } = await t.db.asCaller(SERVICE_ROLE, (tx) => tx.query<{ id: string | null }>('select public.accept_referral($1, $2) as id', [z.id, yCode]));
    expect(again[0]!.id).toBeNull();
    expect(await balance(t, y.id)).toBe(0);
    expect(await balance(t, z.id)).toBe(REWARD);
    expect(await ledger(t, z.id)).toEqual([expect.objectContaining({ amount: REWARD, type: 'earned', reference_id: fromX })]);
  });
});
