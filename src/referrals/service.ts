import { signedIn } from '../auth/caller.js';
import { normalizeEmail } from '../auth/service.js';
import { elevateToService, type Caller, type Database } from '../db/index.js';
import { AppError, notFound, unprocessable } from '../errors.js';
import * as profiles from '../profiles/repository.js';
import * as repo from './repository.js';

export interface ReferralOverview {
  referral_code: string;
  invite_url: string;
  invitations: repo.Referral[];
}

export class ReferralService {
  constructor(
    private readonly db: Database,
    private readonly settings: { publicUrl: string; invitesPerDay: number },
  ) {}

  inviteUrl(code: string): string {
    return `${this.settings.publicUrl}/signup?ref=${encodeURIComponent(code)}`;
  }

  /**
   * Invites a friend by email: one invitation per referrer and email (409), never yourself (any
   * address of your mailbox) or an existing customer (422), a daily limit (429). The email is
   * queued in the message log by the referral's insert trigger, in the same transaction.
   */
  async invite(caller: Caller, emailInput: string): Promise<repo.Referral & { invite_url: string }> {
    const userId = signedIn(caller);
    const email = normalizeEmail(emailInput);
    return this.db.asCaller(caller, async (tx) => {
      const me = await profiles.findProfile(tx, userId);
      if (!me || !me.referral_code) throw notFound('Profile');
      if (me.email === email) throw unprocessable('You cannot refer yourself', { field: 'email' }, 'self_referral');
      const invitation = await repo.insertInvitation(tx, userId, email); // as the customer, under RLS
      await elevateToService(tx);
      // Another address of one's own mailbox (alice+1@…) is oneself too: it would never pay a reward.
      if (await repo.sameMailbox(tx, me.email, email)) throw unprocessable('You cannot refer yourself', { field: 'email' }, 'self_referral');
      if (await repo.isCustomer(tx, email)) throw unprocessable('That person is already a customer', { field: 'email' }, 'already_customer');
      const recent = await repo.invitesInLastDay(tx, userId);
      if (recent.count > this.settings.invitesPerDay) {
        const retryAfter = Math.max(1, recent.retry_after);
        throw new AppError(429, 'rate_limited', `At most ${this.settings.invitesPerDay} invitations a day`, { retry_after: retryAfter }, { 'retry-after': String(retryAfter) });
      }
      return { ...invitation, invite_url: this.inviteUrl(me.referral_code) };
    });
  }

  async mine(caller: Caller): Promise<ReferralOverview> {
    const userId = signedIn(caller);
    return this.db.asCaller(caller, async (tx) => {
      const me = await profiles.findProfile(tx, userId);
      if (!me || !me.referral_code) throw notFound('Profile');
      return { referral_code: me.referral_code, invite_url: this.inviteUrl(me.referral_code), invitations: await repo.listInvitations(tx, userId) };
    });
  }
}
