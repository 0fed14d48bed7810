/**
 * The seed's maintenance, safely (issue 11): the archive, the referral purge, ANALYZE, the
 * exports and every db:check, on both engines.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Queryable } from '../../src/db/index.js';
import { writeExport } from '../../src/exports/export.js';
import {
  analyze, archiveBookings, countArchivable, integrityChecks, purgeReferrals, runIntegrityCheck, type IntegrityCheck,
} from '../../src/maintenance/repository.js';
import { engines, freshDatabase, type TestDatabase } from '../helpers/db.js';
import { asReplica, makeCustomer, makeOrder, makePastSlot, type TestUser } from '../helpers/factories.js';
import { csvRecords } from './csv.js';

const DAY = 86_400_000;
const ADDRESS = JSON.stringify({ street: '1 Main St', city: 'Los Angeles', state: 'CA', zip: '90210' });

class Rollback extends Error {}

/** Runs `fn` in a transaction that is always rolled back: break a row, look, undo. */
async function inRollback<T>(db: Database, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await db
    .transaction(async (tx) => {
      result = await fn(tx);
      throw new Rollback();
    })
    .catch((err: unknown) => {
      if (!(err instanceof Rollback)) throw err;
    });
  return result as T;
}

function check(name: string): IntegrityCheck {
  const found = integrityChecks.find((c) => c.name === name);
  if (!found) throw new Error(`no check named ${name}`);
  return found;
}

async function allProblems(db: Queryable): Promise<Record<string, number>> {
  const problems: Record<string, number> = {};
  for (const c of integrityChecks) {
    const rows = await runIntegrityCheck(db, c);
    if (rows.length) problems[c.name] = rows.length;
  }
  return problems;
}

/** A completed booking `daysAgo` days ago, inserted as a restore would (past times are refused otherwise). */
async function pastBooking(db: Database, user: TestUser, daysAgo: number, extra: { slot_id?: string; order_id?: string; at?: Date } = {}): Promise<string> {
  return asReplica(db, async (tx) => {
    const at = extra.at ?? new Date(Date.now() - daysAgo * DAY);
    const { rows } = await tx.query<{ id: string }>(
      `insert into public.bookings (user_id, slot_id, order_id, date_time, status, service_type, duration, address, total_amount, created_at)
       values ($1, $2, $3, $4, 'completed', 'cold_plunge', 30, $5, 5000, $4) returning id`,
      [user.id, extra.slot_id ?? null, extra.order_id ?? null, at, ADDRESS],
    );
    if (extra.slot_id) await tx.query('update public.availability_slots set current_bookings = current_bookings + 1 where id = $1', [extra.slot_id]);
    return rows[0]!.id;
  });
}

