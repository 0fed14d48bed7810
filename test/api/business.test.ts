import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, signup, signupStaff, startApp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';

describe.each(engines)('what the web app reads first, on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(engine, { WORKER: 'off' });
  });
  afterAll(() => t?.close());

  it('GET /api/business is public and follows the settings', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/business' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      business_name: 'Recovery Machine', business_phone: null, business_address: null, timezone: 'America/Los_Angeles',
      service_area_zips: [], setup_fee_cents: 25000, referral_reward_credits: 50, referral_reward_on: 'first_paid_booking', min_notice_minutes: 120,
      cancellation_window_minutes: 1440, google_review_url: null,
    });
    const admin = await signupStaff(t, 'admin');
    const put = await t.app.inject({
      method: 'PUT', url: '/api/admin/settings', headers: bearer(admin.token),
      payload: { timezone: 'America/New_York', service_area_zips: ['90210'], business_phone: '(310) 555-0100', referral_reward_on: 'signup' },
    });
    expect(put.statusCode, put.body).toBe(200);
    const after = (await t.app.inject({ method: 'GET', url: '/api/business' })).json();
    expect(after).toMatchObject({ timezone: 'America/New_York', service_area_zips: ['90210'], business_phone: '(310) 555-0100', referral_reward_on: 'signup' });
    await t.app.inject({ method: 'PUT', url: '/api/admin/settings', headers: bearer(admin.token), payload: { timezone: 'America/Los_Angeles', service_area_zips: [], business_phone: null, referral_reward_on: 'first_paid_booking' } });
  });

  it('GET /api/me names the caller\'s staff role, and null for a customer', async () => {
    const customer = await signup(t.app);
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(customer.token) });
    expect(me.json()).toMatchObject({ id: customer.id, staff_role: null });
    for (const role of ['operator', 'admin', 'super_admin'] as const) {
      const staff = await signupStaff(t, role);
      const res = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(staff.token) });
      expect(res.json()).toMatchObject({ id: staff.id, staff_role: role });
    }
  });
});
