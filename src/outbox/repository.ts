import type { Queryable } from '../db/index.js';

/**
 * Queues a message in the same transaction as the change that causes it; the notifications
 * worker (a later step) sends it with retries. Runs as service_role (the outbox is private).
 */
export async function enqueue(tx: Queryable, topic: string, payload: Record<string, unknown>): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    'insert into app_private.outbox (topic, payload) values ($1, $2) returning id',
    [topic, JSON.stringify(payload)],
  );
  return rows[0]!.id;
}