async function message(db: Queryable, bookingId: string | null | undefined, key: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into public.messages (kind, recipient, booking_id, idempotency_key, status) values ('receipt', 'x@example.com', $1, $2, 'sent') returning id`,
    [bookingId, key],
  );
  return rows[0]!.id;
}

describe.each(engines)('maintenance on %s', { timeout: 120_000 }, (engine) => {
  let t: TestDatabase;
  let db: Database;
  let dir: string;
  let alice: TestUser;
  let bob: TestUser;
  let slot: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await freshDatabase(engine);
    db = t.db;
    dir = mkdtempSync(join(tmpdir(), 'rm-maint-'));
    alice = await makeCustomer(db, { full_name: 'Alice "Al" Archer, Jr.' });
    bob = await makeCustomer(db, { full_name: 'Bob Never-Paid' });
    slot = await makePastSlot(db, 400);
    // One paid order for two old sessions (the seed's query counts it twice), one failed order.
    ids.order = await makeOrder(db, { user_id: alice.id, amount: 12_000, status: 'paid', created_at: new Date(Date.now() - 500 * DAY).toISOString() });
    await makeOrder(db, { user_id: alice.id, amount: 999, status: 'failed' });
    ids.onSlot = await pastBooking(db, alice, 400, { slot_id: slot, order_id: ids.order });
    ids.old = await pastBooking(db, alice, 500, { order_id: ids.order });
    ids.reviewed = await pastBooking(db, alice, 450);
    ids.recent = await pastBooking(db, alice, 30);
    await db.query('insert into public.reviews (user_id, booking_id, rating, comment) values ($1, $2, 5, $3)', [alice.id, ids.reviewed, 'great, "really"']);
    ids.messageOnSlot = await message(db, ids.onSlot, 'test:on-slot');
    ids.messageRecent = await message(db, ids.recent, 'test:recent');
    // The past bookings went in with triggers off, as a restore's would: the reports' per-customer
    // totals are rebuilt once after such a load (README: "reports").
    await db.query('select app_private.rebuild_customer_totals()');
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('db:check is clean on good data', async () => {
    expect(await allProblems(db)).toEqual({});
  });

  it('the archive moves old completed bookings in batches, keeps reviewed ones, and loses nothing', async () => {
    const before = await db.query<{ id: string; status: string }>('select id, status::text from app_private.bookings_all order by id');
    const cutoff = new Date(Date.now() - 365 * DAY);
    expect(await countArchivable(db, cutoff)).toBe(2);

    const totals: number[] = [];
    expect(await archiveBookings(db, cutoff, { batchSize: 1, onBatch: (n) => totals.push(n) })).toBe(2);
    expect(totals).toEqual([1, 2]);

    const archived = await db.query<{ id: string }>('select id from app_private.bookings_archive order by id');
    expect(archived.rows.map((r) => r.id)).toEqual([ids.onSlot, ids.old].sort());
    const live = await db.query<{ id: string }>('select id from public.bookings order by id');
    expect(live.rows.map((r) => r.id)).toEqual([ids.reviewed, ids.recent].sort());
    // Every booking is still there (live or archived), the review kept its booking, the message its booking_id.
    expect((await db.query('select id, status::text from app_private.bookings_all order by id')).rows).toEqual(before.rows);
    expect((await db.query('select count(*)::int as n from public.reviews where booking_id = $1', [ids.reviewed])).rows[0]).toEqual({ n: 1 });
    expect((await db.query('select booking_id from public.messages where id = $1', [ids.messageOnSlot])).rows[0]).toEqual({ booking_id: ids.onSlot });
    // The past slot still counts the archived session, and db:check agrees.
    expect((await db.query('select current_bookings from public.availability_slots where id = $1', [slot])).rows[0]).toEqual({ current_bookings: 1 });
    expect(await allProblems(db)).toEqual({});

    // Idempotent: nothing left to move.
    expect(await archiveBookings(db, cutoff)).toBe(0);
    expect((await db.query('select count(*)::int as n from app_private.bookings_archive')).rows[0]).toEqual({ n: 2 });
  });

  it('messages may point at a live or an archived booking, not at none; deleting a live booking still clears its messages', async () => {
    await expect(message(db, '00000000-0000-0000-0000-000000000001', 'test:nowhere')).rejects.toThrow(/messages_booking_id_fkey/);
    await inRollback(db, async (tx) => {
      await message(tx, ids.old!, 'test:archived-ok');
      await tx.query('delete from public.bookings where id = $1', [ids.recent]);
      expect((await tx.query('select booking_id from public.messages where id = $1', [ids.messageRecent])).rows[0]).toEqual({ booking_id: null });
    });
  });

  it('exports count archived bookings; customers count a paid order once and list customers who never paid', async () => {
    const bookingsFile = join(dir, 'bookings.csv');
    const seen: number[] = [];
    const n = await writeExport(db, 'bookings', bookingsFile, { batchSize: 1, progress: { start: (total) => seen.push(-total), update: (done) => seen.push(done), stop: () => {} } });
    expect(n).toBe(4);
    expect(seen).toEqual([-4, 1, 2, 3, 4]);
    const bookings = csvRecords(readFileSync(bookingsFile, 'utf8'));
    expect(bookings.map((b) => b.id)).toEqual([ids.old, ids.reviewed, ids.onSlot, ids.recent]); // by date_time
    expect(bookings.map((b) => b.archived)).toEqual(['true', 'false', 'true', 'false']);
    expect(bookings[0]!.customer_name).toBe('Alice "Al" Archer, Jr.');
    expect(bookings[0]!.date_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(bookings[0]!.date_time_local).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);

    const customersFile = join(dir, 'customers.csv');
    await writeExport(db, 'customers', customersFile, { batchSize: 1 });
    const customers = csvRecords(readFileSync(customersFile, 'utf8'));
    const byEmail = Object.fromEntries(customers.map((c) => [c.email, c]));
    expect(byEmail[alice.email]).toMatchObject({ total_bookings: '4', lifetime_value_cents: '12000', full_name: 'Alice "Al" Archer, Jr.' });
    expect(byEmail[bob.email]).toMatchObject({ total_bookings: '0', lifetime_value_cents: '0', last_booking: '' });
    // The seed's lifetime-value query counts the shared order once per booking (and drops Bob).
    const seed = await db.query<{ email: string; lifetime_value: string }>(`SELECT p.email, SUM(o.amount) as lifetime_value
      FROM profiles p LEFT JOIN bookings b ON p.id = b.user_id LEFT JOIN orders o ON b.order_id = o.id
      WHERE o.status = 'paid' GROUP BY p.id, p.email`);
    expect(seed.rows.find((r) => r.email === bob.email)).toBeUndefined();

    for (const kind of ['orders', 'ledger', 'reviews'] as const) {
      const file = join(dir, `${kind}.csv`);
      const count = await writeExport(db, kind, file, { batchSize: 2 });
      expect(csvRecords(readFileSync(file, 'utf8'))).toHaveLength(count);
    }
    const reviews = csvRecords(readFileSync(join(dir, 'reviews.csv'), 'utf8'));
    expect(reviews).toEqual([expect.objectContaining({ booking_id: ids.reviewed, rating: '5', comment: 'great, "really"', service_type: 'cold_plunge' })]);
    const orders = csvRecords(readFileSync(join(dir, 'orders.csv'), 'utf8'));
    expect(orders.map((o) => o.status).sort()).toEqual(['failed', 'paid']);
  });

  it('an export window is whole days in the business time zone', async () => {
    const local = (await db.query<{ d: string }>(
      `select to_char(date_time at time zone 'America/Los_Angeles', 'YYYY-MM-DD') as d from app_private.bookings_all where id = $1`, [ids.onSlot],
    )).rows[0]!.d;
    const file = join(dir, 'window.csv');
    expect(await writeExport(db, 'bookings', file, { filter: { from: local, to: local } })).toBe(1);
    expect(csvRecords(readFileSync(file, 'utf8')).map((b) => b.id)).toEqual([ids.onSlot]);
  });

  it("purge-referrals deletes unaccepted referrals expired over 30 days ago, and nothing of the ledger or 'credited once'", async () => {
    const referrer = await makeCustomer(db);
    const invitee = await makeCustomer(db);
    const ago = (days: number) => new Date(Date.now() - days * DAY);
    await asReplica(db, async (tx) => {
      const insert = `insert into public.referrals (referrer_id, invitee_email, invitee_id, status, referral_code, expires_at, rewarded_at)
                      values ($1, $2, $3, $4, $5, $6, $7)`;
      await tx.query(insert, [referrer.id, 'old-pending@example.com', null, 'pending', referrer.referral_code, ago(31), null]);
      await tx.query(insert, [referrer.id, 'young-pending@example.com', null, 'pending', referrer.referral_code, ago(29), null]);
      await tx.query(insert, [referrer.id, invitee.email, invitee.id, 'accepted', referrer.referral_code, ago(400), ago(380)]);
      await tx.query(insert, [referrer.id, 'old-expired@example.com', null, 'expired', referrer.referral_code, ago(400), null]);
      await tx.query(insert, [referrer.id, 'young-expired@example.com', null, 'expired', referrer.referral_code, ago(20), null]);
      await tx.query(`insert into app_private.rewarded_invitees (invitee_email) values ('old-pending@example.com')`);
    });
    const ledger = await db.query('select count(*)::int as n, coalesce(sum(amount), 0)::int as total from public.credit_transactions');
    expect(await purgeReferrals(db)).toBe(2);
    const left = await db.query<{ invitee_email: string }>('select invitee_email from public.referrals where referrer_id = $1 order by 1', [referrer.id]);
    expect(left.rows.map((r) => r.invitee_email)).toEqual([invitee.email, 'young-expired@example.com', 'young-pending@example.com'].sort());
    expect((await db.query('select count(*)::int as n, coalesce(sum(amount), 0)::int as total from public.credit_transactions')).rows).toEqual(ledger.rows);
    expect((await db.query(`select count(*)::int as n from app_private.rewarded_invitees where invitee_email = 'old-pending@example.com'`)).rows[0]).toEqual({ n: 1 });
    expect(await purgeReferrals(db)).toBe(0);
  });

  it('analyze runs ANALYZE and VACUUM ANALYZE outside a transaction', async () => {
    const statements = await analyze(db);
    expect(statements).toContain('VACUUM ANALYZE bookings');
    const { rows } = await db.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_user_tables where relname = 'bookings' and schemaname = 'public' and (last_vacuum is not null or last_analyze is not null)`,
    );
    expect(rows[0]!.n).toBe(1);
  });

  describe('each db:check finds its broken row', () => {
    const breaks: [string, (tx: Queryable) => Promise<unknown>][] = [
      ['bookings without valid orders', (tx) => tx.query('update public.bookings set order_id = gen_random_uuid() where id = $1', [ids.recent])],
      ['credit imbalances', (tx) => tx.query('update public.profiles set credits = credits + 7 where id = $1', [alice.id])],
      ['slot counters that disagree with their bookings (live and archived)', (tx) => tx.query('update public.availability_slots set current_bookings = 0 where id = $1', [slot])],
      ['refunds exceeding what the order was paid', (tx) =>
        tx.query(`insert into public.refunds (order_id, amount_cents, destination, status) values ($1, 12001, 'card', 'completed')`, [ids.order])],
      ['customers with two live bookings at the same time', (tx) =>
        tx.query(`insert into app_private.bookings_archive (id, user_id, date_time, service_type, status, address)
                  select gen_random_uuid(), user_id, date_time, service_type, 'completed', address from public.bookings where id = $1`, [ids.recent])],
      ['orders paid twice', async (tx) => {
        for (const id of ['evt_1', 'evt_2']) {
          await tx.query(`insert into public.payment_events (id, provider, type, order_id, payload, outcome) values ($1, 'bolt', 'payment', $2, '{}', 'paid')`, [id, ids.order]);
        }
      }],
      ['bookings both archived and live', (tx) =>
        tx.query(`insert into app_private.bookings_archive (id, user_id, date_time, service_type, status, address)
                  select id, user_id, date_time + interval '1 hour', service_type, 'completed', address from public.bookings where id = $1`, [ids.recent])],
      ['archived bookings without valid orders', (tx) => tx.query('update app_private.bookings_archive set order_id = gen_random_uuid() where id = $1', [ids.old])],
      ['messages about a booking that does not exist', (tx) => message(tx, '00000000-0000-0000-0000-000000000002', 'test:dangling')],
      // A paid order written with triggers off (a bulk load) leaves its customer's report totals behind.
      ["customers' report totals that disagree with their orders and bookings", (tx) => tx.query("update public.orders set amount = amount + 1 where id = $1", [ids.order])],
      // A fact row changed by hand (or an order written with triggers off) leaves the reports' sums behind.
      ['report facts that disagree with their orders and bookings', (tx) =>
        tx.query("update app_private.report_facts set amount_cents = amount_cents + 1 where kind = 'order'")],
    ];

    it('covers every check', () => {
      expect(breaks.map(([name]) => name).sort()).toEqual(integrityChecks.map((c) => c.name).sort());
    });

    it.each(breaks)('%s', async (name, breakIt) => {
      const rows = await inRollback(db, async (tx) => {
        await tx.query('set local session_replication_role = replica');
        await breakIt(tx);
        return runIntegrityCheck(tx, check(name));
      });
      expect(rows.length).toBeGreaterThan(0);
      expect(await runIntegrityCheck(db, check(name))).toEqual([]);
    });

    it('a second paid order for one provider transaction is "paid twice" too', async () => {
      const rows = await inRollback(db, async (tx) => {
        await tx.query('set local session_replication_role = replica');
        for (let i = 0; i < 2; i++) {
          await tx.query(`insert into public.orders (user_id, amount, status, metadata) values ($1, 100, 'paid', '{"bolt_transaction_reference": "TX-1"}')`, [alice.id]);
        }
        return runIntegrityCheck(tx, check('orders paid twice'));
      });
      expect(rows).toEqual([expect.objectContaining({ problem: 'one provider transaction paid several orders' })]);
    });
  });
});

describe.each(engines)('the scheduler functions as service_role on %s', { timeout: 120_000 }, (engine) => {
  it('purgeReferrals and archiveBookings work as service_role (server code), not as a signed-in user', async () => {
    const t = await freshDatabase(engine);
    try {
      const user = await makeCustomer(t.db);
      const id = await pastBooking(t.db, user, 800);
      await asReplica(t.db, (tx) =>
        tx.query(`insert into public.referrals (referrer_id, invitee_email, status, referral_code, expires_at) values ($1, 'gone@example.com', 'pending', $2, now() - interval '90 days')`, [user.id, user.referral_code]),
      );
      const cutoff = new Date(Date.now() - 365 * DAY);
      await expect(t.db.asCaller(user.caller, (tx) => archiveBookings(tx, cutoff))).rejects.toThrow(/permission denied/);
      expect(await t.db.asCaller({ role: 'service_role' }, (tx) => purgeReferrals(tx))).toBe(1);
      expect(await t.db.asCaller({ role: 'service_role' }, (tx) => archiveBookings(tx, cutoff))).toBe(1);
      expect((await t.db.query('select id from app_private.bookings_archive')).rows).toEqual([{ id }]);
    } finally {
      await t.drop();
    }
  });
});
