import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRenderer } from '../../src/messages/render.js';
import { MESSAGE_KINDS, TRANSACTIONAL, type MessageKind, type MessageToSend } from '../../src/messages/types.js';
import { signUnsubscribeToken } from '../../src/notifications/unsubscribe-token.js';
import { bearer, errorCode, signup, signupStaff, startApp, TEST_SECRET, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { callerOf } from '../helpers/factories.js';

const session = { service_type: 'cold_plunge', service_name: 'Cold Plunge', starts_at: '2026-12-08T18:00:00.000Z', duration_minutes: 60, address: null };

describe.each(engines)('notification preferences on %s', (engine) => {
  let t: TestApp;
  let ann: SignedUp;
  let bob: SignedUp;
  let operator: SignedUp;

  beforeAll(async () => {
    t = await startApp(engine);
    ann = await signup(t.app, { phone: '(310) 555-0123' });
    bob = await signup(t.app);
    operator = await signupStaff(t, 'operator');
  });
  afterAll(() => t?.close());

  const get = (who: SignedUp) => t.app.inject({ method: 'GET', url: '/api/me/notifications', headers: bearer(who.token) });
  const patch = (who: SignedUp, payload: unknown) => t.app.inject({ method: 'PATCH', url: '/api/me/notifications', headers: bearer(who.token), payload: payload as object });
  const may = (userId: string | null, kind: MessageKind, channel: 'email' | 'sms', to: string) => t.services.notifications.mayDeliver({ userId, kind, channel, to });

  it('starts with everything on except texts, and needs a sign-in', async () => {
    const res = await get(bob);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      reminder_email: true, reminder_sms: true, review_requests: true, referral_news: true,
      sms_opt_in: false, sms_opt_in_at: null, phone: null, sms_stopped: false,
    });
    expect((await t.app.inject({ method: 'GET', url: '/api/me/notifications' })).statusCode).toBe(401);
  });

  it('changes only the switches named; texts need a phone and record when they were turned on', async () => {
    let res = await patch(bob, { review_requests: false });
    expect(res.json()).toMatchObject({ review_requests: false, reminder_email: true, referral_news: true });
    res = await patch(bob, { referral_news: false });
    expect(res.json()).toMatchObject({ review_requests: false, referral_news: false });
    res = await patch(bob, { sms_opt_in: true });
    expect(res.statusCode).toBe(422);
    expect(errorCode(res)).toBe('phone_required');
    res = await patch(ann, { sms_opt_in: true, reminder_sms: false });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ sms_opt_in: true, reminder_sms: false, phone: '(310) 555-0123', sms_stopped: false });
    expect(Date.parse(res.json().sms_opt_in_at)).toBeGreaterThan(Date.now() - 60_000);
    expect((await get(ann)).json()).toMatchObject({ sms_opt_in: true, reminder_sms: false });
  });

  it('refuses unknown switches, wrong types and an empty change', async () => {
    for (const payload of [{ marketing: false }, { reminder_email: 'no' }, {}]) {
      const res = await patch(bob, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
  });

  it('RLS: a customer reads and writes only their own row; staff read anyone’s', async () => {
    await patch(ann, { reminder_email: true });
    const rows = (caller: Parameters<typeof t.db.asCaller>[0]) =>
      t.db.asCaller(caller, async (tx) => (await tx.query<{ user_id: string }>('select user_id from public.notification_preferences where user_id = any($1)', [[ann.id, bob.id]])).rows.map((r) => r.user_id).sort());
    expect(await rows(callerOf(bob))).toEqual([bob.id]);
    expect(await rows(callerOf(operator))).toEqual([ann.id, bob.id].sort());
    expect(await rows({ role: 'anon' }).catch((e: { code?: string }) => e.code)).toBe('42501');
    const updated = await t.db.asCaller(callerOf(bob), (tx) => tx.query('update public.notification_preferences set reminder_email = false where user_id = $1', [ann.id]));
    expect(updated.rowCount).toBe(0);
    await expect(t.db.asCaller(callerOf(bob), (tx) => tx.query('insert into public.notification_preferences (user_id) values ($1)', [operator.id]))).rejects.toHaveProperty('code', '42501');
    // Operators read, they do not write.
    const byStaff = await t.db.asCaller(callerOf(operator), (tx) => tx.query('update public.notification_preferences set reminder_email = false where user_id = $1', [ann.id]));
    expect(byStaff.rowCount).toBe(0);
    expect((await get(ann)).json().reminder_email).toBe(true);
    // The server-only functions refuse callers other than the server.
    await expect(t.db.call(callerOf(bob), 'api.delivery_facts', [ann.id, 'x@example.com'])).rejects.toMatchObject({ code: 'RM403' });
    await expect(t.db.call(callerOf(bob), 'api.unsubscribe', [ann.id, null, 'reminder_email'])).rejects.toMatchObject({ code: 'RM403' });
  });

  it('mayDeliver: transactional email always; the rest as the preferences say; texts only when opted in and not stopped', async () => {
    const carol = await signup(t.app, { phone: '+1 310 555 0199' });
    for (const kind of TRANSACTIONAL) expect(await may(carol.id, kind, 'email', carol.email), kind).toBe(true);
    for (const kind of MESSAGE_KINDS) expect(await may(carol.id, kind, 'sms', '+13105550199'), `${kind} by text before opting in`).toBe(false);
    await patch(carol, { reminder_email: false, review_requests: false, referral_news: false, sms_opt_in: true });
    for (const kind of TRANSACTIONAL) expect(await may(carol.id, kind, 'email', carol.email), kind).toBe(true);
    for (const kind of ['reminder', 'review_request', 'referral_reward'] as const) expect(await may(carol.id, kind, 'email', carol.email), kind).toBe(false);
    expect(await may(carol.id, 'reminder', 'sms', '+13105550199')).toBe(true);
    expect(await may(carol.id, 'booking_cancelled', 'sms', '+13105550199')).toBe(true);
    expect(await may(carol.id, 'receipt', 'sms', '+13105550199')).toBe(false);
    await patch(carol, { reminder_sms: false });
    expect(await may(carol.id, 'reminder', 'sms', '+13105550199')).toBe(false);
    expect(await may(carol.id, 'booking_confirmed', 'sms', '+13105550199')).toBe(true);
    // STOP from the number (however the profile writes it) stops every text; START resumes them.
    await t.services.notifications.recordSmsReply('+13105550199', true);
    expect(await may(carol.id, 'booking_confirmed', 'sms', '+13105550199')).toBe(false);
    expect((await get(carol)).json().sms_stopped).toBe(true);
    await t.services.notifications.recordSmsReply('+13105550199', false);
    expect(await may(carol.id, 'booking_confirmed', 'sms', '+13105550199')).toBe(true);
  });

  it('SMS_PROVIDER=off: no text may be sent', async () => {
    const { NotificationService } = await import('../../src/notifications/service.js');
    const off = new NotificationService(t.db, { secret: TEST_SECRET, smsEnabled: false });
    await patch(ann, { sms_opt_in: true, reminder_sms: true });
    expect(await may(ann.id, 'reminder', 'sms', '+13105550123')).toBe(true);
    expect(await off.mayDeliver({ userId: ann.id, kind: 'reminder', channel: 'sms', to: '+13105550123' })).toBe(false);
  });

  describe('one-click unsubscribe (RFC 8058), without signing in', () => {
    const render = createRenderer({ secret: TEST_SECRET });
    const business = { name: 'Recovery Machine', phone: null, address: null, timezone: 'America/Los_Angeles', publicUrl: 'https://rm.example.com' };
    const linkOf = (m: Partial<MessageToSend> & Pick<MessageToSend, 'kind' | 'to' | 'userId' | 'data'>) => {
      const header = render({ id: 'm', channel: 'email', bookingId: null, orderId: null, ...m }, business).email.headers['List-Unsubscribe']!;
      return new URL(header.slice(1, -1)).pathname;
    };

    it('GET shows a page with the button and changes nothing; POST (as mail clients send it) unsubscribes', async () => {
      const dave = await signup(t.app);
      const path = linkOf({ kind: 'reminder', to: dave.email, userId: dave.id, data: session });
      const page = await t.app.inject({ method: 'GET', url: path });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toContain('session reminders by email');
      expect(page.body).toContain(`<form method="post" action="${path}">`);
      expect((await get(dave)).json().reminder_email).toBe(true);

      const post = await t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
      expect(post.statusCode, post.body).toBe(200);
      expect(post.body).toContain('no longer get session reminders by email');
      expect((await get(dave)).json()).toMatchObject({ reminder_email: false, review_requests: true, referral_news: true });
      expect(await may(dave.id, 'reminder', 'email', dave.email)).toBe(false);
      expect(await may(dave.id, 'booking_confirmed', 'email', dave.email)).toBe(true);
      // Again, and as multipart (also allowed by RFC 8058): still 200, still off.
      const again = await t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--x--\r\n' });
      expect(again.statusCode).toBe(200);

      const review = linkOf({ kind: 'review_request', to: dave.email, userId: dave.id, data: { ...session, review_url: 'https://rm.example.com/review/x' } });
      expect((await t.app.inject({ method: 'POST', url: review })).statusCode).toBe(200);
      expect((await get(dave)).json()).toMatchObject({ reminder_email: false, review_requests: false, referral_news: true });
    });

    it('an invitee without an account unsubscribes by address', async () => {
      const path = linkOf({ kind: 'referral_invitation', to: 'Invitee@Example.com', userId: null, data: { referrer_name: 'Ann', invite_url: 'https://rm.example.com/r/X', reward_credits: 50 } });
      expect(await may(null, 'referral_invitation', 'email', 'invitee@example.com')).toBe(true);
      expect((await t.app.inject({ method: 'POST', url: path })).statusCode).toBe(200);
      expect(await may(null, 'referral_invitation', 'email', 'INVITEE@example.com')).toBe(false);
      expect(await may(null, 'referral_invitation', 'email', 'someone-else@example.com')).toBe(true);
    });

    it('refuses forged, altered and foreign tokens (404), and tokens of transactional kinds', async () => {
      const forged = signUnsubscribeToken('not-the-secret-not-the-secret-not-the-secret', { userId: ann.id, kind: 'reminder' });
      const good = signUnsubscribeToken(TEST_SECRET, { userId: ann.id, kind: 'reminder' });
      const altered = `${good.slice(0, -3)}${good.endsWith('AAA') ? 'BBB' : 'AAA'}`;
      const transactional = signUnsubscribeToken(TEST_SECRET, { userId: ann.id, kind: 'booking_confirmed' });
      for (const token of [forged, altered, ann.token, transactional]) {
        const post = await t.app.inject({ method: 'POST', url: `/api/unsubscribe/${token}` });
        expect(post.statusCode, token).toBe(404);
        expect(errorCode(post)).toBe('invalid_link');
        const page = await t.app.inject({ method: 'GET', url: `/api/unsubscribe/${token}` });
        expect(page.statusCode).toBe(404);
        expect(errorCode(page)).toBe('invalid_link');
      }
      expect((await get(ann)).json().reminder_email).toBe(true);
    });
  });
});
