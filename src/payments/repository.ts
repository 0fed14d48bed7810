import type { Queryable } from '../db/index.js';

/** Stores a provider event by its id; false when it was already stored (a replay). */
export async function recordEvent(
  tx: Queryable,
  e: { id: string; provider: string; type: string; orderId: string | null; payload: unknown },
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `insert into public.payment_events (id, provider, type, order_id, payload) values ($1, $2, $3, $4, $5)
     on conflict (id) do nothing`,
    [e.id, e.provider, e.type, e.orderId, JSON.stringify(e.payload)],
  );
  return rowCount > 0;
}

export async function setEventOutcome(tx: Queryable, id: string, outcome: string): Promise<void> {
  await tx.query('update public.payment_events set outcome = $2 where id = $1', [id, outcome]);
}
