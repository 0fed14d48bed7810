// Row level security on profiles: a customer reads and edits only their own profile, and only some columns.
// Real users as PostgREST/Supabase sets them per transaction; the shared fixture is in ./support.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller, Database, Queryable } from '../../../src/db/index.js';
import { engines } from '../../helpers/db.js';
import { rlsWorld, type RlsWorld, asUser, count, DENIED, type TestUser } from './support.js';

describe.each(engines)('row level security on %s', (engine) => {
  let w: RlsWorld;
  let db: Database;
  let alice: TestUser;
  let bob: TestUser;

  const as = <T>(who: TestUser | Caller, fn: (tx: Queryable) => Promise<T>): Promise<T> => asUser(db, who, fn);

  beforeAll(async () => {
    w = await rlsWorld(engine);
    ({ db, alice, bob } = w);
  });
  afterAll(() => w?.t.drop());

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
  });
});
