import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { grant, makeCustomer, paidOrder } from '../money/support.js';

vi.setConfig({ testTimeout: 60_000 });

describe.each(engines)('staff find customers, on %s', (engine) => {
  let t: TestApp;
  let admin: SignedUp;
  let operator: SignedUp;
  const tag = randomBytes(3).toString('hex');
  const people: Record<string, string> = {};

  /** A customer with a name and phone, made the way sign-up makes them. */
  const person = async (key: string, fullName: string, email: string, phone: string | null) => {
    const { rows } = await t.db.query<{ id: string }>('select id from app_private.create_auth_user($1, $2, $3)', [
      email,
      'not-a-password-hash',
      JSON.stringify({ full_name: fullName, ...(phone ? { phone } : {}) }),
    ]);
    people[key] = rows[0]!.id;
  };

  beforeAll(async () => {
    t = await startApp(engine);
    admin = await signupStaff(t, 'admin');
    operator = await signupStaff(t, 'operator');
    await person('sarah', `Sarah Johnson${tag}`, `sarah.${tag}@example.com`, '+1 (555) 012-3456');
    await person('sam', `Sam Jo${tag}`, `sjo-${tag}@example.com`, '555 987 6543');
    await person('zed', `Zed ${tag}Quinn`, `zed-${tag}@Example.com`, null);
  });
  afterAll(() => t?.close());

  const search = (who: { token: string }, query: string) =>
    t.app.inject({ method: 'GET', url: `/api/admin/customers?${query}`, headers: bearer(who.token) });
  const ids = (res: { json(): { customers: { id: string }[] } }) => res.json().customers.map((c) => c.id);

  it('searches by name, surname, email and phone, case-insensitive, ordered by name, with a total', async () => {
    expect(ids(await search(operator, `q=${encodeURIComponent(`SAM JO${tag.toUpperCase()}`)}`))).toEqual([people.sam]);
    expect(ids(await search(operator, `q=johnson${tag}`))).toEqual([people.sarah]); // surname
    expect(ids(await search(operator, `q=${tag}quinn`))).toEqual([people.zed]);
    expect(ids(await search(operator, `q=SARAH.${tag}@`))).toEqual([people.sarah]); // email prefix
    expect(ids(await search(operator, `q=zed-${tag}@example.com`))).toEqual([people.zed]);
    expect(ids(await search(operator, `q=${encodeURIComponent('(555) 012-34')}`))).toEqual([people.sarah]);
    expect(ids(await search(operator, 'q=15550123'))).toEqual([people.sarah]);
    expect(ids(await search(operator, 'q=5559876543'))).toEqual([people.sam]);
    const both = await search(operator, `q=s`);
    expect(both.statusCode).toBe(200);
    const found = ids(both);
    expect(found.indexOf(people.sam!)).toBeGreaterThanOrEqual(0);
    expect(found.indexOf(people.sam!)).toBeLessThan(found.indexOf(people.sarah!)); // by name: "sam jo…" before "sarah…"
    expect((await search(operator, 'q=nobody-by-that-name')).json()).toMatchObject({ customers: [], total: 0 });
    // Paging: one at a time, with the total.
    const page1 = (await search(admin, `q=s&limit=1&offset=0`)).json();
    const page2 = (await search(admin, `q=s&limit=1&offset=1`)).json();
    expect(page1.total).toBeGreaterThanOrEqual(2);
    expect(page2.total).toBe(page1.total);
    expect(page1.customers[0].id).not.toBe(page2.customers[0].id);
    expect(page1).toMatchObject({ limit: 1, offset: 0 });
    // Everyone, without q.
    expect((await search(operator, 'limit=100')).json().total).toBeGreaterThanOrEqual(5);
  });

  it('is for staff only', async () => {
    const customer = await makeCustomer(t);
    expect((await search(customer, 'q=sam')).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/customers?q=sam' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: `/api/admin/customers/${people.sam}`, headers: bearer(customer.token) })).statusCode).toBe(403);
    expect((await search(operator, `q=${'x'.repeat(101)}`)).statusCode).toBe(400);
  });

  it('shows one customer’s history; orders, ledger and referrals are for admins', async () => {
    const c = await makeCustomer(t);
    const friend = await makeCustomer(t, { referral_code: (await t.app.inject({ method: 'GET', url: '/api/referrals', headers: bearer(c.token) })).json().referral_code });
    await grant(t, admin, c.id, 10);
    const { order, bookingId } = await paidOrder(t, c);
    const detail = await t.app.inject({ method: 'GET', url: `/api/admin/customers/${c.id}`, headers: bearer(admin.token) });
    expect(detail.statusCode, detail.body).toBe(200);
    const body = detail.json();
    expect(body.profile).toMatchObject({ id: c.id, email: c.email });
    expect(body.bookings).toEqual([expect.objectContaining({ id: bookingId, customer: expect.objectContaining({ id: c.id, email: c.email }) })]);
    expect(body.orders.map((o: { id: string }) => o.id)).toEqual([order.id]);
    expect(body.credit_ledger).toEqual([expect.objectContaining({ amount: 10, type: 'adjustment' })]);
    expect(body.referrals.made).toEqual([expect.objectContaining({ invitee_id: friend.id, status: 'accepted' })]);
    expect(body.referrals.received).toEqual([]);
    expect(body.reviews).toEqual([]);
    const friendDetail = (await t.app.inject({ method: 'GET', url: `/api/admin/customers/${friend.id}`, headers: bearer(admin.token) })).json();
    expect(friendDetail.referrals.received).toEqual([expect.objectContaining({ referrer_id: c.id })]);

    const byOperator = (await t.app.inject({ method: 'GET', url: `/api/admin/customers/${c.id}`, headers: bearer(operator.token) })).json();
    expect(byOperator).toMatchObject({ orders: null, credit_ledger: null, referrals: null });
    expect(byOperator.bookings).toHaveLength(1);
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/customers/00000000-0000-4000-8000-000000000000', headers: bearer(operator.token) })).statusCode).toBe(404);
  });

  it('bookings listed for staff carry the customer’s name, phone and email', async () => {
    const c = await makeCustomer(t);
    await t.db.query("update public.profiles set full_name = 'Listed Person', phone = '555-000-1111' where id = $1", [c.id]);
    const { id, email } = c;
    const { bookingId } = await paidOrder(t, c);
    const list = (await t.app.inject({ method: 'GET', url: `/api/bookings?customer=${id}`, headers: bearer(operator.token) })).json();
    expect(list.bookings).toEqual([
      expect.objectContaining({ id: bookingId, address: expect.any(Object), customer: { id, full_name: 'Listed Person', email, phone: '555-000-1111' } }),
    ]);
  });

  it('the search uses its indexes under RLS, as staff (PostgreSQL plans)', async () => {
    if (engine !== 'postgres') return;
    const plan = await t.db.asCaller(
      { role: 'authenticated', claims: { sub: operator.id, role: 'authenticated', email: operator.email } },
      async (tx) => {
        await tx.query('set local enable_seqscan = off');
        const { rows } = await tx.query<{ 'QUERY PLAN': string }>(
          `explain select id from public.profiles p where (p.search_email >= $1 and p.search_email < $2) or (p.search_name >= $1 and p.search_name < $2)`,
          ['sam', 'sam\u{10FFFF}'],
        );
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      },
    );
    expect(plan).toContain('idx_profiles_search_email');
    expect(plan).toContain('idx_profiles_search_name');
  });
});
