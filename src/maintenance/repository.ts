import type { Database, Queryable } from '../db/index.js';

/**
 * One integrity check: any row it returns is a problem. The seed's two checks run verbatim; the
 * others cover what the database promises beyond them (issue 11). They run on the owner
 * connection (the archive is in app_private).
 */
export interface IntegrityCheck {
  name: string;
  sql: string;
}

export const integrityChecks: IntegrityCheck[] = [
  {
    name: 'bookings without valid orders',
    sql: `SELECT b.id, b.user_id, b.order_id
FROM bookings b
LEFT JOIN orders o ON b.order_id = o.id
WHERE b.order_id IS NOT NULL AND o.id IS NULL`,
  },
  {
    name: 'credit imbalances',
    sql: `SELECT
  p.id,
  p.email,
  p.credits as current_credits,
  COALESCE(SUM(ct.amount), 0) as transaction_total
FROM profiles p
LEFT JOIN credit_transactions ct ON p.id = ct.user_id
GROUP BY p.id, p.email, p.credits
HAVING p.credits != COALESCE(SUM(ct.amount), 0)`,
  },
  {
    // A session holds its slot's place whether it is live or archived.
    name: 'slot counters that disagree with their bookings (live and archived)',
    sql: `SELECT s.id, s.date, s.start_time, s.current_bookings, count(b.id) AS bookings
FROM public.availability_slots s
LEFT JOIN app_private.bookings_all b ON b.slot_id = s.id AND b.status <> 'cancelled'
GROUP BY s.id
HAVING s.current_bookings <> count(b.id)`,
  },
  {
    // Completed refunds never exceed what the order took (card plus credits); card refunds never exceed the card amount.
    name: 'refunds exceeding what the order was paid',
    sql: `SELECT o.id, o.status, o.amount, o.credits_applied, o.refunded_cents,
       coalesce(sum(r.amount_cents), 0) AS refunds_cents,
       coalesce(sum(r.amount_cents) FILTER (WHERE r.destination = 'card'), 0) AS card_refunds_cents
FROM public.orders o
JOIN public.refunds r ON r.order_id = o.id AND r.status = 'completed'
GROUP BY o.id
HAVING coalesce(sum(r.amount_cents), 0) > o.amount + o.credits_applied * 100
    OR coalesce(sum(r.amount_cents) FILTER (WHERE r.destination = 'card'), 0) > o.amount
    OR o.status NOT IN ('paid', 'refunded')`,
  },
  {
    // The unique index covers live bookings; an archived booking counts too.
    name: 'customers with two live bookings at the same time',
    sql: `SELECT b.user_id, b.date_time, count(*) AS bookings, array_agg(b.id ORDER BY b.id) AS booking_ids
FROM app_private.bookings_all b
WHERE b.status <> 'cancelled'
GROUP BY b.user_id, b.date_time
HAVING count(*) > 1`,
  },
  {
    // One payment per order: two events that paid the same order, or two paid orders for one provider transaction.
    name: 'orders paid twice',
    sql: `SELECT e.order_id AS id, 'two payment events paid this order' AS problem, array_agg(e.id ORDER BY e.id) AS refs
FROM public.payment_events e
WHERE e.outcome = 'paid' AND e.order_id IS NOT NULL
GROUP BY e.order_id
HAVING count(*) > 1
UNION ALL
SELECT min(o.id::text)::uuid, 'one provider transaction paid several orders', array_agg(o.id::text ORDER BY o.id)
FROM public.orders o
WHERE o.status IN ('paid', 'refunded') AND o.metadata ? 'bolt_transaction_reference'
GROUP BY o.metadata ->> 'bolt_transaction_reference'
HAVING count(*) > 1`,
  },
  {
    name: 'bookings both archived and live',
    sql: `SELECT a.id, a.user_id, a.date_time, a.archived_at
FROM app_private.bookings_archive a
JOIN public.bookings b ON b.id = a.id`,
  },
  {
    name: 'archived bookings without valid orders',
    sql: `SELECT a.id, a.user_id, a.order_id
FROM app_private.bookings_archive a
LEFT JOIN public.orders o ON a.order_id = o.id
WHERE a.order_id IS NOT NULL AND o.id IS NULL`,
  },
  {
    // messages.booking_id points at a booking, live or archived (kept by triggers, see 20251205110000_maintenance.sql).
    name: 'messages about a booking that does not exist',
    sql: `SELECT m.id, m.kind, m.booking_id
FROM public.messages m
WHERE m.booking_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM public.bookings b WHERE b.id = m.booking_id)
  AND NOT EXISTS (SELECT 1 FROM app_private.bookings_archive a WHERE a.id = m.booking_id)`,
  },
  {
    name: "customers' report totals that disagree with their orders and bookings",
    sql: `SELECT * FROM app_private.customer_totals_drift()`,
  },
  {
    // The reports' quarter-hour sums (revenue, services, peak-hours, overview), kept by triggers;
    // a load with triggers off leaves them behind until `select app_private.rebuild_report_facts()`.
    name: 'report facts that disagree with their orders and bookings',
    sql: `SELECT * FROM app_private.report_facts_drift()`,
  },
];

