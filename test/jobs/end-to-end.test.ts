import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { openPostgres } from '../../src/db/postgres.js';
import { buildServices } from '../../src/services.js';
import { bearer, signup, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { makePastBooking } from '../helpers/factories.js';
import { smtpServer } from '../helpers/smtp.js';
import { makeCustomer, paidOrder } from '../money/support.js';

vi.setConfig({ testTimeout: 60_000 });

/** The unfolded headers and the decoded (quoted-printable) text of a raw email. */
function parse(raw: string) {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = head.replace(/\r?\n[ \t]+/g, ' ');
  const body = rest.join('\n\n').replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(headers)?.[1]?.trim();
  return { headers, body, header };
}

describe.each(engines)('messages end to end through a real SMTP server, on %s', (engine) => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof smtpServer>>;
  let operator: SignedUp;
  let admin: SignedUp;
  const mails = () => smtp.received.map((m) => ({ to: m.to, ...parse(m.raw) }));
  const drain = () => t.services.messageWorker.drain();

  beforeAll(async () => {
    smtp = await smtpServer();
    t = await startApp(engine, { WORKER: 'off', SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
    operator = await signupStaff(t, 'operator');
    admin = await signupStaff(t, 'admin');
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it('book → pay: booking_received, receipt and booking_confirmed with its .ics, each once', async () => {
    await drain();
    smtp.received.length = 0;
    const customer = await makeCustomer(t);
    const { bookingId } = await paidOrder(t, customer);
    await drain();
    await drain(); // a second pass sends nothing again
    const mine = mails().filter((m) => m.to.includes(customer.email));
    expect(mine.map((m) => m.header('X-Message-Kind')).sort()).toEqual(['booking_confirmed', 'booking_received', 'receipt']);
    const confirmed = mine.find((m) => m.header('X-Message-Kind') === 'booking_confirmed')!;
    expect(confirmed.header('X-Booking-Id')).toBe(bookingId);
    expect(confirmed.body).toMatch(/text\/calendar/);
    expect(confirmed.header('List-Unsubscribe')).toBeUndefined(); // transactional
    const { rows } = await t.db.query<{ kind: string; status: string }>(
      "select kind, status from public.messages where booking_id = $1 and kind in ('booking_received', 'booking_confirmed')",
      [bookingId],
    );
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
  });

  it('complete → review_request → review through the link → featured by staff → shown publicly', async () => {
    const customer = await signup(t.app, { full_name: 'Maya Lindqvist' });
    const booking = await makePastBooking(t.db, { user_id: customer.id, status: 'confirmed', date_time: new Date(Date.now() - 3 * 86_400_000), service_type: 'cold_plunge' });
    const completed = await t.app.inject({ method: 'POST', url: `/api/admin/bookings/${booking.id}/complete`, headers: bearer(operator.token) });
    expect(completed.statusCode, completed.body).toBe(200);
    // The request waits review_request_delay_minutes (120): make it due, as time passing would.
    await t.db.query("update public.messages set send_after = now() where booking_id = $1 and kind = 'review_request'", [booking.id]);
    smtp.received.length = 0;
    await drain();
    const request = mails().find((m) => m.header('X-Message-Kind') === 'review_request' && m.header('X-Booking-Id') === booking.id);
    expect(request, 'the review request was sent').toBeDefined();
    expect(request!.header('List-Unsubscribe')).toMatch(/^<http/); // not transactional
    const link = new RegExp(`${t.config.publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/review/([\\w.-]+)`).exec(request!.body)?.[1];
    expect(link, 'the email carries the review link').toBeDefined();

    const review = await t.app.inject({ method: 'POST', url: '/api/reviews', payload: { token: link, rating: 5, comment: 'Cold, calm, wonderful.' } });
    expect(review.statusCode, review.body).toBe(201);
    const id = (review.json() as { review: { id: string } }).review.id;
    const featured = await t.app.inject({ method: 'POST', url: `/api/admin/reviews/${id}/feature`, headers: bearer(admin.token) });
    expect(featured.statusCode, featured.body).toBe(200);
    const list = await t.app.inject({ method: 'GET', url: '/api/reviews/featured' });
    expect((list.json() as { reviews: { comment: string; author: string }[] }).reviews).toContainEqual(
      expect.objectContaining({ comment: 'Cold, calm, wonderful.', author: 'Maya L.' }),
    );
  });
});

describe.runIf(!!process.env.TEST_DATABASE_URL)('two servers, a restart, and the SMTP server down then back (PostgreSQL)', () => {
  let t: TestApp;
  let second: Database;
  let smtp: Awaited<ReturnType<typeof smtpServer>> | undefined;

  afterAll(async () => {
    await second?.close();
    await t?.close();
    await smtp?.close();
  });

  it('sends each message exactly once', async () => {
    // A port with no SMTP server behind it yet: the server is "down".
    const probe = await smtpServer();
    const port = probe.port;
    await probe.close();
    t = await startApp('postgres', { WORKER: 'off', SMTP_URL: `smtp://127.0.0.1:${port}`, MESSAGE_RETRY_SECONDS: '1' });
    // The second server: its own connections and services, on the same database.
    second = await openPostgres({ url: t.url!, max: 4 });
    const workers = () => [t.services.messageWorker, buildServices(t.config, second).messageWorker];

    const customers: { id: string; email: string }[] = [];
    for (let i = 0; i < 6; i += 1) {
      const customer = await makeCustomer(t);
      await paidOrder(t, customer);
      customers.push(customer);
    }
    const ids = customers.map((c) => c.id);
    const mine = "user_id = any($1::uuid[]) and kind <> 'reminder'";
    const unsent = async () => (await t.db.query<{ n: number }>(`select count(*)::int as n from public.messages where ${mine} and status <> 'sent'`, [ids])).rows[0]!.n;
    const expected = await unsent();
    expect(expected).toBe(customers.length * 3); // booking_received, receipt, booking_confirmed

    // Both servers try while SMTP is down: every attempt fails and is retried later, nothing is lost.
    const [a, b] = workers();
    await Promise.all([a!.drain(), b!.drain()]);
    const { rows: tried } = await t.db.query<{ attempts: number; status: string }>(`select attempts, status from public.messages where ${mine}`, [ids]);
    expect(tried).toHaveLength(expected);
    expect(tried.every((r) => r.status === 'pending' && r.attempts === 1)).toBe(true);

    // SMTP is back; the retries come due; a restarted server (new services) and the other send at once.
    smtp = await smtpServer(undefined, port);
    await t.db.query(`update public.messages set send_after = now() where ${mine} and status = 'pending'`, [ids]);
    const [restarted, other] = workers();
    await Promise.all([restarted!.drain(), other!.drain()]);
    await Promise.all([restarted!.drain(), other!.drain()]); // nothing left to send twice

    const emails = new Set(customers.map((c) => c.email));
    const sent = smtp.received.filter((m) => m.to.some((to) => emails.has(to))).map((m) => parse(m.raw));
    const kinds = sent.map((m) => `${m.header('X-Message-Kind')} ${m.header('Message-ID')}`);
    expect(kinds).toHaveLength(expected);
    expect(new Set(kinds).size).toBe(expected);
    expect(sent.filter((m) => m.header('X-Message-Kind') === 'booking_confirmed')).toHaveLength(customers.length);
    expect(await unsent()).toBe(0);
  });
});
