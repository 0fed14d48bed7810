import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, freshDatabase, type TestDatabase } from '../helpers/db.js';
import { makeCustomer, uniqueEmail } from './support.js';

const balance = async (t: TestDatabase, id: string) =>
  (await t.db.query<{ credits: number }>('select credits from public.profiles where id = $1', [id])).rows[0]?.credits;

describe.each(engines)('an invitee is credited at most once, ever, on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase(engine);
  });
  afterAll(() => t?.drop());

  it('even after the first referrer deleted their account', async () => {
    const a = await makeCustomer(t.db);
    const c = await makeCustomer(t.db);
    const b = await makeCustomer(t.db, { referral_code: a.referral_code });
    expect(await balance(t, b.id)).toBe(50);
    await t.db.query('delete from auth.users where id = $1', [a.id]); // A's referral rows go with A
    const again = await t.db.query<{ id: string | null }>('select public.accept_referral($1, $2) as id', [b.id, c.referral_code]);
    expect(again.rows[0]!.id).toBeNull();
    expect(await balance(t, b.id)).toBe(50);
    expect(await balance(t, c.id)).toBe(0);
  });

  it('even when the invitee deletes their account and signs up again with the same email', async () => {
    const a = await makeCustomer(t.db);
    const c = await makeCustomer(t.db);
    const email = uniqueEmail('again');
    const first = await makeCustomer(t.db, { email, referral_code: a.referral_code });
    expect(await balance(t, first.id)).toBe(50);
    await t.db.query('delete from auth.users where id = $1', [first.id]);
    const second = await makeCustomer(t.db, { email, referral_code: c.referral_code });
    expect(await balance(t, second.id)).toBe(0);
    expect(await balance(t, c.id)).toBe(0);
  });
});
