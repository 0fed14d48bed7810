// Row level security on reviews: signed-in users read all, customers review their own completed bookings, admins feature.
// Real users as PostgREST/Supabase sets them per transaction; the shared fixture is in ./support.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller, Database, Queryable } from '../../../src/db/index.js';
import { engines } from '../../helpers/db.js';
import { rlsWorld, type RlsWorld, asUser, count, anon, DENIED, type TestUser, type Booking } from './support.js';

describe.each(engines)('row level security on %s', (engine) => {
  let w: RlsWorld;
  let db: Database;
  let alice: TestUser;
  let bob: TestUser;
  let admin: TestUser;
  let aliceBooking: Booking;
  let aliceCompleted: Booking;
  let aliceCompleted2: Booking;
  let bobCompleted: Booking;
  let bobReview: string;
  let carolReview: string;

  const as = <T>(who: TestUser | Caller, fn: (tx: Queryable) => Promise<T>): Promise<T> => asUser(db, who, fn);
  const ownerCount = (sql: string, params?: unknown[]) => count(db, sql, params);

  beforeAll(async () => {
    w = await rlsWorld(engine);
    ({ db, alice, bob, admin, aliceBooking, aliceCompleted, aliceCompleted2, bobCompleted, bobReview, carolReview } = w);
  });
  afterAll(() => w?.t.drop());

  describe('a customer', () => {
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
  });

  describe('an admin', () => {
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
  });
});
