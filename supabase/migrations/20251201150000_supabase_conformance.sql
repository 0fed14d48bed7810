-- Conformance with a real Supabase project:
--   1. Users made by our auth service are complete Supabase Auth users (id, instance_id, token
--      columns as empty strings, timestamps, an email identity), so Supabase Auth can read and
--      sign them in.
--   2. A user without an email (phone or anonymous sign-in) never fails sign-up: their profile
--      comes when the email does.
--   3. The Data API exposes only what a client may call (Supabase's linter, splinter, is the judge):
--      helpers that policies and guards call live in app_hidden (usable, not exposed); the auth
--      service's entry points live in app_private (service_role only); helpers that read only
--      what their callers may read anyway run as the caller.
-- Nothing here creates or alters objects in schema auth (a second trigger on auth.users, as the
-- signup one, is all).

------------------------------------------------------------------------------------------------
-- app_hidden: helpers the API roles may use through policies and guards, in a schema PostgREST
-- does not expose (Supabase exposes public and graphql_public).
------------------------------------------------------------------------------------------------
create schema app_hidden;
revoke all on schema app_hidden from public;
grant usage on schema app_hidden to anon, authenticated, service_role;

-- Policies follow a function by OID; function bodies that name it do not (fixed below).
alter function public.is_admin(public.admin_role) set schema app_hidden;
alter function public.admin_role_of_current_user() set schema app_hidden;
alter function public.current_user_email() set schema app_hidden;
alter function public.is_own_completed_booking(uuid) set schema app_hidden;

create or replace function public.bookings_guard_customer_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_user = 'authenticated'
     and (
       new.status is distinct from old.status
       or new.total_amount is distinct from old.total_amount
       or new.user_id is distinct from old.user_id
       or new.order_id is distinct from old.order_id
       or new.slot_id is distinct from old.slot_id
       or new.date_time is distinct from old.date_time
       or new.duration is distinct from old.duration
       or new.service_type is distinct from old.service_type
       or new.add_ons is distinct from old.add_ons
     )
     and not app_hidden.is_admin('operator') then
    raise exception using
      errcode = 'RM403',
      message = 'forbidden_column',
      detail = 'Customers may change only the notes and address of their own booking';
  end if;
  return new;
end;
$$;

create or replace function public.reviews_guard_featured()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_user = 'authenticated'
     and (
       (tg_op = 'INSERT' and (coalesce(new.is_featured, false) or coalesce(new.google_synced, false)))
       or (tg_op = 'UPDATE' and (new.is_featured is distinct from old.is_featured
                                 or new.google_synced is distinct from old.google_synced))
     )
     and not app_hidden.is_admin('admin') then
    raise exception using
      errcode = 'RM403',
      message = 'forbidden_column',
      detail = 'Only admins feature reviews';
  end if;
  return new;
end;
$$;

-- The business timezone and the referral reward are public settings (business_settings is
-- readable by anon and authenticated): no need for the owner's rights.
alter function public.business_timezone() security invoker;
alter function public.referral_reward_credits() security invoker;

------------------------------------------------------------------------------------------------
-- The catalog: one permissive policy per role and action (a FOR ALL admin policy overlapped
-- the public read).
------------------------------------------------------------------------------------------------
drop policy services_write_admin on public.services;
create policy services_insert_admin on public.services
  for insert to authenticated
  with check ((select app_hidden.is_admin('admin')));
create policy services_update_admin on public.services
  for update to authenticated
  using ((select app_hidden.is_admin('admin')))
  with check ((select app_hidden.is_admin('admin')));
create policy services_delete_admin on public.services
  for delete to authenticated
  using ((select app_hidden.is_admin('admin')));

drop policy add_ons_write_admin on public.add_ons;
create policy add_ons_insert_admin on public.add_ons
  for insert to authenticated
  with check ((select app_hidden.is_admin('admin')));
create policy add_ons_update_admin on public.add_ons
  for update to authenticated
  using ((select app_hidden.is_admin('admin')))
  with check ((select app_hidden.is_admin('admin')));
create policy add_ons_delete_admin on public.add_ons
  for delete to authenticated
  using ((select app_hidden.is_admin('admin')));

------------------------------------------------------------------------------------------------
-- The auth service's entry points into auth.users: server code only, so out of the Data API.
------------------------------------------------------------------------------------------------
alter function public.auth_user_by_email(text) set schema app_private;
alter function public.auth_user_by_id(uuid) set schema app_private;
alter function public.record_sign_in(uuid) set schema app_private;
drop function public.create_auth_user(text, text, jsonb);

/**
 * Creates a confirmed email/password user as Supabase Auth does: every column it reads as a
 * string non-null, and the email identity it signs in with. The on_auth_user_created trigger
 * makes the profile and handles the referral.
 */
create function app_private.create_auth_user(p_email text, p_encrypted_password text, p_user_meta jsonb)
returns table (id uuid, email text)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid := pg_catalog.gen_random_uuid();
  v_email text := lower(p_email);
  v_now timestamptz := pg_catalog.now();
begin
  insert into auth.users (
    instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
    confirmation_token, recovery_token, email_change_token_new, email_change,
    email_change_token_current, phone_change, phone_change_token, reauthentication_token,
    email_change_confirm_status, raw_app_meta_data, raw_user_meta_data,
    created_at, updated_at, is_sso_user, is_anonymous
  )
  values (
    '00000000-0000-0000-0000-000000000000', v_id, 'authenticated', 'authenticated', v_email,
    p_encrypted_password, v_now,
    '', '', '', '',
    '', '', '', '',
    0, '{"provider": "email", "providers": ["email"]}'::jsonb, coalesce(p_user_meta, '{}'::jsonb),
    v_now, v_now, false, false
  );

  insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
  values (
    v_id::text, v_id,
    pg_catalog.jsonb_build_object('sub', v_id::text, 'email', v_email, 'email_verified', true, 'phone_verified', false),
    'email', null, v_now, v_now
  );

  return query select v_id, v_email;
end;
$$;

revoke execute on function
  app_private.create_auth_user(text, text, jsonb),
  app_private.auth_user_by_email(text),
  app_private.auth_user_by_id(uuid),
  app_private.record_sign_in(uuid)
from public, anon, authenticated;
grant execute on function
  app_private.create_auth_user(text, text, jsonb),
  app_private.auth_user_by_email(text),
  app_private.auth_user_by_id(uuid),
  app_private.record_sign_in(uuid)
to service_role;

------------------------------------------------------------------------------------------------
-- Signup without an email (phone or anonymous sign-in): no profile yet (profiles.email is
-- required and unique, and bookings, orders and referrals hang off it); the profile is made
-- when the email is set. Supabase Auth's sign-up never fails on our account.
------------------------------------------------------------------------------------------------
create or replace function public.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_email text := lower(nullif(new.email, ''));
  v_code text := nullif(btrim(new.raw_user_meta_data ->> 'referral_code'), '');
  v_created uuid;
begin
  if v_email is null then
    return new;
  end if;
  insert into public.profiles (id, email, full_name, phone)
  values (
    new.id,
    v_email,
    new.raw_user_meta_data ->> 'full_name',
    coalesce(new.raw_user_meta_data ->> 'phone', new.phone)
  )
  on conflict (id) do nothing
  returning id into v_created;
  if v_created is not null and v_code is not null then
    perform public.accept_referral(new.id, v_code);
  end if;
  return new;
end;
$$;

create trigger on_auth_user_email_set
  after update of email on auth.users
  for each row
  when (nullif(old.email, '') is null and nullif(new.email, '') is not null)
  execute function public.handle_new_user();
