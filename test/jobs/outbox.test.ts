import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { callerOf, makePastBooking } from '../helpers/factories.js';
import { booked, decide, makeCustomer, makeSlot, orderRow, paidOrder, refund, rewardOn } from '../money/support.js';
import { messagesAbout, summary } from './support.js';

vi.setConfig({ testTimeout: 60_000 });

const MINUTE = 60_000;

describe.each(engines)('the outbox: messages decided with the change that causes them, on %s', (engine) => {
  let t: TestApp;
  let admin: SignedUp;

  beforeAll(async () => {
    t = await startApp(engine, { WORKER: 'off' });
    admin = await signupStaff(t, 'admin');
  });
  afterAll(async () => {
    await t?.close();
  });

  const sessionStart = async (bookingId: string) =>
    (await t.db.query<{ date_time: Date }>('select date_time from public.bookings where id = $1', [bookingId])).rows[0]!.date_time.getTime();

  it('a booking awaiting payment: booking_received now and one reminder per offset; paying it adds booking_confirmed and the receipt', async () => {
    const customer = await makeCustomer(t);
    const res = await booked(t, customer, { slot_id: await makeSlot(t) });
    const bookingId = res.booking.id;
    let rows = await messagesAbout(t.db, { booking: bookingId });
    expect(summary(rows)).toEqual(['booking_received:pending', 'reminder:pending', 'reminder:pending']);
    expect(rows.every((r) => r.recipient === customer.email && r.channel === 'email')).toBe(true);
    expect(rows.find((r) => r.kind === 'booking_received')!.data).toMatchObject({ awaits_payment: true, order_id: res.order.id });
    const start = await sessionStart(bookingId);
    const reminders = rows.filter((r) => r.kind === 'reminder').map((r) => start - r.send_after.getTime()).sort((a, b) => a - b);
    expect(reminders).toEqual([120 * MINUTE, 1440 * MINUTE]);

    expect((await decide(t, res.checkout!.url, 'approve')).statusCode).toBe(200);
    rows = await messagesAbout(t.db, { booking: bookingId });
    expect(summary(rows)).toEqual(['booking_confirmed:pending', 'booking_received:pending', 'reminder:pending', 'reminder:pending']);
    const receipts = (await messagesAbout(t.db, { order: res.order.id })).filter((r) => r.kind === 'receipt');
    expect(receipts).toHaveLength(1);
    expect(receipts[0]!.data).toMatchObject({ order_id: res.order.id, amount: (await orderRow(t, res.order.id)).amount });
  });

  it('a reschedule says so and moves the pending reminders; a cancel says so and drops them', async () => {
    const customer = await makeCustomer(t);
    const { bookingId } = await paidOrder(t, customer);
    const to = await makeSlot(t);
    const moved = await t.app.inject({ method: 'POST', url: `/api/bookings/${bookingId}/reschedule`, headers: bearer(customer.token), payload: { slot_id: to } });
    expect(moved.statusCode, moved.body).toBe(200);
    const start = await sessionStart(bookingId);
    let rows = await messagesAbout(t.db, { booking: bookingId });
    expect(summary(rows.filter((r) => r.kind === 'booking_rescheduled'))).toEqual(['booking_rescheduled:pending']);
    const pending = rows.filter((r) => r.kind === 'reminder' && r.status === 'pending');
    expect(pending.map((r) => start - r.send_after.getTime()).sort((a, b) => a - b)).toEqual([120 * MINUTE, 1440 * MINUTE]);
    expect(rows.filter((r) => r.kind === 'reminder' && r.status === 'cancelled')).toHaveLength(2); // the old time's

    const cancelled = await t.app.inject({ method: 'POST', url: `/api/bookings/${bookingId}/cancel`, headers: bearer(customer.token) });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    rows = await messagesAbout(t.db, { booking: bookingId });
    expect(rows.filter((r) => r.kind === 'reminder' && r.status === 'pending')).toEqual([]);
    expect(summary(rows.filter((r) => r.kind === 'booking_cancelled'))).toEqual(['booking_cancelled:pending']);
    // The automatic card refund of the cancel is a message too.
    const { rows: order } = await t.db.query<{ order_id: string }>('select order_id from public.bookings where id = $1', [bookingId]);
    expect(summary((await messagesAbout(t.db, { order: order[0]!.order_id })).filter((r) => r.kind === 'refund_issued'))).toEqual(['refund_issued:pending']);
  });

  it('a booking moved back to a time gets that time’s reminders again', async () => {
    const customer = await makeCustomer(t);
    const { bookingId, slotId } = await paidOrder(t, customer);
    const move = (slot: string) => t.app.inject({ method: 'POST', url: `/api/bookings/${bookingId}/reschedule`, headers: bearer(customer.token), payload: { slot_id: slot } });
    expect((await move(await makeSlot(t))).statusCode).toBe(200);
    expect((await move(slotId)).statusCode).toBe(200);
    const rows = await messagesAbout(t.db, { booking: bookingId });
    expect(rows.filter((r) => r.kind === 'reminder' && r.status === 'pending')).toHaveLength(2);
    expect(rows.filter((r) => r.kind === 'booking_rescheduled')).toHaveLength(2);
  });

  it('completing a session by plain SQL as staff queues the review request after the configured delay', async () => {
    await t.db.query('update public.business_settings set review_request_delay_minutes = 45 where id');
    const customer = await makeCustomer(t);
    const booking = await makePastBooking(t.db, { user_id: customer.id, status: 'confirmed', date_time: new Date(Date.now() - 3 * 3_600_000) });
    const operator = await signupStaff(t, 'operator');
    const before = Date.now();
    await t.db.asCaller(callerOf(operator), (tx) => tx.query("update public.bookings set status = 'completed' where id = $1", [booking.id]));
    const rows = await messagesAbout(t.db, { booking: booking.id });
    expect(summary(rows)).toEqual(['review_request:pending']);
    const delay = rows[0]!.send_after.getTime() - before;
    expect(delay).toBeGreaterThan(44 * MINUTE);
    expect(delay).toBeLessThan(46 * MINUTE);
    await t.db.query('update public.business_settings set review_request_delay_minutes = 120 where id');
  });

  it('a change rolled back leaves no message', async () => {
    const customer = await makeCustomer(t);
    const { bookingId } = await paidOrder(t, customer);
    const count = async () => (await messagesAbout(t.db, { booking: bookingId })).length;
    const before = await count();
    await expect(
      t.db.transaction(async (tx) => {
        await tx.query("update public.bookings set status = 'cancelled' where id = $1", [bookingId]);
        expect((await tx.query("select 1 from public.messages where booking_id = $1 and kind = 'booking_cancelled'", [bookingId])).rows).toHaveLength(1);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await count()).toBe(before);
    expect(summary(await messagesAbout(t.db, { booking: bookingId })).filter((s) => s.startsWith('booking_cancelled'))).toEqual([]);
  });

  it('an admin refund to credits is a refund_issued message', async () => {
    const customer = await makeCustomer(t);
    const { order } = await paidOrder(t, customer);
    const res = await refund(t, admin, order.id, { amount_cents: 1000, to: 'credits' });
    expect(res.statusCode, res.body).toBe(200);
    const rows = (await messagesAbout(t.db, { order: order.id })).filter((r) => r.kind === 'refund_issued');
    expect(rows.map((r) => r.data)).toEqual([expect.objectContaining({ amount_cents: 1000, destination: 'credits' })]);
  });

  it('referrals: the invitation to the invitee, and the reward to both sides when it is credited', async () => {
    await rewardOn(t, 'first_paid_booking');
    const referrer = await makeCustomer(t);
    const friendEmail = `friend-${Date.now()}@example.com`;
    const invited = await t.app.inject({ method: 'POST', url: '/api/referrals', headers: bearer(referrer.token), payload: { email: friendEmail } });
    expect(invited.statusCode, invited.body).toBe(201);
    const invitation = await messagesAbout(t.db, { recipient: friendEmail });
    expect(summary(invitation)).toEqual(['referral_invitation:pending']);
    expect(invitation[0]!.data).toMatchObject({ referral_code: invited.json().referral.referral_code });

    const friend = await makeCustomer(t, { email: friendEmail, referral_code: invited.json().referral.referral_code });
    expect((await messagesAbout(t.db, { user: friend.id })).filter((r) => r.kind === 'referral_reward')).toEqual([]);
    await paidOrder(t, friend);
    for (const who of [referrer, friend]) {
      const rewards = (await messagesAbout(t.db, { user: who.id })).filter((r) => r.kind === 'referral_reward');
      expect(rewards.map((r) => r.data.credits)).toEqual([50]);
    }
  });
});
