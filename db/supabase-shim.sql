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

-- auth.users and auth.identities as Supabase Auth's own migrations leave them (columns, types,
-- defaults, constraints, indexes, RLS on): what production has, so tests meet what it meets.
-- Note id has no default: Supabase Auth (and our create_auth_user) supplies it. Like GoTrue,
-- callers store emails lower-case.
do $shim$
begin
  if pg_catalog.to_regclass('auth.users') is null then
    create table auth.users (
      instance_id uuid,
      id uuid not null constraint users_pkey primary key,
      aud varchar(255),
      role varchar(255),
      email varchar(255),
      encrypted_password varchar(255),
      email_confirmed_at timestamptz,
      invited_at timestamptz,
      confirmation_token varchar(255),
      confirmation_sent_at timestamptz,
      recovery_token varchar(255),
      recovery_sent_at timestamptz,
      email_change_token_new varchar(255),
      email_change varchar(255),
      email_change_sent_at timestamptz,
      last_sign_in_at timestamptz,
      raw_app_meta_data jsonb,
      raw_user_meta_data jsonb,
      is_super_admin boolean,
      created_at timestamptz,
      updated_at timestamptz,
      phone text default null constraint users_phone_key unique,
      phone_confirmed_at timestamptz,
      phone_change text default '',
      phone_change_token varchar(255) default '',
      phone_change_sent_at timestamptz,
      confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
      email_change_token_current varchar(255) default '',
      email_change_confirm_status smallint default 0
        constraint users_email_change_confirm_status_check
        check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2),
      banned_until timestamptz,
      reauthentication_token varchar(255) default '',
      reauthentication_sent_at timestamptz,
      is_sso_user boolean not null default false,
      deleted_at timestamptz,
      is_anonymous boolean not null default false
    );
    -- As on Supabase: signed-in users and visitors cannot read auth.users.
    revoke all on table auth.users from public, anon, authenticated;
    grant all on table auth.users to service_role;
  elsif exists (
    select 1 from pg_catalog.pg_class c
    where c.oid = 'auth.users'::regclass and pg_catalog.pg_get_userbyid(c.relowner) = current_user
      and not exists (select 1 from pg_catalog.pg_attribute a where a.attrelid = c.oid and a.attname = 'is_anonymous')
  ) then
    -- The table an earlier shim made (a development database): bring it to Supabase Auth's shape.
    alter table auth.users
      alter column id drop default,
      alter column aud type varchar(255),
      alter column role type varchar(255),
      alter column email type varchar(255),
      alter column encrypted_password type varchar(255),
      alter column raw_app_meta_data drop default,
      alter column raw_user_meta_data drop default,
      alter column created_at drop default,
      alter column updated_at drop default,
      drop constraint if exists users_email_key,
      add column if not exists instance_id uuid,
      add column if not exists invited_at timestamptz,
      add column if not exists confirmation_token varchar(255),
      add column if not exists confirmation_sent_at timestamptz,
      add column if not exists recovery_token varchar(255),
      add column if not exists recovery_sent_at timestamptz,
      add column if not exists email_change_token_new varchar(255),
      add column if not exists email_change varchar(255),
      add column if not exists email_change_sent_at timestamptz,
      add column if not exists is_super_admin boolean,
      add column if not exists phone_confirmed_at timestamptz,
      add column if not exists phone_change text default '',
      add column if not exists phone_change_token varchar(255) default '',
      add column if not exists phone_change_sent_at timestamptz,
      add column if not exists confirmed_at timestamptz
        generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
      add column if not exists email_change_token_current varchar(255) default '',
      add column if not exists email_change_confirm_status smallint default 0
        constraint users_email_change_confirm_status_check
        check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2),
      add column if not exists banned_until timestamptz,
      add column if not exists reauthentication_token varchar(255) default '',
      add column if not exists reauthentication_sent_at timestamptz,
      add column if not exists is_sso_user boolean not null default false,
      add column if not exists deleted_at timestamptz,
      add column if not exists is_anonymous boolean not null default false;
    -- Supabase Auth reads these as strings: null would make it fail on the user.
    update auth.users set
      confirmation_token = coalesce(confirmation_token, ''),
      recovery_token = coalesce(recovery_token, ''),
      email_change_token_new = coalesce(email_change_token_new, ''),
      email_change = coalesce(email_change, '')
    where confirmation_token is null or recovery_token is null
       or email_change_token_new is null or email_change is null;
    -- Phone numbers are unique on Supabase; an old development database may repeat one.
    if not exists (select 1 from auth.users where phone is not null group by phone having count(*) > 1) then
      alter table auth.users add constraint users_phone_key unique (phone);
    end if;
  end if;

  if exists (select 1 from pg_catalog.pg_class c where c.oid = 'auth.users'::regclass and pg_catalog.pg_get_userbyid(c.relowner) = current_user) then
    create unique index if not exists users_email_partial_key on auth.users (email) where (is_sso_user = false);
    create index if not exists users_instance_id_idx on auth.users (instance_id);
    create index if not exists users_instance_id_email_idx on auth.users (instance_id, lower(email::text));
    create index if not exists users_is_anonymous_idx on auth.users (is_anonymous);
    create unique index if not exists confirmation_token_idx on auth.users (confirmation_token)
      where confirmation_token::text !~ '^[0-9 ]*$';
    create unique index if not exists recovery_token_idx on auth.users (recovery_token)
      where recovery_token::text !~ '^[0-9 ]*$';
    create unique index if not exists email_change_token_current_idx on auth.users (email_change_token_current)
      where email_change_token_current::text !~ '^[0-9 ]*$';
    create unique index if not exists email_change_token_new_idx on auth.users (email_change_token_new)
      where email_change_token_new::text !~ '^[0-9 ]*$';
    create unique index if not exists reauthentication_token_idx on auth.users (reauthentication_token)
      where reauthentication_token::text !~ '^[0-9 ]*$';
    alter table auth.users enable row level security;
  end if;
end
$shim$;

do $shim$
begin
  if pg_catalog.to_regclass('auth.identities') is null then
    create table auth.identities (
      provider_id text not null,
      user_id uuid not null
        constraint identities_user_id_fkey references auth.users (id) on delete cascade,
      identity_data jsonb not null,
      provider text not null,
      last_sign_in_at timestamptz,
      created_at timestamptz,
      updated_at timestamptz,
      email text generated always as (lower(identity_data ->> 'email')) stored,
      id uuid not null default gen_random_uuid() constraint identities_pkey primary key,
      constraint identities_provider_id_provider_unique unique (provider_id, provider)
    );
    create index identities_user_id_idx on auth.identities (user_id);
    create index identities_email_idx on auth.identities (email text_pattern_ops);
    alter table auth.identities enable row level security;
    revoke all on table auth.identities from public, anon, authenticated;
    grant all on table auth.identities to service_role;
    -- An earlier shim's users have no identity: give them the email identity Supabase Auth would.
    insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
    select u.id::text, u.id, pg_catalog.jsonb_build_object('sub', u.id::text, 'email', u.email), 'email',
           coalesce(u.created_at, now()), coalesce(u.updated_at, now())
    from auth.users u
    where u.email is not null;
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
