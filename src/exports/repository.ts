import type { Queryable } from '../db/index.js';

/** What `recovery export` writes. */
export const exportKinds = ['customers', 'bookings', 'orders', 'ledger', 'reviews'] as const;
export type ExportKind = (typeof exportKinds)[number];

/** A page position: the last row's sort key and id (keyset pagination, constant memory on both engines). */
export type ExportCursor = [key: string, id: string];

export interface ExportFilter {
  /** YYYY-MM-DD, inclusive, in the business time zone. */
  from?: string;
  /** YYYY-MM-DD, inclusive, in the business time zone. */
  to?: string;
}

const TZ = `coalesce((select bs.timezone from public.business_settings bs limit 1), 'America/Los_Angeles')`;
/** ISO 8601 UTC with microseconds: the same text on both engines, and exact as a keyset key. */
const iso = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const local = (col: string) => `to_char(${col} at time zone ${TZ}, 'YYYY-MM-DD HH24:MI')`;
/** In the window [from, to] by the business time zone's calendar ($1, $2 may be null). */
const window = (col: string) =>
  `($1::date is null or ${col} >= ($1::date)::timestamp at time zone ${TZ})
   and ($2::date is null or ${col} < ($2::date + 1)::timestamp at time zone ${TZ})`;
/** After the cursor ($3 key, $4 id). */
const after = (key: string, id: string) => `($3::text is null or (${key}, ${id}) > ($3::text::timestamptz, $4::uuid))`;

interface ExportSpec {
  columns: string[];
  /** $1 from, $2 to, $3/$4 cursor, $5 limit; selects the columns then `_key`, `_id`. */
  sql: string;
  count: string;
}

