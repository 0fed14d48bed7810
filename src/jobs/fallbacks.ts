import type { Mailer, RenderedEmail, RenderedSms, RenderMessage, SmsSender } from '../messages/types.js';

/**
 * A plain renderer: the kind, the business and the message's facts as text. The queue's tests use
 * it, and a server uses it until the real renderer (src/messages/render.ts) is wired in.
 */
export const plainRender: RenderMessage = (message, business) => {
  const facts = JSON.stringify(message.data, null, 2);
  const text = `${business.name}\n\n${message.kind.replace(/_/g, ' ')}\n\n${facts}\n`;
  const headers: Record<string, string> = { 'X-Message-Kind': message.kind };
  if (message.bookingId) headers['X-Booking-Id'] = message.bookingId;
  return {
    email: { to: message.to, subject: `${business.name}: ${message.kind.replace(/_/g, ' ')}`, text, html: `<pre>${escapeHtml(text)}</pre>`, headers },
    sms: message.channel === 'sms' ? { to: message.to, body: `${business.name}: ${message.kind.replace(/_/g, ' ')}` } : undefined,
  };
};

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Keeps what it is given (for tests, and for a server with no transport wired in): recorded, not sent. */
export class MemoryMailer implements Mailer {
  readonly sent: { email: RenderedEmail; idempotencyKey: string }[] = [];
  private counter = 0;

  async send(email: RenderedEmail, idempotencyKey: string): Promise<{ providerId: string }> {
    this.sent.push({ email, idempotencyKey });
    return { providerId: `memory-${++this.counter}` };
  }
}

export class MemorySms implements SmsSender {
  readonly name = 'fake' as const;
  readonly sent: { sms: RenderedSms; idempotencyKey: string }[] = [];

  async send(sms: RenderedSms, idempotencyKey: string): Promise<{ providerId: string }> {
    this.sent.push({ sms, idempotencyKey });
    return { providerId: `memory-sms-${this.sent.length}` };
  }
}
