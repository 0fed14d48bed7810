// The migrations on a database prepared like a Supabase project: roles and auth.users already
// there, owned by supabase_auth_admin; the migrating role owns schema public but cannot create
// anything in schema auth. PostgreSQL only.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_ROLE, type Database } from '../../src/db/index.js';
import { listMigrations, migrate } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/postgres.js';
import { freshDatabase } from '../helpers/db.js';
import { supabaseAuthSignUp, supabaseAuthTables } from '../helpers/supabase-auth.js';
import { adminUrl, databaseUrl } from '../helpers/urls.js';

const base = process.env.TEST_DATABASE_URL;
/** An advisory lock key in the maintenance database, shared by concurrent runs of this file. */
const CLUSTER_LOCK = 7_232_016_101;

/** What a Supabase project has before any migration of ours: schema auth, owned by supabase_auth_admin. */
const supabaseAuthSchema = (migrator: string) => `
create schema auth authorization supabase_auth_admin;
grant usage on schema auth to anon, authenticated, service_role, ${migrator};

set role supabase_auth_admin;
${supabaseAuthTables}
create function auth.uid() returns uuid language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid $$;
create function auth.role() returns text language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'))::text $$;
create function auth.email() returns text language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.email', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email'))::text $$;
create function auth.jwt() returns jsonb language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                  nullif(current_setting('request.jwt.claims', true), ''))::jsonb $$;
revoke all on table auth.users from public, anon, authenticated;
grant all on table auth.users to service_role;
revoke all on table auth.identities from public, anon, authenticated;
grant all on table auth.identities to service_role;
-- What Supabase grants the postgres role on auth.users and auth.identities: reading and writing
-- (the auth service's SECURITY DEFINER entry points), foreign keys and triggers; not ownership.
grant select, insert, update, delete, references, trigger on table auth.users, auth.identities to ${migrator};
grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt() to anon, authenticated, service_role, ${migrator};
reset role;

-- Supabase grants the API roles everything on what the postgres role creates in public; the
-- migrations must revoke what they do not mean to grant.
alter default privileges for role ${migrator} in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges for role ${migrator} in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges for role ${migrator} in schema public grant all on sequences to anon, authenticated, service_role;
`;

/**
 * What anon and authenticated may effectively do on our schemas (own grants and PUBLIC's): every
 * table, column and function privilege, and schema usage.
 */
const apiRolePrivileges = `
with api(role) as (values ('anon'), ('authenticated')),
rels as (
  select c.oid, n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname in ('public', 'app_private', 'app_hidden', 'supabase_migrations') and c.relkind in ('r', 'v', 'S')
)
select api.role, 'schema ' || s.nspname as object, 'USAGE' as privilege from api, pg_namespace s
  where s.nspname in ('public', 'app_private', 'app_hidden', 'supabase_migrations', 'auth') and has_schema_privilege(api.role, s.oid, 'USAGE')
union all
select api.role, r.name, p.privilege from api, rels r,
  unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p(privilege)
  where has_table_privilege(api.role, r.oid, p.privilege)
union all
select api.role, r.name || '.' || a.attname, p.privilege from api, rels r
  join pg_attribute a on a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped,
  unnest(array['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) p(privilege)
  where has_column_privilege(api.role, r.oid, a.attnum, p.privilege)
union all
select api.role, n.nspname || '.' || f.oid::regprocedure::text, 'EXECUTE' from api, pg_proc f
  join pg_namespace n on n.oid = f.pronamespace
  where n.nspname in ('public', 'app_private', 'app_hidden') and has_function_privilege(api.role, f.oid, 'EXECUTE')
order by 1, 2, 3`;

