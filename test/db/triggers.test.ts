// The database's own behaviour: referral codes, signup -> profile, referral awards, the credit
// ledger, updated_at, slot counters (also under parallel connections on PostgreSQL), booking
// status transitions and "in the future".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { engines, freshDatabase, type TestDatabase } from '../helpers/db.js';
import {
  creditsOf,
  giveCredits,
  inRolledBackTransaction,
  makeBareAuthUser,
  makeBooking,
  makeCustomer,
  makeOrder,
  makePastBooking,
  makeSlot,
  slotCount,
  uniqueEmail,
} from './support.js';

const past = (ms: number) => new Date(Date.now() - ms);
const HOUR = 3_600_000;

describe.each(engines)('triggers on %s', (engine) => {
  let t: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    t = await freshDatabase(engine);
    // The seed's rewards at sign-up (the default, first paid booking, is in test/money/referral-rewards.test.ts).
    await t.db.query("update public.business_settings set referral_reward_on = 'signup' where id");
    db = t.db;
  });
  afterAll(() => t?.drop());

  describe('referral codes', () => {
    it('are 8 upper-case characters and unique', async () => {
      const users = await Promise.all(Array.from({ length: 12 }, () => makeCustomer(db)));
      const codes = users.map((u) => u.referral_code);
      for (const code of codes) expect(code).toMatch(/^[A-Z0-9]{8}$/);
      expect(new Set(codes).size).toBe(codes.length);
    });

    it('keeps a provided code, upper-cased', async () => {
      const id = await makeBareAuthUser(db);
      const inserted = await db.query<{ referral_code: string }>(
        `insert into profiles (id, email, referral_code) values ($1, $2, ' mycode42 ') returning referral_code`,
        [id, uniqueEmail()],
      );
      expect(inserted.rows[0]!.referral_code).toBe('MYCODE42');
    });

    it('draws again when the random code is already taken', async () => {
      const taken = await makeCustomer(db);
      // Within a rolled-back transaction, make the generator return the taken code on its first
      // call and a fresh one afterwards, counting its calls in a transaction-local setting.
      const result = await inRolledBackTransaction(db, async (tx) => {
        await tx.query(`
          create or replace function public.generate_referral_code() returns text
          language plpgsql set search_path = '' as $fn$
          declare n int := coalesce(nullif(current_setting('rmtest.calls', true), ''), '0')::int + 1;
          begin
            perform set_config('rmtest.calls', n::text, true);
            if n = 1 then return '${taken.referral_code}'; end if;
            return 'FRESH' || lpad(n::text, 3, '0');
          end $fn$`);
        const user = await makeCustomer(tx);
        const calls = (await tx.query<{ n: string }>(`select current_setting('rmtest.calls') as n`)).rows[0]!.n;
        return { code: user.referral_code, calls };
      });
      expect(result).toEqual({ code: 'FRESH002', calls: '2' });
      // The replacement was rolled back: codes are random again.
      const after = await makeCustomer(db);
      expect(after.referral_code).not.toMatch(/^FRESH/);
    });
  });

  describe('signup', () => {
    it('makes the profile: email lower-cased, full_name and phone from the metadata, no credits', async () => {
      const email = `New.Person-${Date.now()}@Example.TEST`;
      const user = await makeCustomer(db, { email, full_name: 'Sarah Johnson', phone: '+1-555-0123' });
      const { rows } = await db.query('select email, full_name, phone, credits, address from profiles where id = $1', [user.id]);
      expect(rows).toEqual([{ email: email.toLowerCase(), full_name: 'Sarah Johnson', phone: '+1-555-0123', credits: 0, address: null }]);
    });

    it("falls back to auth.users.phone", async () => {
      const user = await makeCustomer(db, { auth_phone: '+15550199' });
      expect((await db.query('select phone from profiles where id = $1', [user.id])).rows[0]).toEqual({ phone: '+15550199' });
    });

    it('starts every balance at zero, whatever the insert says', async () => {
      const id = await makeBareAuthUser(db);
      await db.query(`insert into profiles (id, email, credits) values ($1, $2, 777)`, [id, uniqueEmail()]);
      expect(await creditsOf(db, id)).toBe(0);
    });
  });

  describe('referral award', () => {
    it('credits the referrer and the invitee 50 each, with two earned ledger rows', async () => {
      const referrer = await makeCustomer(db);
      const invitee = await makeCustomer(db, { referral_code: referrer.referral_code.toLowerCase() });
      const referral = await db.query<{ id: string; status: string; referral_code: string; invitee_email: string; reward_credits: number }>(
        'select id, status, referral_code, invitee_email, reward_credits from referrals where referrer_id = $1 and invitee_id = $2',
        [referrer.id, invitee.id],
      );
      expect(referral.rows).toEqual([
        { id: expect.any(String), status: 'accepted', referral_code: referrer.referral_code, invitee_email: invitee.email, reward_credits: 50 },
      ]);
      expect(await creditsOf(db, referrer.id)).toBe(50);
      expect(await creditsOf(db, invitee.id)).toBe(50);
      const ledger = await db.query(
        'select user_id, amount, type, reference_id from credit_transactions where user_id in ($1, $2) order by (user_id = $1) desc',
        [referrer.id, invitee.id],
      );
      const id = referral.rows[0]!.id;
      expect(ledger.rows).toEqual([
        { user_id: referrer.id, amount: 50, type: 'earned', reference_id: id },
        { user_id: invitee.id, amount: 50, type: 'earned', reference_id: id },
      ]);
    });

    it('ignores an unknown code', async () => {
      const user = await makeCustomer(db, { referral_code: 'NOSUCH00' });
      expect(await creditsOf(db, user.id)).toBe(0);
      expect((await db.query('select count(*)::int as n from referrals where invitee_id = $1', [user.id])).rows[0]).toEqual({ n: 0 });
    });

    it('never lets anyone refer themselves', async () => {
      const user = await makeCustomer(db);
      const { rows } = await db.query<{ r: string | null }>('select public.accept_referral($1, $2) as r', [user.id, user.referral_code]);
      expect(rows[0]!.r).toBeNull();
      expect(await creditsOf(db, user.id)).toBe(0);
      expect((await db.query('select count(*)::int as n from referrals where referrer_id = $1', [user.id])).rows[0]).toEqual({ n: 0 });
    });

    it('credits an invitee at most once, whoever invited them', async () => {
      const first = await makeCustomer(db);
      const second = await makeCustomer(db);
      const email = uniqueEmail('popular');
      // Both invite the same person; the invitee signs up with the first one's code.
      await db.query('insert into referrals (referrer_id, invitee_email) values ($1, $3), ($2, $3)', [first.id, second.id, email]);
      const invitee = await makeCustomer(db, { email, referral_code: first.referral_code });
      const late = await db.query<{ r: string | null }>('select public.accept_referral($1, $2) as r', [invitee.id, second.referral_code]);
      expect(late.rows[0]!.r).toBeNull();
      expect(await creditsOf(db, invitee.id)).toBe(50);
      expect(await creditsOf(db, first.id)).toBe(50);
      expect(await creditsOf(db, second.id)).toBe(0);
      const statuses = await db.query('select referrer_id, status from referrals where invitee_email = $1 order by status', [email]);
      expect(statuses.rows).toEqual([
        { referrer_id: second.id, status: 'pending' },
        { referrer_id: first.id, status: 'accepted' },
      ]);
    });

    it('accepts a pending invitation in place', async () => {
      const referrer = await makeCustomer(db);
      const email = uniqueEmail('invited');
      const invite = await db.query<{ id: string }>('insert into referrals (referrer_id, invitee_email) values ($1, $2) returning id', [
        referrer.id,
        `  ${email.toUpperCase()} `,
      ]);
      const invitee = await makeCustomer(db, { email, referral_code: referrer.referral_code });
      const { rows } = await db.query('select id, status, invitee_id from referrals where referrer_id = $1', [referrer.id]);
      expect(rows).toEqual([{ id: invite.rows[0]!.id, status: 'accepted', invitee_id: invitee.id }]);
      expect(await creditsOf(db, referrer.id)).toBe(50);
    });

    it('an accepted referral stays accepted', async () => {
      const referrer = await makeCustomer(db);
      const invitee = await makeCustomer(db, { referral_code: referrer.referral_code });
      await expect(db.query(`update referrals set status = 'pending' where invitee_id = $1`, [invitee.id])).rejects.toMatchObject({
        code: 'RM409',
        message: 'invalid_transition',
      });
    });

    it('expire_referrals() expires only pending invitations past their date', async () => {
      const referrer = await makeCustomer(db);
      const accepted = await makeCustomer(db, { referral_code: referrer.referral_code });
      await db.query(`update referrals set expires_at = now() - interval '1 day' where invitee_id = $1`, [accepted.id]);
      const due = uniqueEmail('due');
      const notDue = uniqueEmail('not-due');
      await db.query(
        `insert into referrals (referrer_id, invitee_email, expires_at) values ($1, $2, now() - interval '1 minute'), ($1, $3, now() + interval '1 day')`,
        [referrer.id, due, notDue],
      );
      const pendingDue = Number((await db.query<{ n: number }>(`select count(*)::int as n from referrals where status = 'pending' and expires_at < now()`)).rows[0]!.n);
      expect(pendingDue).toBeGreaterThanOrEqual(1);
      const expired = (await db.query<{ n: number }>('select public.expire_referrals() as n')).rows[0]!.n;
      expect(expired).toBe(pendingDue);
      const { rows } = await db.query('select invitee_email, status from referrals where referrer_id = $1 order by invitee_email', [referrer.id]);
      expect(rows).toEqual(
        [
          { invitee_email: accepted.email, status: 'accepted' },
          { invitee_email: due, status: 'expired' },
          { invitee_email: notDue, status: 'pending' },
        ].sort((a, b) => (a.invitee_email < b.invitee_email ? -1 : 1)),
      );
      expect((await db.query<{ n: number }>('select public.expire_referrals() as n')).rows[0]!.n).toBe(0);
    });
  });

  describe('the ledger', () => {
    it('maintains the balance from the ledger and refuses an overdraft', async () => {
      const user = await makeCustomer(db);
      await giveCredits(db, user.id, 100);
      await giveCredits(db, user.id, -30);
      expect(await creditsOf(db, user.id)).toBe(70);
      await expect(giveCredits(db, user.id, -71)).rejects.toMatchObject({ code: '23514', constraint: 'profiles_credits_check' });
      expect(await creditsOf(db, user.id)).toBe(70);
      await giveCredits(db, user.id, -70);
      expect(await creditsOf(db, user.id)).toBe(0);
    });

    it('keeps ledger rows immutable; deleting one reverses it', async () => {
      const user = await makeCustomer(db);
      await giveCredits(db, user.id, 40, 'to be corrected');
      await expect(db.query('update credit_transactions set amount = 400 where user_id = $1', [user.id])).rejects.toMatchObject({
        code: 'RM409',
        message: 'ledger_immutable',
      });
      await db.query('delete from credit_transactions where user_id = $1', [user.id]);
      expect(await creditsOf(db, user.id)).toBe(0);
    });

    it('refuses a direct change of profiles.credits, even by the owner', async () => {
      const user = await makeCustomer(db);
      await expect(db.query('update profiles set credits = 500 where id = $1', [user.id])).rejects.toMatchObject({
        code: 'RM403',
        message: 'credits_via_ledger_only',
      });
      expect(await creditsOf(db, user.id)).toBe(0);
      // Other columns still update.
      expect((await db.query(`update profiles set full_name = 'Ok' where id = $1`, [user.id])).rowCount).toBe(1);
    });
  });

  describe('updated_at', () => {
    it.each([
      ['profiles', `update profiles set full_name = 'x', updated_at = '2000-01-01' where id = $1 returning updated_at = now() as fresh`],
      ['orders', `update orders set status = 'paid', updated_at = '2000-01-01' where id = $1 returning updated_at = now() as fresh`],
      ['bookings', `update bookings set notes = 'x', updated_at = '2000-01-01' where id = $1 returning updated_at = now() as fresh`],
    ])('is set on every update of %s', async (table, sql) => {
      const user = await makeCustomer(db);
      const id =
        table === 'profiles'
          ? user.id
          : table === 'orders'
            ? await makeOrder(db, { user_id: user.id, status: 'pending' })
            : (await makeBooking(db, { user_id: user.id })).id;
      // The update asks for 2000-01-01; the trigger overrides it with the transaction's now().
      const { rows } = await db.query<{ fresh: boolean }>(sql, [id]);
      expect(rows).toEqual([{ fresh: true }]);
      const stored = (await db.query<{ updated_at: Date }>(`select updated_at from ${table} where id = $1`, [id])).rows[0]!.updated_at;
      expect(stored.getUTCFullYear()).toBeGreaterThan(2000);
    });

    it.each([
      ['services', `update services set sort_order = sort_order, updated_at = '2000-01-01' where key = 'combo' returning updated_at = now() as fresh`],
      ['add_ons', `update add_ons set sort_order = sort_order, updated_at = '2000-01-01' where key = 'towels' returning updated_at = now() as fresh`],
      ['business_settings', `update business_settings set updated_at = '2000-01-01' returning updated_at = now() as fresh`],
    ])('is set on every update of %s', async (_table, sql) => {
      expect((await db.query(sql)).rows).toEqual([{ fresh: true }]);
    });
  });

  describe('slot counters', () => {
    it('count bookings in, out on cancel, across a move, and out on delete', async () => {
      const user = await makeCustomer(db);
      const other = await makeCustomer(db);
      const a = await makeSlot(db, { max_bookings: 1 });
      const b = await makeSlot(db, { max_bookings: 2 });
      const booking = await makeBooking(db, { user_id: user.id, slot_id: a.id });
      expect(await slotCount(db, a.id)).toBe(1);
      // Full.
      await expect(makeBooking(db, { user_id: other.id, slot_id: a.id })).rejects.toMatchObject({ code: 'RM409', message: 'slot_full' });
      expect(await slotCount(db, a.id)).toBe(1);
      // Move a -> b.
      await db.query('update bookings set slot_id = $2 where id = $1', [booking.id, b.id]);
      expect([await slotCount(db, a.id), await slotCount(db, b.id)]).toEqual([0, 1]);
      // Unlinked from any slot.
      await db.query('update bookings set slot_id = null where id = $1', [booking.id]);
      expect(await slotCount(db, b.id)).toBe(0);
      await db.query('update bookings set slot_id = $2 where id = $1', [booking.id, b.id]);
      // Cancel frees the place; moving a cancelled booking counts nowhere.
      await db.query(`update bookings set status = 'cancelled' where id = $1`, [booking.id]);
      expect(await slotCount(db, b.id)).toBe(0);
      await db.query('update bookings set slot_id = $2 where id = $1', [booking.id, a.id]);
      expect([await slotCount(db, a.id), await slotCount(db, b.id)]).toEqual([0, 0]);
      // Delete frees the place.
      const second = await makeBooking(db, { user_id: other.id, slot_id: a.id });
      expect(await slotCount(db, a.id)).toBe(1);
      await db.query('delete from bookings where id = $1', [second.id]);
      expect(await slotCount(db, a.id)).toBe(0);
      // A cancelled booking inserted as such takes no place.
      await makeBooking(db, { user_id: other.id, slot_id: a.id, status: 'cancelled' });
      expect(await slotCount(db, a.id)).toBe(0);
    });

    it('refuses an unavailable slot, and a failed move leaves the booking where it was', async () => {
      const user = await makeCustomer(db);
      const open = await makeSlot(db, { max_bookings: 2 });
      const closed = await makeSlot(db, { max_bookings: 2, is_available: false });
      await expect(makeBooking(db, { user_id: user.id, slot_id: closed.id })).rejects.toMatchObject({ code: 'RM409', message: 'slot_unavailable' });
      const booking = await makeBooking(db, { user_id: user.id, slot_id: open.id });
      await expect(db.query('update bookings set slot_id = $2 where id = $1', [booking.id, closed.id])).rejects.toMatchObject({
        code: 'RM409',
        message: 'slot_unavailable',
      });
      expect((await db.query('select slot_id from bookings where id = $1', [booking.id])).rows[0]).toEqual({ slot_id: open.id });
      expect([await slotCount(db, open.id), await slotCount(db, closed.id)]).toEqual([1, 0]);
      // Moving into a full slot fails the same way.
      const full = await makeSlot(db, { max_bookings: 1 });
      await makeBooking(db, { user_id: (await makeCustomer(db)).id, slot_id: full.id });
      await expect(db.query('update bookings set slot_id = $2 where id = $1', [booking.id, full.id])).rejects.toMatchObject({
        code: 'RM409',
        message: 'slot_full',
      });
      expect([await slotCount(db, open.id), await slotCount(db, full.id)]).toEqual([1, 1]);
    });

    it('refuses to delete a slot that has live bookings; one with only cancelled bookings goes', async () => {
      const slot = await makeSlot(db);
      const booking = await makeBooking(db, { user_id: (await makeCustomer(db)).id, slot_id: slot.id });
      await expect(db.query('delete from availability_slots where id = $1', [slot.id])).rejects.toMatchObject({
        code: 'RM409',
        message: 'slot_not_empty',
      });
      await db.query(`update bookings set status = 'cancelled' where id = $1`, [booking.id]);
      expect((await db.query('delete from availability_slots where id = $1', [slot.id])).rowCount).toBe(1);
      expect((await db.query('select slot_id from bookings where id = $1', [booking.id])).rows).toEqual([{ slot_id: null }]);
    });

    it('deleting an account frees its slot places and keeps everyone else consistent', async () => {
      const referrer = await makeCustomer(db);
      const leaver = await makeCustomer(db, { referral_code: referrer.referral_code });
      const slot = await makeSlot(db, { max_bookings: 2 });
      const order = await makeOrder(db, { user_id: leaver.id });
      await makeBooking(db, { user_id: leaver.id, slot_id: slot.id, order_id: order });
      const done = await makePastBooking(db, { user_id: leaver.id, date_time: past(24 * HOUR), status: 'completed', order_id: order });
      await db.query('insert into reviews (user_id, booking_id, rating) values ($1, $2, 5)', [leaver.id, done.id]);
      await giveCredits(db, leaver.id, 10);
      expect(await slotCount(db, slot.id)).toBe(1);

      expect((await db.query('delete from auth.users where id = $1', [leaver.id])).rowCount).toBe(1);
      expect(await slotCount(db, slot.id)).toBe(0);
      expect(await creditsOf(db, referrer.id)).toBe(50);
      for (const table of ['profiles where id', 'bookings where user_id', 'orders where user_id', 'credit_transactions where user_id', 'reviews where user_id']) {
        expect((await db.query(`select count(*)::int as n from ${table} = $1`, [leaver.id])).rows[0], table).toEqual({ n: 0 });
      }
      // The referral stays (accepted, invitee gone), so that email is never credited again.
      expect((await db.query('select status, invitee_id, invitee_email from referrals where referrer_id = $1', [referrer.id])).rows).toEqual([
        { status: 'accepted', invitee_id: null, invitee_email: leaver.email },
      ]);
      const again = await makeCustomer(db, { email: leaver.email, referral_code: (await makeCustomer(db)).referral_code });
      expect(await creditsOf(db, again.id)).toBe(0);
    });
  });

  describe('booking status', () => {
    it('moves scheduled -> confirmed -> completed (once started) and scheduled|confirmed -> cancelled', async () => {
      const user = await makeCustomer(db);
      const started = await makePastBooking(db, { user_id: user.id, date_time: past(HOUR) });
      await db.query(`update bookings set status = 'confirmed' where id = $1`, [started.id]);
      await db.query(`update bookings set status = 'completed' where id = $1`, [started.id]);
      expect((await db.query('select status from bookings where id = $1', [started.id])).rows[0]).toEqual({ status: 'completed' });
      const a = await makeBooking(db, { user_id: user.id });
      await db.query(`update bookings set status = 'cancelled' where id = $1`, [a.id]);
      const b = await makeBooking(db, { user_id: user.id, status: 'confirmed' });
      await db.query(`update bookings set status = 'cancelled' where id = $1`, [b.id]);
      expect((await db.query('select status from bookings where id in ($1, $2)', [a.id, b.id])).rows).toEqual([
        { status: 'cancelled' },
        { status: 'cancelled' },
      ]);
    });

    it.each([
      ['completed', 'confirmed'],
      ['completed', 'cancelled'],
      ['completed', 'scheduled'],
      ['cancelled', 'scheduled'],
      ['cancelled', 'confirmed'],
      ['cancelled', 'completed'],
      ['confirmed', 'scheduled'],
      ['scheduled', 'completed'],
    ] as const)('refuses %s -> %s', async (from, to) => {
      const user = await makeCustomer(db);
      const booking = await makePastBooking(db, { user_id: user.id, date_time: past(2 * HOUR), status: from });
      await expect(db.query('update bookings set status = $2 where id = $1', [booking.id, to])).rejects.toMatchObject({
        code: 'RM409',
        message: 'invalid_transition',
      });
    });

    it('refuses to complete a session that has not started', async () => {
      const user = await makeCustomer(db);
      const booking = await makeBooking(db, { user_id: user.id, status: 'confirmed' });
      await expect(db.query(`update bookings set status = 'completed' where id = $1`, [booking.id])).rejects.toMatchObject({
        code: 'RM409',
        message: 'too_early',
      });
    });
  });

  describe('future_booking', () => {
    it('refuses creating a booking in the past, or moving one there', async () => {
      const user = await makeCustomer(db);
      await expect(makeBooking(db, { user_id: user.id, date_time: past(60_000) })).rejects.toMatchObject({
        code: '23514',
        constraint: 'future_booking',
      });
      const booking = await makeBooking(db, { user_id: user.id });
      await expect(db.query(`update bookings set date_time = now() - interval '1 day' where id = $1`, [booking.id])).rejects.toMatchObject({
        code: '23514',
        constraint: 'future_booking',
      });
      // Moving to another future time is fine.
      await db.query(`update bookings set date_time = date_time + interval '1 day' where id = $1`, [booking.id]);
    });

    it('lets a past booking be updated (status, notes) without moving it', async () => {
      const user = await makeCustomer(db);
      const booking = await makePastBooking(db, { user_id: user.id, date_time: past(3 * HOUR) });
      await db.query(`update bookings set status = 'confirmed' where id = $1`, [booking.id]);
      await db.query(`update bookings set status = 'completed', notes = 'done' where id = $1`, [booking.id]);
      // Rewriting the same date_time is not a move.
      await db.query('update bookings set date_time = date_time where id = $1', [booking.id]);
      expect((await db.query('select status, notes from bookings where id = $1', [booking.id])).rows[0]).toEqual({ status: 'completed', notes: 'done' });
    });
  });

  describe('under parallel transactions', () => {
    // On PostgreSQL these run on up to 20 pooled connections at once; PGlite serializes them.
    it('a slot with 5 places takes exactly 5 of 50 concurrent bookings', async () => {
      const slot = await makeSlot(db, { max_bookings: 5 });
      const { rows: users } = await db.query<{ id: string }>(
        `insert into auth.users (id, email) select gen_random_uuid(), 'rush-' || g || '-' || $1 || '@example.test' from generate_series(1, 50) g returning id`,
        [slot.id],
      );
      const results = await Promise.allSettled(
        users.map((u) => db.transaction((tx) => makeBooking(tx, { user_id: u.id, slot_id: slot.id, date_time: slot.starts_at }))),
      );
      const ok = results.filter((r) => r.status === 'fulfilled');
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(ok.length).toBe(5);
      for (const f of failed) expect(f.reason).toMatchObject({ code: 'RM409', message: 'slot_full' });
      expect(await slotCount(db, slot.id)).toBe(5);
      expect((await db.query('select count(*)::int as n from bookings where slot_id = $1', [slot.id])).rows[0]).toEqual({ n: 5 });
    });

    it('20 concurrent spends of 100 against 1500 credits: exactly 15 succeed, balance 0', async () => {
      const user = await makeCustomer(db);
      await giveCredits(db, user.id, 1500);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () =>
          db.transaction((tx) =>
            tx.query(`insert into credit_transactions (user_id, amount, type, description) values ($1, -100, 'spent', 'session')`, [user.id]),
          ),
        ),
      );
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(results.length - failed.length).toBe(15);
      for (const f of failed) expect(f.reason).toMatchObject({ code: '23514', constraint: 'profiles_credits_check' });
      expect(await creditsOf(db, user.id)).toBe(0);
      expect((await db.query('select sum(amount)::int as s, count(*)::int as n from credit_transactions where user_id = $1', [user.id])).rows[0]).toEqual({
        s: 0,
        n: 16,
      });
    });

    if (engine === 'postgres') it('two connections really overlap (the tests above are parallel on PostgreSQL)', async () => {
      // A sanity check of the harness: a row lock held by one transaction blocks another.
      const user = await makeCustomer(db);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const order: string[] = [];
      const first = db.transaction(async (tx) => {
        await tx.query('select 1 from profiles where id = $1 for update', [user.id]);
        order.push('locked');
        await held;
        order.push('released');
      });
      await new Promise((r) => setTimeout(r, 50));
      const second = db.transaction(async (tx) => {
        await tx.query('select 1 from profiles where id = $1 for update', [user.id]);
        order.push('second');
      });
      await new Promise((r) => setTimeout(r, 100));
      release();
      await Promise.all([first, second]);
      expect(order).toEqual(['locked', 'released', 'second']);
    });
  });
});
