// Row level security on orders, refunds and payment events: customers see their own orders and refunds, operators none, admins all.
// Real users as PostgREST/Supabase sets them per transaction; the shared fixture is in ./support.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller, Database, Queryable } from '../../../src/db/index.js';
import { engines } from '../../helpers/db.js';
import { rlsWorld, type RlsWorld, asUser, count, DENIED, type TestUser } from './support.js';

describe.each(engines)('row level security on %s', (engine) => {
  let w: RlsWorld;
  let db: Database;
  let alice: TestUser;
  let operator: TestUser;
  let admin: TestUser;
  let aliceOrder: string;
  let aliceRefund: string;
  let bobRefund: string;

  const as = <T>(who: TestUser | Caller, fn: (tx: Queryable) => Promise<T>): Promise<T> => asUser(db, who, fn);

  beforeAll(async () => {
    w = await rlsWorld(engine);
    ({ db, alice, operator, admin, aliceOrder, aliceRefund, bobRefund } = w);
  });
  afterAll(() => w?.t.drop());

  describe('a customer', () => {
    it('reads their own orders only, and cannot write orders', async () => {
      const ids = await as(alice, async (tx) => (await tx.query<{ id: string }>('select id from orders')).rows.map((r) => r.id));
      expect(ids).toEqual([aliceOrder]);
      await expect(as(alice, (tx) => tx.query('insert into orders (user_id, amount) values ($1, 100)', [alice.id]))).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query(`update orders set status = 'paid' where id = $1`, [aliceOrder]))).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query('delete from orders where id = $1', [aliceOrder]))).rejects.toMatchObject(DENIED);
    });

    it('reads refunds of their own orders only, no payment events, and writes neither', async () => {
      const ids = await as(alice, async (tx) => (await tx.query<{ id: string }>('select id from refunds')).rows.map((r) => r.id));
      expect(ids).toEqual([aliceRefund]);
      expect(await as(alice, (tx) => count(tx, 'select 1 from payment_events'))).toBe(0);
      await expect(
        as(alice, (tx) => tx.query(`insert into refunds (order_id, amount_cents, destination) values ($1, 100, 'credits')`, [aliceOrder])),
      ).rejects.toMatchObject(DENIED);
      await expect(
        as(alice, (tx) => tx.query(`insert into payment_events (id, provider, type, payload) values ('evt_x', 'bolt', 'x', '{}')`)),
      ).rejects.toMatchObject(DENIED);
    });
  });

  describe('an operator', () => {
    it('reads no orders, referrals of others, or ledger rows of others', async () => {
      expect(await as(operator, (tx) => count(tx, 'select 1 from orders'))).toBe(0);
      expect(await as(operator, (tx) => count(tx, 'select 1 from credit_transactions'))).toBe(0);
      expect(await as(operator, (tx) => count(tx, 'select 1 from referrals'))).toBe(0);
      expect(await as(operator, (tx) => count(tx, 'select 1 from refunds'))).toBe(0);
      expect(await as(operator, (tx) => count(tx, 'select 1 from payment_events'))).toBe(0);
    });
  });

  describe('an admin', () => {
    it('reads every order, refund and payment event', async () => {
      expect(await as(admin, (tx) => count(tx, 'select 1 from orders'))).toBe(2);
      const refunds = await as(admin, async (tx) => (await tx.query<{ id: string }>('select id from refunds')).rows.map((r) => r.id));
      expect(refunds.sort()).toEqual([aliceRefund, bobRefund].sort());
      expect(await as(admin, (tx) => count(tx, 'select 1 from payment_events'))).toBe(1);
    });
  });
});
