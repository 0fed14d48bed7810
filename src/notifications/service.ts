import { signedIn } from '../auth/caller.js';
import type { Caller, Database } from '../db/index.js';
import { AppError } from '../errors.js';
import { MESSAGE_KINDS, type Channel, type MessageKind } from '../messages/types.js';
import * as repo from './repository.js';
import { allows, emailPreferenceOf, type EmailPreference } from './rules.js';
import { verifyUnsubscribeToken } from './unsubscribe-token.js';

const invalidLink = () => new AppError(404, 'invalid_link', 'This unsubscribe link is not valid');

/** What a customer may be sent, and how they change it: preferences, one-click unsubscribe, STOP. */
export class NotificationService {
  constructor(
    private readonly db: Database,
    private readonly options: { secret: string; smsEnabled: boolean },
  ) {}

  mine(caller: Caller): Promise<repo.MyNotifications> {
    signedIn(caller);
    return repo.myNotifications(this.db, caller);
  }

  update(caller: Caller, changes: repo.NotificationChanges): Promise<repo.MyNotifications> {
    signedIn(caller);
    return repo.updateMyNotifications(this.db, caller, changes);
  }

  /** What a one-click link turns off, for its confirmation page; 404 invalid_link for a bad token. */
  async describeUnsubscribe(token: string): Promise<{ preference: EmailPreference }> {
    return { preference: (await this.unsubscribeSubject(token)).preference };
  }

  /** RFC 8058 one-click: the signed token is the authority, no sign-in. Repeating it is harmless. */
  async unsubscribe(token: string): Promise<{ preference: EmailPreference }> {
    const { who, preference } = await this.unsubscribeSubject(token);
    await repo.unsubscribe(this.db, who, preference);
    return { preference };
  }

  private async unsubscribeSubject(token: string): Promise<{ who: { userId: string } | { email: string }; preference: EmailPreference }> {
    const subject = await verifyUnsubscribeToken(this.options.secret, token);
    const preference = subject && (MESSAGE_KINDS as readonly string[]).includes(subject.kind) ? emailPreferenceOf(subject.kind) : undefined;
    if (!subject || !preference) throw invalidLink();
    return { who: 'userId' in subject ? { userId: subject.userId } : { email: subject.email }, preference };
  }

  /** STOP / START replies (the webhook verified Twilio's signature). */
  recordSmsReply(phone: string, stop: boolean): Promise<{ phone: string; stopped: boolean }> {
    return repo.recordSmsReply(this.db, phone, stop);
  }

  /**
   * Whether a message of `kind` may go to `to` on `channel`, for the worker to ask right before
   * sending: transactional email always; the rest as the customer's preferences, STOP and the
   * address's own opt-outs say; no SMS at all when SMS_PROVIDER=off.
   */
  async mayDeliver(m: { userId: string | null; kind: MessageKind; channel: Channel; to: string }): Promise<boolean> {
    if (m.channel === 'sms' && !this.options.smsEnabled) return false;
    const facts = await repo.deliveryFacts(this.db, m.userId, m.to);
    const preference = emailPreferenceOf(m.kind);
    return allows(
      { preferences: facts.preferences, smsStopped: facts.sms_stopped, emailOptedOut: preference !== undefined && facts.email_opt_outs.includes(preference) },
      m.kind,
      m.channel,
    );
  }
}
