// Row level security on admins and admin identity: who is staff, who may manage staff, and that claims cannot make one.
// Real users as PostgREST/Supabase sets them per transaction; the shared fixture is in ./support.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller, Database, Queryable } from '../../../src/db/index.js';
import { engines } from '../../helpers/db.js';
import { rlsWorld, type RlsWorld, asUser, count, callerOf, makeCustomer, uniqueEmail, DENIED, type TestUser } from './support.js';

describe.each(engines)('row level security on %s', (engine) => {
  let w: RlsWorld;
  let db: Database;
  let alice: TestUser;
  let bob: TestUser;
  let operator: TestUser;
  let admin: TestUser;
  let superAdmin: TestUser;
  let bobReview: string;

  const as = <T>(who: TestUser | Caller, fn: (tx: Queryable) => Promise<T>): Promise<T> => asUser(db, who, fn);
  const ownerCount = (sql: string, params?: unknown[]) => count(db, sql, params);

  beforeAll(async () => {
    w = await rlsWorld(engine);
    ({ db, alice, bob, operator, admin, superAdmin, bobReview } = w);
  });
  afterAll(() => w?.t.drop());

  describe('a customer', () => {
    it('sees no admins and cannot make themselves one', async () => {
      expect(await as(alice, (tx) => count(tx, 'select 1 from admins'))).toBe(0);
      await expect(as(alice, (tx) => tx.query(`insert into admins (email, role) values ($1, 'super_admin')`, [alice.email]))).rejects.toMatchObject(DENIED);
      expect(await ownerCount('select 1 from admins where email = $1', [alice.email])).toBe(0);
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
