import { describe, expect, it } from 'vitest';
import { createRenderer, MessageDataError, type MessageData } from '../../src/messages/render.js';
import { MESSAGE_KINDS, TRANSACTIONAL, type BusinessContact, type MessageKind, type MessageToSend } from '../../src/messages/types.js';
import { SMS_KINDS } from '../../src/notifications/rules.js';
import { verifyUnsubscribeToken } from '../../src/notifications/unsubscribe-token.js';

const SECRET = 'render-test-secret-render-test-secret-0123';
const render = createRenderer({ secret: SECRET });
const business: BusinessContact = {
  name: 'Recovery & <Machine>',
  phone: '+1 (310) 555-0100',
  address: '1 Ocean Ave, Santa Monica, CA 90401',
  timezone: 'America/Los_Angeles',
  publicUrl: 'https://rm.example.com',
};

const BOOKING = '6f1c8f0e-8a43-4f7e-9c5e-111111111111';
const USER = '6f1c8f0e-8a43-4f7e-9c5e-222222222222';
// 18:00 UTC on 8 December 2026 is 10:00 in Los Angeles (PST, UTC−8).
const session = {
  customer_name: 'Ann <script>alert(1)</script> Lee',
  service_type: 'cold_plunge',
  service_name: 'Cold Plunge',
  starts_at: '2026-12-08T18:00:00.000Z',
  duration_minutes: 60,
  address: { street: '12 "Elm" St', city: 'Los Angeles', state: 'CA', zip: '90001' },
};

const data: MessageData = {
  booking_received: { ...session, pay_url: 'https://rm.example.com/pay/ord_1?x=1&y=2', amount_cents: 25_000, expires_at: '2026-12-01T18:30:00.000Z' },
  booking_confirmed: session,
  receipt: { customer_name: 'Ann', amount_cents: 12_050, credits_applied: 10, description: 'Cold Plunge <Dec 8>', paid_at: '2026-12-01T18:00:00.000Z' },
  reminder: session,
  booking_rescheduled: { ...session, previous_starts_at: '2026-12-07T18:00:00.000Z' },
  booking_cancelled: { ...session, money: { outcome: 'refunded', refund_to: 'card', card_cents: 9_000, credits: 10 } },
  refund_issued: { customer_name: 'Ann', to: 'card', amount_cents: 4_500 },
  review_request: { ...session, review_url: 'https://rm.example.com/review/tok.en' },
  referral_invitation: { referrer_name: 'Bob <b>', invite_url: 'https://rm.example.com/r/ABC123', reward_credits: 50 },
  referral_reward: { customer_name: 'Ann', credits: 50, invitee_name: 'Cy' },
};

function message<K extends MessageKind>(kind: K, overrides: Partial<MessageToSend> = {}): MessageToSend {
  const aboutBooking = !['receipt', 'refund_issued', 'referral_invitation', 'referral_reward'].includes(kind);
  return {
    id: `msg-${kind}`,
    kind,
    channel: 'email',
    to: kind === 'referral_invitation' ? 'Friend@Example.com' : 'ann@example.com',
    bookingId: aboutBooking ? BOOKING : null,
    orderId: kind === 'receipt' ? 'ord-1' : null,
    userId: kind === 'referral_invitation' ? null : USER,
    data: data[kind] as Record<string, unknown>,
    ...overrides,
  };
}