const specs: Record<ExportKind, ExportSpec> = {
  // The seed's customer_summary export, done right: paid orders counted once (not once per
  // booking), customers who never paid listed with 0, archived bookings counted.
  customers: {
    columns: ['email', 'full_name', 'credits', 'total_bookings', 'lifetime_value_cents', 'last_booking', 'last_booking_local', 'signed_up_at'],
    sql: `select p.email, p.full_name, p.credits,
        (select count(*)::integer from app_private.bookings_all b where b.user_id = p.id and b.status <> 'cancelled') as total_bookings,
        (select coalesce(sum(o.amount), 0)::bigint from public.orders o where o.user_id = p.id and o.status = 'paid') as lifetime_value_cents,
        lb.last_booking, lb.last_booking_local, ${iso('p.created_at')} as signed_up_at,
        p.email as _key, p.id::text as _id
      from public.profiles p
      left join lateral (select ${iso('max(b.date_time)')} as last_booking, ${local('max(b.date_time)')} as last_booking_local
                           from app_private.bookings_all b where b.user_id = p.id and b.status <> 'cancelled') lb on true
      where ${window('p.created_at')}
        and ($3::text is null or (p.email, p.id) > ($3::text, $4::uuid))
      order by p.email, p.id
      limit $5`,
    count: `select count(*)::integer as n from public.profiles p where ${window('p.created_at')}`,
  },
  // Every booking, live or archived (app_private.bookings_all).
  bookings: {
    columns: ['id', 'customer_email', 'customer_name', 'service_type', 'status', 'archived', 'date_time', 'date_time_local', 'duration_minutes',
      'total_amount_cents', 'add_ons', 'address', 'notes', 'order_id', 'slot_id', 'created_at', 'cancelled_at'],
    sql: `select b.id, p.email as customer_email, p.full_name as customer_name, b.service_type, b.status, b.archived,
        ${iso('b.date_time')} as date_time, ${local('b.date_time')} as date_time_local, b.duration as duration_minutes,
        b.total_amount as total_amount_cents, b.add_ons::text as add_ons, b.address::text as address, b.notes, b.order_id, b.slot_id,
        ${iso('b.created_at')} as created_at, ${iso('b.cancelled_at')} as cancelled_at,
        ${iso('b.date_time')} as _key, b.id::text as _id
      from app_private.bookings_all b
      left join public.profiles p on p.id = b.user_id
      where ${window('b.date_time')} and ${after('b.date_time', 'b.id')}
      order by b.date_time, b.id
      limit $5`,
    count: `select count(*)::integer as n from app_private.bookings_all b where ${window('b.date_time')}`,
  },
  orders: {
    columns: ['id', 'customer_email', 'status', 'amount_cents', 'credits_applied', 'setup_fee_cents', 'refunded_cents', 'card_refunded_cents',
      'provider', 'bolt_checkout_id', 'created_at', 'created_local', 'paid_at', 'paid_local'],
    sql: `select o.id, p.email as customer_email, o.status, o.amount as amount_cents, o.credits_applied, o.setup_fee_applied as setup_fee_cents,
        o.refunded_cents, o.card_refunded_cents, o.provider, o.bolt_checkout_id,
        ${iso('o.created_at')} as created_at, ${local('o.created_at')} as created_local, ${iso('o.paid_at')} as paid_at, ${local('o.paid_at')} as paid_local,
        ${iso('o.created_at')} as _key, o.id::text as _id
      from public.orders o
      left join public.profiles p on p.id = o.user_id
      where ${window('o.created_at')} and ${after('o.created_at', 'o.id')}
      order by o.created_at, o.id
      limit $5`,
    count: `select count(*)::integer as n from public.orders o where ${window('o.created_at')}`,
  },
  // The credits ledger: one row per credit_transactions row (amount in credits; 1 credit = 100 cents).
  ledger: {
    columns: ['id', 'customer_email', 'type', 'amount_credits', 'description', 'reference_id', 'created_by', 'created_at', 'created_local'],
    sql: `select t.id, p.email as customer_email, t.type, t.amount as amount_credits, t.description, t.reference_id, t.created_by,
        ${iso('t.created_at')} as created_at, ${local('t.created_at')} as created_local,
        ${iso('t.created_at')} as _key, t.id::text as _id
      from public.credit_transactions t
      left join public.profiles p on p.id = t.user_id
      where ${window('t.created_at')} and ${after('t.created_at', 't.id')}
      order by t.created_at, t.id
      limit $5`,
    count: `select count(*)::integer as n from public.credit_transactions t where ${window('t.created_at')}`,
  },
  reviews: {
    columns: ['id', 'customer_email', 'booking_id', 'service_type', 'booking_date_time', 'rating', 'comment', 'is_featured', 'created_at', 'created_local'],
    sql: `select r.id, p.email as customer_email, r.booking_id, b.service_type, ${iso('b.date_time')} as booking_date_time, r.rating, r.comment,
        r.is_featured, ${iso('r.created_at')} as created_at, ${local('r.created_at')} as created_local,
        ${iso('r.created_at')} as _key, r.id::text as _id
      from public.reviews r
      left join public.profiles p on p.id = r.user_id
      left join app_private.bookings_all b on b.id = r.booking_id
      where ${window('r.created_at')} and ${after('r.created_at', 'r.id')}
      order by r.created_at, r.id
      limit $5`,
    count: `select count(*)::integer as n from public.reviews r where ${window('r.created_at')}`,
  },
};

export function exportColumns(kind: ExportKind): string[] {
  return specs[kind].columns;
}

export async function countExport(db: Queryable, kind: ExportKind, filter: ExportFilter): Promise<number> {
  const { rows } = await db.query<{ n: number }>(specs[kind].count, [filter.from ?? null, filter.to ?? null]);
  return rows[0]?.n ?? 0;
}

/** One page of rows after `cursor` (null: the first page), and the cursor of its last row. */
export async function exportPage(
  db: Queryable,
  kind: ExportKind,
  filter: ExportFilter,
  cursor: ExportCursor | null,
  limit: number,
): Promise<{ rows: Record<string, unknown>[]; next: ExportCursor | null }> {
  const { rows } = await db.query<Record<string, unknown> & { _key: string; _id: string }>(specs[kind].sql, [
    filter.from ?? null, filter.to ?? null, cursor?.[0] ?? null, cursor?.[1] ?? null, limit,
  ]);
  const last = rows.at(-1);
  return { rows, next: last ? [last._key, last._id] : null };
}
