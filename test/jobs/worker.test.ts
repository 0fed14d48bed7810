import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SERVICE_ROLE, type Database } from '../../src/db/index.js';
import { openPostgres } from '../../src/db/postgres.js';
import { MemoryMailer, MemorySms, plainRender } from '../../src/jobs/fallbacks.js';
import { backoffSeconds, MessageWorker, type WorkerSettings } from '../../src/jobs/worker.js';
import { claimDue, markSent } from '../../src/messages/repository.js';
import type { RenderedEmail } from '../../src/messages/types.js';
import { bearer, errorCode, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { asReplica, makeBooking } from '../helpers/factories.js';
import { booked, makeCustomer, makeSlot } from '../money/support.js';
import { messagesAbout, summary } from './support.js';

vi.setConfig({ testTimeout: 60_000 });

const settings: WorkerSettings = { maxAttempts: 3, retryBaseSeconds: 10, leaseSeconds: 60, pollMs: 50, batchSize: 10, publicUrl: 'http://test.local' };

/** A mailer that fails while `down` is set. */
class FlakyMailer extends MemoryMailer {
  down = false;
  override async send(email: RenderedEmail, key: string) {
    if (this.down) throw new Error('SMTP server unreachable');
    return super.send(email, key);
  }
}

/** Makes a message due now (as time passing would). */
const dueNow = (db: Database, id: string) => db.query("update public.messages set send_after = now() - interval '1 second' where id = $1", [id]);

describe.each(engines)('the message worker, on %s', (engine) => {
  let t: TestApp;
  let admin: SignedUp;

  beforeAll(async () => {
    t = await startApp(engine, { WORKER: 'off' });
    admin = await signupStaff(t, 'admin');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends what is due with the kind header and the message id as idempotency key, once; reminders wait for their time', async () => {
    const mailer = new MemoryMailer();
    const worker = new MessageWorker(t.db, { render: plainRender, mailer, sms: new MemorySms() }, settings);
    await worker.drain(); // whatever earlier tests left due
    mailer.sent.length = 0;
    const customer = await makeCustomer(t);
    const res = await booked(t, customer, { slot_id: await makeSlot(t) });
    const result = await worker.drain();
    expect(result.sent).toBe(1);
    expect(mailer.sent).toHaveLength(1);
    const rows = await messagesAbout(t.db, { booking: res.booking.id });
    const received = rows.find((r) => r.kind === 'booking_received')!;
    expect(received).toMatchObject({ status: 'sent', attempts: 1, provider_id: 'memory-1' });
    expect(mailer.sent[0]!.idempotencyKey).toBe(received.id);
    expect(mailer.sent[0]!.email).toMatchObject({ to: customer.email, headers: { 'X-Message-Kind': 'booking_received', 'X-Booking-Id': res.booking.id } });
    expect(summary(rows.filter((r) => r.kind === 'reminder'))).toEqual(['reminder:pending', 'reminder:pending']);
    expect((await worker.drain()).sent).toBe(0); // nothing is sent twice
  });

  it('retries with exponential backoff, fails after the last attempt, and an admin retry sends it', async () => {
    const mailer = new FlakyMailer();
    const worker = new MessageWorker(t.db, { render: plainRender, mailer, sms: new MemorySms() }, settings);
    await worker.drain();
    const customer = await makeCustomer(t);
    const res = await booked(t, customer, { slot_id: await makeSlot(t) });
    const id = (await messagesAbout(t.db, { booking: res.booking.id })).find((r) => r.kind === 'booking_received')!.id;
    const row = async () => (await messagesAbout(t.db, { booking: res.booking.id })).find((r) => r.id === id)!;

    mailer.down = true;
    for (const attempt of [1, 2]) {
      const before = Date.now();
      expect(await worker.drain()).toMatchObject({ retrying: 1, sent: 0 });
      const r = await row();
      expect(r).toMatchObject({ status: 'pending', attempts: attempt, last_error: 'SMTP server unreachable' });
      const wait = (r.send_after.getTime() - before) / 1000;
      expect(wait).toBeGreaterThan(backoffSeconds(10, attempt) - 1);
      expect(wait).toBeLessThan(backoffSeconds(10, attempt) + 2);
      expect((await worker.drain()).retrying).toBe(0); // not before its time
      await dueNow(t.db, id);
    }
    expect(await worker.drain()).toMatchObject({ failed: 1 });
    expect(await row()).toMatchObject({ status: 'failed', attempts: 3 });

    const list = await t.app.inject({ method: 'GET', url: '/api/admin/messages?status=failed&kind=booking_received', headers: bearer(admin.token) });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().messages.map((m: { id: string }) => m.id)).toContain(id);
    expect(list.json().messages.every((m: { status: string }) => m.status === 'failed')).toBe(true);
    const listed = list.json().messages.find((m: { id: string }) => m.id === id);
    expect(Object.keys(listed).sort()).toEqual([
      'attempts', 'booking_id', 'channel', 'created_at', 'data', 'id', 'idempotency_key', 'kind', 'last_error', 'order_id',
      'provider_id', 'recipient', 'send_after', 'sent_at', 'status', 'updated_at', 'user_id',
    ]);
    for (const at of [listed.created_at, listed.updated_at, listed.send_after]) expect(new Date(at).toISOString()).toBe(at);
    expect(list.json().total).toBeGreaterThanOrEqual(1);
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/messages', headers: bearer(customer.token) })).statusCode).toBe(403);

    const retry = await t.app.inject({ method: 'POST', url: `/api/admin/messages/${id}/retry`, headers: bearer(admin.token) });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json()).toMatchObject({ id, status: 'pending', attempts: 0 });
    const again = await t.app.inject({ method: 'POST', url: `/api/admin/messages/${id}/retry`, headers: bearer(admin.token) });
    expect([again.statusCode, errorCode(again)]).toEqual([409, 'invalid_transition']);
    const missing = await t.app.inject({ method: 'POST', url: `/api/admin/messages/${crypto.randomUUID()}/retry`, headers: bearer(admin.token) });
    expect(missing.statusCode).toBe(404);

    mailer.down = false;
    expect(await worker.drain()).toMatchObject({ sent: 1 });
    expect(await row()).toMatchObject({ status: 'sent', attempts: 1 });
    expect(mailer.sent.filter((s) => s.idempotencyKey === id)).toHaveLength(1);
  });

  it('a reminder whose moment passed goes out late only if its session has not started', async () => {
    const mailer = new MemoryMailer();
    const worker = new MessageWorker(t.db, { render: plainRender, mailer, sms: new MemorySms() }, settings);
    const customer = await makeCustomer(t);
    const upcoming = await makeBooking(t.db, { user_id: customer.id, status: 'confirmed', date_time: new Date(Date.now() + 3 * 86_400_000) });
    const started = await makeBooking(t.db, { user_id: customer.id, status: 'confirmed', date_time: new Date(Date.now() + 4 * 86_400_000) });
    // Time passes while no worker runs: every reminder is overdue, and one session has begun.
    await t.db.query("update public.messages set send_after = now() - interval '1 minute' where booking_id in ($1, $2)", [upcoming.id, started.id]);
    await asReplica(t.db, (tx) => tx.query("update public.bookings set date_time = now() - interval '5 minutes' where id = $1", [started.id]));
    await worker.drain();
    expect(summary((await messagesAbout(t.db, { booking: upcoming.id })).filter((r) => r.kind === 'reminder'))).toEqual(['reminder:sent', 'reminder:sent']);
    expect(summary((await messagesAbout(t.db, { booking: started.id })).filter((r) => r.kind === 'reminder'))).toEqual(['reminder:skipped', 'reminder:skipped']);
  });

  it('a provider that does not answer within half the lease is a failed attempt, retried later', async () => {
    const hung = { send: () => new Promise<never>(() => {}) };
    const worker = new MessageWorker(t.db, { render: plainRender, mailer: hung, sms: new MemorySms() }, { ...settings, leaseSeconds: 1 });
    await new MessageWorker(t.db, { render: plainRender, mailer: new MemoryMailer(), sms: new MemorySms() }, settings).drain();
    const customer = await makeCustomer(t);
    const res = await booked(t, customer, { slot_id: await makeSlot(t) });
    const started = Date.now();
    expect(await worker.drain()).toMatchObject({ retrying: 1, sent: 0 });
    expect(Date.now() - started).toBeLessThan(5000);
    const row = (await messagesAbout(t.db, { booking: res.booking.id })).find((r) => r.kind === 'booking_received')!;
    expect(row).toMatchObject({ status: 'pending', attempts: 1, last_error: 'the provider did not answer in time' });
  });

  it('texts go through the SMS port; a kind the renderer has no text for is skipped', async () => {
    const sms = new MemorySms();
    const emailOnly = (m: Parameters<typeof plainRender>[0], b: Parameters<typeof plainRender>[1]) => ({ email: plainRender(m, b).email });
    await new MessageWorker(t.db, { render: plainRender, mailer: new MemoryMailer(), sms: new MemorySms() }, settings).drain();
    const insert = async (key: string) =>
      (await t.db.query<{ id: string }>(
        "insert into public.messages (kind, channel, recipient, idempotency_key) values ('booking_confirmed', 'sms', '+15551234567', $1) returning id",
        [key],
      )).rows[0]!.id;
    const texted = await insert(`sms-test-${Date.now()}`);
    expect(await new MessageWorker(t.db, { render: plainRender, mailer: new MemoryMailer(), sms }, settings).drain()).toMatchObject({ sent: 1 });
    expect(sms.sent).toEqual([{ sms: { to: '+15551234567', body: expect.stringContaining('booking confirmed') }, idempotencyKey: texted }]);
    const untexted = await insert(`sms-test-none-${Date.now()}`);
    expect(await new MessageWorker(t.db, { render: emailOnly, mailer: new MemoryMailer(), sms }, settings).drain()).toMatchObject({ skipped: 1, sent: 0 });
    const { rows } = await t.db.query('select status, provider_id from public.messages where id = any($1) order by status', [[texted, untexted]]);
    expect(rows).toEqual([{ status: 'sent', provider_id: 'memory-sms-1' }, { status: 'skipped', provider_id: null }]);
  });

  it('a worker that died while sending loses its claim when the lease ends; its late result is not recorded', async () => {
    const mailer = new MemoryMailer();
    const worker = new MessageWorker(t.db, { render: plainRender, mailer, sms: new MemorySms() }, settings);
    await worker.drain();
    const customer = await makeCustomer(t);
    const res = await booked(t, customer, { slot_id: await makeSlot(t) });
    const [dead] = await t.db.asCaller(SERVICE_ROLE, (tx) => claimDue(tx, 1, 60));
    expect(dead).toMatchObject({ kind: 'booking_received', booking_id: res.booking.id, attempts: 1 });
    expect((await worker.drain()).sent).toBe(0); // held by the dead worker's lease
    await dueNow(t.db, dead!.id); // the lease runs out
    expect((await worker.drain()).sent).toBe(1);
    expect(await t.db.asCaller(SERVICE_ROLE, (tx) => markSent(tx, dead!.id, dead!.attempts, 'late'))).toBe(false);
    const row = (await messagesAbout(t.db, { booking: res.booking.id })).find((r) => r.id === dead!.id)!;
    expect(row).toMatchObject({ status: 'sent', attempts: 2, provider_id: 'memory-1' });
    expect(mailer.sent.map((s) => s.idempotencyKey)).toEqual([dead!.id]);
  });
});

