// Users as Supabase Auth has them: the shim's auth tables are Supabase Auth's, our auth service
// makes complete Supabase Auth users, and sign-ups the way Supabase Auth writes them (with or
// without an email) never fail on our profile trigger.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_ROLE, type Database } from '../../src/db/index.js';
import { engines, freshDatabase, type TestDatabase } from '../helpers/db.js';
import { authUserNonNullColumns, supabaseAuthSignUp, supabaseAuthTables } from '../helpers/supabase-auth.js';
import { makeCustomer, uniqueEmail } from './support.js';

const shape = (schema: string) => `
  select c.table_name, c.column_name, c.data_type, c.character_maximum_length as length, c.is_nullable,
         c.column_default, c.is_generated, c.generation_expression
  from information_schema.columns c
  where c.table_schema = '${schema}' and c.table_name in ('users', 'identities')
  order by 1, 2`;
const constraints = (schema: string) => `
  select cl.relname as table_name, co.conname, co.contype,
         replace(pg_get_constraintdef(co.oid), '${schema}.', 'auth.') as def
  from pg_constraint co join pg_class cl on cl.oid = co.conrelid join pg_namespace n on n.oid = cl.relnamespace
  where n.nspname = '${schema}' and cl.relname in ('users', 'identities')
  order by 1, 2`;

describe.each(engines)('Supabase Auth users on %s', (engine) => {
  let t: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    t = await freshDatabase(engine);
    db = t.db;
  });
  afterAll(() => t?.drop());

  it("the shim's auth.users and auth.identities have Supabase Auth's columns, defaults and constraints", async () => {
    await db.withSession(async (s) => {
      await s.exec('begin');
      try {
        await s.exec(`create schema reference_auth;\n${supabaseAuthTables.replaceAll('auth.', 'reference_auth.')}`);
        const [ours, theirs] = [await s.query(shape('auth')), await s.query(shape('reference_auth'))];
        expect(ours.rows.length).toBeGreaterThan(40);
        expect(ours.rows).toEqual(theirs.rows);
        const [ourKeys, theirKeys] = [await s.query(constraints('auth')), await s.query(constraints('reference_auth'))];
        expect(ourKeys.rows).toEqual(theirKeys.rows);
        const rls = await s.query(`select relname, relrowsecurity from pg_class where oid in ('auth.users'::regclass, 'auth.identities'::regclass) order by 1`);
        expect(rls.rows).toEqual([
          { relname: 'identities', relrowsecurity: true },
          { relname: 'users', relrowsecurity: true },
        ]);
      } finally {
        await s.exec('rollback');
      }
    });
  });

  it('the auth service makes a complete Supabase Auth user: no null where Supabase Auth reads a value, an email identity, a profile', async () => {
    const email = uniqueEmail('signup');
    const { rows } = await db.asCaller(SERVICE_ROLE, (tx) =>
      tx.query<{ id: string; email: string }>('select id, email from app_private.create_auth_user($1, $2, $3)', [
        email.toUpperCase(),
        '$scrypt$hash',
        JSON.stringify({ full_name: 'Ada Auth' }),
      ]),
    );
    const id = rows[0]!.id;
    expect(rows[0]!.email).toBe(email);

    const user = (await db.query<Record<string, unknown>>('select * from auth.users where id = $1', [id])).rows[0]!;
    const nulls = authUserNonNullColumns.filter((column) => user[column] === null || user[column] === undefined);
    expect(nulls).toEqual([]);
    expect(user).toMatchObject({
      instance_id: '00000000-0000-0000-0000-000000000000',
      aud: 'authenticated',
      role: 'authenticated',
      email,
      encrypted_password: '$scrypt$hash',
      confirmation_token: '',
      recovery_token: '',
      email_change_token_new: '',
      email_change: '',
      is_anonymous: false,
      raw_app_meta_data: { provider: 'email', providers: ['email'] },
      raw_user_meta_data: { full_name: 'Ada Auth' },
    });
    expect(user.email_confirmed_at).toBeInstanceOf(Date);
    expect(user.confirmed_at).toEqual(user.email_confirmed_at);

    const identities = await db.query('select provider, provider_id, identity_data, email, created_at is not null as dated from auth.identities where user_id = $1', [id]);
    expect(identities.rows).toEqual([
      {
        provider: 'email',
        provider_id: id,
        identity_data: { sub: id, email, email_verified: true, phone_verified: false },
        email,
        dated: true,
      },
    ]);
    const profile = await db.query('select email, full_name from public.profiles where id = $1', [id]);
    expect(profile.rows).toEqual([{ email, full_name: 'Ada Auth' }]);
  });

  it('a user inserted as Supabase Auth inserts one (explicit id, every column) gets a profile', async () => {
    const email = uniqueEmail('gotrue');
    const id = await supabaseAuthSignUp(db, { email, meta: { full_name: 'Go True' } });
    const profile = await db.query('select email, full_name, referral_code is not null as coded from public.profiles where id = $1', [id]);
    expect(profile.rows).toEqual([{ email, full_name: 'Go True', coded: true }]);
  });

  it('auth.users has no id default, as on Supabase: whoever inserts supplies the id', async () => {
    await expect(db.query('insert into auth.users (email) values ($1)', [uniqueEmail('noid')])).rejects.toMatchObject({ code: '23502' });
  });

  describe('sign-up without an email', () => {
    it('a phone sign-up succeeds without a profile; setting the email later makes it (with the sign-up metadata)', async () => {
      const referrer = await makeCustomer(db);
      const phone = `1555${String(Date.now()).slice(-7)}`;
      const id = await supabaseAuthSignUp(db, { phone, meta: { full_name: 'Phoebe Phone', referral_code: referrer.referral_code } });
      expect((await db.query('select 1 from public.profiles where id = $1', [id])).rowCount).toBe(0);

      // Unrelated updates (a sign-in) do not make a profile.
      await db.query('update auth.users set last_sign_in_at = now() where id = $1', [id]);
      expect((await db.query('select 1 from public.profiles where id = $1', [id])).rowCount).toBe(0);

      const email = uniqueEmail('phone');
      await db.query('update auth.users set email = $2, email_confirmed_at = now() where id = $1', [id, email]);
      const profile = await db.query('select email, full_name, phone from public.profiles where id = $1', [id]);
      expect(profile.rows).toEqual([{ email, full_name: 'Phoebe Phone', phone }]);
      const referral = await db.query('select status from public.referrals where referrer_id = $1 and invitee_id = $2', [referrer.id, id]);
      expect(referral.rows).toEqual([{ status: 'accepted' }]);

      // A later email change keeps the one profile.
      await db.query('update auth.users set email = $2 where id = $1', [id, uniqueEmail('changed')]);
      expect((await db.query('select email from public.profiles where id = $1', [id])).rows).toEqual([{ email }]);
    });

    it('an anonymous sign-up (email null or empty) succeeds without a profile, and gets one when it becomes a real user', async () => {
      const id = await supabaseAuthSignUp(db, { anonymous: true });
      const blank = await supabaseAuthSignUp(db, { anonymous: true });
      await db.query(`update auth.users set email = '' where id = $1`, [blank]);
      expect((await db.query('select 1 from public.profiles where id = any($1::uuid[])', [[id, blank]])).rowCount).toBe(0);

      const email = uniqueEmail('anon');
      await db.query('update auth.users set email = $2, is_anonymous = false where id = $1', [id, email.toUpperCase()]);
      expect((await db.query('select email from public.profiles where id = $1', [id])).rows).toEqual([{ email }]);
    });
  });
});
