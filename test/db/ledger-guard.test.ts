// profiles.credits is written only by the ledger trigger, and only as the ledger's sum
// (20251202100000_lean_schema.sql). Every other path is refused: a customer, staff, server code
// (service_role), the owner, and any other trigger, even one that sets the ledger's flag itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { engines, freshDatabase, type TestDatabase } from '../helpers/db.js';
import { creditsOf, giveCredits, makeAdmin, makeCustomer } from './support.js';

const refusedByGuard = { code: 'RM403', message: 'credits_via_ledger_only' };

describe.each(engines)('the credits guard on %s', (engine) => {
  let t: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    t = await freshDatabase(engine);
    db = t.db;
    // Test-only: a table whose trigger writes balances, as a careless (or hostile) trigger would.
    // With set_flag it also sets the ledger's flag first, which any role may do.
    await db.query(
      'create table public.test_balance_writer (user_id uuid not null, amount integer not null, set_flag boolean not null default false)',
    );
    await db.query(`
      create function public.test_balance_writer_apply() returns trigger language plpgsql set search_path = '' as $$
      begin
        if new.set_flag then
          perform pg_catalog.set_config('app.ledger_write', 'on', true);
        end if;
        update public.profiles set credits = credits + new.amount where id = new.user_id;
        return null;
      end;
      $$`);
    await db.query(`create trigger test_balance_writer_apply after insert on public.test_balance_writer
      for each row execute function public.test_balance_writer_apply()`);
  });
  afterAll(() => t?.drop());

  it('refuses a balance change made by another table’s trigger', async () => {
    const user = await makeCustomer(db);
    await giveCredits(db, user.id, 10);
    await expect(db.query('insert into public.test_balance_writer (user_id, amount) values ($1, 100)', [user.id])).rejects.toMatchObject(refusedByGuard);
    expect(await creditsOf(db, user.id)).toBe(10);
  });

  it('refuses it even when that trigger sets app.ledger_write itself', async () => {
    const user = await makeCustomer(db);
    await giveCredits(db, user.id, 10);
    await expect(
      db.query('insert into public.test_balance_writer (user_id, amount, set_flag) values ($1, 100, true)', [user.id]),
    ).rejects.toMatchObject(refusedByGuard);
    expect(await creditsOf(db, user.id)).toBe(10);
  });

  it('refuses a direct update by the customer and by staff (no column privilege)', async () => {
    const user = await makeCustomer(db);
    const admin = await makeAdmin(db, 'super_admin');
    for (const caller of [user.caller, admin.caller]) {
      await expect(
        db.asCaller(caller, (tx) => tx.query('update public.profiles set credits = 500 where id = $1', [user.id])),
      ).rejects.toMatchObject({ code: '42501' });
    }
    expect(await creditsOf(db, user.id)).toBe(0);
  });

  it('refuses a direct update by service_role, with or without the flag', async () => {
    const user = await makeCustomer(db);
    await giveCredits(db, user.id, 10);
    await expect(
      db.asCaller({ role: 'service_role' }, (tx) => tx.query('update public.profiles set credits = 500 where id = $1', [user.id])),
    ).rejects.toMatchObject(refusedByGuard);
    await expect(
      db.asCaller({ role: 'service_role' }, async (tx) => {
        await tx.query("select set_config('app.ledger_write', 'on', true)");
        return tx.query('update public.profiles set credits = credits + 10 where id = $1', [user.id]);
      }),
    ).rejects.toMatchObject(refusedByGuard);
    expect(await creditsOf(db, user.id)).toBe(10);
  });

  it('refuses the owner too, flag or not', async () => {
    const user = await makeCustomer(db);
    await expect(
      db.transaction(async (tx) => {
        await tx.query("select set_config('app.ledger_write', 'on', true)");
        return tx.query('update public.profiles set credits = 1 where id = $1', [user.id]);
      }),
    ).rejects.toMatchObject(refusedByGuard);
    expect(await creditsOf(db, user.id)).toBe(0);
  });

  it('leaves the flag as it was after a ledger write', async () => {
    const user = await makeCustomer(db);
    const flag = await db.transaction(async (tx) => {
      await tx.query(
        `insert into public.credit_transactions (user_id, amount, type, description) values ($1, 5, 'adjustment', 'flag')`,
        [user.id],
      );
      return (await tx.query<{ flag: string | null }>("select current_setting('app.ledger_write', true) as flag")).rows[0]!.flag;
    });
    expect(flag ?? '').toBe('');
    expect(await creditsOf(db, user.id)).toBe(5);
  });

  it('the ledger still moves the balance: several rows for one user in one statement, and a deletion', async () => {
    const user = await makeCustomer(db);
    await db.query(
      `insert into public.credit_transactions (user_id, amount, type, description)
       values ($1, 30, 'earned', 'a'), ($1, -10, 'spent', 'b'), ($1, 5, 'adjustment', 'c')`,
      [user.id],
    );
    expect(await creditsOf(db, user.id)).toBe(25);
    await db.query(`delete from public.credit_transactions where user_id = $1 and description = 'b'`, [user.id]);
    expect(await creditsOf(db, user.id)).toBe(35);
  });

  it('parallel spends queue up on the profile and each sees the others', async () => {
    const user = await makeCustomer(db);
    await giveCredits(db, user.id, 100);
    // 12 spends of 10 against 100: exactly 10 succeed (PGlite runs them one by one).
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => giveCredits(db, user.id, -10, 'spend')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect(await creditsOf(db, user.id)).toBe(0);
    const { rows } = await db.query<{ total: number }>('select sum(amount)::int as total from public.credit_transactions where user_id = $1', [user.id]);
    expect(rows[0]!.total).toBe(0);
  });
});
