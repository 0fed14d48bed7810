// Helpers for the database tests. The factories (makeCustomer, makeSlot, makeBooking, ...) live
// in test/helpers/factories.ts and are re-exported here.
import type { Database, Queryable } from '../../src/db/index.js';

export * from '../helpers/factories.js';

export async function creditsOf(db: Queryable, userId: string): Promise<number> {
  const { rows } = await db.query<{ credits: number }>('select credits from public.profiles where id = $1', [userId]);
  return rows[0]!.credits;
}

export async function slotCount(db: Queryable, slotId: string): Promise<number> {
  const { rows } = await db.query<{ current_bookings: number }>(
    'select current_bookings from public.availability_slots where id = $1',
    [slotId],
  );
  return rows[0]!.current_bookings;
}

/** A thrown marker that rolls a transaction back after its assertions ran. */
export class Rollback extends Error {
  constructor() {
    super('rollback');
  }
}

/** Runs fn in a transaction that is always rolled back; returns fn's result. */
export async function inRolledBackTransaction<T>(db: Database, fn: (tx: Queryable) => Promise<T>, replica = false): Promise<T> {
  let result: T | undefined;
  try {
    await db.transaction(async (tx) => {
      if (replica) await tx.query('set local session_replication_role = replica');
      result = await fn(tx);
      throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  return result as T;
}

/** What a PostgreSQL error looks like to the tests (both drivers expose these fields). */
export interface PgErrorShape {
  code: string;
  constraint?: string;
  message?: string;
}

/** rejects.toMatchObject shorthand: SQLSTATE and, when given, the constraint name or message. */
export function pgError(code: string, constraintOrMessage?: { constraint?: string; message?: string }): PgErrorShape {
  return { code, ...constraintOrMessage };
}
