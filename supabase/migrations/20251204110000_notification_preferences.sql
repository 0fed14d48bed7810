-- Notification preferences (issue 10, the seed's planned "email preferences table"): per
-- customer, which non-transactional messages they get and whether they get texts at all.
-- Transactional email (booking received/confirmed/moved/cancelled, receipts, refunds) always goes.
--   * public.notification_preferences: one row per customer, made on their first change; no row
--     = the defaults (everything on, texts off until the customer opts in).
--   * app_private.sms_opt_outs: numbers that replied STOP (Twilio's inbound webhook), until START.
--     Kept by number, not by customer: STOP is about the phone, whoever's profile names it.
--   * app_private.email_opt_outs: addresses with no account (referral invitees) that used the
--     one-click unsubscribe of an email.
-- The server reads and writes them through api functions (one call each); the delivery decision
-- (src/notifications/rules.ts) reads api.delivery_facts.

create table public.notification_preferences (
  user_id uuid primary key
    constraint notification_preferences_user_id_fkey references public.profiles (id) on delete cascade,
  reminder_email boolean not null default true,
  reminder_sms boolean not null default true,
  review_requests boolean not null default true,
  referral_news boolean not null default true,
  sms_opt_in boolean not null default false,
  -- When the customer last turned texts on (their consent); null while off.
  sms_opt_in_at timestamptz,
  updated_at timestamptz not null default now()
);

create function public.notification_preferences_stamp()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := pg_catalog.now();
  new.sms_opt_in_at := case
    when not new.sms_opt_in then null
    when tg_op = 'INSERT' or not old.sms_opt_in then pg_catalog.now()
    else old.sms_opt_in_at
  end;
  return new;
end;
$$;

create trigger trigger_notification_preferences_stamp
  before insert or update on public.notification_preferences
  for each row execute function public.notification_preferences_stamp();

alter table public.notification_preferences enable row level security;
revoke all on table public.notification_preferences from anon, authenticated;

-- Own rows; staff (operator and up) read anyone's.
create policy notification_preferences_select on public.notification_preferences
  for select to authenticated
  using (user_id = (select auth.uid()) or (select app_hidden.is_admin('operator')));
create policy notification_preferences_insert_own on public.notification_preferences
  for insert to authenticated
  with check (user_id = (select auth.uid()));
create policy notification_preferences_update_own on public.notification_preferences
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
grant select on table public.notification_preferences to authenticated;
grant insert (user_id, reminder_email, reminder_sms, review_requests, referral_news, sms_opt_in),
      update (reminder_email, reminder_sms, review_requests, referral_news, sms_opt_in)
  on table public.notification_preferences to authenticated;
grant all on table public.notification_preferences to service_role;

create table app_private.sms_opt_outs (
  -- E.164, as app_hidden.e164 writes it.
  phone text primary key,
  stopped_at timestamptz not null default now()
);
alter table app_private.sms_opt_outs enable row level security;
revoke all on table app_private.sms_opt_outs from public, anon, authenticated;
grant select, insert, update, delete on table app_private.sms_opt_outs to service_role;

create table app_private.email_opt_outs (
  email text not null constraint email_opt_outs_email_lower check (email = pg_catalog.lower(email)),
  preference text not null
    constraint email_opt_outs_preference_check check (preference in ('reminder_email', 'review_requests', 'referral_news')),
  created_at timestamptz not null default now(),
  constraint email_opt_outs_pkey primary key (email, preference)
);
alter table app_private.email_opt_outs enable row level security;
revoke all on table app_private.email_opt_outs from public, anon, authenticated;
grant select, insert, update, delete on table app_private.email_opt_outs to service_role;

-- A phone number as E.164, the way Twilio names it: '+' and digits kept as given; ten digits (or
-- eleven from 1) are North American. Null when it cannot be read as a number.
create function app_hidden.e164(p_phone text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case
    when p_phone is null or p_phone !~ '^\s*[+0-9 ()./-]+\s*$' then null
    when pg_catalog.btrim(p_phone) like '+%' and pg_catalog.length(d) between 8 and 15 then '+' || d
    when pg_catalog.length(d) = 10 then '+1' || d
    when pg_catalog.length(d) = 11 and d like '1%' then '+' || d
  end
  from (select pg_catalog.regexp_replace(p_phone, '[^0-9]', '', 'g') as d) x
$$;

-- Whether a number replied STOP: the opt-out list is private, customers learn only their own answer.
create function app_hidden.sms_stopped(p_phone text)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from app_private.sms_opt_outs o where o.phone = app_hidden.e164(p_phone))
$$;

grant execute on function app_hidden.e164(text) to anon, authenticated, service_role;
revoke all on function app_hidden.sms_stopped(text) from public;
grant execute on function app_hidden.sms_stopped(text) to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- GET /api/me/notifications: the caller's preferences (defaults when never saved), their phone
-- and whether it replied STOP.
------------------------------------------------------------------------------------------------
create function api.my_notifications()
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_phone text;
  v_result jsonb;
begin
  if auth.uid() is null then
    raise exception using errcode = 'RM401', message = 'unauthorized', detail = 'Sign in to continue';
  end if;
  select p.phone into v_phone from public.profiles p where p.id = auth.uid();
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Profile not found';
  end if;
  select pg_catalog.jsonb_build_object(
           'reminder_email', coalesce(n.reminder_email, true), 'reminder_sms', coalesce(n.reminder_sms, true),
           'review_requests', coalesce(n.review_requests, true), 'referral_news', coalesce(n.referral_news, true),
           'sms_opt_in', coalesce(n.sms_opt_in, false), 'sms_opt_in_at', app_hidden.iso(n.sms_opt_in_at),
           'phone', v_phone, 'sms_stopped', app_hidden.sms_stopped(v_phone))
    into v_result
    from (select 1) one
    left join public.notification_preferences n on n.user_id = auth.uid();
  return v_result;
end;
$$;

------------------------------------------------------------------------------------------------
-- PATCH /api/me/notifications: changes the switches named in p_changes (others stay), under RLS.
-- Texts need a phone number on the profile (422 phone_required).
------------------------------------------------------------------------------------------------
create function api.update_my_notifications(p_changes jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_phone text;
begin
  if auth.uid() is null then
    raise exception using errcode = 'RM401', message = 'unauthorized', detail = 'Sign in to continue';
  end if;
  if (p_changes ->> 'sms_opt_in')::boolean then
    select p.phone into v_phone from public.profiles p where p.id = auth.uid();
    if app_hidden.e164(v_phone) is null then
      raise exception using errcode = 'RM422', message = 'phone_required',
        detail = 'Add a phone number to your profile to get texts';
    end if;
  end if;
  insert into public.notification_preferences as n (user_id, reminder_email, reminder_sms, review_requests, referral_news, sms_opt_in)
  values (auth.uid(),
          coalesce((p_changes ->> 'reminder_email')::boolean, true), coalesce((p_changes ->> 'reminder_sms')::boolean, true),
          coalesce((p_changes ->> 'review_requests')::boolean, true), coalesce((p_changes ->> 'referral_news')::boolean, true),
          coalesce((p_changes ->> 'sms_opt_in')::boolean, false))
  on conflict (user_id) do update set
    reminder_email = case when p_changes ? 'reminder_email' then excluded.reminder_email else n.reminder_email end,
    reminder_sms = case when p_changes ? 'reminder_sms' then excluded.reminder_sms else n.reminder_sms end,
    review_requests = case when p_changes ? 'review_requests' then excluded.review_requests else n.review_requests end,
    referral_news = case when p_changes ? 'referral_news' then excluded.referral_news else n.referral_news end,
    sms_opt_in = case when p_changes ? 'sms_opt_in' then excluded.sms_opt_in else n.sms_opt_in end;
  return api.my_notifications();
end;
$$;

------------------------------------------------------------------------------------------------
-- Server-only steps (service_role; 403 for anyone else). Called after the server has verified
-- what authorises them: a signed unsubscribe token, a Twilio signature, its own outbox.
------------------------------------------------------------------------------------------------
create function app_hidden.require_service_role()
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if current_user <> 'service_role' then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'Only the server does this';
  end if;
end;
$$;
grant execute on function app_hidden.require_service_role() to anon, authenticated, service_role;

-- One-click unsubscribe: turns one preference off for a customer, or records an address's opt-out.
create function api.unsubscribe(p_user_id uuid, p_email text, p_preference text)
returns jsonb
language plpgsql
set search_path = ''
as $$
begin
  perform app_hidden.require_service_role();
  if p_preference not in ('reminder_email', 'review_requests', 'referral_news') then
    raise exception using errcode = 'RM400', message = 'validation_failed', detail = 'Not a preference one can unsubscribe from';
  end if;
  if p_user_id is not null then
    insert into public.notification_preferences as n (user_id, reminder_email, review_requests, referral_news)
    select p.id, p_preference <> 'reminder_email', p_preference <> 'review_requests', p_preference <> 'referral_news'
      from public.profiles p where p.id = p_user_id
    on conflict (user_id) do update set
      reminder_email = n.reminder_email and p_preference <> 'reminder_email',
      review_requests = n.review_requests and p_preference <> 'review_requests',
      referral_news = n.referral_news and p_preference <> 'referral_news';
    if not found then
      raise exception using errcode = 'RM404', message = 'not_found', detail = 'That account no longer exists';
    end if;
  else
    insert into app_private.email_opt_outs (email, preference) values (pg_catalog.lower(p_email), p_preference)
    on conflict do nothing;
  end if;
  return pg_catalog.jsonb_build_object('preference', p_preference, 'unsubscribed', true);
end;
$$;

-- STOP / START from a phone (Twilio's inbound webhook).
create function api.record_sms_reply(p_phone text, p_stop boolean)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_phone text := app_hidden.e164(p_phone);
begin
  perform app_hidden.require_service_role();
  if v_phone is null then
    raise exception using errcode = 'RM400', message = 'validation_failed', detail = 'Not a phone number';
  end if;
  if p_stop then
    insert into app_private.sms_opt_outs (phone) values (v_phone) on conflict (phone) do nothing;
  else
    delete from app_private.sms_opt_outs o where o.phone = v_phone;
  end if;
  return pg_catalog.jsonb_build_object('phone', v_phone, 'stopped', p_stop);
end;
$$;

-- What the delivery decision needs for a (customer or address, recipient): the preferences
-- (defaults when none), whether the number replied STOP, the address's own opt-outs.
create function api.delivery_facts(p_user_id uuid, p_to text)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_result jsonb;
begin
  perform app_hidden.require_service_role();
  select pg_catalog.jsonb_build_object(
           'preferences', pg_catalog.jsonb_build_object(
             'reminder_email', coalesce(n.reminder_email, true), 'reminder_sms', coalesce(n.reminder_sms, true),
             'review_requests', coalesce(n.review_requests, true), 'referral_news', coalesce(n.referral_news, true),
             'sms_opt_in', coalesce(n.sms_opt_in, false)),
           'sms_stopped', exists (select 1 from app_private.sms_opt_outs o
                                   where o.phone in (app_hidden.e164(p_to), app_hidden.e164(p.phone))),
           'email_opt_outs', coalesce((select pg_catalog.jsonb_agg(e.preference) from app_private.email_opt_outs e
                                        where e.email = pg_catalog.lower(p_to)), '[]'::jsonb))
    into v_result
    from (select 1) one
    left join public.profiles p on p.id = p_user_id
    left join public.notification_preferences n on n.user_id = p_user_id;
  return v_result;
end;
$$;

grant execute on function api.my_notifications(), api.update_my_notifications(jsonb), api.unsubscribe(uuid, text, text),
  api.record_sms_reply(text, boolean), api.delivery_facts(uuid, text) to public;
