// The seed's own queries, run verbatim on a small data set whose answers were worked out by hand
// (see the tables in the comments below), and the maintenance integrity checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Queryable } from '../../src/db/index.js';
import { integrityChecks, runIntegrityCheck } from '../../src/maintenance/repository.js';
import { engines, freshDatabase, type TestDatabase } from '../helpers/db.js';
import { seedQueries } from './seed-sql.js';
import { giveCredits, inRolledBackTransaction, makeBooking, makeCustomer, makeOrder, makeSlot, type TestUser } from './support.js';

/*
 * The data set (all times UTC; the queries run with TimeZone = UTC).
 *
 * Customers (signup referral code in brackets):
 *   alice  Alice Adams
 *   bob    Bob Brown    [alice's]
 *   carol  Carol Cruz   [alice's]
 *   dave   Dave Diaz    [bob's]
 *   erin   Erin Evans
 *
 * Referrals (created_at set afterwards):
 *   2025-01: alice->bob accepted, alice->carol accepted, alice->x1 pending, alice->x2 expired
 *   2025-02: bob->dave accepted, bob->y1 pending, erin->z1 pending
 *
 * Ledger: alice +50 +50 -30 = 70; bob +50 +50 = 100; carol 50; dave 50; erin +20 (adjustment).
 *
 * Orders (amount in cents, created_at):
 *   o1 alice 40000 paid     2025-01-10      o4 bob   10000 failed   2025-02-06
 *   o2 alice 25000 paid     2025-01-20      o5 carol 20000 paid     2025-02-15
 *   o3 bob   15000 paid     2025-02-05      o6 carol 30000 refunded 2025-03-01
 *
 * Bookings (date_time, status, service, duration, total_amount, order):
 *   b1  alice 2025-01-12 17:00 completed cold_plunge    30 40000 o1
 *   b2  alice 2025-01-22 18:00 completed combo          60 25000 o2
 *   b3  bob   2025-02-07 17:00 completed cold_plunge    30 15000 o3
 *   b4  bob   2025-02-08 17:30 cancelled infrared_sauna 45 10000 o4
 *   b5  carol 2025-02-16 19:00 confirmed combo          60 20000 o5
 *   b6  carol 2025-03-02 18:00 cancelled cold_plunge    30 30000 o6
 *   b7  erin  (future, in a slot)  scheduled cold_plunge 30 15000 -
 *   b8  dave  2025-03-10 18:30 completed infrared_sauna 45 17500 -
 *   b9  erin  2025-03-15 17:00 completed combo          60 25000 -
 *   b10 erin  2025-03-20 20:00 completed cold_plunge    30 15000 -
 */
