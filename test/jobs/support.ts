import type { Queryable } from '../../src/db/index.js';

export interface MessageRow {
  id: string;
  kind: string;
  channel: string;
  recipient: string;
  status: string;
  attempts: number;
  send_after: Date;
  provider_id: string | null;
  last_error: string | null;
  idempotency_key: string;
  data: Record<string, unknown>;
}

/** The message log's rows about a booking, an order or a user, oldest first. */
export async function messagesAbout(db: Queryable, about: { booking?: string; order?: string; user?: string; recipient?: string }): Promise<MessageRow[]> {
  const { rows } = await db.query<MessageRow>(
    `select id, kind, channel, recipient, status, attempts, send_after, provider_id, last_error, idempotency_key, data
       from public.messages
      where ($1::uuid is null or booking_id = $1) and ($2::uuid is null or order_id = $2)
        and ($3::uuid is null or user_id = $3) and ($4::text is null or recipient = $4)
      order by created_at, kind, send_after`,
    [about.booking ?? null, about.order ?? null, about.user ?? null, about.recipient ?? null],
  );
  return rows;
}

/** kind/status pairs, sorted, for exact comparisons. */
export function summary(rows: MessageRow[]): string[] {
  return rows.map((r) => `${r.kind}:${r.status}`).sort();
}
