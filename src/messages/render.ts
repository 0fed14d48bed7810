/**
 * The real RenderMessage: every kind as HTML and plain text (and a short text message for the
 * kinds sent by SMS), in the business's name, with times in its zone and the zone named.
 *
 * `MessageData` below is the contract with the outbox: the `data` each kind needs, checked at
 * render time (a message whose data does not match throws `MessageDataError`, which the worker
 * treats as a failure, not a retry-later).
 */
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { bookingCalendar } from '../bookings/ics.js';
import { SMS_KINDS } from '../notifications/rules.js';
import { signUnsubscribeToken } from '../notifications/unsubscribe-token.js';
import { TRANSACTIONAL, type BusinessContact, type MessageKind, type MessageToSend, type RenderedEmail, type RenderMessage } from './types.js';

const Iso = Type.String({ description: 'An instant, ISO 8601 (e.g. 2026-12-08T18:00:00.000Z)' });
const Cents = Type.Integer({ minimum: 0 });
const Url = Type.String({ pattern: '^https?://', description: 'An absolute http(s) URL' });
const Address = Type.Object({ street: Type.String(), city: Type.String(), state: Type.String(), zip: Type.String() });

/** The session a booking message speaks of. The booking's id is the message's `bookingId`. */
const Session = {
  /** The customer's first name, for the greeting; optional. */
  customer_name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  service_type: Type.String({ description: 'The service key, e.g. cold_plunge' }),
  service_name: Type.String({ description: 'As the catalog names it, e.g. Cold Plunge' }),
  starts_at: Iso,
  duration_minutes: Type.Integer({ minimum: 1 }),
  address: Type.Union([Address, Type.Null()]),
  notes: Type.Optional(Type.Union([Type.String(), Type.Null()])),
};
const Greeting = { customer_name: Type.Optional(Type.Union([Type.String(), Type.Null()])) };

/** What happened to the money of a cancelled booking: CancellationMoneySchema (src/orders/schemas.ts), as the cancel returns it. */
const CancellationMoney = Type.Object({
  outcome: Type.Union([Type.Literal('nothing_paid'), Type.Literal('payment_cancelled'), Type.Literal('refunded'), Type.Literal('kept'), Type.Literal('refund_needed')]),
  refund_to: Type.Union([Type.Literal('card'), Type.Literal('credits'), Type.Literal('none'), Type.Null()]),
  card_cents: Cents,
  credits: Type.Integer({ minimum: 0 }),
});

/** The `data` of each kind. Extra fields are allowed and ignored. */
export const MessageDataSchemas = {
  booking_received: Type.Object({ ...Session, pay_url: Url, amount_cents: Cents, expires_at: Type.Optional(Type.Union([Iso, Type.Null()])) }),
  booking_confirmed: Type.Object(Session),
  receipt: Type.Object({
    ...Greeting,
    amount_cents: Cents,
    credits_applied: Type.Optional(Type.Integer({ minimum: 0 })),
    description: Type.String({ description: 'What was bought, e.g. "Cold Plunge, December 8"' }),
    paid_at: Iso,
  }),
  reminder: Type.Object(Session),
  booking_rescheduled: Type.Object({ ...Session, previous_starts_at: Iso }),
  booking_cancelled: Type.Object({ ...Session, money: CancellationMoney }),
  refund_issued: Type.Object({ ...Greeting, to: Type.Union([Type.Literal('card'), Type.Literal('credits')]), amount_cents: Cents, credits: Type.Optional(Type.Integer({ minimum: 0 })) }),
  review_request: Type.Object({ ...Session, review_url: Url }),
  referral_invitation: Type.Object({ referrer_name: Type.String(), invite_url: Url, reward_credits: Type.Integer({ minimum: 0 }) }),
  referral_reward: Type.Object({ ...Greeting, credits: Type.Integer({ minimum: 1 }), invitee_name: Type.Optional(Type.Union([Type.String(), Type.Null()])) }),
} satisfies Record<MessageKind, TSchema>;

/** The typed `data` of each kind (what the outbox writes). */
export type MessageData = { [K in MessageKind]: Static<(typeof MessageDataSchemas)[K]> };

export class MessageDataError extends Error {
  constructor(kind: MessageKind, problems: string[]) {
    super(`message data for ${kind} does not match MessageData: ${problems.join('; ')}`);
    this.name = 'MessageDataError';
  }
}

