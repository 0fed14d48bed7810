import type { Queryable } from '../db/index.js';

export interface CustomerSummary {
  id: string;
  email: string;
  full_name: string | null;
  phone: string | null;
  credits: number;
  created_at: Date;
}

const summary = 'p.id, p.email, p.full_name, p.phone, p.credits, p.created_at';
/** Above every character: `x <= s < x || TOP` is "s starts with x" in collation "C". */
const TOP = '\u{10FFFF}';

/**
 * The search as SQL and parameters. Each branch is a prefix range on a stored lower-case column
 * (collation "C"): >= and < are leakproof, so the indexes work under RLS, where lower() or LIKE
 * on a column would not. Name (from its start or the surname), email, and phone digits (with or
 * without the leading country code 1).
 */
function searchWhere(q: string): { where: string; params: string[] } {
  const text = q.trim().toLowerCase().replace(/\s+/g, ' ');
  if (!text) return { where: 'true', params: [] };
  const params = [text, text + TOP];
  const branches = [
    'p.search_name >= $1 and p.search_name < $2',
    'p.search_surname >= $1 and p.search_surname < $2',
    'p.search_email >= $1 and p.search_email < $2',
  ];
  const digits = text.replace(/\D/g, '');
  if (digits.length >= 3 && /^[+0-9 ().-]+$/.test(text)) {
    params.push(digits, digits + TOP, `1${digits}`, `1${digits}${TOP}`);
    branches.push('p.search_phone >= $3 and p.search_phone < $4', 'p.search_phone >= $5 and p.search_phone < $6');
  }
  return { where: branches.map((b) => `(${b})`).join(' or '), params };
}

/** Under RLS (operators see every profile): matches ordered by name, and the total for paging. */
export async function searchCustomers(
  tx: Queryable,
  q: string,
  limit: number,
  offset: number,
): Promise<{ customers: CustomerSummary[]; total: number }> {
  const { where, params } = searchWhere(q);
  const n = params.length;
  // Matches are collected first, then sorted: walking the name index in order and filtering
  // would read most of the table for a rare match late in the alphabet. Without q, the name
  // index gives the order directly.
  const page = params.length
    ? `with matches as materialized (select ${summary}, p.search_name from public.profiles p where ${where})
       select ${summary} from matches p order by p.search_name, p.id limit $${n + 1} offset $${n + 2}`
    : `select ${summary} from public.profiles p order by p.search_name, p.id limit $${n + 1} offset $${n + 2}`;
  const { rows } = await tx.query<CustomerSummary>(page, [...params, limit, offset]);
  const count = await tx.query<{ total: number }>(`select count(*)::int as total from public.profiles p where ${where}`, params);
  return { customers: rows, total: count.rows[0]?.total ?? 0 };
}

export interface CustomerReferral {
  id: string;
  referrer_id: string;
  invitee_email: string;
  invitee_id: string | null;
  status: 'pending' | 'accepted' | 'expired';
  reward_credits: number;
  rewarded_at: Date | null;
  created_at: Date;
}

/** Under RLS (admins): referrals this customer made, and the one(s) they received. */
export async function referralsOf(tx: Queryable, customerId: string): Promise<{ made: CustomerReferral[]; received: CustomerReferral[] }> {
  const { rows } = await tx.query<CustomerReferral & { made: boolean }>(
    `select r.id, r.referrer_id, r.invitee_email, r.invitee_id, r.status, r.reward_credits, r.rewarded_at, r.created_at,
            r.referrer_id = $1 as made
       from public.referrals r where r.referrer_id = $1 or r.invitee_id = $1
      order by r.created_at desc, r.id`,
    [customerId],
  );
  const strip = ({ made: _made, ...r }: CustomerReferral & { made: boolean }) => r;
  return { made: rows.filter((r) => r.made).map(strip), received: rows.filter((r) => !r.made).map(strip) };
}

export interface CustomerReview {
  id: string;
  booking_id: string;
  rating: number;
  comment: string | null;
  is_featured: boolean | null;
  created_at: Date;
}

export async function reviewsOf(tx: Queryable, customerId: string): Promise<CustomerReview[]> {
  const { rows } = await tx.query<CustomerReview>(
    `select v.id, v.booking_id, v.rating, v.comment, v.is_featured, v.created_at
       from public.reviews v where v.user_id = $1 order by v.created_at desc, v.id`,
    [customerId],
  );
  return rows;
}
