// A failing case for every CHECK and unique rule of the schema (and the triggers that stand in
// for constraints), asserting SQLSTATE and constraint name. Written as the owner, so only the
// constraints themselves stop the write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { engines, freshDatabase, type TestDatabase } from '../helpers/db.js';
import {
  giveCredits,
  inRolledBackTransaction,
  makeAdmin,
  makeBareAuthUser,
  makeBooking,
  makeCustomer,
  makePastBooking,
  makePastSlot,
  makeSlot,
  uniqueEmail,
  type TestUser,
} from './support.js';

const CHECK = '23514';
const UNIQUE = '23505';
const FK = '23503';
const NOT_NULL = '23502';

describe.each(engines)('constraints on %s', (engine) => {
  let t: TestDatabase;
  let db: Database;
  let alice: TestUser;
  let bob: TestUser;

  const rejects = (sql: string, params: unknown[], code: string, constraint?: string) =>
    expect(db.query(sql, params), sql).rejects.toMatchObject(constraint ? { code, constraint } : { code });

  beforeAll(async () => {
    t = await freshDatabase(engine);
    // The seed's rewards at sign-up (the default, first paid booking, is in test/money/referral-rewards.test.ts).
    await t.db.query("update public.business_settings set referral_reward_on = 'signup' where id");
    db = t.db;
    alice = await makeCustomer(db);
    bob = await makeCustomer(db);
  });
  afterAll(() => t?.drop());

  describe('profiles', () => {
    it('profiles_credits_check: a balance never goes below zero', async () => {
      await giveCredits(db, alice.id, 10);
      await expect(giveCredits(db, alice.id, -11)).rejects.toMatchObject({ code: CHECK, constraint: 'profiles_credits_check' });
    });

    it('profiles_email_key: one profile per email, whatever its case in auth.users', async () => {
      // auth.users' own unique key is case-sensitive; the profile email is lower-cased.
      await expect(makeCustomer(db, { email: alice.email.toUpperCase() })).rejects.toMatchObject({ code: UNIQUE, constraint: 'profiles_email_key' });
    });

    it('profiles_referral_code_key: codes are unique, whatever their case', async () => {
      const id = await makeBareAuthUser(db);
      await rejects('insert into profiles (id, email, referral_code) values ($1, $2, $3)', [id, uniqueEmail(), alice.referral_code.toLowerCase()], UNIQUE, 'profiles_referral_code_key');
      await rejects('update profiles set referral_code = $2 where id = $1', [bob.id, alice.referral_code], UNIQUE, 'profiles_referral_code_key');
    });

    it('profiles_id_fkey: a profile needs an auth user', async () => {
      await rejects('insert into profiles (id, email) values (gen_random_uuid(), $1)', [uniqueEmail()], FK, 'profiles_id_fkey');
    });

    it('email is required', async () => {
      const id = await makeBareAuthUser(db);
      await rejects('insert into profiles (id, email) values ($1, null)', [id], NOT_NULL);
    });
  });

  describe('orders', () => {
    it.each([-1, -100])('orders_amount_check: amount %i is refused', async (amount) => {
      await rejects('insert into orders (user_id, amount) values ($1, $2)', [alice.id, amount], CHECK, 'orders_amount_check');
    });

    it('orders_amount_check allows a $0 order (paid entirely with credits, 20251125110000)', async () => {
      await db.query(`insert into orders (user_id, amount, credits_applied, status) values ($1, 0, 150, 'paid')`, [alice.id]);
    });

    it('orders_credits_applied_check: not negative', async () => {
      await rejects('insert into orders (user_id, amount, credits_applied) values ($1, 100, -1)', [alice.id], CHECK, 'orders_credits_applied_check');
    });

    it('orders_refunded_within_paid and orders_card_refunded_within_amount: never refund more than was paid', async () => {
      // amount 1000 cents by card + 2 credits (200 cents): at most 1200 refunded, at most 1000 to the card.
      await rejects(
        'insert into orders (user_id, amount, credits_applied, refunded_cents, card_refunded_cents) values ($1, 1000, 2, 1201, 0)',
        [alice.id],
        CHECK,
        'orders_refunded_within_paid',
      );
      await rejects(
        'insert into orders (user_id, amount, credits_applied, refunded_cents, card_refunded_cents) values ($1, 1000, 2, 1200, 1001)',
        [alice.id],
        CHECK,
        'orders_card_refunded_within_amount',
      );
      await rejects(
        'insert into orders (user_id, amount, credits_applied, refunded_cents, card_refunded_cents) values ($1, 1000, 2, 100, 200)',
        [alice.id],
        CHECK,
        'orders_card_refunded_within_amount',
      );
      await db.query(
        `insert into orders (user_id, amount, credits_applied, refunded_cents, card_refunded_cents, status) values ($1, 1000, 2, 1200, 1000, 'refunded')`,
        [alice.id],
      );
    });

    it('orders_bolt_checkout_id_key: a checkout pays one order', async () => {
      const checkout = `bolt_${uniqueEmail('co')}`;
      await db.query('insert into orders (user_id, amount, bolt_checkout_id) values ($1, 100, $2)', [alice.id, checkout]);
      await rejects('insert into orders (user_id, amount, bolt_checkout_id) values ($1, 100, $2)', [bob.id, checkout], UNIQUE, 'orders_bolt_checkout_id_key');
    });

    it('orders_one_setup_fee_per_customer: the setup fee once per customer (a failed order does not count)', async () => {
      const user = await makeCustomer(db);
      await db.query(`insert into orders (user_id, amount, setup_fee_applied, status) values ($1, 25000, 25000, 'failed')`, [user.id]);
      await db.query(`insert into orders (user_id, amount, setup_fee_applied, status) values ($1, 25000, 25000, 'paid')`, [user.id]);
      await rejects(
        `insert into orders (user_id, amount, setup_fee_applied, status) values ($1, 25000, 25000, 'pending')`,
        [user.id],
        UNIQUE,
        'orders_one_setup_fee_per_customer',
      );
    });

    it('orders_user_id_fkey', async () => {
      await rejects('insert into orders (user_id, amount) values (gen_random_uuid(), 100)', [], FK, 'orders_user_id_fkey');
    });
  });

  describe('bookings', () => {
    it.each([0, -30])('bookings_duration_check: duration %i is refused', async (duration) => {
      await expect(makeBooking(db, { user_id: alice.id, duration })).rejects.toMatchObject({ code: CHECK, constraint: 'bookings_duration_check' });
    });

    it('future_booking: not in the past', async () => {
      await expect(makeBooking(db, { user_id: alice.id, date_time: new Date(Date.now() - 1000) })).rejects.toMatchObject({
        code: CHECK,
        constraint: 'future_booking',
      });
    });

    it('bookings_one_live_per_customer_time: one live booking per customer and time; a cancelled one does not count', async () => {
      const when = new Date(Date.now() + 20 * 86_400_000);
      when.setUTCSeconds(0, 0);
      const first = await makeBooking(db, { user_id: alice.id, date_time: when });
      await expect(makeBooking(db, { user_id: alice.id, date_time: when })).rejects.toMatchObject({
        code: UNIQUE,
        constraint: 'bookings_one_live_per_customer_time',
      });
      // Another customer at the same time is fine.
      await makeBooking(db, { user_id: bob.id, date_time: when });
      await db.query(`update bookings set status = 'cancelled' where id = $1`, [first.id]);
      const again = await makeBooking(db, { user_id: alice.id, date_time: when });
      expect(again.status).toBe('scheduled');
      // And a second cancelled one at that time is fine too.
      await makeBooking(db, { user_id: alice.id, date_time: when, status: 'cancelled' });
    });

    it('required columns and foreign keys', async () => {
      await rejects(
        `insert into bookings (user_id, date_time, service_type, address) values ($1, now() + interval '5 days', null, '{}')`,
        [alice.id],
        NOT_NULL,
      );
      await rejects(
        `insert into bookings (user_id, date_time, service_type, address) values ($1, now() + interval '5 days', 'combo', null)`,
        [alice.id],
        NOT_NULL,
      );
      await expect(makeBooking(db, { user_id: alice.id, order_id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({
        code: FK,
        constraint: 'bookings_order_id_fkey',
      });
      await expect(makeBooking(db, { user_id: alice.id, slot_id: '00000000-0000-4000-8000-000000000000', date_time: new Date(Date.now() + 9 * 86_400_000) })).rejects.toMatchObject({
        code: FK,
        constraint: 'bookings_slot_id_fkey',
      });
    });
  });

  describe('refunds', () => {
    const paidOrder = () => db.query<{ id: string }>(`insert into orders (user_id, amount, credits_applied, status) values ($1, 1000, 2, 'paid') returning id`, [alice.id]).then((r) => r.rows[0]!.id);

    it('refunds_amount_cents_check and refunds_destination_check', async () => {
      const order = await paidOrder();
      await rejects(`insert into refunds (order_id, amount_cents, destination) values ($1, 0, 'card')`, [order], CHECK, 'refunds_amount_cents_check');
      await rejects(`insert into refunds (order_id, amount_cents, destination) values ($1, 100, 'cash')`, [order], CHECK, 'refunds_destination_check');
    });

    it('refunds_provider_refund_id_key: a provider refund is recorded once', async () => {
      const order = await paidOrder();
      const ref = `re_${uniqueEmail('r')}`;
      await db.query(`insert into refunds (order_id, amount_cents, destination, provider_refund_id) values ($1, 100, 'card', $2)`, [order, ref]);
      await rejects(`insert into refunds (order_id, amount_cents, destination, provider_refund_id) values ($1, 100, 'card', $2)`, [order, ref], UNIQUE, 'refunds_provider_refund_id_key');
    });

    it('never refunds an unpaid order, part credits, or more than was paid', async () => {
      const pending = (await db.query<{ id: string }>(`insert into orders (user_id, amount) values ($1, 1000) returning id`, [alice.id])).rows[0]!.id;
      await expect(db.query(`insert into refunds (order_id, amount_cents, destination) values ($1, 100, 'card')`, [pending])).rejects.toMatchObject({
        code: 'RM409',
        message: 'order_not_paid',
      });
      const order = await paidOrder();
      await expect(db.query(`insert into refunds (order_id, amount_cents, destination) values ($1, 150, 'credits')`, [order])).rejects.toMatchObject({
        code: 'RM422',
        message: 'whole_credits_only',
      });
      await expect(db.query(`insert into refunds (order_id, amount_cents, destination) values ($1, 1001, 'card')`, [order])).rejects.toMatchObject({
        code: 'RM422',
        message: 'refund_exceeds_paid',
      });
      await db.query(`insert into refunds (order_id, amount_cents, destination) values ($1, 1000, 'card')`, [order]);
      await expect(db.query(`insert into refunds (order_id, amount_cents, destination) values ($1, 300, 'credits')`, [order])).rejects.toMatchObject({
        code: 'RM422',
        message: 'refund_exceeds_paid',
      });
      await db.query(`insert into refunds (order_id, amount_cents, destination) values ($1, 200, 'credits')`, [order]);
      expect((await db.query('select status, refunded_cents, card_refunded_cents from orders where id = $1', [order])).rows[0]).toEqual({
        status: 'refunded',
        refunded_cents: 1200,
        card_refunded_cents: 1000,
      });
    });

    it('orders move pending -> paid | failed and paid -> refunded only', async () => {
      const order = (await db.query<{ id: string }>(`insert into orders (user_id, amount) values ($1, 1000) returning id`, [alice.id])).rows[0]!.id;
      await db.query(`update orders set status = 'paid' where id = $1`, [order]);
      await expect(db.query(`update orders set status = 'pending' where id = $1`, [order])).rejects.toMatchObject({
        code: 'RM409',
        message: 'invalid_order_transition',
      });
      await expect(db.query(`update orders set status = 'failed' where id = $1`, [order])).rejects.toMatchObject({
        code: 'RM409',
        message: 'invalid_order_transition',
      });
    });
  });

  describe('availability_slots', () => {
    it('valid_time_range: end after start', async () => {
      await rejects(`insert into availability_slots (date, start_time, end_time) values (current_date + 50, '11:00', '10:00')`, [], CHECK, 'valid_time_range');
      await rejects(`insert into availability_slots (date, start_time, end_time) values (current_date + 50, '11:00', '11:00')`, [], CHECK, 'valid_time_range');
    });

    it('valid_booking_count: never more bookings than places', async () => {
      const slot = await makeSlot(db, { max_bookings: 2 });
      await makeBooking(db, { user_id: alice.id, slot_id: slot.id });
      await makeBooking(db, { user_id: bob.id, slot_id: slot.id });
      await rejects('update availability_slots set max_bookings = 1 where id = $1', [slot.id], CHECK, 'valid_booking_count');
      await rejects('update availability_slots set current_bookings = 3 where id = $1', [slot.id], CHECK, 'valid_booking_count');
    });

    it('availability_slots_max_bookings_check and availability_slots_current_bookings_check: not negative', async () => {
      await rejects(
        `insert into availability_slots (date, start_time, end_time, max_bookings) values (current_date + 51, '10:00', '11:00', -1)`,
        [],
        CHECK,
        'availability_slots_max_bookings_check',
      );
      const slot = await makeSlot(db);
      await rejects('update availability_slots set current_bookings = -1 where id = $1', [slot.id], CHECK, 'availability_slots_current_bookings_check');
    });

    it('availability_slots_date_start_time_key: one slot per date and start time', async () => {
      const slot = await makeSlot(db);
      await rejects(
        `insert into availability_slots (date, start_time, end_time) values ($1, $2, '23:00')`,
        [slot.date, slot.start_time],
        UNIQUE,
        'availability_slots_date_start_time_key',
      );
    });

    it('local times must exist exactly once in the business timezone (DST)', async () => {
      // 2030-03-10: clocks spring forward at 02:00 in Los Angeles; 2030-11-03: they fall back at 02:00.
      await expect(
        db.query(`insert into availability_slots (date, start_time, end_time) values ('2030-03-10', '02:30', '03:30')`),
      ).rejects.toMatchObject({ code: 'RM422', message: 'nonexistent_local_time' });
      await expect(
        db.query(`insert into availability_slots (date, start_time, end_time) values ('2030-11-03', '01:30', '04:00')`),
      ).rejects.toMatchObject({ code: 'RM422', message: 'ambiguous_local_time' });
      await db.query(`insert into availability_slots (date, start_time, end_time) values ('2030-11-03', '03:00', '04:00')`);
    });
  });

  describe('day-one rules (issue 8)', () => {
    const asAlice = <T>(sql: string, params: unknown[] = []) => db.asCaller(alice.caller, (tx) => tx.query<T>(sql, params));
    const slotOn = (date: string, start: string, end: string) =>
      db.query<{ id: string; minutes: number }>(
        `insert into availability_slots (date, start_time, end_time) values ($1, $2, $3)
         returning id, extract(epoch from upper(period) - lower(period))::int / 60 as minutes`,
        [date, start, end],
      );
    // A date some weeks ahead, never one the makeSlot factory uses (it stays within 302 days).
    let day = 0;
    const freeDate = () => {
      day += 1;
      return new Date(Date.now() + (400 + day) * 86_400_000).toISOString().slice(0, 10);
    };

    it.each(['+5', '0', '-13', 'EST5EDT', 'EST', 'GMT', 'GMT+5', 'Etc/GMT+5', 'Etc/UTC', 'US/Pacific', 'Japan', 'america/los_angeles', 'America/Nowhere', 'America'])(
      'the timezone %s is refused (POSIX-style, alias or not IANA): invalid_timezone',
      async (zone) => {
        await expect(db.query('update business_settings set timezone = $1', [zone])).rejects.toMatchObject({ code: 'RM422', message: 'invalid_timezone' });
      },
    );

    it('IANA names and UTC are accepted; a timezone change moves every slot to its new instants', async () => {
      const slot = (await slotOn(freeDate(), '10:00', '11:00')).rows[0]!;
      await inRolledBackTransaction(db, async (tx) => {
        for (const zone of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Asia/Kolkata']) {
          await tx.query('update business_settings set timezone = $1', [zone]);
        }
        const { rows } = await tx.query<{ right: boolean }>(
          `select lower(period) = (date + start_time) at time zone 'Asia/Kolkata' as right from availability_slots where id = $1`,
          [slot.id],
        );
        expect(rows).toEqual([{ right: true }]);
      });
      expect((await db.query('select timezone from business_settings')).rows).toEqual([{ timezone: 'America/Los_Angeles' }]);
    });

    it('profiles_address_check: a customer cannot store an address whose fields are not strings', async () => {
      for (const address of [{ street: '1 Main St', city: 'Los Angeles', state: 'CA', zip: 90210 }, { street: { line: 1 } }, 'Main St', ['Main St']]) {
        await expect(asAlice('update profiles set address = $2 where id = $1', [alice.id, JSON.stringify(address)])).rejects.toMatchObject({
          code: CHECK,
          constraint: 'profiles_address_check',
        });
      }
      await asAlice('update profiles set address = $2 where id = $1', [alice.id, JSON.stringify({ street: '1 Main St', city: 'Los Angeles', state: 'CA', zip: '90210' })]);
      await asAlice('update profiles set address = null where id = $1', [alice.id]);
    });

    it('bookings_address_check: the same for a booking address, on insert and on a customer edit', async () => {
      const booking = await makeBooking(db, { user_id: alice.id });
      await expect(asAlice('update bookings set address = $2 where id = $1', [booking.id, JSON.stringify({ zip: 90210 })])).rejects.toMatchObject({
        code: CHECK,
        constraint: 'bookings_address_check',
      });
      await rejects(
        `insert into bookings (user_id, date_time, service_type, address) values ($1, now() + interval '9 days', 'cold_plunge', '"1 Main St"')`,
        [alice.id],
        CHECK,
        'bookings_address_check',
      );
    });

    it('availability_slots_no_overlap: slots never overlap in real time; touching is fine', async () => {
      const date = freeDate();
      await slotOn(date, '10:00', '11:00');
      await rejects('insert into availability_slots (date, start_time, end_time) values ($1, $2, $3)', [date, '10:30', '11:30'], '23P01', 'availability_slots_no_overlap');
      await rejects('insert into availability_slots (date, start_time, end_time) values ($1, $2, $3)', [date, '09:00', '12:00'], '23P01', 'availability_slots_no_overlap');
      await slotOn(date, '11:00', '12:00');
      await slotOn(date, '09:00', '10:00');
    });

    it('a slot across the spring-forward gap is one real hour and overlaps the 03:00 slot', async () => {
      // 2031-03-09: Los Angeles clocks jump from 02:00 to 03:00.
      expect((await slotOn('2031-03-09', '01:30', '03:30')).rows[0]!.minutes).toBe(60);
      await rejects(`insert into availability_slots (date, start_time, end_time) values ('2031-03-09', '03:00', '04:00')`, [], '23P01', 'availability_slots_no_overlap');
      await slotOn('2031-03-09', '03:30', '04:30');
    });

    it('slot_in_past: a new slot cannot start in the past; past slots stay valid', async () => {
      await expect(db.query(`insert into availability_slots (date, start_time, end_time) values (current_date - 1, '10:00', '11:00')`)).rejects.toMatchObject({
        code: 'RM422',
        message: 'slot_in_past',
      });
      const old = await makePastSlot(db, 5);
      await db.query('update availability_slots set is_available = false, max_bookings = 3 where id = $1', [old]);
      await expect(db.query(`update availability_slots set start_time = start_time + interval '1 minute' where id = $1`, [old])).rejects.toMatchObject({
        code: 'RM422',
        message: 'slot_in_past',
      });
    });

    it('period is always the database’s own, whatever a writer sends', async () => {
      const { id } = (await slotOn(freeDate(), '10:00', '11:00')).rows[0]!;
      await db.query(`update availability_slots set period = tstzrange(now(), now() + interval '1 day') where id = $1`, [id]);
      const { rows } = await db.query<{ right: boolean }>(
        `select period = tstzrange((date + start_time) at time zone 'America/Los_Angeles', (date + end_time) at time zone 'America/Los_Angeles') as right
           from availability_slots where id = $1`,
        [id],
      );
      expect(rows).toEqual([{ right: true }]);
    });

    it('slot_too_short: a booking must fit its slot’s real length, when booked and when moved', async () => {
      const hour = (await slotOn(freeDate(), '10:00', '11:00')).rows[0]!.id;
      const half = (await slotOn(freeDate(), '10:00', '10:30')).rows[0]!.id;
      await expect(makeBooking(db, { user_id: bob.id, slot_id: hour, duration: 75 })).rejects.toMatchObject({ code: 'RM422', message: 'slot_too_short' });
      const booking = await makeBooking(db, { user_id: bob.id, slot_id: hour, duration: 60 });
      await expect(db.query('update bookings set slot_id = $2 where id = $1', [booking.id, half])).rejects.toMatchObject({ code: 'RM422', message: 'slot_too_short' });
      await expect(db.query('update bookings set duration = 61 where id = $1', [booking.id])).rejects.toMatchObject({ code: 'RM422', message: 'slot_too_short' });
      // Across the spring-forward gap, 01:30-03:30 local is 60 real minutes, not 120.
      const gap = (await slotOn('2031-03-09', '00:30', '01:30')).rows[0]!.id;
      await expect(makeBooking(db, { user_id: bob.id, slot_id: gap, duration: 61 })).rejects.toMatchObject({ code: 'RM422', message: 'slot_too_short' });
      const dst = (await db.query<{ id: string }>(`select id from availability_slots where date = '2031-03-09' and start_time = '01:30'`)).rows[0]!.id;
      await expect(makeBooking(db, { user_id: bob.id, slot_id: dst, duration: 90 })).rejects.toMatchObject({ code: 'RM422', message: 'slot_too_short' });
      await makeBooking(db, { user_id: bob.id, slot_id: dst, duration: 60 });
    });

    it('checkout_expired: a pending order cannot become paid after expires_at', async () => {
      const insert = (expires: string) =>
        db.query<{ id: string }>(`insert into orders (user_id, amount, expires_at) values ($1, 1000, now() + $2::interval) returning id`, [alice.id, expires]);
      const late = (await insert('-1 minute')).rows[0]!.id;
      await expect(db.query(`update orders set status = 'paid' where id = $1`, [late])).rejects.toMatchObject({ code: 'RM410', message: 'checkout_expired' });
      await db.query(`update orders set status = 'failed' where id = $1`, [late]);
      const inTime = (await insert('10 minutes')).rows[0]!.id;
      await db.query(`update orders set status = 'paid' where id = $1`, [inTime]);
    });

    it('orders_metadata_no_staff_flags: staff flags never go into the customer-visible metadata', async () => {
      const order = (await db.query<{ id: string }>(`insert into orders (user_id, amount) values ($1, 1000) returning id`, [alice.id])).rows[0]!.id;
      for (const flag of ['needs_review', 'amount_mismatch', 'late_payment_reference', 'excess_refund']) {
        await rejects(`update orders set metadata = metadata || jsonb_build_object($2::text, true) where id = $1`, [order, flag], CHECK, 'orders_metadata_no_staff_flags');
      }
    });

    it('order_flags: admins read them; the customer whose order it is cannot, not even through the Data API', async () => {
      const admin = await makeAdmin(db, 'admin');
      const order = (await db.query<{ id: string }>(`insert into orders (user_id, amount) values ($1, 1000) returning id`, [alice.id])).rows[0]!.id;
      await db.query(`insert into order_flags (order_id, flags) values ($1, '{"needs_review": true}')`, [order]);
      expect((await asAlice('select flags from order_flags where order_id = $1', [order])).rows).toEqual([]);
      expect((await asAlice('select metadata from orders where id = $1', [order])).rows).toEqual([{ metadata: {} }]);
      await expect(asAlice(`insert into order_flags (order_id, flags) values ($1, '{}')`, [order])).rejects.toMatchObject({ code: '42501' });
      const seen = await db.asCaller(admin.caller, (tx) => tx.query('select flags from order_flags where order_id = $1', [order]));
      expect(seen.rows).toEqual([{ flags: { needs_review: true } }]);
    });
  });

  describe('reviews', () => {
    it.each([0, 6])('reviews_rating_check: rating %i is refused', async (rating) => {
      const booking = await makePastBooking(db, { user_id: alice.id, date_time: new Date(Date.now() - 86_400_000 * (rating + 1)), status: 'completed' });
      await rejects('insert into reviews (user_id, booking_id, rating) values ($1, $2, $3)', [alice.id, booking.id, rating], CHECK, 'reviews_rating_check');
    });

    it('reviews_user_id_booking_id_key and reviews_booking_id_key: one review per booking', async () => {
      const booking = await makePastBooking(db, { user_id: alice.id, date_time: new Date(Date.now() - 86_400_000 * 10), status: 'completed' });
      await db.query('insert into reviews (user_id, booking_id, rating) values ($1, $2, 5)', [alice.id, booking.id]);
      await rejects('insert into reviews (user_id, booking_id, rating) values ($1, $2, 4)', [alice.id, booking.id], UNIQUE, 'reviews_user_id_booking_id_key');
      await rejects('insert into reviews (user_id, booking_id, rating) values ($1, $2, 4)', [bob.id, booking.id], UNIQUE, 'reviews_booking_id_key');
    });
  });

  describe('referrals', () => {
    it('referrals_referrer_id_invitee_email_key: one invitation per email per referrer, whatever its case', async () => {
      const email = uniqueEmail('invitee');
      await db.query('insert into referrals (referrer_id, invitee_email) values ($1, $2)', [alice.id, email]);
      await rejects('insert into referrals (referrer_id, invitee_email) values ($1, $2)', [alice.id, ` ${email.toUpperCase()}`], UNIQUE, 'referrals_referrer_id_invitee_email_key');
      // Another referrer may invite the same person.
      await db.query('insert into referrals (referrer_id, invitee_email) values ($1, $2)', [bob.id, email]);
    });

    it('referrals_not_self: nobody refers themselves', async () => {
      await rejects('insert into referrals (referrer_id, invitee_email, invitee_id) values ($1, $2, $1)', [alice.id, alice.email], CHECK, 'referrals_not_self');
    });

    it('referrals_one_accepted_per_invitee: an invitee is accepted once', async () => {
      const invitee = await makeCustomer(db, { referral_code: alice.referral_code });
      await rejects(
        `insert into referrals (referrer_id, invitee_email, invitee_id, status) values ($1, $2, $3, 'accepted')`,
        [bob.id, invitee.email, invitee.id],
        UNIQUE,
        'referrals_one_accepted_per_invitee',
      );
      // Still only one pair of rewards.
      expect((await db.query('select count(*)::int as n from credit_transactions where user_id = $1', [invitee.id])).rows[0]).toEqual({ n: 1 });
    });

    it('referrals_reward_credits_check: not negative', async () => {
      await rejects('insert into referrals (referrer_id, invitee_email, reward_credits) values ($1, $2, -1)', [alice.id, uniqueEmail()], CHECK, 'referrals_reward_credits_check');
    });

    it('an accepted referral needs an invitee', async () => {
      await expect(
        db.query(`insert into referrals (referrer_id, invitee_email, status) values ($1, $2, 'accepted')`, [alice.id, uniqueEmail()]),
      ).rejects.toMatchObject({ code: 'RM422', message: 'referral_without_invitee' });
    });
  });

  describe('credit_transactions', () => {
    it('credit_transactions_amount_check: never zero', async () => {
      await rejects(`insert into credit_transactions (user_id, amount, type, description) values ($1, 0, 'adjustment', 'nothing')`, [alice.id], CHECK, 'credit_transactions_amount_check');
    });

    it('description and type are required', async () => {
      await rejects(`insert into credit_transactions (user_id, amount, type, description) values ($1, 5, 'adjustment', null)`, [alice.id], NOT_NULL);
      await rejects(`insert into credit_transactions (user_id, amount, type, description) values ($1, 5, null, 'x')`, [alice.id], NOT_NULL);
      await rejects(`insert into credit_transactions (user_id, amount, type, description) values ($1, 5, 'bonus', 'x')`, [alice.id], '22P02');
    });
  });

  describe('admins', () => {
    it('admins_email_key: one row per email, whatever its case', async () => {
      const email = uniqueEmail('staff');
      await db.query(`insert into admins (email, role) values ($1, 'operator')`, [email]);
      await rejects(`insert into admins (email, role) values ($1, 'admin')`, [email.toUpperCase()], UNIQUE, 'admins_email_key');
    });

    it('role is one of the tiers', async () => {
      await rejects(`insert into admins (email, role) values ($1, 'owner')`, [uniqueEmail()], '22P02');
    });
  });

  describe('business_settings', () => {
    it('business_settings_singleton and business_settings_pkey: exactly one row', async () => {
      await rejects('insert into business_settings (id) values (false)', [], CHECK, 'business_settings_singleton');
      await rejects('insert into business_settings default values', [], UNIQUE, 'business_settings_pkey');
    });

    it.each([
      ['min_notice_minutes', -1, 'business_settings_min_notice_minutes_check'],
      ['min_notice_minutes', 43201, 'business_settings_min_notice_minutes_check'],
      ['cancellation_window_minutes', -1, 'business_settings_cancellation_window_minutes_check'],
      ['cancellation_window_minutes', 43201, 'business_settings_cancellation_window_minutes_check'],
      ['service_area_zips', ['9021'], 'business_settings_service_area_zips_check'],
      ['service_area_zips', ['90210', 'abcde'], 'business_settings_service_area_zips_check'],
      ['setup_fee_cents', -1, 'business_settings_setup_fee_cents_check'],
      ['setup_fee_cents', 10000001, 'business_settings_setup_fee_cents_check'],
      ['referral_reward_credits', -1, 'business_settings_referral_reward_credits_check'],
      ['referral_reward_credits', 10001, 'business_settings_referral_reward_credits_check'],
      ['order_expiry_minutes', 0, 'business_settings_order_expiry_minutes_check'],
      ['order_expiry_minutes', 10081, 'business_settings_order_expiry_minutes_check'],
    ])('%s = %j is refused (%s)', async (column, value, constraint) => {
      await rejects(`update business_settings set ${column} = $1`, [value], CHECK, constraint);
    });

    it('accepts values at the edges', async () => {
      await db.query(
        `update business_settings set min_notice_minutes = 0, service_area_zips = '{90210,90401}', referral_reward_credits = 10000, order_expiry_minutes = 10080`,
      );
      await db.query(`update business_settings set service_area_zips = '{}', referral_reward_credits = 50, order_expiry_minutes = 30, min_notice_minutes = 120`);
    });

    it('the timezone must be a real one', async () => {
      await expect(db.query(`update business_settings set timezone = 'Mars/Olympus_Mons'`)).rejects.toMatchObject({
        code: 'RM422',
        message: 'invalid_timezone',
      });
      expect((await db.query('select timezone from business_settings')).rows).toEqual([{ timezone: 'America/Los_Angeles' }]);
    });
  });

  describe('services', () => {
    const insert = (key: string, name: string, duration: number, price: number) =>
      db.query('insert into services (key, name, duration_minutes, price_cents) values ($1, $2, $3, $4)', [key, name, duration, price]);

    it.each([
      ['Bad-Key', 'x', 30, 100, 'services_key_check'],
      ['1abc', 'x', 30, 100, 'services_key_check'],
      ['a', 'x', 30, 100, 'services_key_check'],
      ['ok_key_1', '   ', 30, 100, 'services_name_check'],
      ['ok_key_2', 'x'.repeat(101), 30, 100, 'services_name_check'],
      ['ok_key_3', 'x', 4, 100, 'services_duration_minutes_check'],
      ['ok_key_4', 'x', 601, 100, 'services_duration_minutes_check'],
      ['ok_key_5', 'x', 30, -1, 'services_price_cents_check'],
      ['ok_key_6', 'x', 30, 10000001, 'services_price_cents_check'],
    ])('%s / %s / %i min / %i cents is refused (%s)', async (key, name, duration, price, constraint) => {
      await expect(insert(key, name, duration, price)).rejects.toMatchObject({ code: CHECK, constraint });
    });

    it('services_pkey: keys are unique', async () => {
      await expect(insert('combo', 'Again', 30, 100)).rejects.toMatchObject({ code: UNIQUE, constraint: 'services_pkey' });
    });
  });

  describe('add_ons', () => {
    const insert = (key: string, name: string, price: number, maxQuantity: number, extraMinutes: number) =>
      db.query('insert into add_ons (key, name, price_cents, max_quantity, extra_minutes) values ($1, $2, $3, $4, $5)', [
        key,
        name,
        price,
        maxQuantity,
        extraMinutes,
      ]);

    it.each([
      ['Towels!', 'x', 100, 1, 0, 'add_ons_key_check'],
      ['ok_a', '', 100, 1, 0, 'add_ons_name_check'],
      ['ok_b', 'x', -1, 1, 0, 'add_ons_price_cents_check'],
      ['ok_c', 'x', 10000001, 1, 0, 'add_ons_price_cents_check'],
      ['ok_d', 'x', 100, 0, 0, 'add_ons_max_quantity_check'],
      ['ok_e', 'x', 100, 101, 0, 'add_ons_max_quantity_check'],
      ['ok_f', 'x', 100, 1, -1, 'add_ons_extra_minutes_check'],
      ['ok_g', 'x', 100, 1, 601, 'add_ons_extra_minutes_check'],
    ])('%s / %s / %i cents / max %i / +%i min is refused (%s)', async (key, name, price, maxQuantity, extraMinutes, constraint) => {
      await expect(insert(key, name, price, maxQuantity, extraMinutes)).rejects.toMatchObject({ code: CHECK, constraint });
    });

    it('add_ons_pkey: keys are unique', async () => {
      await expect(insert('towels', 'Again', 100, 1, 0)).rejects.toMatchObject({ code: UNIQUE, constraint: 'add_ons_pkey' });
    });
  });

  // Seed columns with a default that readers take to be always set (20251202100000_lean_schema.sql):
  // an explicit NULL is refused, naming the column.
  describe('NOT NULL where the seed had only a default', () => {
    const future = () => new Date(Date.now() + 40 * 86_400_000 + Math.floor(Math.random() * 1e6) * 60_000);
    const address = JSON.stringify({ street: '1 Main St', city: 'Los Angeles', state: 'CA', zip: '90210' });
    const booking = (column: string) =>
      `insert into bookings (user_id, date_time, service_type, address, ${column}) values ($1, $2, 'cold_plunge', $3, null)`;
    const cases: [string, string, () => Promise<unknown[]>][] = [
      ['orders', 'status', async () => [`insert into orders (user_id, amount, status) values ($1, 100, null)`, [alice.id]]],
      ['orders', 'setup_fee_applied', async () => [`insert into orders (user_id, amount, setup_fee_applied) values ($1, 100, null)`, [alice.id]]],
      ['orders', 'metadata', async () => [`insert into orders (user_id, amount, metadata) values ($1, 100, null)`, [alice.id]]],
      ['orders', 'created_at', async () => [`insert into orders (user_id, amount, created_at) values ($1, 100, null)`, [alice.id]]],
      ['orders', 'updated_at', async () => [`insert into orders (user_id, amount, updated_at) values ($1, 100, null)`, [alice.id]]],
      ['admins', 'role', async () => [`insert into admins (email, role) values ($1, null)`, [uniqueEmail('admin')]]],
      ['admins', 'created_at', async () => [`insert into admins (email, created_at) values ($1, null)`, [uniqueEmail('admin')]]],
      ['bookings', 'duration', async () => [booking('duration'), [alice.id, future(), address]]],
      ['bookings', 'add_ons', async () => [booking('add_ons'), [alice.id, future(), address]]],
      ['bookings', 'created_at', async () => [booking('created_at'), [alice.id, future(), address]]],
      ['bookings', 'updated_at', async () => [booking('updated_at'), [alice.id, future(), address]]],
      ['profiles', 'created_at', async () => [`insert into profiles (id, email, created_at) values ($1, $2, null)`, [await makeBareAuthUser(db), uniqueEmail()]]],
      ['profiles', 'updated_at', async () => [`insert into profiles (id, email, updated_at) values ($1, $2, null)`, [await makeBareAuthUser(db), uniqueEmail()]]],
      [
        'availability_slots',
        'created_at',
        async () => [
          `insert into availability_slots (date, start_time, end_time, created_at)
           values ((now() at time zone 'America/Los_Angeles')::date + 400, '09:00', '09:30', null)`,
          [],
        ],
      ],
      [
        'referrals',
        'created_at',
        async () => [`insert into referrals (referrer_id, invitee_email, created_at) values ($1, $2, null)`, [alice.id, uniqueEmail('invitee')]],
      ],
      ['reviews', 'created_at', async () => [`insert into reviews (user_id, booking_id, rating, created_at) values ($1, gen_random_uuid(), 5, null)`, [alice.id]]],
      [
        'credit_transactions',
        'created_at',
        async () => [`insert into credit_transactions (user_id, amount, type, description, created_at) values ($1, 1, 'adjustment', 'x', null)`, [alice.id]],
      ],
    ];

    it.each(cases)('%s.%s', async (_table, column, statement) => {
      const [sql, params] = (await statement()) as [string, unknown[]];
      await expect(db.query(sql, params), sql).rejects.toMatchObject({ code: NOT_NULL, column });
    });
  });
});
