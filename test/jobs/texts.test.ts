import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryMailer } from '../../src/jobs/fallbacks.js';
import { MessageWorker } from '../../src/jobs/worker.js';
import { compose } from '../../src/messages/compose.js';
import { createRenderer } from '../../src/messages/render.js';
import { FakeSms } from '../../src/messages/transports/sms.js';
import { SMS_KINDS } from '../../src/notifications/rules.js';
import { bearer, startApp, TEST_SECRET, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { makeCustomer, makeSlot, paidOrder, type Customer } from '../money/support.js';
import { messagesAbout, summary, type MessageRow } from './support.js';

vi.setConfig({ testTimeout: 60_000 });

const MINUTE = 60_000;

describe.each(engines)('texts decided per customer by the outbox, on %s', (engine) => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    t = await startApp(engine, { WORKER: 'off' });
    dir = await mkdtemp(join(tmpdir(), 'rm-texts-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A customer with `phone` on the profile who turned texts on (or not). */
  async function customer(phone: string | null, optIn: boolean): Promise<Customer> {
    const c = await makeCustomer(t);
    await t.db.query('update public.profiles set phone = $2 where id = $1', [c.id, phone ?? '(310) 555-0100']);
    if (optIn) {
      const res = await t.app.inject({ method: 'PATCH', url: '/api/me/notifications', headers: bearer(c.token), payload: { sms_opt_in: true } });
      expect(res.statusCode, res.body).toBe(200);
    }
    if (phone === null) await t.db.query('update public.profiles set phone = null where id = $1', [c.id]);
    return c;
  }
  const texts = (rows: MessageRow[]) => rows.filter((r) => r.channel === 'sms');
  const emails = (rows: MessageRow[]) => rows.filter((r) => r.channel === 'email');
  const sessionStart = async (bookingId: string) =>
    (await t.db.query<{ date_time: Date }>('select date_time from public.bookings where id = $1', [bookingId])).rows[0]!.date_time.getTime();
  const reschedule = (c: Customer, bookingId: string, slotId: string) =>
    t.app.inject({ method: 'POST', url: `/api/bookings/${bookingId}/reschedule`, headers: bearer(c.token), payload: { slot_id: slotId } });

  it('the database’s kinds sent by text are SMS_KINDS', async () => {
    const { rows } = await t.db.query<{ kinds: string[] }>('select app_hidden.sms_kinds() as kinds');
    expect([...rows[0]!.kinds].sort()).toEqual([...SMS_KINDS].sort());
  });

  it('an opted-in customer with a phone gets a text beside each email of the kinds sent by text, and only those', async () => {
    const c = await customer('(310) 555-0142', true);
    const { bookingId } = await paidOrder(t, c);
    let rows = await messagesAbout(t.db, { user: c.id });
    expect(summary(texts(rows))).toEqual(['booking_confirmed:pending', 'reminder:pending', 'reminder:pending']);
    expect(summary(emails(rows))).toEqual(['booking_confirmed:pending', 'booking_received:pending', 'receipt:pending', 'reminder:pending', 'reminder:pending']);
    for (const text of texts(rows)) {
      expect(text.recipient).toBe('+13105550142');
      const email = emails(rows).find((e) => e.kind === text.kind && e.send_after.getTime() === text.send_after.getTime())!;
      expect(text.idempotency_key).toBe(email.idempotency_key.replace(':email', ':sms'));
      expect(text.data).toEqual(email.data);
    }
    expect(texts(rows).find((r) => r.kind === 'booking_confirmed')!.idempotency_key).toBe(`booking_confirmed:${bookingId}:sms`);

    // Moved: the texted reminders move with the emailed ones.
    const to = await makeSlot(t);
    expect((await reschedule(c, bookingId, to)).statusCode).toBe(200);
    const start = await sessionStart(bookingId);
    rows = texts(await messagesAbout(t.db, { user: c.id }));
    expect(summary(rows.filter((r) => r.kind === 'booking_rescheduled'))).toEqual(['booking_rescheduled:pending']);
    const pending = rows.filter((r) => r.kind === 'reminder' && r.status === 'pending');
    expect(pending.map((r) => start - r.send_after.getTime()).sort((a, b) => a - b)).toEqual([120 * MINUTE, 1440 * MINUTE]);
    expect(rows.filter((r) => r.kind === 'reminder' && r.status === 'cancelled')).toHaveLength(2);

    // Cancelled (its card refunded): a text says so; no texted reminder is left; the refund is email only.
    expect((await t.app.inject({ method: 'POST', url: `/api/bookings/${bookingId}/cancel`, headers: bearer(c.token) })).statusCode).toBe(200);
    rows = await messagesAbout(t.db, { user: c.id });
    expect(texts(rows).filter((r) => r.kind === 'reminder' && r.status === 'pending')).toEqual([]);
    expect(summary(texts(rows).filter((r) => r.kind === 'booking_cancelled'))).toEqual(['booking_cancelled:pending']);
    expect(emails(rows).some((r) => r.kind === 'refund_issued')).toBe(true);
    expect(new Set(texts(rows).map((r) => r.kind))).toEqual(new Set(['booking_confirmed', 'reminder', 'booking_rescheduled', 'booking_cancelled']));
  });

  it('no texts for a customer who did not opt in, nor for one with no phone', async () => {
    for (const c of [await customer('(310) 555-0143', false), await customer(null, true)]) {
      const { bookingId } = await paidOrder(t, c);
      const rows = await messagesAbout(t.db, { user: c.id });
      expect(rows.length).toBeGreaterThanOrEqual(5);
      expect(texts(rows)).toEqual([]);
      expect(summary(emails(await messagesAbout(t.db, { booking: bookingId })))).toEqual(['booking_confirmed:pending', 'booking_received:pending', 'reminder:pending', 'reminder:pending']);
    }
  });

  it('the worker sends texts through the SMS sender in the business’s name, and skips a number that replied STOP', async () => {
    const fake = new FakeSms(join(dir, 'sms.log'));
    const worker = new MessageWorker(
      t.db,
      {
        render: createRenderer({ secret: TEST_SECRET }),
        mailer: new MemoryMailer(),
        sms: fake,
        compose: (m) => compose(m, { publicUrl: t.config.publicUrl, reviewLinks: t.services.reviewLinks }),
        mayDeliver: (m) => t.services.notifications.mayDeliver(m),
      },
      { maxAttempts: 3, retryBaseSeconds: 10, leaseSeconds: 60, pollMs: 50, batchSize: 50, publicUrl: t.config.publicUrl },
    );
    await worker.drain(); // what earlier tests left due
    fake.sent.length = 0;
    await t.db.query("update public.business_settings set business_name = 'Cold Comfort Co' where id");
    const c = await customer('+1 310 555 0144', true);
    const { bookingId } = await paidOrder(t, c);
    await worker.drain();
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]).toMatchObject({ to: '+13105550144' });
    expect(fake.sent[0]!.body).toMatch(/^Cold Comfort Co: confirmed, /);
    expect(await readFile(fake.logFile, 'utf8')).toContain('+13105550144');
    const confirmed = texts(await messagesAbout(t.db, { booking: bookingId })).find((r) => r.kind === 'booking_confirmed')!;
    expect(confirmed).toMatchObject({ status: 'sent', provider_id: fake.sent[0]!.providerId });

    await t.services.notifications.recordSmsReply('+13105550144', true);
    expect((await reschedule(c, bookingId, await makeSlot(t))).statusCode).toBe(200);
    await worker.drain();
    expect(fake.sent).toHaveLength(1);
    const moved = await messagesAbout(t.db, { booking: bookingId });
    expect(texts(moved).find((r) => r.kind === 'booking_rescheduled')).toMatchObject({ status: 'skipped' });
    expect(emails(moved).find((r) => r.kind === 'booking_rescheduled')).toMatchObject({ status: 'sent' });
    await t.db.query("update public.business_settings set business_name = 'Recovery Machine' where id");
  });
});
