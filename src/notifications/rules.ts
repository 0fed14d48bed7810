import { TRANSACTIONAL, type Channel, type MessageKind } from '../messages/types.js';

/** Kinds sent by text as well (to customers who opted in): the ones about a session's time. */
export const SMS_KINDS: ReadonlySet<MessageKind> = new Set(['booking_confirmed', 'reminder', 'booking_rescheduled', 'booking_cancelled']);

/** A customer's switches (public.notification_preferences; defaults when they never saved any). */
export interface NotificationPreferences {
  reminder_email: boolean;
  reminder_sms: boolean;
  review_requests: boolean;
  referral_news: boolean;
  /** Texts at all: off until the customer turns it on. */
  sms_opt_in: boolean;
}

/** The switch a customer turns off for each non-transactional kind (and what one-click unsubscribe turns off). */
export type EmailPreference = 'reminder_email' | 'review_requests' | 'referral_news';

export function emailPreferenceOf(kind: MessageKind): EmailPreference | undefined {
  switch (kind) {
    case 'reminder':
      return 'reminder_email';
    case 'review_request':
      return 'review_requests';
    case 'referral_invitation':
    case 'referral_reward':
      return 'referral_news';
    default:
      return undefined;
  }
}

/** What decides a send besides the preferences. */
export interface DeliveryFacts {
  preferences: NotificationPreferences;
  /** For SMS: the number replied STOP (and no START since). */
  smsStopped: boolean;
  /** For email to an address with no account (an invitee): it unsubscribed from this kind's news. */
  emailOptedOut: boolean;
}

/** Whether a message of `kind` may go out on `channel`. Transactional email always goes. */
export function allows(facts: DeliveryFacts, kind: MessageKind, channel: Channel): boolean {
  if (channel === 'sms') {
    if (!SMS_KINDS.has(kind) || !facts.preferences.sms_opt_in || facts.smsStopped) return false;
    return kind !== 'reminder' || facts.preferences.reminder_sms;
  }
  if (TRANSACTIONAL.has(kind)) return true;
  const preference = emailPreferenceOf(kind);
  return preference !== undefined && facts.preferences[preference] && !facts.emailOptedOut;
}
