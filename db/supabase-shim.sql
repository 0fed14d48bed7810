-- Supabase-compatible shim: what a Supabase project provides and our migrations rely on
-- (roles, schema auth, auth.users, auth.uid()/role()/email()/jwt()). Applied only where
-- Supabase is absent (plain PostgreSQL, PGlite), before the migrations.
--
-- Every statement is guarded: it creates only what is missing and grants only on what it
-- creates, so a second run is a no-op, and a database where these objects already exist
-- (owned by someone else) is left alone. Roles are cluster-wide, so two databases of one
-- cluster may be shimmed at the same moment: role creation tolerates losing that race.
-- Within one database, concurrent runs are serialized by a transaction-level advisory lock
-- (the migrator runs this file in one transaction).

do $shim$
begin
  perform pg_catalog.pg_advisory_xact_lock(7232016094);
end
$shim$;

-- Roles: the ones PostgREST switches to. NOINHERIT as on Supabase; service_role bypasses RLS.
do $shim$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    begin
      create role anon nologin noinherit;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    begin
      create role authenticated nologin noinherit;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    begin
      create role service_role nologin noinherit bypassrls;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
end
$shim$;

-- Schema auth.
do $shim$
begin
  if not exists (select 1 from pg_catalog.pg_namespace where nspname = 'auth') then
    create schema auth;
    grant usage on schema auth to anon, authenticated, service_role;
  end if;
end
$shim$;

-- auth.users: the columns our schema and tests use, plus a few cheap ones Supabase has.
-- Like GoTrue, callers store emails lower-case.
do $shim$
begin
  if pg_catalog.to_regclass('auth.users') is null then
    create table auth.users (
      id uuid not null default gen_random_uuid() constraint users_pkey primary key,
      aud text,
      role text,
      email text constraint users_email_key unique,
      encrypted_password text,
      email_confirmed_at timestamptz,
      last_sign_in_at timestamptz,
      raw_app_meta_data jsonb default '{}'::jsonb,
      raw_user_meta_data jsonb default '{}'::jsonb,
      phone text,
      created_at timestamptz default now(),
      updated_at timestamptz default now()
    );
    -- As on Supabase: signed-in users and visitors cannot read auth.users.
    revoke all on table auth.users from public, anon, authenticated;
    grant all on table auth.users to service_role;
  end if;
end
$shim$;

-- Claim readers, written as Supabase writes them: the legacy per-claim setting first,
-- then the claims document PostgREST sets.
do $shim$
begin
  if pg_catalog.to_regprocedure('auth.uid()') is null then
    create function auth.uid() returns uuid
    language sql stable
    as $fn$
      select
      coalesce(
        nullif(current_setting('request.jwt.claim.sub', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
      )::uuid
    $fn$;
    grant execute on function auth.uid() to anon, authenticated, service_role;
  end if;

  if pg_catalog.to_regprocedure('auth.role()') is null then
    create function auth.role() returns text
    language sql stable
    as $fn$
      select
      coalesce(
        nullif(current_setting('request.jwt.claim.role', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
      )::text
    $fn$;
    grant execute on function auth.role() to anon, authenticated, service_role;
  end if;

  if pg_catalog.to_regprocedure('auth.email()') is null then
    create function auth.email() returns text
    language sql stable
    as $fn$
      select
      coalesce(
        nullif(current_setting('request.jwt.claim.email', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
      )::text
    $fn$;
    grant execute on function auth.email() to anon, authenticated, service_role;
  end if;

  if pg_catalog.to_regprocedure('auth.jwt()') is null then
    create function auth.jwt() returns jsonb
    language sql stable
    as $fn$
      select
        coalesce(
          nullif(current_setting('request.jwt.claim', true), ''),
          nullif(current_setting('request.jwt.claims', true), '')
        )::jsonb
    $fn$;
    grant execute on function auth.jwt() to anon, authenticated, service_role;
  end if;
end
$shim$;

-- Schema public: usage granted to the API roles explicitly, as on Supabase (not only through
-- PUBLIC, which a hardened database may have revoked).
do $shim$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (
      select 1
      from pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
      where n.nspname = 'public' and a.privilege_type = 'USAGE' and a.grantee = r::regrole
    ) then
      execute pg_catalog.format('grant usage on schema public to %I', r);
    end if;
  end loop;
end
$shim$;
