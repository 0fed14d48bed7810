import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, errorCode, signupStaff, startApp, type SignedUp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { balance, booked, decide, expectIntegrity, grant, ledger, makeCustomer, makeSlot, orderRow, paidOrder, REWARD, rewardOn, type Customer } from './support.js';

vi.setConfig({ testTimeout: 60_000 });

/** A mailbox name no other test uses. */
const local = (name: string) => `${name}${randomBytes(4).toString('hex')}`;

describe.each(engines)('referral rewards on the first paid booking, once per mailbox, on %s', (engine) => {
  let t: TestApp;
  let admin: SignedUp;

  beforeAll(async () => {
    t = await startApp(engine);
    admin = await signupStaff(t, 'admin');
  });
  afterEach(async () => {
    if (t) await expectIntegrity(t);
  });
  afterAll(() => t?.close());

  const codeOf = async (who: Customer) =>
    (await t.app.inject({ method: 'GET', url: '/api/referrals', headers: bearer(who.token) })).json().referral_code as string;
  const acceptedReferrals = async (referrerId: string) =>
    (await t.db.query<{ invitee_id: string; rewarded: boolean }>(
      "select invitee_id, rewarded_at is not null as rewarded from public.referrals where referrer_id = $1 and status = 'accepted'",
      [referrerId],
    )).rows;

  it('the farm: plus-addresses of the referrer pay nothing, at sign-up or when they pay', async () => {
    const name = local('alice');
    const alice = await makeCustomer(t, { email: `${name}@example.com` });
    const code = await codeOf(alice);
    const farms: Customer[] = [];
    for (const tag of ['farm1', 'farm2', 'farm3']) farms.push(await makeCustomer(t, { email: `${name}+${tag}@example.com`, referral_code: code }));
    for (const who of [alice, ...farms]) expect(await balance(t, who.id)).toBe(0);
    expect(await acceptedReferrals(alice.id)).toEqual([]);
    for (const farm of farms) await paidOrder(t, farm);
    for (const who of [alice, ...farms]) expect(await balance(t, who.id)).toBe(0);
    // Inviting one's own plus-address is refused as self-referral.
    const self = await t.app.inject({ method: 'POST', url: '/api/referrals', headers: bearer(alice.token), payload: { email: `${name.toUpperCase()}+farm9@example.com` } });
    expect([self.statusCode, errorCode(self)]).toEqual([422, 'self_referral']);
  });

  it('gmail dots (and googlemail) are the same mailbox; elsewhere dots are different people', async () => {
    const name = local('bea');
    const bea = await makeCustomer(t, { email: `${name.slice(0, 2)}.${name.slice(2)}@gmail.com` });
    const dotted = await makeCustomer(t, { email: `${name}+x@googlemail.com`, referral_code: await codeOf(bea) });
    await paidOrder(t, dotted);
    expect(await balance(t, bea.id)).toBe(0);
    expect(await balance(t, dotted.id)).toBe(0);

    const corp = local('jo');
    const jo = await makeCustomer(t, { email: `${corp.slice(0, 2)}.${corp.slice(2)}@example.com` });
    const colleague = await makeCustomer(t, { email: `${corp}@example.com`, referral_code: await codeOf(jo) });
    await paidOrder(t, colleague);
    expect(await balance(t, jo.id)).toBe(REWARD);
    expect(await balance(t, colleague.id)).toBe(REWARD);
  });

  it('a genuine friend: nothing at sign-up; both sides exactly once when the first booking is paid', async () => {
    const ref = await makeCustomer(t);
    const friend = await makeCustomer(t, { referral_code: await codeOf(ref) });
    expect(await balance(t, ref.id)).toBe(0);
    expect(await balance(t, friend.id)).toBe(0);
    expect(await acceptedReferrals(ref.id)).toEqual([{ invitee_id: friend.id, rewarded: false }]);
    const listed = (await t.app.inject({ method: 'GET', url: '/api/referrals', headers: bearer(ref.token) })).json().invitations;
    expect(listed).toEqual([expect.objectContaining({ status: 'accepted', reward_credits: REWARD })]);

    // An unpaid booking pays nothing; a declined one neither.
    const declined = await booked(t, friend, { slot_id: await makeSlot(t) });
    await decide(t, declined.checkout!.url, 'decline');
    expect(await balance(t, ref.id)).toBe(0);

    const { order } = await paidOrder(t, friend);
    const referralId = (await t.db.query<{ id: string }>('select id from public.referrals where invitee_id = $1', [friend.id])).rows[0]!.id;
    expect(await ledger(t, ref.id)).toEqual([{ amount: REWARD, type: 'earned', reference_id: referralId, created_by: null, description: 'Referral reward' }]);
    expect(await ledger(t, friend.id)).toEqual([expect.objectContaining({ amount: REWARD, type: 'earned', reference_id: referralId })]);
    expect(await acceptedReferrals(ref.id)).toEqual([{ invitee_id: friend.id, rewarded: true }]);
    expect(order.status).toBe('paid');

    // A second paid booking, and staff SQL re-marking orders, pay nothing more.
    await paidOrder(t, friend);
    expect(await balance(t, ref.id)).toBe(REWARD);
    expect(await balance(t, friend.id)).toBe(REWARD);
  });

  it('every path that makes an order paid counts: covered by credits, and staff SQL', async () => {
    const ref = await makeCustomer(t);
    const code = await codeOf(ref);
    const byCredits = await makeCustomer(t, { referral_code: code });
    await grant(t, admin, byCredits.id, 400);
    const res = await booked(t, byCredits, { slot_id: await makeSlot(t), use_credits: 'all' });
    expect(res.order.status).toBe('paid');
    expect(await balance(t, byCredits.id)).toBe(REWARD);
    expect(await balance(t, ref.id)).toBe(REWARD);

    const bySql = await makeCustomer(t, { referral_code: code });
    const pending = await booked(t, bySql, { slot_id: await makeSlot(t) });
    await t.db.query("update public.orders set status = 'paid' where id = $1", [pending.order.id]);
    expect((await orderRow(t, pending.order.id)).status).toBe('paid');
    expect(await balance(t, bySql.id)).toBe(REWARD);
    expect(await balance(t, ref.id)).toBe(2 * REWARD);
  });

  it('two bookings paid at the same moment pay the reward once', async () => {
    const ref = await makeCustomer(t);
    const friend = await makeCustomer(t, { referral_code: await codeOf(ref) });
    const first = await booked(t, friend, { slot_id: await makeSlot(t) });
    const second = await booked(t, friend, { slot_id: await makeSlot(t) });
    const results = await Promise.all([decide(t, first.checkout!.url, 'approve'), decide(t, second.checkout!.url, 'approve')]);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200]);
    expect((await orderRow(t, first.order.id)).status).toBe('paid');
    expect((await orderRow(t, second.order.id)).status).toBe('paid');
    expect(await balance(t, ref.id)).toBe(REWARD);
    expect(await balance(t, friend.id)).toBe(REWARD);
  });

  it('a mailbox is rewarded once, ever: a second account of it (another referrer) pays nothing', async () => {
    const name = local('carl');
    const x = await makeCustomer(t);
    const y = await makeCustomer(t);
    const first = await makeCustomer(t, { email: `${name}+one@example.com`, referral_code: await codeOf(x) });
    await paidOrder(t, first);
    const second = await makeCustomer(t, { email: `${name}@example.com`, referral_code: await codeOf(y) });
    await paidOrder(t, second);
    expect(await balance(t, x.id)).toBe(REWARD);
    expect(await balance(t, first.id)).toBe(REWARD);
    expect(await balance(t, y.id)).toBe(0);
    expect(await balance(t, second.id)).toBe(0);
  });

  it('referral_reward_on = signup keeps the seed’s behaviour (but still not for one’s own mailbox)', async () => {
    await rewardOn(t, 'signup');
    try {
      const name = local('dana');
      const dana = await makeCustomer(t, { email: `${name}@example.com` });
      const code = await codeOf(dana);
      const friend = await makeCustomer(t, { referral_code: code });
      expect(await balance(t, dana.id)).toBe(REWARD);
      expect(await balance(t, friend.id)).toBe(REWARD);
      await paidOrder(t, friend);
      expect(await balance(t, dana.id)).toBe(REWARD);
      expect(await balance(t, friend.id)).toBe(REWARD);
      const farm = await makeCustomer(t, { email: `${name}+farm@example.com`, referral_code: code });
      expect(await balance(t, farm.id)).toBe(0);
      expect(await balance(t, dana.id)).toBe(REWARD);
    } finally {
      await rewardOn(t, 'first_paid_booking');
    }
  });
});