describe.runIf(Boolean(base))('migrations on a database prepared like Supabase (PostgreSQL)', () => {
  const dbName = `rm_supabase_${process.pid}_${randomBytes(3).toString('hex')}`;
  const migrator = `rm_supabase_postgres_${process.pid}`;
  let admin: Database;
  let superuser: Database;
  let asMigrator: Database;
  let createdAuthAdmin = false;

  beforeAll(async () => {
    // One connection to the maintenance database, holding a lock there for the whole file: runs of
    // this file against one cluster (whose roles they share) take turns.
    admin = await openPostgres({ url: adminUrl(base!), max: 1 });
    await admin.query('select pg_advisory_lock($1)', [CLUSTER_LOCK]);
    await admin.query(`create database ${dbName}`);
    // Roles are cluster-wide: create the ones that are missing, tolerating a concurrent creator.
    createdAuthAdmin = !(await admin.query(`select 1 from pg_roles where rolname = 'supabase_auth_admin'`)).rowCount;
    await admin.query(`
      do $$
      declare r text;
      begin
        foreach r in array array['anon', 'authenticated', 'service_role', 'supabase_auth_admin'] loop
          if not exists (select 1 from pg_roles where rolname = r) then
            begin
              execute format('create role %I nologin noinherit', r);
            exception when duplicate_object or unique_violation then null;
            end;
          end if;
        end loop;
      end $$`);
    await admin.query(`drop role if exists ${migrator}`);
    // Like Supabase's postgres role: not a superuser, but BYPASSRLS (auth.users has RLS on).
    await admin.query(`create role ${migrator} login nosuperuser nocreatedb nocreaterole bypassrls`);
    await admin.query(`grant anon, authenticated, service_role to ${migrator}`);
    await admin.query(`grant create on database ${dbName} to ${migrator}`);

    superuser = await openPostgres({ url: databaseUrl(base!, dbName), max: 2 });
    await superuser.withSession((s) => s.exec(`alter schema public owner to ${migrator};\n${supabaseAuthSchema(migrator)}`));

    const url = new URL(databaseUrl(base!, dbName));
    url.username = migrator;
    url.password = '';
    asMigrator = await openPostgres({ url: url.toString(), max: 2 });
  });

  afterAll(async () => {
    await asMigrator?.close();
    if (superuser) {
      await superuser.query(`drop owned by ${migrator} cascade`).catch(() => {});
      await superuser.close();
    }
    if (admin) {
      // pool.end() resolves before the server sees the sockets close: wait for them to go, so the
      // forced drop below terminates nobody (and nobody logs it).
      for (let i = 0; i < 40; i++) {
        const { rows } = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [dbName]);
        if (rows[0]!.n === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.query(`drop role if exists ${migrator}`);
      // Ours to drop only if we made it. It must not outlive this test: migrate() takes any cluster
      // where it exists for Supabase and skips the shim for every database there.
      if (createdAuthAdmin) await admin.query('drop role if exists supabase_auth_admin');
      await admin.query('select pg_advisory_unlock($1)', [CLUSTER_LOCK]);
      await admin.close();
    }
  });

  it('the migrating role is an ordinary role that cannot create anything in schema auth', async () => {
    const { rows } = await asMigrator.query<Record<string, unknown>>(`
      select current_user as who,
             (select rolsuper from pg_roles where rolname = current_user) as superuser,
             has_schema_privilege('auth', 'CREATE') as create_in_auth,
             has_schema_privilege('auth', 'USAGE') as usage_on_auth,
             has_table_privilege('auth.users', 'REFERENCES') as references_users,
             (select nspowner::regrole::text from pg_namespace where nspname = 'auth') as auth_owner`);
    expect(rows[0]).toEqual({
      who: migrator,
      superuser: false,
      create_in_auth: false,
      usage_on_auth: true,
      references_users: true,
      auth_owner: 'supabase_auth_admin',
    });
    await expect(asMigrator.query('create table auth.ours (id int)')).rejects.toMatchObject({ code: '42501' });
  });

  it('detects Supabase, skips the shim and applies every migration; a second run applies nothing', async () => {
    const first = await migrate(asMigrator);
    expect(first.shim).toBe(false);
    expect(first.applied.map((m) => m.version)).toEqual(listMigrations().map((m) => m.version));
    expect(first.applied.length).toBeGreaterThanOrEqual(4);

    const second = await migrate(asMigrator);
    expect(second).toEqual({ shim: false, applied: [] });

    const recorded = await superuser.query<{ version: string }>('select version from supabase_migrations.schema_migrations order by version');
    expect(recorded.rows.map((r) => r.version)).toEqual(listMigrations().map((m) => m.version));
  });

  it('left schema auth alone: nothing in it belongs to the migrating role', async () => {
    const { rows } = await superuser.query<Record<string, unknown>>(`
      select
        (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'auth' and c.relowner <> 'supabase_auth_admin'::regrole) as foreign_relations,
        (select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
          where n.nspname = 'auth' and p.proowner <> 'supabase_auth_admin'::regrole) as foreign_functions,
        (select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'auth') as auth_functions,
        (select tableowner::text from pg_tables where schemaname = 'public' and tablename = 'profiles') as profiles_owner,
        (select count(*)::int from pg_trigger where tgrelid = 'auth.users'::regclass and tgname = 'on_auth_user_created') as signup_trigger`);
    expect(rows[0]).toEqual({
      foreign_relations: 0,
      foreign_functions: 0,
      auth_functions: 4,
      profiles_owner: migrator,
      signup_trigger: 1,
    });
  });

  it('grants anon and authenticated exactly what the plain-PostgreSQL database grants them, despite Supabase default privileges', async () => {
    const supabaseLike = (await superuser.query(apiRolePrivileges)).rows;
    const template = await freshDatabase('postgres');
    try {
      const plain = (await template.db.query(apiRolePrivileges)).rows;
      expect(plain.length).toBeGreaterThan(50);
      expect(supabaseLike).toEqual(plain);
    } finally {
      await template.drop();
    }
  });

  it('a signup (auth.users insert by the auth service) makes the profile', async () => {
    const email = `supabase-${process.pid}@example.test`;
    // As Supabase Auth writes it, as supabase_auth_admin (explicit id: the column has no default).
    const id = await superuser.withSession(async (s) => {
      await s.exec('set role supabase_auth_admin');
      try {
        return await supabaseAuthSignUp(s, { email, meta: { full_name: 'Sam Supabase' } });
      } finally {
        await s.exec('reset role');
      }
    });
    const profile = await superuser.query('select email, full_name, credits, referral_code ~ $2 as code_ok from public.profiles where id = $1', [
      id,
      '^[A-Z0-9]{8}$',
    ]);
    expect(profile.rows).toEqual([{ email, full_name: 'Sam Supabase', credits: 0, code_ok: true }]);
    // And RLS works through Supabase's own auth.uid(): the user sees exactly their profile.
    const seen = await superuser.asCaller({ role: 'authenticated', claims: { sub: id, role: 'authenticated', email } }, async (tx) =>
      (await tx.query<{ id: string }>('select id from public.profiles')).rows.map((r) => r.id),
    );
    expect(seen).toEqual([id]);
  });

  it("our auth service's create_auth_user (owned by the non-superuser migrator) makes a complete user with an identity", async () => {
    const email = `service-${process.pid}@example.test`;
    const { rows } = await asMigrator.asCaller(SERVICE_ROLE, (tx) =>
      tx.query<{ id: string }>('select id from app_private.create_auth_user($1, $2, $3)', [email, 'hash', '{}']),
    );
    const id = rows[0]!.id;
    const user = await superuser.query(
      `select instance_id, aud, confirmation_token, recovery_token, email_change_token_new, email_change, created_at is not null as dated,
              (select provider || ':' || provider_id from auth.identities i where i.user_id = u.id) as identity,
              (select email from public.profiles p where p.id = u.id) as profile
       from auth.users u where id = $1`,
      [id],
    );
    expect(user.rows).toEqual([
      {
        instance_id: '00000000-0000-0000-0000-000000000000',
        aud: 'authenticated',
        confirmation_token: '',
        recovery_token: '',
        email_change_token_new: '',
        email_change: '',
        dated: true,
        identity: `email:${id}`,
        profile: email,
      },
    ]);
  });

  it('a phone sign-up (no email) succeeds as supabase_auth_admin; the profile comes with the email', async () => {
    const asAuthAdmin = <T>(work: (s: Parameters<Parameters<Database['withSession']>[0]>[0]) => Promise<T>) =>
      superuser.withSession(async (s) => {
        await s.exec('set role supabase_auth_admin');
        try {
          return await work(s);
        } finally {
          await s.exec('reset role');
        }
      });
    const id = await asAuthAdmin((s) => supabaseAuthSignUp(s, { phone: `1555${process.pid}` }));
    expect((await superuser.query('select 1 from public.profiles where id = $1', [id])).rowCount).toBe(0);
    await asAuthAdmin((s) => s.query('update auth.users set email = $2 where id = $1', [id, `phone-${process.pid}@example.test`]));
    const profile = await superuser.query('select email from public.profiles where id = $1', [id]);
    expect(profile.rows).toEqual([{ email: `phone-${process.pid}@example.test` }]);
  });
});
