// A development database made with the earlier shim (auth.users with an id default, a handful of
// columns, users without identities) starts with the current code: the changed shim applies over
// the old one, and its users become Supabase Auth users in shape.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_ROLE, type Database } from '../../src/db/index.js';
import { listMigrations, migrate } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite.js';
import { authUserNonNullColumns } from '../helpers/supabase-auth.js';

const oldShim = readFileSync(new URL('../fixtures/supabase-shim-2025-11.sql', import.meta.url), 'utf8');
const before = '20251201150000';

describe('upgrading a database made with the earlier shim (PGlite)', () => {
  let db: Database;
  let oldUser: string;

  beforeAll(async () => {
    db = await openPglite();
    // What the earlier code left: the old shim (marked as applied) and the migrations of the time.
    await db.withSession(async (s) => {
      await s.exec(oldShim);
      await s.exec(`comment on schema auth is 'recovery-machine shim 0000000000000000'`);
      await s.exec(`create schema supabase_migrations;
        create table supabase_migrations.schema_migrations (version text primary key, statements text[], name text);`);
      for (const m of listMigrations().filter((m) => m.version < before)) {
        await s.exec(readFileSync(m.file, 'utf8'));
        await s.query('insert into supabase_migrations.schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
      }
      oldUser = (await s.query<{ id: string }>(`insert into auth.users (email, phone) values ('old@example.test', '+1555') returning id`)).rows[0]!.id;
    });
  });
  afterAll(() => db?.close());

  it('applies the new shim and the pending migrations; a second start does nothing', async () => {
    const first = await migrate(db);
    expect(first.shim).toBe(true);
    // From the shim's migration on, including any added since.
    expect(first.applied.map((m) => m.version)).toEqual(listMigrations().filter((m) => m.version >= before).map((m) => m.version));
    expect(await migrate(db)).toEqual({ shim: true, applied: [] });
  });

  it('existing users keep their profile and get what Supabase Auth needs: non-null tokens and an email identity', async () => {
    const user = (await db.query<Record<string, unknown>>('select * from auth.users where id = $1', [oldUser])).rows[0]!;
    const nulls = authUserNonNullColumns.filter((c) => user[c] === null && !['instance_id', 'aud', 'role'].includes(c));
    expect(nulls).toEqual([]);
    const identity = await db.query('select provider, provider_id, email from auth.identities where user_id = $1', [oldUser]);
    expect(identity.rows).toEqual([{ provider: 'email', provider_id: oldUser, email: 'old@example.test' }]);
    expect((await db.query('select email from public.profiles where id = $1', [oldUser])).rows).toEqual([{ email: 'old@example.test' }]);
  });

  it('auth.users now has no id default, RLS on, and the partial email key instead of the old one', async () => {
    const { rows } = await db.query<Record<string, unknown>>(`
      select (select column_default from information_schema.columns where table_schema = 'auth' and table_name = 'users' and column_name = 'id') as id_default,
             (select relrowsecurity from pg_class where oid = 'auth.users'::regclass) as rls,
             to_regclass('auth.users_email_partial_key') is not null as partial_key,
             exists (select 1 from pg_constraint where conname = 'users_email_key') as old_key,
             exists (select 1 from pg_constraint where conname = 'users_phone_key') as phone_key`);
    expect(rows[0]).toEqual({ id_default: null, rls: true, partial_key: true, old_key: false, phone_key: true });
    const signup = await db.asCaller(SERVICE_ROLE, (tx) =>
      tx.query<{ id: string }>('select id from app_private.create_auth_user($1, $2, $3)', ['new@example.test', 'hash', '{}']),
    );
    expect((await db.query('select email from public.profiles where id = $1', [signup.rows[0]!.id])).rows).toEqual([{ email: 'new@example.test' }]);
  });
});
