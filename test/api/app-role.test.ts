import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { openPostgres } from '../../src/db/postgres.js';
import type { Database } from '../../src/db/index.js';
import type { App } from '../../src/http/types.js';
import { ADDRESS, bearer, futureDate, signup, testConfig, uniqueEmail } from '../helpers/app.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { upsertAdmin } from '../../src/admins/repository.js';

/**
 * Production set-up: request work through a least-privilege login role (like Supabase's
 * `authenticator`) that owns nothing and may only switch to anon / authenticated / service_role.
 */
describe.runIf(!!process.env.TEST_DATABASE_URL)('API through a least-privilege DATABASE_APP_URL role', () => {
  const role = 'rm_test_authenticator';
  let owner: TestDatabase;
  let appDb: Database;
  let app: App;

  beforeAll(async () => {
    owner = await freshDatabase('postgres');
    await owner.db.query(`do $$ begin
      create role ${role} login noinherit;
    exception when duplicate_object then null; end $$`);
    await owner.db.query(`grant anon, authenticated, service_role to ${role}`);
    const url = new URL(owner.url!);
    url.username = role;
    appDb = await openPostgres({ url: url.toString(), max: 5 });
    app = await buildApp({ config: testConfig(), db: appDb, logger: false });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await appDb?.close();
    await owner?.drop();
  });

  it('has no table rights of its own', async () => {
    await expect(appDb.query('select count(*) from public.profiles')).rejects.toHaveProperty('code', '42501');
    await expect(appDb.query('select count(*) from auth.users')).rejects.toHaveProperty('code', '42501');
  });

  it('serves sign-up, profile, slots, bookings and payments through it', async () => {
    const adminEmail = uniqueEmail('admin');
    await upsertAdmin(owner.db, adminEmail, 'admin');
    const admin = await signup(app, { email: adminEmail });
    const user = await signup(app, { full_name: 'App Role' });
    const me = await app.inject({ method: 'PATCH', url: '/api/me', headers: bearer(user.token), payload: { address: ADDRESS } });
    expect(me.statusCode).toBe(200);
    const slot = await app.inject({
      method: 'POST', url: '/api/admin/slots', headers: bearer(admin.token),
      payload: { date: futureDate(4), start_time: '09:00', end_time: '10:00' },
    });
    expect(slot.statusCode, slot.body).toBe(201);
    const booked = await app.inject({
      method: 'POST', url: '/api/bookings', headers: bearer(user.token),
      payload: { slot_id: slot.json().created[0].id, service_type: 'cold_plunge' },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const approve = await app.inject({ method: 'POST', url: `${new URL(booked.json().checkout.url).pathname}/approve` });
    expect(approve.json()).toMatchObject({ status: 'paid' });
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: user.password } });
    expect(login.statusCode).toBe(200);
  });
});
