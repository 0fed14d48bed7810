import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, freshDatabase, type TestDatabase } from '../helpers/db.js';
import { makeCustomer, makePastSlot, uniqueEmail } from './support.js';

const balance = async (t: TestDatabase, id: string) =>
  (await t.db.query<{ credits: number }>('select credits from public.profiles where id = $1', [id])).rows[0]?.credits;

describe.each(engines)('an invitee is credited at most once, ever, on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase(engine);
    // The seed's rewards at sign-up (the default, first paid booking, is in test/money/referral-rewards.test.ts).
    await t.db.query("update public.business_settings set referral_reward_on = 'signup' where id");
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

describe.each(engines)('a booking on a slot starts when the slot does, on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase(engine);
    // The seed's rewards at sign-up (the default, first paid booking, is in test/money/referral-rewards.test.ts).
    await t.db.query("update public.business_settings set referral_reward_on = 'signup' where id");
  });
  afterAll(() => t?.drop());

  it('sets the time from the slot, whatever the writer sent', async () => {
    const c = await makeCustomer(t.db);
    const { rows } = await t.db.query<{ id: string; starts_at: Date }>(
      `insert into public.availability_slots (date, start_time, end_time) values (current_date + 20, '09:00', '10:00'), (current_date + 21, '11:00', '12:00')
       returning id, public.local_to_instant(date, start_time) as starts_at`,
    );
    const [first, second] = rows as [{ id: string; starts_at: Date }, { id: string; starts_at: Date }];
    const { rows: booked } = await t.db.query<{ id: string; date_time: Date }>(
      `insert into public.bookings (user_id, slot_id, date_time, service_type, address) values ($1, $2, $3, 'cold_plunge', '{}') returning id, date_time`,
      [c.id, first.id, new Date(first.starts_at.getTime() + 3_600_000)],
    );
    expect(booked[0]!.date_time.getTime()).toBe(first.starts_at.getTime());
    const { rows: moved } = await t.db.query<{ date_time: Date }>('update public.bookings set slot_id = $2 where id = $1 returning date_time', [booked[0]!.id, second.id]);
    expect(moved[0]!.date_time.getTime()).toBe(second.starts_at.getTime());
    const past = await makePastSlot(t.db, 2);
    await expect(t.db.query('update public.bookings set slot_id = $2 where id = $1', [booked[0]!.id, past])).rejects.toMatchObject({ code: '23514', constraint: 'future_booking' });
  });
});
