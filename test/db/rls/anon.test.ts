// Row level security on a visitor (anon): reads nothing private and writes nothing.
// Real users as PostgREST/Supabase sets them per transaction; the shared fixture is in ./support.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller, Database, Queryable } from '../../../src/db/index.js';
import { engines } from '../../helpers/db.js';
import { rlsWorld, type RlsWorld, asUser, anon, DENIED, type TestUser, type Booking } from './support.js';

describe.each(engines)('row level security on %s', (engine) => {
  let w: RlsWorld;
  let db: Database;
  let alice: TestUser;
  let aliceCompleted2: Booking;
  let carolReview: string;

  const as = <T>(who: TestUser | Caller, fn: (tx: Queryable) => Promise<T>): Promise<T> => asUser(db, who, fn);

  beforeAll(async () => {
    w = await rlsWorld(engine);
    ({ db, alice, aliceCompleted2, carolReview } = w);
  });
  afterAll(() => w?.t.drop());

  describe('a visitor (anon)', () => {
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
  });
});
