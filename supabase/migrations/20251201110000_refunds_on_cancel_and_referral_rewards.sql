-- Day one: staff find customers (search columns and indexes that work under RLS on PostgreSQL
-- and PGlite), a cancelled paid booking always gets a refund decision, and referral rewards are
-- paid when the invitee's first order is paid, once per mailbox (plus-tags and gmail dots folded).

------------------------------------------------------------------------------------------------
-- Settings
------------------------------------------------------------------------------------------------
alter table public.business_settings
  -- Where a customer's own cancellation (before the window) of a paid booking is refunded.
  add column cancellation_refund_to text not null default 'card'
    constraint business_settings_cancellation_refund_to_check check (cancellation_refund_to in ('card', 'credits')),
  -- When a referral pays its reward: the invitee's first paid order, or at sign-up (the seed's way).
  add column referral_reward_on text not null default 'first_paid_booking'
    constraint business_settings_referral_reward_on_check check (referral_reward_on in ('first_paid_booking', 'signup'));

grant update (cancellation_refund_to, referral_reward_on) on table public.business_settings to authenticated;

------------------------------------------------------------------------------------------------
-- Customer search. Under RLS, a search condition that applies a non-leakproof function (lower(),
-- LIKE) to a column cannot be used as an index condition, so the lower-cased values are stored
-- (collation "C", compared with >= and <, which are leakproof) and indexed.
------------------------------------------------------------------------------------------------
alter table public.profiles
  add column search_name text collate "C"
    generated always as (lower(btrim(coalesce(full_name, '')))) stored,
  -- The last word of the name (surname), so "johnson" finds "Sarah Johnson".
  add column search_surname text collate "C"
    generated always as (lower(regexp_replace(btrim(coalesce(full_name, '')), '^.*\s', ''))) stored,
  add column search_email text collate "C"
    generated always as (lower(email)) stored,
  -- Digits only: "+1 (555) 012-3456" is found by 555012 or 1555012.
  add column search_phone text collate "C"
    generated always as (regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g')) stored;

create index idx_profiles_search_name on public.profiles (search_name, id);
create index idx_profiles_search_surname on public.profiles (search_surname);
create index idx_profiles_search_email on public.profiles (search_email);
create index idx_profiles_search_phone on public.profiles (search_phone) where search_phone <> '';

------------------------------------------------------------------------------------------------
-- Refund decisions for cancelled paid bookings
------------------------------------------------------------------------------------------------
alter table public.orders
  -- What was decided about the money of a cancelled paid booking: refunded to the card (the
  -- part paid in credits goes back as credits), all to credits, or kept ('none').
  add column cancellation_refund text
    constraint orders_cancellation_refund_check check (cancellation_refund in ('card', 'credits', 'none')),
  add column cancellation_refund_at timestamptz,
  add column cancellation_refund_by uuid,
  add constraint orders_cancellation_refund_decided
    check ((cancellation_refund is null) = (cancellation_refund_at is null));

-- The "needs refund" list reads paid orders without a decision.
create index idx_orders_paid_undecided on public.orders (created_at) where status = 'paid' and cancellation_refund is null;

------------------------------------------------------------------------------------------------
-- Mailboxes: one person's addresses compare equal. Lower case; "+tag" dropped for every domain
-- (the big providers all deliver plus-addresses to the same inbox); dots dropped only for
-- gmail.com / googlemail.com, where Google ignores them: elsewhere a dot may separate two
-- different people (jo.smith@ and josmith@ at a company), and refusing a genuine friend's reward
-- is worse than missing a farm that the first-paid-booking rule already makes expensive.
------------------------------------------------------------------------------------------------
create function app_private.email_mailbox(p_email text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case when m.domain in ('gmail.com', 'googlemail.com')
              then pg_catalog.replace(m.local, '.', '') || '@gmail.com'
              else m.local || '@' || m.domain end
  from (
    select coalesce(nullif(pg_catalog.split_part(a.local, '+', 1), ''), a.local) as local, a.domain
    from (
      select pg_catalog.regexp_replace(e.address, '@[^@]*$', '') as local,
             coalesce(pg_catalog.substring(e.address, '@([^@]*)$'), '') as domain
      from (select pg_catalog.lower(pg_catalog.btrim(p_email)) as address) e
    ) a
  ) m
$$;
revoke execute on function app_private.email_mailbox(text) from public;
grant execute on function app_private.email_mailbox(text) to service_role;

-- Existing "rewarded once" records also hold under the new key.
insert into app_private.rewarded_invitees (invitee_email, referral_id, rewarded_at)
select app_private.email_mailbox(ri.invitee_email), ri.referral_id, ri.rewarded_at
from app_private.rewarded_invitees ri
on conflict do nothing;

------------------------------------------------------------------------------------------------
-- Referral rewards: accepted at sign-up, paid when rewarded_at is set (at once in 'signup' mode,
-- by the invitee's first paid order otherwise)
------------------------------------------------------------------------------------------------
alter table public.referrals add column rewarded_at timestamptz;
comment on column public.referrals.rewarded_at is 'When both sides were credited; null while the reward waits for the invitee''s first paid order';

-- Referrals accepted before this migration were rewarded at acceptance.
update public.referrals set rewarded_at = coalesce(created_at, now()) where status = 'accepted';

create index idx_referrals_invitee_unrewarded on public.referrals (invitee_id)
  where status = 'accepted' and rewarded_at is null;

-- On acceptance: a referral of one's own mailbox is silently dropped (accept_referral then
-- returns null: nothing due); in 'signup' mode the reward is due at once.
create function public.referrals_settle_acceptance()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_referrer_email text;
  v_mode text;
begin
  if new.status <> 'accepted' or (tg_op = 'UPDATE' and old.status = 'accepted') then
    return new;
  end if;
  select p.email into v_referrer_email from public.profiles p where p.id = new.referrer_id;
  if app_private.email_mailbox(new.invitee_email) = app_private.email_mailbox(v_referrer_email) then
    return null;
  end if;
  select s.referral_reward_on into v_mode from public.business_settings s where s.id;
  if coalesce(v_mode, 'first_paid_booking') = 'signup' then
    new.rewarded_at := coalesce(new.rewarded_at, now());
  end if;
  return new;
end;
$$;

create trigger trigger_referrals_settle_acceptance
  before insert or update of status on public.referrals
  for each row execute function public.referrals_settle_acceptance();

-- The reward is paid when rewarded_at is set on an accepted referral: it claims the invitee's
-- mailbox first, so a mailbox is credited once, ever. A mailbox already claimed raises a unique
-- violation (accept_referral and the paid-order trigger turn that into "nothing due").
create or replace function public.award_referral_credits()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_claimed text;
begin
  if new.status = 'accepted' and new.rewarded_at is not null
     and (tg_op = 'INSERT' or old.rewarded_at is null or old.status <> 'accepted') then
    if new.invitee_id is null then
      raise exception using
        errcode = 'RM422',
        message = 'referral_without_invitee',
        detail = 'A referral can only be accepted for a signed-up invitee';
    end if;
    insert into app_private.rewarded_invitees (invitee_email, referral_id)
    values (app_private.email_mailbox(new.invitee_email), new.id)
    on conflict (invitee_email) do nothing
    returning invitee_email into v_claimed;
    if v_claimed is null then
      raise exception using errcode = '23505', message = 'referral_already_rewarded',
        detail = 'This mailbox was already rewarded for a referral';
    end if;
    if new.reward_credits > 0 then
      insert into public.credit_transactions (user_id, amount, type, description, reference_id)
      values
        (new.referrer_id, new.reward_credits, 'earned', 'Referral reward', new.id),
        (new.invitee_id, new.reward_credits, 'earned', 'Referral signup reward', new.id);
    end if;
  end if;
  return new;
end;
$$;

-- The invitee's first paid order (any path: webhook, an order covered by credits, staff SQL)
-- pays the waiting reward. The referral row lock makes concurrent payments pay it once.
create function public.orders_pay_referral_reward()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_referral_id uuid;
begin
  if new.status <> 'paid' or (tg_op = 'UPDATE' and old.status = 'paid')
     or new.amount + new.credits_applied * 100 <= 0 then
    return null;
  end if;
  select r.id into v_referral_id
  from public.referrals r
  where r.invitee_id = new.user_id and r.status = 'accepted' and r.rewarded_at is null
  for update;
  if v_referral_id is null then
    return null;
  end if;
  begin
    update public.referrals r set rewarded_at = now() where r.id = v_referral_id and r.rewarded_at is null;
  exception when unique_violation then
    -- This mailbox was rewarded through another account: nothing due.
    null;
  end;
  return null;
end;
$$;

create trigger trigger_orders_pay_referral_reward
  after insert or update of status on public.orders
  for each row execute function public.orders_pay_referral_reward();

revoke execute on function
  public.referrals_settle_acceptance(),
  public.orders_pay_referral_reward()
from public, anon, authenticated;
