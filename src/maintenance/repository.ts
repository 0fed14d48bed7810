import type { Queryable } from '../db/index.js';

/** One integrity check: the seed's queries, run unchanged, plus the slot counters. Any row is a problem. */
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
    name: 'slot counters that disagree with their live bookings',
    sql: `SELECT s.id, s.date, s.start_time, s.current_bookings, count(b.id) AS live_bookings
FROM availability_slots s
LEFT JOIN bookings b ON b.slot_id = s.id AND b.status <> 'cancelled'
GROUP BY s.id
HAVING s.current_bookings <> count(b.id)`,
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
