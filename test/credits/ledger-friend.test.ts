import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, signup, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';

vi.setConfig({ testTimeout: 60_000 });

interface Ledger {
  balance: number;
  transactions: { type: string; description: string; amount: number; reference_id: string | null; friend?: string | null }[];
}

/** GET /api/me/credits names the friend on the other side of a referral reward (first name only). */
describe.each(engines)('my credits: referral rewards name the friend, on %s', (engine) => {
  let t: TestApp;
  let admin: SignedUp;

  beforeAll(async () => {
    t = await startApp(engine, { WORKER: 'off' });
    admin = await signupStaff(t, 'admin');
    const res = await t.app.inject({ method: 'PUT', url: '/api/admin/settings', headers: bearer(admin.token), payload: { referral_reward_on: 'signup' } });
    expect(res.statusCode).toBe(200);
  });
  afterAll(() => t?.close());

  const mine = async (who: SignedUp): Promise<Ledger> => {
    const res = await t.app.inject({ method: 'GET', url: '/api/me/credits', headers: bearer(who.token) });
    expect(res.statusCode).toBe(200);
    return res.json() as Ledger;
  };

  it('the referrer sees the invitee’s first name, the invitee the referrer’s; other rows are as before (no friend key)', async () => {
    const ben = await signup(t.app, { full_name: '  Ben  Okafor ' });
    const code = (await t.app.inject({ method: 'GET', url: '/api/referrals', headers: bearer(ben.token) })).json().referral_code as string;
    const ann = await signup(t.app, { full_name: 'Ann Lee', referral_code: code });
    const adjusted = await t.app.inject({
      method: 'POST',
      url: `/api/admin/customers/${ben.id}/credits`,
      headers: bearer(admin.token),
      payload: { amount: 5, description: 'Goodwill' },
    });
    expect(adjusted.statusCode).toBe(201);

    const benLedger = await mine(ben);
    expect(benLedger.transactions.map((r) => [r.type, r.description, r.friend])).toEqual([
      ['adjustment', 'Goodwill', undefined],
      ['earned', 'Referral reward', 'Ann'],
    ]);
    expect('friend' in benLedger.transactions[0]!).toBe(false);
    expect(benLedger.balance).toBe(benLedger.transactions.reduce((s, r) => s + r.amount, 0));

    const annLedger = await mine(ann);
    expect(annLedger.transactions.map((r) => [r.type, r.description, r.friend])).toEqual([['earned', 'Referral signup reward', 'Ben']]);
  });

  it('a friend without a name is null, and the limit still applies newest first', async () => {
    const cy = await signup(t.app, { full_name: 'Cy' });
    const code = (await t.app.inject({ method: 'GET', url: '/api/referrals', headers: bearer(cy.token) })).json().referral_code as string;
    await signup(t.app, { referral_code: code });
    for (const amount of [1, 2]) {
      const res = await t.app.inject({ method: 'POST', url: `/api/admin/customers/${cy.id}/credits`, headers: bearer(admin.token), payload: { amount, description: `Gift ${amount}` } });
      expect(res.statusCode).toBe(201);
    }
    const all = await mine(cy);
    expect(all.transactions.map((r) => [r.description, r.friend])).toEqual([
      ['Gift 2', undefined],
      ['Gift 1', undefined],
      ['Referral reward', null],
    ]);
    const res = await t.app.inject({ method: 'GET', url: '/api/me/credits?limit=1', headers: bearer(cy.token) });
    expect((res.json() as Ledger).transactions.map((r) => r.description)).toEqual(['Gift 2']);
  });

  it('another customer’s ledger is never visible', async () => {
    const stranger = await signup(t.app, { full_name: 'Stranger Danger' });
    const ledger = await mine(stranger);
    expect(ledger).toEqual({ balance: 0, transactions: [] });
  });
});