export async function runIntegrityCheck(db: Queryable, check: IntegrityCheck): Promise<Record<string, unknown>[]> {
  return (await db.query(check.sql)).rows;
}

/** Pending referrals past `expires_at` become `expired`; returns how many. */
export async function expireReferrals(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ expired: number }>('select public.expire_referrals() as expired');
  return rows[0]?.expired ?? 0;
}

/**
 * The seed's cleanup: deletes invitations whose expiry passed over 30 days ago and that were
 * never accepted. The seed's `status = 'pending'` alone would find nothing here: at its expiry a
 * pending referral becomes `expired` (expireReferrals, on the job queue), so both go. Accepted
 * ones (and so the ledger) and app_private.rewarded_invitees ("credited once, ever") are not
 * touched, and no trigger of referrals writes on delete. Returns how many were deleted.
 */
export async function purgeReferrals(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM referrals
WHERE status IN ('pending', 'expired')
AND expires_at < NOW() - INTERVAL '30 days'`);
  return rowCount;
}

/**
 * Folds the report facts' deltas (one row per order or booking change, written by triggers) into
 * one row per key (app_private.compact_report_facts): safe beside writers and beside another
 * run (which then does nothing). Returns the rows folded and the sums written.
 */
export async function compactReportFacts(db: Queryable): Promise<{ folded: number; written: number }> {
  const { rows } = await db.query<{ folded: string; written: string }>('select folded, written from app_private.compact_report_facts()');
  return { folded: Number(rows[0]?.folded ?? 0), written: Number(rows[0]?.written ?? 0) };
}

/** Recomputes every report fact from the orders and bookings (after a load with triggers off); returns the rows written. */
/** Recomputes every customer's report totals (app_private.customer_totals); returns the rows written. */
export async function rebuildCustomerTotals(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select app_private.rebuild_customer_totals() as n');
  return Number(rows[0]?.n ?? 0);
}

export async function rebuildReportFacts(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: string }>('select app_private.rebuild_report_facts() as n');
  return Number(rows[0]?.n ?? 0);
}

/** Default rows per archive transaction. */
export const ARCHIVE_BATCH = 1000;

/**
 * The seed's archive of completed bookings that started before `cutoff`, a batch per
 * transaction (app_private.archive_bookings_batch): restartable and idempotent (a booking moves
 * once; a stopped run leaves whole batches moved). Reviewed bookings stay live (their review
 * would cascade away). `onBatch` hears the running total. Returns how many moved.
 */
export async function archiveBookings(
  db: Queryable,
  cutoff: Date,
  options: { batchSize?: number; onBatch?: (moved: number) => void } = {},
): Promise<number> {
  const batch = options.batchSize ?? ARCHIVE_BATCH;
  let total = 0;
  for (;;) {
    const { rows } = await db.query<{ moved: number }>('select app_private.archive_bookings_batch($1, $2) as moved', [cutoff, batch]);
    const moved = rows[0]?.moved ?? 0;
    if (moved === 0) return total;
    total += moved;
    options.onBatch?.(total);
  }
}

/** The archive's cutoff as an instant: now minus an age (`1 years`), or midnight of a date in the business time zone. */
export async function resolveCutoff(db: Queryable, cutoff: { age: string } | { date: string }): Promise<Date> {
  const { rows } = 'age' in cutoff
    ? await db.query<{ at: Date }>('select now() - $1::interval as at', [cutoff.age])
    : await db.query<{ at: Date }>(
        `select ($1::date)::timestamp at time zone coalesce((select timezone from public.business_settings limit 1), 'America/Los_Angeles') as at`,
        [cutoff.date],
      );
  return new Date(rows[0]!.at);
}

/** Bookings the archive would move now (completed, before the cutoff, not reviewed). */
export async function countArchivable(db: Queryable, cutoff: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::integer as n from public.bookings b
      where b.status = 'completed' and b.date_time < $1
        and not exists (select 1 from public.reviews r where r.booking_id = b.id)`,
    [cutoff],
  );
  return rows[0]?.n ?? 0;
}

/** The tables the seed analyzes, plus the archive. */
export const ANALYZED_TABLES = ['profiles', 'orders', 'bookings', 'referrals', 'reviews', 'app_private.bookings_archive'];

/**
 * The seed's `ANALYZE profiles, orders, bookings, referrals, reviews` and `VACUUM ANALYZE
 * bookings` (plus the archive). VACUUM cannot run inside a transaction: each statement runs on
 * its own on one owner session, outside any transaction. Returns the statements run.
 */
export async function analyze(db: Database): Promise<string[]> {
  const statements = [`ANALYZE ${ANALYZED_TABLES.join(', ')}`, 'VACUUM ANALYZE bookings', 'VACUUM ANALYZE app_private.bookings_archive'];
  await db.withSession(async (session) => {
    for (const sql of statements) await session.query(sql);
  });
  return statements;
}

/** Row counts of every base table outside the system schemas (for backup checks). */
export async function tableRowCounts(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ name: string }>(
    `select format('%I.%I', table_schema, table_name) as name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') order by 1`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of rows) {
    const { rows: n } = await db.query<{ n: number }>(`select count(*)::integer as n from ${name}`);
    counts[name] = n[0]?.n ?? 0;
  }
  return counts;
}
