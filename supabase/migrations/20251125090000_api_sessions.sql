-- Sessions for the API's own Supabase-compatible auth: rotating refresh tokens, shared rate limits,
-- and the few SECURITY DEFINER entry points into auth.users the API needs (only service_role may
-- call them). Nothing here creates or alters objects in schema auth.

create schema if not exists app_private;
revoke all on schema app_private from public;
grant usage on schema app_private to service_role;

-- A refresh token is stored only as its SHA-256 hash. Tokens of one sign-in form a family:
-- reusing a rotated-out token revokes the whole family (stolen-token detection).
create table app_private.refresh_tokens (
  id uuid primary key default gen_random_uuid(),
  token_hash text not null,
  family_id uuid not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  constraint refresh_tokens_token_hash_key unique (token_hash)
);
create index idx_refresh_tokens_family_id on app_private.refresh_tokens (family_id);
create index idx_refresh_tokens_user_id on app_private.refresh_tokens (user_id);

-- Fixed-window counters shared by every API process (no limiter state in memory).
create table app_private.rate_limits (
  key text primary key,
  window_ends timestamptz not null,
  hits integer not null
);

alter table app_private.refresh_tokens enable row level security;
alter table app_private.rate_limits enable row level security;
revoke all on all tables in schema app_private from public, anon, authenticated;
grant select, insert, update, delete on all tables in schema app_private to service_role;

/** Creates the auth user; the on_auth_user_created trigger makes the profile and handles the referral. */
create function public.create_auth_user(p_email text, p_encrypted_password text, p_user_meta jsonb)
returns table (id uuid, email text)
language sql
security definer
set search_path = ''
as $$
  insert into auth.users (email, encrypted_password, raw_user_meta_data, raw_app_meta_data, aud, role, email_confirmed_at)
  values (lower(p_email), p_encrypted_password, coalesce(p_user_meta, '{}'::jsonb),
          '{"provider": "email", "providers": ["email"]}'::jsonb, 'authenticated', 'authenticated', now())
  returning auth.users.id, auth.users.email;
$$;

/** The password hash of an email, for sign-in. */
create function public.auth_user_by_email(p_email text)
returns table (id uuid, email text, encrypted_password text)
language sql
stable
security definer
set search_path = ''
as $$
  select u.id, u.email, u.encrypted_password from auth.users u where lower(u.email) = lower(p_email) limit 1;
$$;

create function public.auth_user_by_id(p_id uuid)
returns table (id uuid, email text)
language sql
stable
security definer
set search_path = ''
as $$
  select u.id, u.email from auth.users u where u.id = p_id;
$$;

create function public.record_sign_in(p_id uuid)
returns void
language sql
security definer
set search_path = ''
as $$
  update auth.users set last_sign_in_at = now() where id = p_id;
$$;

revoke execute on function public.create_auth_user(text, text, jsonb) from public, anon, authenticated;
revoke execute on function public.auth_user_by_email(text) from public, anon, authenticated;
revoke execute on function public.auth_user_by_id(uuid) from public, anon, authenticated;
revoke execute on function public.record_sign_in(uuid) from public, anon, authenticated;
grant execute on function public.create_auth_user(text, text, jsonb) to service_role;
grant execute on function public.auth_user_by_email(text) to service_role;
grant execute on function public.auth_user_by_id(uuid) to service_role;
grant execute on function public.record_sign_in(uuid) to service_role;
