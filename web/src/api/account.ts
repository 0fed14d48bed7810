import type { Address } from '../auth/session';

/** GET /api/me/credits */
export interface LedgerEntry {
  id: string;
  /** Credits; positive in, negative out (1 credit = $1). */
  amount: number;
  type: 'earned' | 'spent' | 'refunded' | 'adjustment';
  description: string;
  reference_id: string | null;
  created_at: string;
  /** A referral reward: the first name of the friend on the other side (null when unknown). */
  friend?: string | null;
}
export interface CreditsResponse {
  balance: number;
  transactions: LedgerEntry[];
}

/** GET /api/referrals */
export interface Invitation {
  id: string;
  invitee_email: string;
  status: 'pending' | 'accepted' | 'expired';
  reward_credits: number;
  referral_code: string;
  created_at: string;
  expires_at: string;
}
export interface ReferralsResponse {
  referral_code: string;
  invite_url: string;
  invitations: Invitation[];
}
/** POST /api/referrals → 201 */
export interface InviteResponse {
  referral: Invitation & { invite_url: string };
}

/** PATCH /api/me body (only the fields given change; null clears). */
export interface ProfilePatch {
  full_name?: string | null;
  phone?: string | null;
  address?: Address | null;
}

/** GET/PATCH /api/me/notifications */
export interface NotificationSwitches {
  reminder_email: boolean;
  reminder_sms: boolean;
  review_requests: boolean;
  referral_news: boolean;
  sms_opt_in: boolean;
}
export interface NotificationsResponse extends NotificationSwitches {
  sms_opt_in_at: string | null;
  phone: string | null;
  /** The phone replied STOP: no texts until it replies START. */
  sms_stopped: boolean;
}

/** GET /api/reviews/request/:token */
export interface ReviewRequest {
  booking_id: string;
  service: string;
  date_time: string;
  first_name: string | null;
  reviewed: boolean;
}
/** POST /api/reviews → 201 */
export interface ReviewSubmitted {
  review: { id: string; booking_id: string; rating: number; comment: string | null; created_at: string };
  /** Our redirect to Google's review page (/r/google/<id>), whatever the rating; null when none is set. */
  google_review_link: string | null;
}

/** The API's validation details ({field, message}[]) as field → message. */
export function fieldErrors(details: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(details)) {
    for (const d of details as { field?: unknown; message?: unknown }[]) {
      if (typeof d?.field === 'string') out[d.field] = typeof d.message === 'string' ? d.message : 'is not valid';
    }
  }
  return out;
}
