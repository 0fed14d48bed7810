import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromDatabaseError } from '../../src/errors.js';
import { bearer, errorCode, signup, signupStaff, startApp, uniqueEmail, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';

describe.each(engines)('staff management on %s', (engine) => {
  let t: TestApp;
  let boss: SignedUp;

  beforeAll(async () => {
    t = await startApp(engine);
    boss = await signupStaff(t, 'super_admin');
  });
  afterAll(() => t?.close());

  const staff = (token: string) => t.app.inject({ method: 'GET', url: '/api/admin/staff', headers: bearer(token) });
  const save = (token: string, email: string, role: string) =>
    t.app.inject({ method: 'POST', url: '/api/admin/staff', headers: bearer(token), payload: { email, role } });
  const remove = (token: string, email: string) =>
    t.app.inject({ method: 'DELETE', url: `/api/admin/staff/${encodeURIComponent(email)}`, headers: bearer(token) });

  it('a super admin adds (201), changes (200), lists and removes (204) staff; emails normalised', async () => {
    const email = uniqueEmail('newop');
    const added = await save(boss.token, email.toUpperCase(), 'operator');
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json().staff).toMatchObject({ email, role: 'operator', user_id: null });

    const changed = await save(boss.token, email.toUpperCase(), 'admin');
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().staff).toMatchObject({ email, role: 'admin' });

    // Once that person signs up, the list shows their account.
    const person = await signup(t.app, { email });
    const list = await staff(boss.token);
    expect(list.statusCode).toBe(200);
    const rows = list.json().staff as { email: string; role: string; user_id: string | null; created_at: string }[];
    expect(rows).toContainEqual({ email, role: 'admin', user_id: person.id, created_at: expect.any(String) });
    expect(rows).toContainEqual(expect.objectContaining({ email: boss.email, role: 'super_admin', user_id: boss.id }));

    // The new admin has the role at once: they may adjust credits now.
    const customer = await signup(t.app);
    const adjust = await t.app.inject({
      method: 'POST', url: `/api/admin/customers/${customer.id}/credits`, headers: bearer(person.token), payload: { amount: 5, description: 'welcome' },
    });
    expect(adjust.statusCode, adjust.body).toBe(201);

    const removed = await remove(boss.token, email.toUpperCase());
    expect(removed.statusCode, removed.body).toBe(204);
    expect((await staff(boss.token)).json().staff.map((s: { email: string }) => s.email)).not.toContain(email);
    const again = await remove(boss.token, email);
    expect(again.statusCode).toBe(404);
    expect(errorCode(again)).toBe('not_found');
  });

  it('only super admins: operators and admins 403, customers 403, signed out 401', async () => {
    const target = uniqueEmail('target');
    for (const who of [await signupStaff(t, 'operator'), await signupStaff(t, 'admin'), await signup(t.app)]) {
      for (const res of [await staff(who.token), await save(who.token, target, 'operator'), await remove(who.token, boss.email)]) {
        expect(res.statusCode, res.body).toBe(403);
        expect(errorCode(res)).toBe('forbidden');
      }
    }
    for (const res of [
      await t.app.inject({ method: 'GET', url: '/api/admin/staff' }),
      await t.app.inject({ method: 'POST', url: '/api/admin/staff', payload: { email: target, role: 'admin' } }),
      await t.app.inject({ method: 'DELETE', url: `/api/admin/staff/${boss.email}` }),
    ]) {
      expect(res.statusCode).toBe(401);
    }
    expect((await staff(boss.token)).json().staff.map((s: { email: string }) => s.email)).not.toContain(target);
  });

  it('refuses a bad role or a bad email', async () => {
    expect((await save(boss.token, uniqueEmail(), 'boss')).statusCode).toBe(400);
    expect((await save(boss.token, 'not-an-email', 'admin')).statusCode).toBe(400);
  });

  it('the last super_admin can be neither removed nor demoted (API and SQL); with a second one, they can', async () => {
    // Only `boss` is super_admin in this file's database.
    const { rows } = await t.db.query<{ n: number }>("select count(*)::int as n from public.admins where role = 'super_admin'");
    expect(rows[0]!.n).toBe(1);

    const demote = await save(boss.token, boss.email, 'admin');
    expect(demote.statusCode, demote.body).toBe(409);
    expect(errorCode(demote)).toBe('last_super_admin');
    const removeSelf = await remove(boss.token, boss.email);
    expect(removeSelf.statusCode).toBe(409);
    expect(errorCode(removeSelf)).toBe('last_super_admin');
    // The owner (CLI, SQL) is held to it too.
    await expect(t.db.query("update public.admins set role = 'operator' where role = 'super_admin'")).rejects.toSatisfy(
      (err) => fromDatabaseError(err)?.code === 'last_super_admin',
    );
    await expect(t.db.query('delete from public.admins')).rejects.toSatisfy((err) => fromDatabaseError(err)?.code === 'last_super_admin');

    const deputy = await signupStaff(t, 'super_admin');
    const handedOver = await save(boss.token, boss.email, 'admin');
    expect(handedOver.statusCode, handedOver.body).toBe(200);
    // Now the deputy is the last one.
    expect(errorCode(await remove(deputy.token, deputy.email))).toBe('last_super_admin');
    expect((await save(deputy.token, boss.email, 'super_admin')).statusCode).toBe(200);
  });

  it('two super admins demoting each other at once: exactly one succeeds', async () => {
    const a = await signupStaff(t, 'super_admin');
    const b = await signupStaff(t, 'super_admin');
    // Leave exactly a and b as super admins.
    await t.db.query("update public.admins set role = 'admin' where role = 'super_admin' and email <> all($1)", [[a.email, b.email]]);
    const results = await Promise.all([save(a.token, b.email, 'admin'), save(b.token, a.email, 'admin')]);
    const statuses = results.map((r) => r.statusCode).sort();
    // The loser is either refused by the trigger (409) or, once demoted, no longer a super admin (403).
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const { rows } = await t.db.query<{ n: number }>("select count(*)::int as n from public.admins where role = 'super_admin'");
    expect(rows[0]!.n).toBe(1);
  });
});
