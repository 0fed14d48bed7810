// Row level security on bookings: customers read and edit their own; operators read, confirm and cancel all.
// Real users as PostgREST/Supabase sets them per transaction; the shared fixture is in ./support.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller, Database, Queryable } from '../../../src/db/index.js';
import { engines } from '../../helpers/db.js';
import { rlsWorld, type RlsWorld, asUser, count, makeBooking, makeSlot, DENIED, type TestUser, type Booking, type Slot, type RlsPrices } from './support.js';

describe.each(engines)('row level security on %s', (engine) => {
  let w: RlsWorld;
  let db: Database;
  let alice: TestUser;
  let bob: TestUser;
  let operator: TestUser;
  let aliceOrder: string;
  let aliceBooking: Booking;
  let bobBooking: Booking;
  let aliceCompleted: Booking;
  let aliceCompleted2: Booking;
  let slot: Slot;
  let prices: RlsPrices;

  const as = <T>(who: TestUser | Caller, fn: (tx: Queryable) => Promise<T>): Promise<T> => asUser(db, who, fn);
  const ownerCount = (sql: string, params?: unknown[]) => count(db, sql, params);

  beforeAll(async () => {
    w = await rlsWorld(engine);
    ({ db, alice, bob, operator, aliceOrder, aliceBooking, bobBooking, aliceCompleted, aliceCompleted2, slot, prices } = w);
  });
  afterAll(() => w?.t.drop());

  describe('a customer', () => {
    it('reads their own bookings only', async () => {
      const ids = await as(alice, async (tx) => (await tx.query<{ id: string }>('select id from bookings order by id')).rows.map((r) => r.id));
      expect(ids.sort()).toEqual([aliceBooking.id, aliceCompleted.id, aliceCompleted2.id].sort());
      expect(await as(alice, (tx) => count(tx, 'select 1 from bookings where user_id = $1', [bob.id]))).toBe(0);
    });

    it('updates notes and address of their own booking, and nobody else’s', async () => {
      const updated = await as(alice, (tx) =>
        tx.query(`update bookings set notes = 'gate code 1234', address = '{"street":"2 Elm St"}' where id = $1`, [aliceBooking.id]),
      );
      expect(updated.rowCount).toBe(1);
      expect((await db.query('select notes, address from bookings where id = $1', [aliceBooking.id])).rows[0]).toEqual({
        notes: 'gate code 1234',
        address: { street: '2 Elm St' },
      });
      const other = await as(alice, (tx) => tx.query(`update bookings set notes = 'hacked' where id = $1`, [bobBooking.id]));
      expect(other.rowCount).toBe(0);
    });

    it('cannot change the status of their own booking', async () => {
      await expect(as(alice, (tx) => tx.query(`update bookings set status = 'confirmed' where id = $1`, [aliceBooking.id]))).rejects.toMatchObject({
        code: 'RM403',
        message: 'forbidden_column',
      });
    });

    it.each([
      ['total_amount', 1],
      ['user_id', 'BOB'],
      ['order_id', null],
      ['slot_id', null],
      ['date_time', '2099-01-01T10:00:00Z'],
      ['service_type', 'combo'],
    ])('cannot change booking.%s', async (column, value) => {
      const v = value === 'BOB' ? bob.id : value;
      await expect(as(alice, (tx) => tx.query(`update bookings set ${column} = $2 where id = $1`, [aliceBooking.id, v]))).rejects.toMatchObject(DENIED);
      expect((await db.query('select user_id, order_id, slot_id, total_amount from bookings where id = $1', [aliceBooking.id])).rows[0]).toEqual({
        user_id: alice.id,
        order_id: aliceOrder,
        slot_id: slot.id,
        total_amount: prices.cold_plunge,
      });
    });

    it('cannot insert or delete bookings', async () => {
      await expect(
        as(alice, (tx) =>
          tx.query(`insert into bookings (user_id, date_time, service_type, address) values ($1, now() + interval '3 days', 'combo', '{}')`, [alice.id]),
        ),
      ).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query('delete from bookings where id = $1', [aliceBooking.id]))).rejects.toMatchObject(DENIED);
    });
  });

  describe('an operator', () => {
    it('reads every profile and every booking', async () => {
      expect(await as(operator, (tx) => count(tx, 'select 1 from profiles'))).toBe(await ownerCount('select 1 from profiles'));
      expect(await as(operator, (tx) => count(tx, 'select 1 from bookings'))).toBe(await ownerCount('select 1 from bookings'));
      expect(await ownerCount('select 1 from profiles')).toBeGreaterThan(3);
    });

    it("confirms a customer's booking", async () => {
      const booking = await makeBooking(db, { user_id: bob.id });
      const updated = await as(operator, (tx) => tx.query(`update bookings set status = 'confirmed' where id = $1`, [booking.id]));
      expect(updated.rowCount).toBe(1);
      expect((await db.query('select status from bookings where id = $1', [booking.id])).rows[0]).toEqual({ status: 'confirmed' });
      await expect(as(operator, (tx) => tx.query('update bookings set total_amount = 1 where id = $1', [booking.id]))).rejects.toMatchObject(DENIED);
    });

    it("cancels a customer's booking, which frees its slot place (the counter is kept for them)", async () => {
      const slot2 = await makeSlot(db, { max_bookings: 1 });
      const booking = await makeBooking(db, { user_id: bob.id, slot_id: slot2.id });
      expect((await as(operator, (tx) => tx.query(`update bookings set status = 'cancelled' where id = $1`, [booking.id]))).rowCount).toBe(1);
      expect((await db.query('select current_bookings from availability_slots where id = $1', [slot2.id])).rows[0]).toEqual({ current_bookings: 0 });
    });
  });
});