function dataOf<K extends MessageKind>(kind: K, data: unknown): MessageData[K] {
  const schema = MessageDataSchemas[kind];
  if (Value.Check(schema, data)) return data as MessageData[K];
  throw new MessageDataError(kind, [...Value.Errors(schema, data)].slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`));
}

// ---------------------------------------------------------------------------------------------
// Formatting: escaping, times in the business zone (Intl, DST-safe), money
// ---------------------------------------------------------------------------------------------

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * e.g. "Tuesday, December 8, 2026 at 10:00 AM Pacific Standard Time": Intl does the zone rules
 * (DST included). A zone with no name in English ("GMT+05:45") is followed by its IANA id.
 */
export function formatWhen(iso: string, timeZone: string): string {
  const at = new Date(iso);
  const when = new Intl.DateTimeFormat('en-US', { timeZone, dateStyle: 'full', timeStyle: 'short' }).format(at);
  const zone = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'long' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
  return plainSpaces(`${when} ${zone}${zone.startsWith('GMT') ? ` (${timeZone})` : ''}`);
}

/** e.g. "Tue, Dec 8, 10:00 AM PST" (for texts). */
export function formatShortWhen(iso: string, timeZone: string): string {
  return plainSpaces(new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }).format(new Date(iso)));
}

/** Newer ICU data puts a narrow no-break space before AM/PM: plain spaces keep texts in the GSM alphabet (one segment, not two). */
const plainSpaces = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

export const formatMoney = (cents: number): string => `$${(cents / 100).toFixed(2)}`;
const credits = (n: number) => `${n} credit${n === 1 ? '' : 's'} ($${n})`;

// ---------------------------------------------------------------------------------------------
// One message = paragraphs of text and links, rendered twice (HTML and plain text)
// ---------------------------------------------------------------------------------------------

type Part = string | { link: string; label: string };
interface Content {
  subject: string;
  paragraphs: Part[][];
  sms?: string;
}

const html = (parts: Part[]) =>
  parts.map((p) => (typeof p === 'string' ? escapeHtml(p) : `<a href="${escapeHtml(p.link)}">${escapeHtml(p.label)}</a>`)).join('');
const text = (parts: Part[]) => parts.map((p) => (typeof p === 'string' ? p : `${p.label}: ${p.link}`)).join('');

const hello = (name: string | null | undefined) => (name ? `Hi ${name.split(/\s+/)[0]},` : 'Hi,');
const place = (a: Static<typeof Address> | null) => (a ? `${a.street}, ${a.city}, ${a.state} ${a.zip}` : 'the address you gave');

function moneySentence(money: Static<typeof CancellationMoney>): string {
  switch (money.outcome) {
    case 'nothing_paid':
      return 'Nothing was charged for this booking.';
    case 'payment_cancelled':
      return 'The payment was not taken: nothing was charged.';
    case 'refunded': {
      const back = [money.card_cents > 0 ? `${formatMoney(money.card_cents)} back to your card` : '', money.credits > 0 ? `${credits(money.credits)} back to your account` : '']
        .filter(Boolean)
        .join(' and ');
      return back ? `We are refunding ${back}. Card refunds take 5–10 business days to appear.` : 'Nothing was charged for this booking.';
    }
    case 'kept':
      return 'This cancellation came inside the cancellation window, so the payment is not refunded.';
    case 'refund_needed':
      return 'Our team will decide the refund for this booking and let you know.';
  }
}

/** The money of a cancel in a few words, for a text. */
function smsMoney(money: Static<typeof CancellationMoney>): string {
  if (money.outcome !== 'refunded') return money.outcome === 'kept' ? 'Not refunded (inside the cancellation window).' : money.outcome === 'refund_needed' ? 'We will email you about the refund.' : 'Nothing was charged.';
  const parts = [money.card_cents > 0 ? `${formatMoney(money.card_cents)} to your card` : '', money.credits > 0 ? `${money.credits} credits` : ''].filter(Boolean);
  return parts.length ? `Refund: ${parts.join(' + ')}.` : 'Nothing was charged.';
}

function content(message: MessageToSend, business: BusinessContact): Content {
  const tz = business.timezone;
  const session = (d: { service_name: string; starts_at: string; duration_minutes: number; address: Static<typeof Address> | null }) =>
    `${d.service_name}, ${formatWhen(d.starts_at, tz)} (${d.duration_minutes} minutes), at ${place(d.address)}.`;
  const short = (d: { service_name: string; starts_at: string }) => `${d.service_name} ${formatShortWhen(d.starts_at, tz)}`;
  const sign = business.name;
  switch (message.kind) {
    case 'booking_received': {
      const d = dataOf('booking_received', message.data);
      const expires = d.expires_at ? ` We hold this time until ${formatWhen(d.expires_at, tz)}.` : '';
      return {
        subject: `Complete your booking: ${d.service_name}, ${formatShortWhen(d.starts_at, tz)}`,
        paragraphs: [[hello(d.customer_name)], [`We received your booking: ${session(d)}`], [`To confirm it, pay ${formatMoney(d.amount_cents)}.${expires} `, { link: d.pay_url, label: 'Pay now' }]],
      };
    }
    case 'booking_confirmed': {
      const d = dataOf('booking_confirmed', message.data);
      return {
        subject: `Confirmed: ${d.service_name}, ${formatShortWhen(d.starts_at, tz)}`,
        paragraphs: [[hello(d.customer_name)], [`Your session is confirmed: ${session(d)}`], ['The attached calendar file adds it to your calendar.']],
        sms: `${sign}: confirmed, ${short(d)}. Reply STOP to opt out.`,
      };
    }
    case 'receipt': {
      const d = dataOf('receipt', message.data);
      const paidWithCredits = d.credits_applied ? ` (after ${credits(d.credits_applied)})` : '';
      return {
        subject: `Your receipt from ${business.name}: ${formatMoney(d.amount_cents)}`,
        paragraphs: [[hello(d.customer_name)], [`Thank you. We received ${formatMoney(d.amount_cents)}${paidWithCredits} on ${formatWhen(d.paid_at, tz)}.`], [`For: ${d.description}`], ...(message.orderId ? [[`Order ${message.orderId}`]] : [])],
      };
    }
    case 'reminder': {
      const d = dataOf('reminder', message.data);
      return {
        subject: `Reminder: ${d.service_name}, ${formatShortWhen(d.starts_at, tz)}`,
        paragraphs: [[hello(d.customer_name)], [`A reminder of your session: ${session(d)}`]],
        sms: `${sign} reminder: ${short(d)}. Reply STOP to opt out.`,
      };
    }
    case 'booking_rescheduled': {
      const d = dataOf('booking_rescheduled', message.data);
      return {
        subject: `Moved: ${d.service_name}, now ${formatShortWhen(d.starts_at, tz)}`,
        paragraphs: [[hello(d.customer_name)], [`Your session moved from ${formatWhen(d.previous_starts_at, tz)} to: ${session(d)}`]],
        sms: `${sign}: your session moved to ${short(d)}. Reply STOP to opt out.`,
      };
    }
    case 'booking_cancelled': {
      const d = dataOf('booking_cancelled', message.data);
      return {
        subject: `Cancelled: ${d.service_name}, ${formatShortWhen(d.starts_at, tz)}`,
        paragraphs: [[hello(d.customer_name)], [`Your session is cancelled: ${session(d)}`], [moneySentence(d.money)]],
        sms: `${sign}: cancelled, ${short(d)}. ${smsMoney(d.money)} Reply STOP to opt out.`,
      };
    }
    case 'refund_issued': {
      const d = dataOf('refund_issued', message.data);
      const what = d.to === 'card' ? `${formatMoney(d.amount_cents)} to your card (5–10 business days to appear)` : `${credits(d.credits ?? Math.round(d.amount_cents / 100))} to your account`;
      return { subject: `Refund issued: ${d.to === 'card' ? formatMoney(d.amount_cents) : credits(d.credits ?? Math.round(d.amount_cents / 100))}`, paragraphs: [[hello(d.customer_name)], [`We refunded ${what}.`]] };
    }
    case 'review_request': {
      const d = dataOf('review_request', message.data);
      return {
        subject: `How was your ${d.service_name}?`,
        paragraphs: [[hello(d.customer_name)], [`Thank you for your session on ${formatWhen(d.starts_at, tz)}. Would you tell us how it went? It takes a minute. `, { link: d.review_url, label: 'Leave a review' }]],
      };
    }
    case 'referral_invitation': {
      const d = dataOf('referral_invitation', message.data);
      const reward = d.reward_credits > 0 ? ` Book your first session and ${d.referrer_name} earns ${credits(d.reward_credits)}.` : '';
      return {
        subject: `${d.referrer_name} invited you to ${business.name}`,
        paragraphs: [['Hi,'], [`${d.referrer_name} thinks you would enjoy ${business.name}: cold plunge and infrared sauna sessions, brought to your door.${reward} `, { link: d.invite_url, label: 'Accept the invitation' }]],
      };
    }
    case 'referral_reward': {
      const d = dataOf('referral_reward', message.data);
      const who = d.invitee_name ? `${d.invitee_name}, whom you invited,` : 'Someone you invited';
      return { subject: `You earned ${credits(d.credits)}`, paragraphs: [[hello(d.customer_name)], [`${who} booked a session: ${credits(d.credits)} are now in your account.`]] };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The email around the content: business footer, headers, unsubscribe, the .ics
// ---------------------------------------------------------------------------------------------

function footer(business: BusinessContact): string[] {
  return [business.name, business.phone ?? '', business.address ?? ''].filter(Boolean);
}

function layout(c: Content, business: BusinessContact, unsubscribeUrl: string | undefined): { html: string; text: string } {
  const foot = footer(business);
  const unsubscribe: Part[] = unsubscribeUrl ? ["Don't want emails like this? ", { link: unsubscribeUrl, label: 'Unsubscribe' }] : [];
  const htmlBody = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(c.subject)}</title></head>`,
    '<body style="font-family: sans-serif; line-height: 1.5; color: #222">',
    ...c.paragraphs.map((p) => `<p>${html(p)}</p>`),
    `<hr><p style="font-size: 0.85em; color: #555">${foot.map(escapeHtml).join('<br>')}</p>`,
    unsubscribe.length ? `<p style="font-size: 0.85em; color: #555">${html(unsubscribe)}</p>` : '',
    '</body></html>',
  ].filter(Boolean);
  const textBody = [...c.paragraphs.map(text), `--\n${foot.join('\n')}`, ...(unsubscribe.length ? [text(unsubscribe)] : [])];
  return { html: `${htmlBody.join('\n')}\n`, text: `${textBody.join('\n\n')}\n` };
}

