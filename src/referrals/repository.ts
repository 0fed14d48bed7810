import type { Queryable } from '../db/index.js';

export interface Referral {
  id: string;
  invitee_email: string;
  status: 'pending' | 'accepted' | 'expired';
  reward_credits: number;
  referral_code: string;
  created_at: Date;
  expires_at: Date;
}

const columns = 'r.id, r.invitee_email, r.status, r.reward_credits, r.referral_code, r.created_at, r.expires_at';

/** As the customer (RLS: own invitations, pending, no invitee yet). */
export async function insertInvitation(tx: Queryable, referrerId: string, email: string): Promise<Referral> {
  const { rows } = await tx.query<Referral>(
    `insert into public.referrals as r (referrer_id, invitee_email) values ($1, $2) returning ${columns}`,
    [referrerId, email],
  );
  return rows[0]!;
}

export async function listInvitations(tx: Queryable, referrerId: string): Promise<Referral[]> {
  const { rows } = await tx.query<Referral>(
    `select ${columns} from public.referrals r where r.referrer_id = $1 order by r.created_at desc, r.id`,
    [referrerId],
  );
  return rows;
}

/** Service role: is this email already a customer? (Customers cannot see others' profiles.) */
export async function isCustomer(tx: Queryable, email: string): Promise<boolean> {
  const { rows } = await tx.query('select 1 from public.profiles where email = lower($1)', [email]);
  return rows.length > 0;
}

/**
 * Invitations sent by this customer in the last day, and when the oldest of them leaves the window.
 * A code shared by hand is accepted by a row written in the invitee's own sign-up (so not before
 * their profile): that is no invitation sent, and does not count. Service role (reads profiles).
 */
export async function invitesInLastDay(tx: Queryable, referrerId: string): Promise<{ count: number; retry_after: number }> {
  const { rows } = await tx.query<{ count: number; retry_after: number }>(
    `select count(*)::int as count,
            coalesce(ceil(extract(epoch from (min(r.created_at) + interval '1 day' - now()))), 0)::int as retry_after
       from public.referrals r
       left join public.profiles p on p.id = r.invitee_id
      where r.referrer_id = $1 and r.created_at > now() - interval '1 day'
        and (r.invitee_id is null or p.created_at is null or r.created_at < p.created_at)`,
    [referrerId],
  );
  return rows[0]!;
}

/** Service role: are these two addresses one mailbox (case, "+tag", gmail dots folded)? */
export async function sameMailbox(tx: Queryable, a: string, b: string): Promise<boolean> {
  const { rows } = await tx.query<{ same: boolean }>('select app_private.email_mailbox($1) = app_private.email_mailbox($2) as same', [a, b]);
  return rows[0]?.same ?? false;
}
