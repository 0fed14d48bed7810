/**
 * The shared vocabulary of messages (issue 10): what the outbox decides, what the renderer
 * turns into an email or a text, and the ports the worker sends through. The queue and outbox
 * (src/jobs, src/messages/repository.ts), the rendering and transports (src/messages/render.ts,
 * src/messages/transports/*) and the review flow (src/reviews) all meet here.
 */

/** Every kind of message the system sends; the `X-Message-Kind` header carries it. */
export const MESSAGE_KINDS = [
  'booking_received',
  'booking_confirmed',
  'receipt',
  'reminder',
  'booking_rescheduled',
  'booking_cancelled',
  'refund_issued',
  'review_request',
  'referral_invitation',
  'referral_reward',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export type Channel = 'email' | 'sms';

/** Transactional kinds go out whatever the preferences; the others honour them and carry List-Unsubscribe. */
export const TRANSACTIONAL: ReadonlySet<MessageKind> = new Set([
  'booking_received',
  'booking_confirmed',
  'receipt',
  'booking_rescheduled',
  'booking_cancelled',
  'refund_issued',
]);

/** The business as every message names it (from business_settings). */
export interface BusinessContact {
  name: string;
  phone: string | null;
  address: string | null;
  /** IANA zone; times are shown in it, with the zone named. */
  timezone: string;
  publicUrl: string;
}

/**
 * One message ready to render: its kind, recipient and the facts it speaks of, as the outbox row
 * stores them (`data` is the snapshot taken when the message was decided, plus what the worker
 * reads fresh at send time, e.g. the booking's current time for a reminder).
 */
export interface MessageToSend {
  id: string;
  kind: MessageKind;
  channel: Channel;
  /** An email address or an E.164 phone number. */
  to: string;
  bookingId: string | null;
  orderId: string | null;
  userId: string | null;
  data: Record<string, unknown>;
}

/** A rendered email. `headers` includes X-Message-Kind, X-Booking-Id where there is one, List-Unsubscribe where due. */
export interface RenderedEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  attachments?: { filename: string; content: string; contentType: string }[];
}

export interface RenderedSms {
  to: string;
  body: string;
}

/** Sends one email; resolves with the provider's message id. Throws on failure (the worker retries). */
export interface Mailer {
  send(email: RenderedEmail, idempotencyKey: string): Promise<{ providerId: string }>;
  close?(): Promise<void>;
}

/** Sends one text; resolves with the provider's id. Throws on failure (the worker retries). */
export interface SmsSender {
  readonly name: 'twilio' | 'fake' | 'off';
  send(sms: RenderedSms, idempotencyKey: string): Promise<{ providerId: string }>;
}

/**
 * Renders a message for its channel (src/messages/render.ts provides the real one; the queue
 * takes it as a port so it can be tested alone). Email always has a rendering; SMS only for kinds
 * sent by text.
 */
export type RenderMessage = (message: MessageToSend, business: BusinessContact) => { email: RenderedEmail; sms?: RenderedSms };
