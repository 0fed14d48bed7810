import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryMailer, MemorySms } from '../../src/jobs/fallbacks.js';
import { MessageWorker } from '../../src/jobs/worker.js';
import { compose } from '../../src/messages/compose.js';
import { createRenderer } from '../../src/messages/render.js';
import { bearer, errorCode, signupStaff, startApp, TEST_SECRET, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { makeCustomer, paidOrder } from '../money/support.js';
import { messagesAbout } from '../jobs/support.js';

vi.setConfig({ testTimeout: 60_000 });

const MINUTE = 60_000;

describe.each(engines)('business settings: contact and message timing, on %s', (engine) => {
  let t: TestApp;
  let admin: SignedUp;
  let operator: SignedUp;

  beforeAll(async () => {
    t = await startApp(engine, { WORKER: 'off' });
    admin = await signupStaff(t, 'admin');
    operator = await signupStaff(t, 'operator');
  });
  afterAll(() => t?.close());

  const get = (who = admin) => t.app.inject({ method: 'GET', url: '/api/admin/settings', headers: bearer(who.token) });
  const put = (payload: unknown, who = admin) => t.app.inject({ method: 'PUT', url: '/api/admin/settings', headers: bearer(who.token), payload: payload as object });

  it('GET shows every setting, the new ones with their defaults', async () => {
    const res = await get();
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      timezone: 'America/Los_Angeles', min_notice_minutes: 120, cancellation_window_minutes: 1440, service_area_zips: [],
      setup_fee_cents: 25000, referral_reward_credits: 50, order_expiry_minutes: 30, cancellation_refund_to: expect.any(String),
      referral_reward_on: expect.any(String), google_review_url: null,
      reminder_offsets_minutes: [1440, 120], review_request_delay_minutes: 120,
      business_name: 'Recovery Machine', business_phone: null, business_address: null,
    });
  });

  it('PUT changes only the fields given, and GET shows them; null clears phone and address', async () => {
    const changes = {
      business_name: 'Cold Comfort Co', business_phone: '(310) 555-0100', business_address: '1 Ocean Ave, Santa Monica, CA 90401',
      reminder_offsets_minutes: [2880, 60, 15], review_request_delay_minutes: 30,
    };
    const res = await put(changes);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ ...changes, timezone: 'America/Los_Angeles', order_expiry_minutes: 30 });
    expect((await get()).json()).toEqual(res.json());

    const kept = await put({ order_expiry_minutes: 45 });
    expect(kept.json()).toMatchObject({ ...changes, order_expiry_minutes: 45 });
    const cleared = await put({ business_phone: null, business_address: null, reminder_offsets_minutes: [] });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json()).toMatchObject({ business_name: 'Cold Comfort Co', business_phone: null, business_address: null, reminder_offsets_minutes: [] });
    expect((await put({ order_expiry_minutes: 30, reminder_offsets_minutes: [1440, 120], review_request_delay_minutes: 120 })).statusCode).toBe(200);
  });

  it('refuses bad values with a code, changing nothing', async () => {
    const before = (await get()).json();
    const cases: [unknown, number, string][] = [
      [{ business_name: '' }, 400, 'validation_failed'],
      [{ business_name: '   ' }, 400, 'validation_failed'],
      [{ business_name: null }, 400, 'validation_failed'],
      [{ business_name: 'x'.repeat(101) }, 400, 'validation_failed'],
      [{ business_name: 'Cold\nComfort' }, 422, 'invalid_business_name'],
      [{ business_phone: 'call us' }, 400, 'validation_failed'],
      [{ business_phone: '555-0100' }, 422, 'invalid_phone'],
      [{ business_address: '' }, 400, 'validation_failed'],
      [{ business_address: '1 Ocean Ave\u0007' }, 422, 'invalid_address'],
      [{ reminder_offsets_minutes: [0] }, 400, 'validation_failed'],
      [{ reminder_offsets_minutes: [10081] }, 400, 'validation_failed'],
      [{ reminder_offsets_minutes: [90.5] }, 400, 'validation_failed'],
      [{ reminder_offsets_minutes: [60, 60] }, 400, 'validation_failed'],
      [{ reminder_offsets_minutes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }, 400, 'validation_failed'],
      [{ reminder_offsets_minutes: 60 }, 400, 'validation_failed'],
      [{ review_request_delay_minutes: -1 }, 400, 'validation_failed'],
      [{ review_request_delay_minutes: 10081 }, 400, 'validation_failed'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await put(payload);
      expect(res.statusCode, `${JSON.stringify(payload)} → ${res.body}`).toBe(status);
      expect(errorCode(res), JSON.stringify(payload)).toBe(code);
    }
    expect((await get()).json()).toEqual(before);
    expect((await put({ business_name: 'Nope' }, operator)).statusCode).toBe(403);
    expect((await get(operator)).statusCode).toBe(403);
  });

  it('messages name the business from the settings, and reminders follow the offsets set', async () => {
    expect((await put({ business_name: 'Cold Comfort Co', business_phone: '(310) 555-0100', business_address: '1 Ocean Ave, Santa Monica', reminder_offsets_minutes: [60] })).statusCode).toBe(200);
    const mailer = new MemoryMailer();
    const worker = new MessageWorker(
      t.db,
      {
        render: createRenderer({ secret: TEST_SECRET }),
        mailer,
        sms: new MemorySms(),
        compose: (m) => compose(m, { publicUrl: t.config.publicUrl, reviewLinks: t.services.reviewLinks }),
      },
      { maxAttempts: 3, retryBaseSeconds: 10, leaseSeconds: 60, pollMs: 50, batchSize: 50, publicUrl: t.config.publicUrl },
    );
    await worker.drain();
    mailer.sent.length = 0;
    const customer = await makeCustomer(t);
    const { bookingId } = await paidOrder(t, customer);
    await worker.drain();
    const receipt = mailer.sent.find((m) => m.email.to === customer.email && m.email.headers['X-Message-Kind'] === 'receipt');
    expect(receipt, 'the receipt was sent').toBeDefined();
    expect(receipt!.email.subject).toContain('Cold Comfort Co');
    expect(receipt!.email.text).toContain('Cold Comfort Co\n(310) 555-0100\n1 Ocean Ave, Santa Monica');
    expect(receipt!.email.html).toContain('Cold Comfort Co<br>(310) 555-0100<br>1 Ocean Ave, Santa Monica');

    const { rows } = await t.db.query<{ date_time: Date }>('select date_time from public.bookings where id = $1', [bookingId]);
    const reminders = (await messagesAbout(t.db, { booking: bookingId })).filter((r) => r.kind === 'reminder');
    expect(reminders.map((r) => rows[0]!.date_time.getTime() - r.send_after.getTime())).toEqual([60 * MINUTE]);
    expect((await put({ business_name: 'Recovery Machine', business_phone: null, business_address: null, reminder_offsets_minutes: [1440, 120] })).statusCode).toBe(200);
  });
});
