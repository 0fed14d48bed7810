// 20251202100000_lean_schema on a database that already has rows the new rules refuse: NULLs in
// the columns that become NOT NULL, and a balance the ledger does not explain. The migration
// repairs them (see its comments for the choices) and then enforces the rules.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { listMigrations, migrate, shimFile } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite.js';

const lean = '20251202100000';
const alice = '00000000-0000-0000-0000-0000000000a1';

describe('20251202100000_lean_schema over existing rows (PGlite)', () => {
  let db: Database;

  beforeAll(async () => {
    db = await openPglite();
    await db.withSession(async (s) => {
      await s.exec(readFileSync(shimFile, 'utf8'));
      await s.exec(`create schema supabase_migrations;
        create table supabase_migrations.schema_migrations (version text primary key, statements text[], name text);`);
      for (const m of listMigrations().filter((m) => m.version < lean)) {
        await s.exec(readFileSync(m.file, 'utf8'));
        await s.query('insert into supabase_migrations.schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
      }
    });
    await db.query(`insert into auth.users (id, email) values ($1, 'alice@example.test')`, [alice]);
    // Rows as a restore or an old writer left them (triggers off).
    await db.transaction(async (tx) => {
      await tx.query('set local session_replication_role = replica');
      await tx.query('update public.profiles set credits = 70, created_at = null, updated_at = null where id = $1', [alice]);
      await tx.query(`insert into public.credit_transactions (user_id, amount, type, description, created_at) values ($1, 20, 'earned', 'reward', null)`, [alice]);
      await tx.query(
        `insert into public.orders (user_id, amount, status, setup_fee_applied, metadata, created_at, updated_at, paid_at, bolt_checkout_id) values
           ($1, 100, null, null, null, null, null, '2025-05-02', 'paid_one'),
           ($1, 100, null, 0, '{}', null, '2025-05-03', null, 'unpaid_one')`,
        [alice],
      );
      await tx.query(
        `insert into public.bookings (user_id, date_time, service_type, address, duration, add_ons, created_at, updated_at)
         values ($1, now() + interval '3 days', 'combo', '{}', null, null, null, null)`,
        [alice],
      );
      await tx.query(`insert into public.admins (email, role, created_at) values ('ops@example.test', null, null)`);
      await tx.query(
        `insert into public.referrals (referrer_id, invitee_email, referral_code, created_at, expires_at) values ($1, 'z@example.test', 'X', null, '2025-03-01')`,
        [alice],
      );
    });
    expect((await migrate(db)).applied.map((m) => m.version)).toEqual(listMigrations().filter((m) => m.version >= lean).map((m) => m.version));
  });
  afterAll(() => db?.close());

  it('keeps a balance the ledger did not explain, and records the difference as an adjustment', async () => {
    const { rows } = await db.query(
      `select p.credits, (select sum(t.amount)::int from public.credit_transactions t where t.user_id = p.id) as ledger,
              (select t.amount from public.credit_transactions t where t.user_id = p.id and t.type = 'adjustment') as adjustment
       from public.profiles p where p.id = $1`,
      [alice],
    );
    expect(rows).toEqual([{ credits: 70, ledger: 70, adjustment: 50 }]);
  });

  it('repairs the NULLs: an order with a payment is paid, one without failed; durations from the service', async () => {
    const orders = await db.query(
      `select bolt_checkout_id, status::text, setup_fee_applied, metadata, created_at, updated_at from public.orders order by bolt_checkout_id`,
    );
    expect(orders.rows).toEqual([
      { bolt_checkout_id: 'paid_one', status: 'paid', setup_fee_applied: 0, metadata: {}, created_at: new Date('2025-05-02'), updated_at: new Date('2025-05-02') },
      { bolt_checkout_id: 'unpaid_one', status: 'failed', setup_fee_applied: 0, metadata: {}, created_at: new Date('2025-05-03'), updated_at: new Date('2025-05-03') },
    ]);
    const bookings = await db.query(`select duration, add_ons, created_at is not null and updated_at is not null as stamped from public.bookings`);
    expect(bookings.rows).toEqual([{ duration: 60, add_ons: {}, stamped: true }]);
    expect((await db.query(`select role::text, created_at is not null as stamped from public.admins`)).rows).toEqual([{ role: 'operator', stamped: true }]);
    expect((await db.query(`select created_at from public.referrals`)).rows).toEqual([{ created_at: new Date('2025-01-30') }]);
    const profile = await db.query('select created_at is not null and updated_at is not null as stamped from public.profiles where id = $1', [alice]);
    expect(profile.rows).toEqual([{ stamped: true }]);
  });

  it('leaves the triggers it paused on', async () => {
    const { rows } = await db.query(
      `select count(*)::int as disabled from pg_trigger t join pg_class c on c.oid = t.tgrelid
       where c.relnamespace = 'public'::regnamespace and not t.tgisinternal and t.tgenabled = 'D'`,
    );
    expect(rows).toEqual([{ disabled: 0 }]);
  });
});
