// Row level security on referrals: a customer reads the ones they made or received and invites in their own name only.
// Real users as PostgREST/Supabase sets them per transaction; the shared fixture is in ./support.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller, Database, Queryable } from '../../../src/db/index.js';
import { engines } from '../../helpers/db.js';
import { rlsWorld, type RlsWorld, asUser, makeCustomer, uniqueEmail, DENIED, type TestUser } from './support.js';

describe.each(engines)('row level security on %s', (engine) => {
  let w: RlsWorld;
  let db: Database;
  let alice: TestUser;
  let bob: TestUser;

  const as = <T>(who: TestUser | Caller, fn: (tx: Queryable) => Promise<T>): Promise<T> => asUser(db, who, fn);

  beforeAll(async () => {
    w = await rlsWorld(engine);
    ({ db, alice, bob } = w);
  });
  afterAll(() => w?.t.drop());

  describe('a customer', () => {
    it('reads referrals they made or received, not others', async () => {
      const invitee = await makeCustomer(db, { referral_code: bob.referral_code });
      const mine = await as(alice, async (tx) => (await tx.query<{ referrer_id: string }>('select referrer_id from referrals')).rows);
      expect(mine.length).toBe(1);
      expect(mine.every((r) => r.referrer_id === alice.id)).toBe(true);
      const received = await as(invitee, async (tx) => (await tx.query<{ referrer_id: string; invitee_id: string }>('select referrer_id, invitee_id from referrals')).rows);
      expect(received).toEqual([{ referrer_id: bob.id, invitee_id: invitee.id }]);
    });

    it('invites a friend (an own pending referral) but not in someone else’s name', async () => {
      const email = uniqueEmail('friend');
      await as(alice, (tx) => tx.query('insert into referrals (referrer_id, invitee_email) values ($1, $2)', [alice.id, email.toUpperCase()]));
      expect((await db.query('select status, referral_code, invitee_email from referrals where invitee_email = $1', [email])).rows).toEqual([
        { status: 'pending', referral_code: alice.referral_code, invitee_email: email },
      ]);
      await expect(
        as(alice, (tx) => tx.query('insert into referrals (referrer_id, invitee_email) values ($1, $2)', [bob.id, uniqueEmail('friend')])),
      ).rejects.toMatchObject(DENIED);
      await expect(
        as(alice, (tx) =>
          tx.query(`insert into referrals (referrer_id, invitee_email, status) values ($1, $2, 'accepted')`, [alice.id, uniqueEmail('friend')]),
        ),
      ).rejects.toMatchObject(DENIED);
      await expect(
        as(alice, (tx) => tx.query(`insert into referrals (referrer_id, invitee_email, invitee_id) values ($1, $2, $3)`, [alice.id, uniqueEmail('f'), bob.id])),
      ).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query(`update referrals set status = 'accepted' where referrer_id = $1`, [alice.id]))).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query('delete from referrals where referrer_id = $1', [alice.id]))).rejects.toMatchObject(DENIED);
    });
  });
});
