import type { Caller, Database, Queryable } from '../db/index.js';
import type { BusinessContact, Channel, MessageKind } from './types.js';

export const MESSAGE_STATUSES = ['pending', 'sending', 'sent', 'failed', 'cancelled', 'skipped'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** A message claimed by a worker: its row plus what the renderer needs to know now. */
export interface ClaimedMessage {
  id: string;
  kind: MessageKind;
  channel: Channel;
  recipient: string;
  user_id: string | null;
  booking_id: string | null;
  order_id: string | null;
  /** This claim's attempt number: the fence of markSent/markUnsent (a retaken claim has a higher one). */
  attempts: number;
  data: Record<string, unknown>;
  /** The booking as it is at send time (null when the message is not about one). */
  booking: Record<string, unknown> | null;
  /** The order as it is at send time (the message's, else its booking's), without staff flags. */
  order: Record<string, unknown> | null;
  /** The recipient customer's name, and the catalog's name of the booking's service. */
  customer_name: string | null;
  service_name: string | null;
}

/** Why a claim skips a reminder (see claimDueBatch). */
export const STALE_REMINDER = 'the session had started (or ended) before the reminder could go out';

/**
 * Claims up to `limit` due messages: pending ones whose time has come, and ones whose claim's lease
 * ran out (a worker died while sending). The claim is a status change under the row lock and
 * SKIP LOCKED, so two workers never hold one message; `send_after` becomes the lease's end.
 *
 * In the same statement, a pending reminder among the claimed rows whose moment passed while no
 * worker ran goes out late only while its session has not started (and the booking is still live);
 * the others become `skipped` and are counted, not returned. Only the batch's own bookings are
 * looked at (by primary key), never the bookings table as a whole.
 */
export async function claimDueBatch(tx: Queryable, limit: number, leaseSeconds: number): Promise<{ claimed: ClaimedMessage[]; skipped: number; taken: number }> {
  const { rows } = await tx.query<ClaimedMessage & { stale: boolean }>(
    `with due as (
       select m.id,
              (m.kind = 'reminder' and m.status = 'pending' and exists (
                 select 1 from public.bookings b
                  where b.id = m.booking_id and (b.date_time <= now() or b.status not in ('scheduled', 'confirmed')))) as stale
         from public.messages m
        where m.status in ('pending', 'sending') and m.send_after <= now()
        order by m.send_after, m.id
        limit $1
        for update of m skip locked
     ),
     claimed as (
       update public.messages m
          set status = case when due.stale then 'skipped' else 'sending' end,
              attempts = case when due.stale then m.attempts else m.attempts + 1 end,
              send_after = case when due.stale then m.send_after else now() + make_interval(secs => $2) end,
              last_error = case when due.stale then $3 else m.last_error end
         from due
        where m.id = due.id
       returning m.id, m.kind, m.channel, m.recipient, m.user_id, m.booking_id, m.order_id, m.attempts, m.data, m.send_after, due.stale
     )
     select c.id, c.kind, c.channel, c.recipient, c.user_id, c.booking_id, c.order_id, c.attempts, c.data, c.stale,
            case when c.stale then null else (select to_jsonb(b) - 'notes' from public.bookings b where b.id = c.booking_id) end as booking,
            case when c.stale then null else (select to_jsonb(o) from public.orders o
              where o.id = coalesce(c.order_id, (select b.order_id from public.bookings b where b.id = c.booking_id))) end as "order",
            case when c.stale then null else (select p.full_name from public.profiles p where p.id = c.user_id) end as customer_name,
            case when c.stale then null else (select s.name from public.bookings b join public.services s on s.key = b.service_type where b.id = c.booking_id) end as service_name
       from claimed c
      order by c.send_after, c.id`,
    [limit, leaseSeconds, STALE_REMINDER],
  );
  const claimed = rows.filter((r) => !r.stale).map(({ stale: _stale, ...message }) => message);
  return { claimed, skipped: rows.length - claimed.length, taken: rows.length };
}

/** As claimDueBatch, the claimed messages only (stale reminders in the batch are skipped all the same). */
export async function claimDue(tx: Queryable, limit: number, leaseSeconds: number): Promise<ClaimedMessage[]> {
  return (await claimDueBatch(tx, limit, leaseSeconds)).claimed;
}

/** Records a send; false when this claim was lost (its lease ran out and another worker retook it). */
export async function markSent(tx: Queryable, id: string, attempt: number, providerId: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `update public.messages set status = 'sent', provider_id = $3, sent_at = now(), last_error = null
      where id = $1 and status = 'sending' and attempts = $2`,
    [id, attempt, providerId],
  );
  return rowCount === 1;
}

/** A message with nothing to send on its channel (e.g. a kind that has no text). */
export async function markSkipped(tx: Queryable, id: string, attempt: number, reason: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `update public.messages set status = 'skipped', last_error = $3 where id = $1 and status = 'sending' and attempts = $2`,
    [id, attempt, reason],
  );
  return rowCount === 1;
}

/** A failed attempt: pending again after `retryInSeconds`, or `failed` when it was the last one allowed. */
export async function markUnsent(tx: Queryable, id: string, attempt: number, error: string, retryInSeconds: number | null): Promise<boolean> {
  const { rowCount } = await tx.query(
    `update public.messages
        set status = case when $4::float8 is null then 'failed' else 'pending' end,
            send_after = case when $4::float8 is null then send_after else now() + make_interval(secs => $4::float8) end,
            last_error = left($3, 2000)
      where id = $1 and status = 'sending' and attempts = $2`,
    [id, attempt, error, retryInSeconds],
  );
  return rowCount === 1;
}

/** The business as messages name it: its name, phone, address and zone from business_settings. */
export async function businessContact(tx: Queryable, publicUrl: string): Promise<BusinessContact> {
  const { rows } = await tx.query<{ business_name: string; business_phone: string | null; business_address: string | null; timezone: string }>(
    'select s.business_name, s.business_phone, s.business_address, s.timezone from public.business_settings s where s.id',
  );
  const s = rows[0];
  return {
    name: s?.business_name ?? 'Recovery Machine',
    phone: s?.business_phone ?? null,
    address: s?.business_address ?? null,
    timezone: s?.timezone ?? 'UTC',
    publicUrl,
  };
}

/** The admin list as the response body (JSON text). */
export function listMessagesJson(db: Database, caller: Caller, filter: { status?: string; kind?: string; limit: number; offset: number }): Promise<string> {
  return db.callText(caller, 'api.admin_messages', [filter.status ?? null, filter.kind ?? null, filter.limit, filter.offset]);
}

export interface RetriedMessage {
  id: string;
  kind: MessageKind;
  status: MessageStatus;
  attempts: number;
  send_after: string;
}

export function retryMessage(db: Database, caller: Caller, id: string): Promise<RetriedMessage> {
  return db.call<RetriedMessage>(caller, 'api.retry_message', [id]);
}
