// Row level security on credit_transactions: customers read their own ledger, admins adjust in their own name.
// Real users as PostgREST/Supabase sets them per transaction; the shared fixture is in ./support.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller, Database, Queryable } from '../../../src/db/index.js';
import { engines } from '../../helpers/db.js';
import { rlsWorld, type RlsWorld, asUser, creditsOf, DENIED, type TestUser } from './support.js';

describe.each(engines)('row level security on %s', (engine) => {
  let w: RlsWorld;
  let db: Database;
  let alice: TestUser;
  let bob: TestUser;
  let admin: TestUser;
  let superAdmin: TestUser;

  const as = <T>(who: TestUser | Caller, fn: (tx: Queryable) => Promise<T>): Promise<T> => asUser(db, who, fn);

  beforeAll(async () => {
    w = await rlsWorld(engine);
    ({ db, alice, bob, admin, superAdmin } = w);
  });
  afterAll(() => w?.t.drop());

  describe('a customer', () => {
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
  });

  describe('an admin', () => {
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
  });
});