describe.each(engines)('the seed queries on %s', (engine) => {
  let t: TestDatabase;
  let db: Database;
  const u: Record<'alice' | 'bob' | 'carol' | 'dave' | 'erin', TestUser> = {} as never;
  const o: Record<string, string> = {};
  const b: Record<string, string> = {};
  let slotId: string;

  /** A seed query, verbatim, in a transaction with TimeZone = UTC (month and hour buckets). */
  const run = (sql: string, tx: Queryable = db) => inUtc(tx, sql);
  const inUtc = async (tx: Queryable, sql: string) => {
    if (tx === db) {
      return db.transaction(async (inner) => {
        await inner.query(`set local timezone = 'UTC'`);
        return (await inner.query(sql)).rows;
      });
    }
    await tx.query(`set local timezone = 'UTC'`);
    return (await tx.query(sql)).rows;
  };

  beforeAll(async () => {
    t = await freshDatabase(engine);
    // The seed's rewards at sign-up (the default, first paid booking, is in test/money/referral-rewards.test.ts).
    await t.db.query("update public.business_settings set referral_reward_on = 'signup' where id");
    db = t.db;
    u.alice = await makeCustomer(db, { full_name: 'Alice Adams' });
    u.bob = await makeCustomer(db, { full_name: 'Bob Brown', referral_code: u.alice.referral_code });
    u.carol = await makeCustomer(db, { full_name: 'Carol Cruz', referral_code: u.alice.referral_code });
    u.dave = await makeCustomer(db, { full_name: 'Dave Diaz', referral_code: u.bob.referral_code });
    u.erin = await makeCustomer(db, { full_name: 'Erin Evans' });

    await db.query(`insert into referrals (referrer_id, invitee_email) values ($1, 'x1@example.test'), ($2, 'y1@example.test'), ($3, 'z1@example.test')`, [
      u.alice.id,
      u.bob.id,
      u.erin.id,
    ]);
    await db.query(`insert into referrals (referrer_id, invitee_email, expires_at) values ($1, 'x2@example.test', now() - interval '1 day')`, [u.alice.id]);
    expect((await db.query<{ n: number }>('select public.expire_referrals() as n')).rows[0]!.n).toBe(1);
    await db.query(`update referrals set created_at = '2025-01-15T12:00:00Z' where referrer_id = $1`, [u.alice.id]);
    await db.query(`update referrals set created_at = '2025-02-15T12:00:00Z' where referrer_id in ($1, $2)`, [u.bob.id, u.erin.id]);

    await db.query(`insert into credit_transactions (user_id, amount, type, description) values ($1, -30, 'spent', 'Session')`, [u.alice.id]);
    await giveCredits(db, u.erin.id, 20, 'Goodwill');

    o.o1 = await makeOrder(db, { user_id: u.alice.id, amount: 40000, status: 'paid', created_at: '2025-01-10T12:00:00Z' });
    o.o2 = await makeOrder(db, { user_id: u.alice.id, amount: 25000, status: 'paid', created_at: '2025-01-20T12:00:00Z' });
    o.o3 = await makeOrder(db, { user_id: u.bob.id, amount: 15000, status: 'paid', created_at: '2025-02-05T12:00:00Z' });
    o.o4 = await makeOrder(db, { user_id: u.bob.id, amount: 10000, status: 'failed', created_at: '2025-02-06T12:00:00Z' });
    o.o5 = await makeOrder(db, { user_id: u.carol.id, amount: 20000, status: 'paid', created_at: '2025-02-15T12:00:00Z' });
    o.o6 = await makeOrder(db, { user_id: u.carol.id, amount: 30000, status: 'refunded', created_at: '2025-03-01T12:00:00Z' });

    const pastBookings: [string, TestUser, string, string, string, number, number, string | null][] = [
      ['b1', u.alice, '2025-01-12T17:00:00Z', 'completed', 'cold_plunge', 30, 40000, o.o1],
      ['b2', u.alice, '2025-01-22T18:00:00Z', 'completed', 'combo', 60, 25000, o.o2],
      ['b3', u.bob, '2025-02-07T17:00:00Z', 'completed', 'cold_plunge', 30, 15000, o.o3],
      ['b4', u.bob, '2025-02-08T17:30:00Z', 'cancelled', 'infrared_sauna', 45, 10000, o.o4],
      ['b5', u.carol, '2025-02-16T19:00:00Z', 'confirmed', 'combo', 60, 20000, o.o5],
      ['b6', u.carol, '2025-03-02T18:00:00Z', 'cancelled', 'cold_plunge', 30, 30000, o.o6],
      ['b8', u.dave, '2025-03-10T18:30:00Z', 'completed', 'infrared_sauna', 45, 17500, null],
      ['b9', u.erin, '2025-03-15T17:00:00Z', 'completed', 'combo', 60, 25000, null],
      ['b10', u.erin, '2025-03-20T20:00:00Z', 'completed', 'cold_plunge', 30, 15000, null],
    ];
    // Past sessions are restored with triggers off, as a dump would be (no slots involved).
    await db.transaction(async (tx) => {
      await tx.query('set local session_replication_role = replica');
      for (const [key, user, dateTime, status, service, duration, total, order] of pastBookings) {
        b[key] = (
          await makeBooking(tx, {
            user_id: user.id,
            date_time: dateTime,
            status: status as 'completed',
            service_type: service,
            duration,
            total_amount: total,
            order_id: order,
          })
        ).id;
      }
    });
    // A load with triggers off ends by rebuilding the reports' per-customer totals and facts (as the README says).
    await db.query('select app_private.rebuild_customer_totals()');
    await db.query('select app_private.rebuild_report_facts()');
    const slot = await makeSlot(db, { max_bookings: 2 });
    slotId = slot.id;
    b.b7 = (await makeBooking(db, { user_id: u.erin.id, slot_id: slot.id, service_type: 'cold_plunge', total_amount: 15000 })).id;
  });
  afterAll(() => t?.drop());

  it('monthly revenue', async () => {
    expect(await run(seedQueries.monthlyRevenue)).toEqual([
      { month: new Date('2025-02-01T00:00:00Z'), revenue_dollars: '350.0000000000000000', order_count: 2, avg_order_value: '175.0000000000000000' },
      { month: new Date('2025-01-01T00:00:00Z'), revenue_dollars: '650.0000000000000000', order_count: 2, avg_order_value: '325.0000000000000000' },
    ]);
  });

  it('customer lifetime value', async () => {
    expect(await run(seedQueries.customerLifetimeValue)).toEqual([
      { email: u.alice.email, total_bookings: 2, lifetime_value: '650.0000000000000000', last_booking: new Date('2025-01-22T18:00:00Z') },
      { email: u.carol.email, total_bookings: 1, lifetime_value: '200.0000000000000000', last_booking: new Date('2025-02-16T19:00:00Z') },
      { email: u.bob.email, total_bookings: 1, lifetime_value: '150.0000000000000000', last_booking: new Date('2025-02-07T17:00:00Z') },
    ]);
  });

  it('top referrers', async () => {
    expect(await run(seedQueries.topReferrers)).toEqual([
      { referrer_email: u.alice.email, referrer_name: 'Alice Adams', total_referrals: 4, successful_referrals: 2, credits_earned: 100 },
      { referrer_email: u.bob.email, referrer_name: 'Bob Brown', total_referrals: 2, successful_referrals: 1, credits_earned: 50 },
    ]);
  });

  it('referral conversion rates', async () => {
    expect(await run(seedQueries.referralConversion)).toEqual([
      { month: new Date('2025-02-01T00:00:00Z'), invitations_sent: 3, successful_signups: 1, conversion_rate_percent: '33.33' },
      { month: new Date('2025-01-01T00:00:00Z'), invitations_sent: 4, successful_signups: 2, conversion_rate_percent: '50.00' },
    ]);
  });

  it('popular service types', async () => {
    expect(await run(seedQueries.popularServiceTypes)).toEqual([
      { service_type: 'cold_plunge', booking_count: 3, avg_duration: '30.0000000000000000', total_revenue: '700.0000000000000000' },
      { service_type: 'combo', booking_count: 2, avg_duration: '60.0000000000000000', total_revenue: '500.0000000000000000' },
      { service_type: 'infrared_sauna', booking_count: 1, avg_duration: '45.0000000000000000', total_revenue: '175.0000000000000000' },
    ]);
  });

  it('peak booking times', async () => {
    expect(await run(seedQueries.peakBookingTimes)).toEqual([
      { hour_of_day: '17', booking_count: 3 },
      { hour_of_day: '18', booking_count: 2 },
      { hour_of_day: '19', booking_count: 1 },
      { hour_of_day: '20', booking_count: 1 },
    ]);
  });

  it('balances are as worked out by hand', async () => {
    const { rows } = await db.query<{ id: string; credits: number }>('select id, credits from profiles');
    const byId = new Map(rows.map((r) => [r.id, r.credits]));
    expect([u.alice, u.bob, u.carol, u.dave, u.erin].map((x) => byId.get(x.id))).toEqual([70, 100, 50, 50, 20]);
  });

  describe('data integrity checks', () => {
    it('find nothing wrong in the clean data', async () => {
      expect(await run(seedQueries.bookingsWithoutValidOrders)).toEqual([]);
      expect(await run(seedQueries.creditImbalances)).toEqual([]);
    });

    it('find a booking whose order is gone', async () => {
      // Delete o4 with foreign-key actions off, leaving b4 pointing at nothing.
      const rows = await inRolledBackTransaction(
        db,
        async (tx) => {
          await tx.query('delete from orders where id = $1', [o.o4]);
          return inUtc(tx, seedQueries.bookingsWithoutValidOrders);
        },
        true,
      );
      expect(rows).toEqual([{ id: b.b4, user_id: u.bob.id, order_id: o.o4 }]);
    });

    it('find a balance that disagrees with its ledger', async () => {
      const rows = await inRolledBackTransaction(
        db,
        async (tx) => {
          await tx.query('update profiles set credits = credits + 5 where id = $1', [u.erin.id]);
          return inUtc(tx, seedQueries.creditImbalances);
        },
        true,
      );
      expect(rows).toEqual([{ id: u.erin.id, email: u.erin.email, current_credits: 25, transaction_total: 20 }]);
    });
  });

  describe('maintenance integrityChecks (src/maintenance/repository.ts)', () => {
    it('start with the seed checks, then the slot counters (each check is tested in test/maintenance)', () => {
      expect(integrityChecks.map((c) => c.name).slice(0, 3)).toEqual([
        'bookings without valid orders',
        'credit imbalances',
        'slot counters that disagree with their bookings (live and archived)',
      ]);
    });

    it('all return zero rows on the clean data', async () => {
      for (const check of integrityChecks) expect(await runIntegrityCheck(db, check), check.name).toEqual([]);
    });

    it('the slot-counter check finds a broken counter', async () => {
      const check = integrityChecks.find((c) => c.name.startsWith('slot counters'))!;
      const rows = await inRolledBackTransaction(
        db,
        async (tx) => {
          await tx.query('update availability_slots set current_bookings = 0 where id = $1', [slotId]);
          return runIntegrityCheck(tx, check);
        },
        true,
      );
      expect(rows).toEqual([expect.objectContaining({ id: slotId, current_bookings: 0, bookings: 1 })]);
      // Rolled back: clean again.
      expect(await runIntegrityCheck(db, check)).toEqual([]);
    });
  });
});