describe.runIf(!!process.env.TEST_DATABASE_URL)('two workers sharing one PostgreSQL', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp('postgres', { WORKER: 'off' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('two workers on two connection pools send each message exactly once', async () => {
    const mailer = new MemoryMailer();
    const slow = { ...mailer, send: async (email: RenderedEmail, key: string) => {
      await new Promise((r) => setTimeout(r, 2));
      return mailer.send(email, key);
    } };
    const pools = [await openPostgres({ url: t.url!, max: 3 }), await openPostgres({ url: t.url!, max: 3 })];
    try {
      const workers = pools.map((db) => new MessageWorker(db, { render: plainRender, mailer: slow, sms: new MemorySms() }, { ...settings, batchSize: 5 }));
      await workers[0]!.drain();
      mailer.sent.length = 0;
      const customer = await makeCustomer(t);
      const N = 120;
      await t.db.query(
        `insert into public.messages (kind, user_id, recipient, idempotency_key, data)
         select 'referral_reward', $1, $2, 'bulk:' || $3 || ':' || i, '{}' from generate_series(1, $4) i`,
        [customer.id, customer.email, Date.now(), N],
      );
      const results = await Promise.all(workers.map((w) => w.drain()));
      expect(results[0]!.sent + results[1]!.sent).toBe(N);
      expect(results.every((r) => r.sent > 0)).toBe(true); // both took part
      const keys = mailer.sent.map((s) => s.idempotencyKey);
      expect(new Set(keys).size).toBe(N);
      expect(keys).toHaveLength(N);
      const { rows } = await t.db.query<{ n: number }>("select count(*)::int as n from public.messages where idempotency_key like 'bulk:%' and status = 'sent' and attempts = 1");
      expect(rows[0]!.n).toBe(N);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });
});