export interface RendererOptions {
  /** Signs the List-Unsubscribe tokens (JWT_SECRET). */
  secret: string;
}

/** The List-Unsubscribe URL of a non-transactional message: a customer by id, an invitee by address. */
export function unsubscribeUrl(secret: string, message: MessageToSend, business: BusinessContact): string {
  const subject = message.userId ? { userId: message.userId, kind: message.kind } : { email: message.to, kind: message.kind };
  return `${business.publicUrl}/api/unsubscribe/${signUnsubscribeToken(secret, subject)}`;
}

/** The renderer the worker sends with. */
export function createRenderer(options: RendererOptions): RenderMessage {
  return (message, business) => {
    const c = content(message, business);
    const listUnsubscribe = TRANSACTIONAL.has(message.kind) ? undefined : unsubscribeUrl(options.secret, message, business);
    const headers: Record<string, string> = { 'X-Message-Kind': message.kind };
    if (message.bookingId) headers['X-Booking-Id'] = message.bookingId;
    if (listUnsubscribe) {
      headers['List-Unsubscribe'] = `<${listUnsubscribe}>`;
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    }
    const email: RenderedEmail = { to: message.to, subject: c.subject, ...layout(c, business, listUnsubscribe), headers };
    if (message.kind === 'booking_confirmed' && message.bookingId) email.attachments = [calendarAttachment(message.bookingId, dataOf('booking_confirmed', message.data), business)];
    const sms = c.sms && SMS_KINDS.has(message.kind) ? { to: message.to, body: c.sms } : undefined;
    return sms ? { email, sms } : { email };
  };
}

function calendarAttachment(bookingId: string, d: MessageData['booking_confirmed'], business: BusinessContact) {
  const startsAt = new Date(d.starts_at);
  const content = bookingCalendar(
    { id: bookingId, date_time: startsAt, duration: d.duration_minutes, service_type: d.service_type, notes: d.notes ?? null, address: d.address, updated_at: new Date() },
    business.publicUrl,
  );
  return { filename: 'session.ics', content, contentType: 'text/calendar; charset=utf-8; method=PUBLISH' };
}
