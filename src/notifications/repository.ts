import { SERVICE_ROLE, type Caller, type Database } from '../db/index.js';
import type { EmailPreference, NotificationPreferences } from './rules.js';

/** GET /api/me/notifications: the switches, the profile's phone and whether it replied STOP. */
export interface MyNotifications extends NotificationPreferences {
  /** When texts were last turned on (the customer's consent); null while off. */
  sms_opt_in_at: string | null;
  phone: string | null;
  /** The phone replied STOP: no texts until it replies START. */
  sms_stopped: boolean;
}

export type NotificationChanges = Partial<NotificationPreferences>;

/** The caller's preferences, in one call (api.my_notifications, under RLS). */
export function myNotifications(db: Database, caller: Caller): Promise<MyNotifications> {
  return db.call<MyNotifications>(caller, 'api.my_notifications');
}

/** Changes the caller's switches named in `changes` (api.update_my_notifications, under RLS). */
export function updateMyNotifications(db: Database, caller: Caller, changes: NotificationChanges): Promise<MyNotifications> {
  return db.call<MyNotifications>(caller, 'api.update_my_notifications', [JSON.stringify(changes)]);
}

/** Turns one preference off for a customer (by id) or an address without an account. */
export function unsubscribe(db: Database, who: { userId: string } | { email: string }, preference: EmailPreference): Promise<unknown> {
  return db.call(SERVICE_ROLE, 'api.unsubscribe', ['userId' in who ? who.userId : null, 'email' in who ? who.email : null, preference]);
}

/** STOP (stop = true) or START from a phone number. */
export function recordSmsReply(db: Database, phone: string, stop: boolean): Promise<{ phone: string; stopped: boolean }> {
  return db.call(SERVICE_ROLE, 'api.record_sms_reply', [phone, stop]);
}

export interface DeliveryFactsRow {
  preferences: NotificationPreferences;
  sms_stopped: boolean;
  email_opt_outs: EmailPreference[];
}

/** What the delivery decision reads about a customer (or none) and a recipient address or number. */
export function deliveryFacts(db: Database, userId: string | null, to: string): Promise<DeliveryFactsRow> {
  return db.call<DeliveryFactsRow>(SERVICE_ROLE, 'api.delivery_facts', [userId, to]);
}
