// Row level security as real users see it: role `authenticated` with JWT claims (or `anon`), set
// per transaction the way PostgREST/Supabase does. For every table: what a customer, a visitor and
// each admin tier can read and write, and that everything else is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller, Database, Queryable } from '../../src/db/index.js';
import { engines, freshDatabase, type TestDatabase } from '../helpers/db.js';
import {
  anon,
  callerOf,
  creditsOf,
  giveCredits,
  makeAdmin,
  makeBooking,
  makeCustomer,
  makeOrder,
  makePastBooking,
  makeSlot,
  uniqueEmail,
  type Booking,
  type Slot,
  type TestUser,
} from './support.js';

const DENIED = { code: '42501' };
const past = (days: number) => new Date(Date.now() - days * 86_400_000);

describe.each(engines)('row level security on %s', (engine) => {
  let t: TestDatabase;
  let db: Database;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let operator: TestUser;
  let admin: TestUser;
  let superAdmin: TestUser;
  let aliceOrder: string;
  let bobOrder: string;
  let aliceBooking: Booking;
  let bobBooking: Booking;
  let aliceCompleted: Booking;
  let aliceCompleted2: Booking;
  let bobCompleted: Booking;
  let bobReview: string;
  let carolReview: string;
  let slot: Slot;
  let aliceRefund: string;
  let bobRefund: string;

  const as = <T>(who: TestUser | Caller, fn: (tx: Queryable) => Promise<T>): Promise<T> =>
    db.asCaller('role' in who ? who : who.caller, fn);
  const count = async (tx: Queryable, sql: string, params?: unknown[]) =>
    Number((await tx.query<{ n: number }>(`select count(*)::int as n from (${sql}) x`, params)).rows[0]!.n);
  const ownerCount = (sql: string, params?: unknown[]) => count(db, sql, params);

  beforeAll(async () => {
    t = await freshDatabase(engine);
    // The seed's rewards at sign-up (the default, first paid booking, is in test/money/referral-rewards.test.ts).
    await t.db.query("update public.business_settings set referral_reward_on = 'signup' where id");
    db = t.db;
    alice = await makeCustomer(db, { full_name: 'Alice' });
    bob = await makeCustomer(db, { full_name: 'Bob' });
    carol = await makeCustomer(db, { full_name: 'Carol' });
    operator = await makeAdmin(db, 'operator');
    admin = await makeAdmin(db, 'admin');
    superAdmin = await makeAdmin(db, 'super_admin');

    aliceOrder = await makeOrder(db, { user_id: alice.id, amount: 40000 });
    bobOrder = await makeOrder(db, { user_id: bob.id, amount: 15000 });
    slot = await makeSlot(db, { max_bookings: 3 });
    aliceBooking = await makeBooking(db, { user_id: alice.id, order_id: aliceOrder, slot_id: slot.id });
    bobBooking = await makeBooking(db, { user_id: bob.id, order_id: bobOrder });
    aliceCompleted = await makePastBooking(db, { user_id: alice.id, date_time: past(3), status: 'completed' });
    aliceCompleted2 = await makePastBooking(db, { user_id: alice.id, date_time: past(4), status: 'completed' });
    bobCompleted = await makePastBooking(db, { user_id: bob.id, date_time: past(5), status: 'completed' });
    const carolCompleted = await makePastBooking(db, { user_id: carol.id, date_time: past(6), status: 'completed' });

    bobReview = (
      await db.query<{ id: string }>(
        `insert into reviews (user_id, booking_id, rating, comment) values ($1, $2, 4, 'good') returning id`,
        [bob.id, bobCompleted.id],
      )
    ).rows[0]!.id;
    carolReview = (
      await db.query<{ id: string }>(
        `insert into reviews (user_id, booking_id, rating, comment, is_featured) values ($1, $2, 5, 'great', true) returning id`,
        [carol.id, carolCompleted.id],
      )
    ).rows[0]!.id;

    await db.query(`insert into referrals (referrer_id, invitee_email) values ($1, $2), ($3, $4)`, [
      alice.id,
      uniqueEmail('alice-friend'),
      bob.id,
      uniqueEmail('bob-friend'),
    ]);
    await giveCredits(db, alice.id, 100);
    await giveCredits(db, bob.id, 100);

    aliceRefund = (
      await db.query<{ id: string }>(`insert into refunds (order_id, amount_cents, destination) values ($1, 1000, 'card') returning id`, [aliceOrder])
    ).rows[0]!.id;
    bobRefund = (
      await db.query<{ id: string }>(`insert into refunds (order_id, amount_cents, destination) values ($1, 500, 'card') returning id`, [bobOrder])
    ).rows[0]!.id;
    await db.query(`insert into payment_events (id, provider, type, order_id, payload) values ('evt_rls_1', 'bolt', 'payment.succeeded', $1, '{}')`, [
      aliceOrder,
    ]);

    await db.query(
      `insert into services (key, name, duration_minutes, price_cents, active) values ('retired_service', 'Retired', 30, 1000, false)`,
    );
    await db.query(`insert into add_ons (key, name, price_cents, active) values ('retired_add_on', 'Retired', 100, false)`);
  });
  afterAll(() => t?.drop());

  describe('a customer', () => {
    it('reads exactly their own profile', async () => {
      const rows = await as(alice, async (tx) => (await tx.query<{ id: string }>('select id from profiles')).rows);
      expect(rows.map((r) => r.id)).toEqual([alice.id]);
      expect(await as(alice, (tx) => count(tx, 'select 1 from profiles where id = $1', [bob.id]))).toBe(0);
    });

    it('updates full_name, phone and address of their own profile', async () => {
      const address = { street: '1 Ocean Ave', city: 'Santa Monica', state: 'CA', zip: '90401' };
      const updated = await as(alice, (tx) =>
        tx.query(`update profiles set full_name = 'Alice Z', phone = '+1-555-0100', address = $2 where id = $1`, [
          alice.id,
          JSON.stringify(address),
        ]),
      );
      expect(updated.rowCount).toBe(1);
      const { rows } = await db.query('select full_name, phone, address from profiles where id = $1', [alice.id]);
      expect(rows[0]).toEqual({ full_name: 'Alice Z', phone: '+1-555-0100', address });
    });

    it("cannot update another customer's profile (no row matches)", async () => {
      const updated = await as(alice, (tx) => tx.query(`update profiles set full_name = 'hacked' where id = $1`, [bob.id]));
      expect(updated.rowCount).toBe(0);
      expect((await db.query('select full_name from profiles where id = $1', [bob.id])).rows[0]).toEqual({ full_name: 'Bob' });
    });

    it.each([
      ['credits', 1000],
      ['email', 'other@example.test'],
      ['referral_code', 'FREEBIES'],
      ['id', '00000000-0000-0000-0000-000000000000'],
      ['created_at', '2000-01-01'],
    ])('cannot change profile.%s', async (column, value) => {
      await expect(as(alice, (tx) => tx.query(`update profiles set ${column} = $2 where id = $1`, [alice.id, value]))).rejects.toMatchObject(
        DENIED,
      );
    });

    it('cannot insert or delete profiles', async () => {
      await expect(as(alice, (tx) => tx.query(`insert into profiles (id, email) values (gen_random_uuid(), 'x@example.test')`))).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query('delete from profiles where id = $1', [alice.id]))).rejects.toMatchObject(DENIED);
    });

    it('reads their own orders only, and cannot write orders', async () => {
      const ids = await as(alice, async (tx) => (await tx.query<{ id: string }>('select id from orders')).rows.map((r) => r.id));
      expect(ids).toEqual([aliceOrder]);
      await expect(as(alice, (tx) => tx.query('insert into orders (user_id, amount) values ($1, 100)', [alice.id]))).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query(`update orders set status = 'paid' where id = $1`, [aliceOrder]))).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query('delete from orders where id = $1', [aliceOrder]))).rejects.toMatchObject(DENIED);
    });

    it('reads their own bookings only', async () => {
      const ids = await as(alice, async (tx) => (await tx.query<{ id: string }>('select id from bookings order by id')).rows.map((r) => r.id));
      expect(ids.sort()).toEqual([aliceBooking.id, aliceCompleted.id, aliceCompleted2.id].sort());
      expect(await as(alice, (tx) => count(tx, 'select 1 from bookings where user_id = $1', [bob.id]))).toBe(0);
    });

    it('updates notes and address of their own booking, and nobody else’s', async () => {
      const updated = await as(alice, (tx) =>
        tx.query(`update bookings set notes = 'gate code 1234', address = '{"street":"2 Elm St"}' where id = $1`, [aliceBooking.id]),
      );
      expect(updated.rowCount).toBe(1);
      expect((await db.query('select notes, address from bookings where id = $1', [aliceBooking.id])).rows[0]).toEqual({
        notes: 'gate code 1234',
        address: { street: '2 Elm St' },
      });
      const other = await as(alice, (tx) => tx.query(`update bookings set notes = 'hacked' where id = $1`, [bobBooking.id]));
      expect(other.rowCount).toBe(0);
    });

    it('cannot change the status of their own booking', async () => {
      await expect(as(alice, (tx) => tx.query(`update bookings set status = 'confirmed' where id = $1`, [aliceBooking.id]))).rejects.toMatchObject({
        code: 'RM403',
        message: 'forbidden_column',
      });
    });

    it.each([
      ['total_amount', 1],
      ['user_id', 'BOB'],
      ['order_id', null],
      ['slot_id', null],
      ['date_time', '2099-01-01T10:00:00Z'],
      ['service_type', 'combo'],
    ])('cannot change booking.%s', async (column, value) => {
      const v = value === 'BOB' ? bob.id : value;
      await expect(as(alice, (tx) => tx.query(`update bookings set ${column} = $2 where id = $1`, [aliceBooking.id, v]))).rejects.toMatchObject(DENIED);
      expect((await db.query('select user_id, order_id, slot_id, total_amount from bookings where id = $1', [aliceBooking.id])).rows[0]).toEqual({
        user_id: alice.id,
        order_id: aliceOrder,
        slot_id: slot.id,
        total_amount: 15000,
      });
    });

    it('cannot insert or delete bookings', async () => {
      await expect(
        as(alice, (tx) =>
          tx.query(`insert into bookings (user_id, date_time, service_type, address) values ($1, now() + interval '3 days', 'combo', '{}')`, [alice.id]),
        ),
      ).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query('delete from bookings where id = $1', [aliceBooking.id]))).rejects.toMatchObject(DENIED);
    });

    it('reads referrals they made or received, not others', async () => {
      const invitee = await makeCustomer(db, { referral_code: bob.referral_code });
      const mine = await as(alice, async (tx) => (await tx.query<{ referrer_id: string }>('select referrer_id from referrals')).rows);
      expect(mine.length).toBe(1);
      expect(mine.every((r) => r.referrer_id === alice.id)).toBe(true);
      const received = await as(invitee, async (tx) => (await tx.query<{ referrer_id: string; invitee_id: string }>('select referrer_id, invitee_id from referrals')).rows);
      expect(received).toEqual([{ referrer_id: bob.id, invitee_id: invitee.id }]);
    });

    it('invites a friend (an own pending referral) but not in someone else’s name', async () => {
      const email = uniqueEmail('friend');
      await as(alice, (tx) => tx.query('insert into referrals (referrer_id, invitee_email) values ($1, $2)', [alice.id, email.toUpperCase()]));
      expect((await db.query('select status, referral_code, invitee_email from referrals where invitee_email = $1', [email])).rows).toEqual([
        { status: 'pending', referral_code: alice.referral_code, invitee_email: email },
      ]);
      await expect(
        as(alice, (tx) => tx.query('insert into referrals (referrer_id, invitee_email) values ($1, $2)', [bob.id, uniqueEmail('friend')])),
      ).rejects.toMatchObject(DENIED);
      await expect(
        as(alice, (tx) =>
          tx.query(`insert into referrals (referrer_id, invitee_email, status) values ($1, $2, 'accepted')`, [alice.id, uniqueEmail('friend')]),
        ),
      ).rejects.toMatchObject(DENIED);
      await expect(
        as(alice, (tx) => tx.query(`insert into referrals (referrer_id, invitee_email, invitee_id) values ($1, $2, $3)`, [alice.id, uniqueEmail('f'), bob.id])),
      ).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query(`update referrals set status = 'accepted' where referrer_id = $1`, [alice.id]))).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query('delete from referrals where referrer_id = $1', [alice.id]))).rejects.toMatchObject(DENIED);
    });

    it('reads all reviews (seed: signed-in users read all)', async () => {
      const ids = await as(alice, async (tx) => (await tx.query<{ id: string }>('select id from reviews')).rows.map((r) => r.id));
      expect(ids).toEqual(expect.arrayContaining([bobReview, carolReview]));
      expect(ids.length).toBe(await ownerCount('select 1 from reviews'));
    });

    it('reviews their own completed booking once, and nothing else', async () => {
      await as(alice, (tx) =>
        tx.query(`insert into reviews (user_id, booking_id, rating, comment) values ($1, $2, 5, 'loved it')`, [alice.id, aliceCompleted.id]),
      );
      expect((await db.query('select rating, is_featured from reviews where booking_id = $1', [aliceCompleted.id])).rows).toEqual([
        { rating: 5, is_featured: false },
      ]);
      // Second review of the same booking.
      await expect(
        as(alice, (tx) => tx.query('insert into reviews (user_id, booking_id, rating) values ($1, $2, 4)', [alice.id, aliceCompleted.id])),
      ).rejects.toMatchObject({ code: '23505' });
      // A booking that is not completed yet.
      await expect(
        as(alice, (tx) => tx.query('insert into reviews (user_id, booking_id, rating) values ($1, $2, 4)', [alice.id, aliceBooking.id])),
      ).rejects.toMatchObject(DENIED);
      // Someone else's completed booking, in their own name or in the owner's.
      await expect(
        as(alice, (tx) => tx.query('insert into reviews (user_id, booking_id, rating) values ($1, $2, 1)', [alice.id, bobCompleted.id])),
      ).rejects.toMatchObject(DENIED);
      await expect(
        as(alice, (tx) => tx.query('insert into reviews (user_id, booking_id, rating) values ($1, $2, 1)', [bob.id, bobCompleted.id])),
      ).rejects.toMatchObject(DENIED);
      // Featuring their own review.
      await expect(
        as(alice, (tx) =>
          tx.query('insert into reviews (user_id, booking_id, rating, is_featured) values ($1, $2, 5, true)', [alice.id, aliceCompleted2.id]),
        ),
      ).rejects.toMatchObject(DENIED);
      expect(await ownerCount('select 1 from reviews where booking_id = $1', [aliceCompleted2.id])).toBe(0);
    });

    it('edits the rating of their own review but cannot feature it, edit or delete others', async () => {
      const own = await as(alice, (tx) => tx.query('update reviews set rating = 3 where booking_id = $1', [aliceCompleted.id]));
      expect(own.rowCount).toBe(1);
      await expect(
        as(alice, (tx) => tx.query('update reviews set is_featured = true where booking_id = $1', [aliceCompleted.id])),
      ).rejects.toMatchObject({ code: 'RM403', message: 'forbidden_column' });
      await expect(as(alice, (tx) => tx.query('update reviews set google_synced = true where booking_id = $1', [aliceCompleted.id]))).rejects.toMatchObject(DENIED);
      const others = await as(alice, (tx) => tx.query('update reviews set rating = 1 where id = $1', [bobReview]));
      expect(others.rowCount).toBe(0);
      const deleted = await as(alice, (tx) => tx.query('delete from reviews'));
      expect(deleted.rowCount).toBe(0);
      expect((await db.query('select rating from reviews where id = $1', [bobReview])).rows[0]).toEqual({ rating: 4 });
    });

    it('reads their own ledger rows only and cannot write the ledger', async () => {
      const users = await as(alice, async (tx) => (await tx.query<{ user_id: string }>('select user_id from credit_transactions')).rows);
      expect(users.length).toBeGreaterThan(0);
      expect(users.every((r) => r.user_id === alice.id)).toBe(true);
      await expect(
        as(alice, (tx) =>
          tx.query(`insert into credit_transactions (user_id, amount, type, description, created_by) values ($1, 100, 'adjustment', 'free money', $1)`, [alice.id]),
        ),
      ).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query('delete from credit_transactions where user_id = $1', [alice.id]))).rejects.toMatchObject(DENIED);
      expect(await creditsOf(db, alice.id)).toBe(100);
    });

    it('sees no admins and cannot make themselves one', async () => {
      expect(await as(alice, (tx) => count(tx, 'select 1 from admins'))).toBe(0);
      await expect(as(alice, (tx) => tx.query(`insert into admins (email, role) values ($1, 'super_admin')`, [alice.email]))).rejects.toMatchObject(DENIED);
      expect(await ownerCount('select 1 from admins where email = $1', [alice.email])).toBe(0);
    });

    it('reads every slot but cannot create, change or delete one', async () => {
      expect(await as(alice, (tx) => count(tx, 'select 1 from availability_slots'))).toBe(await ownerCount('select 1 from availability_slots'));
      await expect(
        as(alice, (tx) => tx.query(`insert into availability_slots (date, start_time, end_time) values (current_date + 30, '10:00', '11:00')`)),
      ).rejects.toMatchObject(DENIED);
      expect((await as(alice, (tx) => tx.query('update availability_slots set max_bookings = 99 where id = $1', [slot.id]))).rowCount).toBe(0);
      expect((await as(alice, (tx) => tx.query('delete from availability_slots where id = $1', [slot.id]))).rowCount).toBe(0);
      await expect(as(alice, (tx) => tx.query('update availability_slots set current_bookings = 0 where id = $1', [slot.id]))).rejects.toMatchObject(DENIED);
    });

    it('reads active services, add-ons and the settings, and changes none of them', async () => {
      const services = await as(alice, async (tx) => (await tx.query<{ key: string }>('select key from services order by key')).rows.map((r) => r.key));
      expect(services).toEqual(['cold_plunge', 'combo', 'infrared_sauna']);
      const addOns = await as(alice, async (tx) => (await tx.query<{ key: string }>('select key from add_ons order by key')).rows.map((r) => r.key));
      expect(addOns).toEqual(['electrolytes', 'extra_visits', 'family', 'towels']);
      expect(await as(alice, (tx) => count(tx, 'select 1 from business_settings'))).toBe(1);
      expect((await as(alice, (tx) => tx.query(`update services set price_cents = 1 where key = 'combo'`))).rowCount).toBe(0);
      expect((await as(alice, (tx) => tx.query(`update add_ons set price_cents = 1 where key = 'towels'`))).rowCount).toBe(0);
      expect((await as(alice, (tx) => tx.query('update business_settings set setup_fee_cents = 0'))).rowCount).toBe(0);
      await expect(
        as(alice, (tx) => tx.query(`insert into services (key, name, duration_minutes, price_cents) values ('free_plunge', 'Free', 30, 0)`)),
      ).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query(`insert into add_ons (key, name, price_cents) values ('free_towel', 'Free', 0)`))).rejects.toMatchObject(DENIED);
      expect((await db.query(`select price_cents from services where key = 'combo'`)).rows[0]).toEqual({ price_cents: 25000 });
      expect((await db.query('select setup_fee_cents from business_settings')).rows[0]).toEqual({ setup_fee_cents: 25000 });
    });

    it('reads refunds of their own orders only, no payment events, and writes neither', async () => {
      const ids = await as(alice, async (tx) => (await tx.query<{ id: string }>('select id from refunds')).rows.map((r) => r.id));
      expect(ids).toEqual([aliceRefund]);
      expect(await as(alice, (tx) => count(tx, 'select 1 from payment_events'))).toBe(0);
      await expect(
        as(alice, (tx) => tx.query(`insert into refunds (order_id, amount_cents, destination) values ($1, 100, 'credits')`, [aliceOrder])),
      ).rejects.toMatchObject(DENIED);
      await expect(
        as(alice, (tx) => tx.query(`insert into payment_events (id, provider, type, payload) values ('evt_x', 'bolt', 'x', '{}')`)),
      ).rejects.toMatchObject(DENIED);
    });

    it('cannot call the privileged functions', async () => {
      await expect(as(alice, (tx) => tx.query('select public.expire_referrals()'))).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query('select public.accept_referral($1, $2)', [alice.id, bob.referral_code]))).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query(`select * from app_private.create_auth_user('x@example.test', 'x', '{}')`))).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query('select * from auth.users'))).rejects.toMatchObject(DENIED);
    });

    it('is not an admin by claiming an admin email in the JWT', async () => {
      const spoof: Caller = { role: 'authenticated', claims: { sub: alice.id, role: 'authenticated', email: superAdmin.email } };
      expect(await as(spoof, async (tx) => (await tx.query<{ a: boolean }>('select app_hidden.is_admin() as a')).rows[0]!.a)).toBe(false);
      expect(await as(spoof, (tx) => count(tx, 'select 1 from profiles'))).toBe(1);
    });
  });

  describe('a visitor (anon)', () => {
    it('reads slots, featured reviews, active services and add-ons, and the settings', async () => {
      expect(await as(anon, (tx) => count(tx, 'select 1 from availability_slots'))).toBe(await ownerCount('select 1 from availability_slots'));
      const reviews = await as(anon, async (tx) => (await tx.query<{ id: string }>('select id from reviews')).rows.map((r) => r.id));
      expect(reviews).toEqual([carolReview]);
      expect(await as(anon, (tx) => count(tx, 'select 1 from services'))).toBe(3);
      expect(await as(anon, (tx) => count(tx, 'select 1 from add_ons'))).toBe(4);
      expect(await as(anon, (tx) => count(tx, 'select 1 from business_settings'))).toBe(1);
    });

    it.each(['profiles', 'orders', 'bookings', 'referrals', 'admins', 'credit_transactions', 'refunds', 'payment_events'])('cannot read %s', async (table) => {
      await expect(as(anon, (tx) => tx.query(`select * from ${table}`))).rejects.toMatchObject(DENIED);
    });

    it('cannot write anything', async () => {
      const writes = [
        `insert into reviews (user_id, booking_id, rating) values ('${alice.id}', '${aliceCompleted2.id}', 5)`,
        `update reviews set is_featured = false`,
        `insert into availability_slots (date, start_time, end_time) values (current_date + 40, '10:00', '11:00')`,
        `update availability_slots set is_available = false`,
        `update services set active = false`,
        `update business_settings set setup_fee_cents = 0`,
        `insert into referrals (referrer_id, invitee_email) values ('${alice.id}', 'x@example.test')`,
        `insert into bookings (user_id, date_time, service_type, address) values ('${alice.id}', now() + interval '3 days', 'combo', '{}')`,
      ];
      for (const sql of writes) await expect(as(anon, (tx) => tx.query(sql)), sql).rejects.toMatchObject(DENIED);
      expect((await db.query('select is_featured from reviews where id = $1', [carolReview])).rows[0]).toEqual({ is_featured: true });
    });

    it('is not an admin even with an admin sub in the claims', async () => {
      // Claims say super admin, but the role is anon: is_admin requires role authenticated.
      const spoofed = await db.transaction(async (tx) => {
        await tx.query(`select set_config('role', 'anon', true), set_config('request.jwt.claims', $1, true)`, [
          JSON.stringify({ sub: superAdmin.id, role: 'anon' }),
        ]);
        return (await tx.query<{ a: boolean }>('select app_hidden.is_admin() as a')).rows[0]!.a;
      });
      expect(spoofed).toBe(false);
    });
  });

  describe('an operator', () => {
    it('reads every profile and every booking', async () => {
      expect(await as(operator, (tx) => count(tx, 'select 1 from profiles'))).toBe(await ownerCount('select 1 from profiles'));
      expect(await as(operator, (tx) => count(tx, 'select 1 from bookings'))).toBe(await ownerCount('select 1 from bookings'));
      expect(await ownerCount('select 1 from profiles')).toBeGreaterThan(3);
    });

    it("confirms a customer's booking", async () => {
      const booking = await makeBooking(db, { user_id: bob.id });
      const updated = await as(operator, (tx) => tx.query(`update bookings set status = 'confirmed' where id = $1`, [booking.id]));
      expect(updated.rowCount).toBe(1);
      expect((await db.query('select status from bookings where id = $1', [booking.id])).rows[0]).toEqual({ status: 'confirmed' });
      await expect(as(operator, (tx) => tx.query('update bookings set total_amount = 1 where id = $1', [booking.id]))).rejects.toMatchObject(DENIED);
    });

    it("cancels a customer's booking, which frees its slot place (the counter is kept for them)", async () => {
      const slot2 = await makeSlot(db, { max_bookings: 1 });
      const booking = await makeBooking(db, { user_id: bob.id, slot_id: slot2.id });
      expect((await as(operator, (tx) => tx.query(`update bookings set status = 'cancelled' where id = $1`, [booking.id]))).rowCount).toBe(1);
      expect((await db.query('select current_bookings from availability_slots where id = $1', [slot2.id])).rows[0]).toEqual({ current_bookings: 0 });
    });

    it('reads no orders, referrals of others, or ledger rows of others', async () => {
      expect(await as(operator, (tx) => count(tx, 'select 1 from orders'))).toBe(0);
      expect(await as(operator, (tx) => count(tx, 'select 1 from credit_transactions'))).toBe(0);
      expect(await as(operator, (tx) => count(tx, 'select 1 from referrals'))).toBe(0);
      expect(await as(operator, (tx) => count(tx, 'select 1 from refunds'))).toBe(0);
      expect(await as(operator, (tx) => count(tx, 'select 1 from payment_events'))).toBe(0);
    });

    it('cannot adjust credits, create slots, edit profiles, feature reviews or manage admins', async () => {
      await expect(
        as(operator, (tx) =>
          tx.query(`insert into credit_transactions (user_id, amount, type, description, created_by) values ($1, 10, 'adjustment', 'x', $2)`, [
            bob.id,
            operator.id,
          ]),
        ),
      ).rejects.toMatchObject(DENIED);
      await expect(
        as(operator, (tx) => tx.query(`insert into availability_slots (date, start_time, end_time) values (current_date + 41, '10:00', '11:00')`)),
      ).rejects.toMatchObject(DENIED);
      expect((await as(operator, (tx) => tx.query(`update profiles set full_name = 'x' where id = $1`, [bob.id]))).rowCount).toBe(0);
      // Reviews are the admin's: the update policy hides the row from an operator.
      expect((await as(operator, (tx) => tx.query('update reviews set is_featured = true where id = $1', [bobReview]))).rowCount).toBe(0);
      expect((await db.query('select is_featured from reviews where id = $1', [bobReview])).rows[0]).toEqual({ is_featured: false });
      await expect(as(operator, (tx) => tx.query(`insert into admins (email) values ($1)`, [uniqueEmail('op')]))).rejects.toMatchObject(DENIED);
      // An operator sees their own admins row only.
      const rows = await as(operator, async (tx) => (await tx.query<{ email: string }>('select email from admins')).rows);
      expect(rows).toEqual([{ email: operator.email }]);
    });
  });

  describe('an admin', () => {
    it('reads every order, refund and payment event', async () => {
      expect(await as(admin, (tx) => count(tx, 'select 1 from orders'))).toBe(2);
      const refunds = await as(admin, async (tx) => (await tx.query<{ id: string }>('select id from refunds')).rows.map((r) => r.id));
      expect(refunds.sort()).toEqual([aliceRefund, bobRefund].sort());
      expect(await as(admin, (tx) => count(tx, 'select 1 from payment_events'))).toBe(1);
    });

    it('records a credit adjustment in their own name, and the balance follows', async () => {
      const before = await creditsOf(db, bob.id);
      await as(admin, (tx) =>
        tx.query(`insert into credit_transactions (user_id, amount, type, description, created_by) values ($1, 25, 'adjustment', 'goodwill', $2)`, [
          bob.id,
          admin.id,
        ]),
      );
      expect(await creditsOf(db, bob.id)).toBe(before + 25);
      // Not another type, not in someone else's name.
      await expect(
        as(admin, (tx) =>
          tx.query(`insert into credit_transactions (user_id, amount, type, description, created_by) values ($1, 25, 'earned', 'x', $2)`, [bob.id, admin.id]),
        ),
      ).rejects.toMatchObject(DENIED);
      await expect(
        as(admin, (tx) =>
          tx.query(`insert into credit_transactions (user_id, amount, type, description, created_by) values ($1, 25, 'adjustment', 'x', $2)`, [
            bob.id,
            superAdmin.id,
          ]),
        ),
      ).rejects.toMatchObject(DENIED);
      expect(await creditsOf(db, bob.id)).toBe(before + 25);
    });

    it('creates slots and features a review', async () => {
      const inserted = await as(admin, (tx) =>
        tx.query(`insert into availability_slots (date, start_time, end_time, max_bookings) values (current_date + 42, '10:00', '11:00', 2) returning id`),
      );
      expect(inserted.rowCount).toBe(1);
      const featured = await as(admin, (tx) => tx.query('update reviews set is_featured = true where id = $1', [bobReview]));
      expect(featured.rowCount).toBe(1);
      expect((await db.query('select is_featured from reviews where id = $1', [bobReview])).rows[0]).toEqual({ is_featured: true });
      expect(await as(anon, (tx) => count(tx, 'select 1 from reviews'))).toBe(2);
    });

    it('edits the catalog and settings', async () => {
      expect((await as(admin, (tx) => tx.query(`update services set sort_order = 9 where key = 'combo'`))).rowCount).toBe(1);
      expect(await as(admin, (tx) => count(tx, 'select 1 from services'))).toBe(4); // inactive ones too
      expect((await as(admin, (tx) => tx.query('update business_settings set min_notice_minutes = 60'))).rowCount).toBe(1);
      // One policy per action (services_insert_admin, add_ons_update_admin, ...): admins add and edit.
      const added = await as(admin, (tx) =>
        tx.query(`insert into services (key, name, duration_minutes, price_cents, active) values ('admin_added', 'Added', 30, 100, false)`),
      );
      expect(added.rowCount).toBe(1);
      expect((await as(admin, (tx) => tx.query(`insert into add_ons (key, name, price_cents, active) values ('admin_added', 'Added', 100, false)`))).rowCount).toBe(1);
      expect((await as(admin, (tx) => tx.query(`update add_ons set sort_order = 9 where key = 'retired_add_on'`))).rowCount).toBe(1);
      // Deleting stays ungranted: the catalog retires entries (active = false).
      await expect(as(admin, (tx) => tx.query(`delete from services where key = 'admin_added'`))).rejects.toMatchObject(DENIED);
    });

    it('cannot manage admins', async () => {
      await expect(as(admin, (tx) => tx.query(`insert into admins (email, role) values ($1, 'operator')`, [uniqueEmail('a')]))).rejects.toMatchObject(DENIED);
      expect((await as(admin, (tx) => tx.query(`update admins set role = 'super_admin' where email = $1`, [admin.email]))).rowCount).toBe(0);
      expect((await as(admin, (tx) => tx.query('delete from admins where email = $1', [operator.email]))).rowCount).toBe(0);
      expect((await db.query('select role from admins where email = $1', [admin.email])).rows[0]).toEqual({ role: 'admin' });
    });
  });

  describe('a super admin', () => {
    it('inserts, updates and deletes admins', async () => {
      const email = uniqueEmail('new-staff');
      await as(superAdmin, (tx) => tx.query(`insert into admins (email, role) values ($1, 'operator')`, [email.toUpperCase()]));
      expect(await as(superAdmin, (tx) => count(tx, 'select 1 from admins'))).toBe(await ownerCount('select 1 from admins'));
      expect((await as(superAdmin, (tx) => tx.query(`update admins set role = 'admin' where email = $1`, [email]))).rowCount).toBe(1);
      expect((await db.query('select role from admins where email = $1', [email])).rows).toEqual([{ role: 'admin' }]);
      expect((await as(superAdmin, (tx) => tx.query('delete from admins where email = $1', [email]))).rowCount).toBe(1);
      expect(await ownerCount('select 1 from admins where email = $1', [email])).toBe(0);
    });
  });

  describe('admin identity', () => {
    it('matches the admins row case-insensitively, whichever side has the capitals', async () => {
      // The auth email in mixed case (GoTrue lower-cases, but older rows may not be).
      const mixed = await makeCustomer(db, { email: `Mixed.Case-${Date.now()}@Example.TEST` });
      await db.query(`insert into admins (email, role) values ($1, 'admin')`, [mixed.email.toLowerCase()]);
      expect(await as(mixed, (tx) => count(tx, 'select 1 from orders'))).toBe(2);
      // The admins row in upper case (bypassing its normalizing trigger, as a restored dump might).
      const lower = await makeCustomer(db);
      await db.transaction(async (tx) => {
        await tx.query('set local session_replication_role = replica');
        await tx.query(`insert into admins (email, role) values ($1, 'operator')`, [lower.email.toUpperCase()]);
      });
      expect(await as(lower, (tx) => count(tx, 'select 1 from bookings'))).toBe(await ownerCount('select 1 from bookings'));
      expect(await as(lower, async (tx) => (await tx.query<{ r: string }>('select app_hidden.admin_role_of_current_user() as r')).rows[0]!.r)).toBe('operator');
      // And a plain customer is none of these.
      expect(await as(callerOf(alice), async (tx) => (await tx.query<{ r: string | null }>('select app_hidden.admin_role_of_current_user() as r')).rows[0]!.r)).toBeNull();
    });
  });
});
