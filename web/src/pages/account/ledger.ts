import type { LedgerEntry } from '../../api/account';

/**
 * A ledger row in words. The database writes these descriptions (see the migrations):
 * - earned  "Referral reward" (reference = the referral; the referrer's row)
 *           "Referral signup reward" (the invitee's row); `friend` is the other side's first name
 * - spent   "Applied to order: <service key> on YYYY-MM-DD at HH:MM" (reference = the order)
 * - refunded "Refund to credits" (a refund paid as credits), "Credits returned: order <reason>"
 *           (a payment that failed or expired gives back the credits it held)
 * - adjustment: the staff member's reason (POST /api/admin/customers/:id/credits)
 */
export interface LedgerContext {
  /** Service key → name, from the catalog. */
  serviceName: (key: string) => string;
  /** Referral id → the invited friend's email, from GET /api/referrals (when the friend has no name). */
  friendOf: (referralId: string) => string | undefined;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "12 March" from "2026-03-12" (a business-zone date, so no zone arithmetic). */
export function dayMonth(isoDate: string): string {
  const [, m, d] = isoDate.split('-').map(Number);
  return `${d} ${MONTHS[(m ?? 1) - 1]}`;
}

const reasons: Record<string, string> = {
  checkout_failed: 'the payment did not go through',
  checkout_expired: 'the payment was not finished in time',
  expired: 'the payment was not finished in time',
  declined: 'the card was declined',
};

export function describeLedgerEntry(entry: LedgerEntry, ctx: LedgerContext): string {
  const d = entry.description.trim();
  switch (entry.type) {
    case 'adjustment':
      return `Adjusted by Recovery Machine: ${d}`;
    case 'earned': {
      if (d === 'Referral signup reward') return entry.friend ? `Welcome reward: you joined with ${entry.friend}’s link` : 'Welcome reward for joining through a friend’s link';
      if (d === 'Referral reward') {
        const friend = entry.friend || (entry.reference_id ? ctx.friendOf(entry.reference_id) : undefined);
        return friend ? `Referral reward from ${friend}` : 'Referral reward: a friend you invited booked their first session';
      }
      return d;
    }
    case 'spent': {
      const m = /^Applied to order: (.+) on (\d{4}-\d{2}-\d{2}) at (\d{2}:\d{2})$/.exec(d);
      if (m) return `Used on ${dayMonth(m[2]!)} for ${ctx.serviceName(m[1]!)}`;
      return `Used: ${d.replace(/^Applied to order: /, '')}`;
    }
    case 'refunded': {
      if (d === 'Refund to credits') return 'Refund of a cancelled session, as credits';
      const m = /^Credits returned: order (.+)$/.exec(d);
      if (m) return `Credits given back: ${reasons[m[1]!] ?? 'the booking was not paid'}`;
      return d;
    }
  }
}

/** "+50 credits" / "−20 credits" (a real minus sign) */
export function signedCredits(amount: number): string {
  const n = Math.abs(amount);
  return `${amount < 0 ? '−' : '+'}${n.toLocaleString('en-US')} ${n === 1 ? 'credit' : 'credits'}`;
}
