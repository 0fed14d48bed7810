import type { Caller, Database, Queryable } from '../db/index.js';

/** The reports, their CSV columns in order (the JSON rows carry the same keys). */
export const reportColumns = {
  revenue: ['month', 'revenue_cents', 'order_count', 'avg_order_cents', 'refunded_cents', 'net_cents'],
  customers: ['id', 'email', 'full_name', 'credits', 'total_bookings', 'lifetime_value_cents', 'last_booking'],
  referrers: ['referrer_id', 'referrer_email', 'referrer_name', 'total_referrals', 'successful_referrals', 'credits_earned'],
  'referral-conversion': ['month', 'invitations_sent', 'successful_signups', 'conversion_rate_percent'],
  services: ['service_type', 'booking_count', 'avg_duration', 'revenue_cents'],
  'peak-hours': ['hour_of_day', 'booking_count'],
  utilization: ['week', 'slots_offered', 'places_offered', 'places_booked', 'utilization_percent'],
  overview: [
    'this_month',
    'last_month',
    'this_month_revenue_cents',
    'last_month_revenue_cents',
    'this_month_bookings',
    'last_month_bookings',
    'this_month_new_customers',
    'last_month_new_customers',
    'this_month_average_rating',
    'last_month_average_rating',
    'credits_outstanding',
  ],
} as const;

export type ReportName = keyof typeof reportColumns;
export const reportNames = Object.keys(reportColumns) as ReportName[];
export const isReportName = (name: string): name is ReportName => Object.hasOwn(reportColumns, name);

export interface ReportRange {
  report: ReportName;
  /** null for customers (lifetime figures). */
  from: string | null;
  to: string;
  timezone: string;
}

export interface ReportQuery {
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

/** The JSON answer, built by the database in one call (api.report): sent as it is. */
export function reportJson(db: Database, caller: Caller, name: ReportName, q: ReportQuery): Promise<string> {
  return db.callText(caller, 'api.report', [name, q.from ?? null, q.to ?? null, q.limit ?? 100, q.cursor ?? null]);
}

const CURSOR = 'report_csv';

/**
 * Opens a cursor over every row of a report (api.report_rows) inside the caller's transaction and
 * returns the resolved range (its first row). Checks and bad input fail here, before any output.
 */
export async function openReportCursor(tx: Queryable, name: ReportName, q: ReportQuery): Promise<ReportRange> {
  await tx.query(`declare ${CURSOR} no scroll cursor for select x from api.report_rows($1, $2::date, $3::date) x`, [
    name,
    q.from ?? null,
    q.to ?? null,
  ]);
  const { rows } = await tx.query<{ x: ReportRange }>(`fetch 1 from ${CURSOR}`);
  return rows[0]!.x;
}

/** The next batch of rows from the cursor (empty at the end). */
export async function fetchReportRows(tx: Queryable, batch: number): Promise<Record<string, unknown>[]> {
  const { rows } = await tx.query<{ x: Record<string, unknown> }>(`fetch ${Math.trunc(batch)} from ${CURSOR}`);
  return rows.map((r) => r.x);
}
