// The shared fixture of the row level security tests (test/db/rls/*.test.ts): one fresh database
// per file with three customers, one staff member of each tier, their orders, bookings, reviews,
// referrals, ledger rows, refunds and a payment event, and a retired service and add-on.
// Tests act as real users: role `authenticated` with JWT claims (or `anon`), set per transaction
// the way PostgREST/Supabase does.
import type { Caller, Database, Engine, Queryable } from '../../../src/db/index.js';
import { freshDatabase, type TestDatabase } from '../../helpers/db.js';
import {
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
} from '../support.js';

export * from '../support.js';

export const DENIED = { code: '42501' };
const past = (days: number) => new Date(Date.now() - days * 86_400_000);

/** Catalog values read when the fixture is made (tests compare against these, never written-in cents). */
export interface RlsPrices {
  cold_plunge: number;
  combo: number;
  setup_fee: number;
}

export interface RlsWorld {
  t: TestDatabase;
  db: Database;
  alice: TestUser;
  bob: TestUser;
  carol: TestUser;
  operator: TestUser;
  admin: TestUser;
  superAdmin: TestUser;
  aliceOrder: string;
  bobOrder: string;
  aliceBooking: Booking;
  bobBooking: Booking;
  aliceCompleted: Booking;
  aliceCompleted2: Booking;
  bobCompleted: Booking;
  bobReview: string;
  carolReview: string;
  slot: Slot;
  aliceRefund: string;
  bobRefund: string;
  prices: RlsPrices;
}

/** Runs fn as a user (or as the given caller, e.g. anon). */
export const asUser = <T>(db: Database, who: TestUser | Caller, fn: (tx: Queryable) => Promise<T>): Promise<T> =>
  db.asCaller('role' in who ? who : who.caller, fn);

export const count = async (tx: Queryable, sql: string, params?: unknown[]) =>
  Number((await tx.query<{ n: number }>(`select count(*)::int as n from (${sql}) x`, params)).rows[0]!.n);

/** A fresh database with the fixture; drop it with world.t.drop(). */
export async function rlsWorld(engine: Engine): Promise<RlsWorld> {
  const t = await freshDatabase(engine);
  const db = t.db;
  // The seed's rewards at sign-up (the default, first paid booking, is in test/money/referral-rewards.test.ts).
  await db.query("update public.business_settings set referral_reward_on = 'signup' where id");
  const alice = await makeCustomer(db, { full_name: 'Alice' });
  const bob = await makeCustomer(db, { full_name: 'Bob' });
  const carol = await makeCustomer(db, { full_name: 'Carol' });
  const operator = await makeAdmin(db, 'operator');
  const admin = await makeAdmin(db, 'admin');
  const superAdmin = await makeAdmin(db, 'super_admin');

  const aliceOrder = await makeOrder(db, { user_id: alice.id, amount: 40000 });
  const bobOrder = await makeOrder(db, { user_id: bob.id, amount: 15000 });
  const slot = await makeSlot(db, { max_bookings: 3 });
  const aliceBooking = await makeBooking(db, { user_id: alice.id, order_id: aliceOrder, slot_id: slot.id });
  const bobBooking = await makeBooking(db, { user_id: bob.id, order_id: bobOrder });
  const aliceCompleted = await makePastBooking(db, { user_id: alice.id, date_time: past(3), status: 'completed' });
  const aliceCompleted2 = await makePastBooking(db, { user_id: alice.id, date_time: past(4), status: 'completed' });
  const bobCompleted = await makePastBooking(db, { user_id: bob.id, date_time: past(5), status: 'completed' });
  const carolCompleted = await makePastBooking(db, { user_id: carol.id, date_time: past(6), status: 'completed' });

  const bobReview = (
    await db.query<{ id: string }>(
      `insert into reviews (user_id, booking_id, rating, comment) values ($1, $2, 4, 'good') returning id`,
      [bob.id, bobCompleted.id],
    )
  ).rows[0]!.id;
  const carolReview = (
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

  const aliceRefund = (
    await db.query<{ id: string }>(`insert into refunds (order_id, amount_cents, destination) values ($1, 1000, 'card') returning id`, [aliceOrder])
  ).rows[0]!.id;
  const bobRefund = (
    await db.query<{ id: string }>(`insert into refunds (order_id, amount_cents, destination) values ($1, 500, 'card') returning id`, [bobOrder])
  ).rows[0]!.id;
  await db.query(`insert into payment_events (id, provider, type, order_id, payload) values ('evt_rls_1', 'bolt', 'payment.succeeded', $1, '{}')`, [
    aliceOrder,
  ]);

  await db.query(
    `insert into services (key, name, duration_minutes, price_cents, active) values ('retired_service', 'Retired', 30, 1000, false)`,
  );
  await db.query(`insert into add_ons (key, name, price_cents, active) values ('retired_add_on', 'Retired', 100, false)`);
  const { rows } = await db.query<RlsPrices>(
    `select (select price_cents from services where key = 'cold_plunge') as cold_plunge,
            (select price_cents from services where key = 'combo') as combo,
            (select setup_fee_cents from business_settings) as setup_fee`,
  );
  const prices = rows[0]!;

  return {
    t,
    db,
    alice,
    bob,
    carol,
    operator,
    admin,
    superAdmin,
    aliceOrder,
    bobOrder,
    aliceBooking,
    bobBooking,
    aliceCompleted,
    aliceCompleted2,
    bobCompleted,
    bobReview,
    carolReview,
    slot,
    aliceRefund,
    bobRefund,
    prices,
  };
}