describe('rendering every kind', () => {
  it.each(MESSAGE_KINDS)('%s: subject, HTML and text, the business named, X-Message-Kind', (kind) => {
    const { email } = render(message(kind), business);
    expect(email.to).toBe(message(kind).to);
    expect(email.subject.length).toBeGreaterThan(5);
    expect(email.headers['X-Message-Kind']).toBe(kind);
    expect(email.html).toContain('Recovery &amp; &lt;Machine&gt;');
    expect(email.html).toContain('+1 (310) 555-0100');
    expect(email.text).toContain('Recovery & <Machine>');
    expect(email.text).toContain('1 Ocean Ave, Santa Monica, CA 90401');
  });

  it.each(MESSAGE_KINDS)('%s: X-Booking-Id only where the message concerns a booking', (kind) => {
    const m = message(kind);
    const { email } = render(m, business);
    if (m.bookingId) expect(email.headers['X-Booking-Id']).toBe(BOOKING);
    else expect(email.headers).not.toHaveProperty('X-Booking-Id');
  });

  it.each(MESSAGE_KINDS)('%s: List-Unsubscribe (one-click) exactly when not transactional', async (kind) => {
    const m = message(kind);
    const { email } = render(m, business);
    if (TRANSACTIONAL.has(kind)) {
      expect(email.headers).not.toHaveProperty('List-Unsubscribe');
      expect(email.headers).not.toHaveProperty('List-Unsubscribe-Post');
      expect(email.text).not.toContain('/api/unsubscribe/');
      return;
    }
    const header = email.headers['List-Unsubscribe']!;
    expect(header).toMatch(/^<https:\/\/rm\.example\.com\/api\/unsubscribe\/[\w-]+\.[\w-]+\.[\w-]+>$/);
    expect(email.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const token = header.slice(header.lastIndexOf('/') + 1, -1);
    const subject = await verifyUnsubscribeToken(SECRET, token);
    expect(subject).toEqual(m.userId ? { userId: USER, kind } : { email: 'friend@example.com', kind });
    expect(await verifyUnsubscribeToken('another-secret-another-secret-another-1', token)).toBeUndefined();
    expect(email.text).toContain(header.slice(1, -1));
  });

  it('escapes every value in the HTML', () => {
    for (const kind of MESSAGE_KINDS) {
      const { email } = render(message(kind), business);
      expect(email.html, kind).not.toMatch(/<script|<b>|<Dec|<Machine>/);
    }
    const confirmed = render(message('booking_confirmed'), business).email;
    expect(confirmed.html).toContain('Hi Ann,');
    expect(confirmed.html).toContain('12 &quot;Elm&quot; St');
    const received = render(message('booking_received'), business).email;
    expect(received.html).toContain('href="https://rm.example.com/pay/ord_1?x=1&amp;y=2"');
    expect(render(message('referral_invitation'), business).email.html).toContain('Bob &lt;b&gt;');
  });

  it('shows times in the business time zone with the zone named, across daylight saving time', () => {
    const winter = render(message('reminder'), business).email;
    expect(winter.text).toContain('Tuesday, December 8, 2026 at 10:00 AM Pacific Standard Time');
    const summer = render(message('reminder', { data: { ...session, starts_at: '2026-07-08T17:00:00.000Z' } }), business).email;
    expect(summer.text).toContain('Wednesday, July 8, 2026 at 10:00 AM Pacific Daylight Time');
    const ny = render(message('reminder'), { ...business, timezone: 'America/New_York' }).email;
    expect(ny.text).toContain('1:00 PM Eastern Standard Time');
    // A zone without an English name is followed by its IANA id.
    const kathmandu = render(message('reminder'), { ...business, timezone: 'Asia/Kathmandu' }).email;
    expect(kathmandu.text).toMatch(/11:45 PM (Nepal Time|GMT\+5:45 \(Asia\/Kathmandu\))/);
  });

  it('attaches the .ics to booking_confirmed only', () => {
    const { email } = render(message('booking_confirmed'), business);
    expect(email.attachments).toHaveLength(1);
    const ics = email.attachments![0]!;
    expect(ics.filename).toMatch(/\.ics$/);
    expect(ics.contentType).toMatch(/^text\/calendar/);
    expect(ics.content).toContain('BEGIN:VCALENDAR');
    expect(ics.content).toContain('DTSTART:20261208T180000Z');
    expect(ics.content).toContain('DTEND:20261208T190000Z');
    expect(ics.content).toContain(`UID:${BOOKING}@recovery-machine`);
    for (const kind of MESSAGE_KINDS.filter((k) => k !== 'booking_confirmed')) expect(render(message(kind), business).email.attachments, kind).toBeUndefined();
  });

  it('booking_received carries the pay link and the amount; review_request the review link', () => {
    const received = render(message('booking_received'), business).email;
    expect(received.text).toContain('Pay now: https://rm.example.com/pay/ord_1?x=1&y=2');
    expect(received.text).toContain('$250.00');
    const review = render(message('review_request'), business).email;
    expect(review.text).toContain('https://rm.example.com/review/tok.en');
    expect(review.html).toContain('href="https://rm.example.com/review/tok.en"');
  });

  it('booking_cancelled says what happens to the money', () => {
    const text = (money: MessageData['booking_cancelled']['money']) =>
      render(message('booking_cancelled', { data: { ...session, money } }), business).email.text;
    expect(text({ outcome: 'refunded', refund_to: 'card', card_cents: 9_000, credits: 10 })).toContain('$90.00 back to your card and 10 credits ($10) back to your account');
    expect(text({ outcome: 'refunded', refund_to: 'credits', card_cents: 0, credits: 100 })).toContain('100 credits ($100) back to your account');
    expect(text({ outcome: 'kept', refund_to: 'none', card_cents: 0, credits: 0 })).toContain('not refunded');
    expect(text({ outcome: 'nothing_paid', refund_to: null, card_cents: 0, credits: 0 })).toContain('Nothing was charged');
    expect(text({ outcome: 'refund_needed', refund_to: null, card_cents: 0, credits: 0 })).toContain('Our team will decide the refund');
  });

  it('gives a short text for reminders, confirmations, cancellations and reschedules only', () => {
    for (const kind of MESSAGE_KINDS) {
      const { sms } = render(message(kind, { channel: 'sms', to: '+13105550123' }), business);
      if (!SMS_KINDS.has(kind)) {
        expect(sms, kind).toBeUndefined();
        continue;
      }
      expect(sms!.to).toBe('+13105550123');
      expect(sms!.body.length, `${kind}: ${sms!.body}`).toBeLessThanOrEqual(320);
      expect(sms!.body).toContain('Tue, Dec 8, 10:00 AM PST');
      expect(sms!.body).toContain('STOP');
    }
    expect([...SMS_KINDS].sort()).toEqual(['booking_cancelled', 'booking_confirmed', 'booking_rescheduled', 'reminder']);
  });

  it('refuses data that does not match the kind, and links that are not http(s)', () => {
    expect(() => render(message('reminder', { data: { service_name: 'Cold Plunge' } }), business)).toThrow(MessageDataError);
    expect(() => render(message('review_request', { data: { ...session, review_url: 'javascript:alert(1)' } }), business)).toThrow(/review_url/);
  });
});
