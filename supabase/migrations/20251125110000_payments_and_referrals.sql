-- Money: orders priced with the setup fee and credits, Bolt payments and webhooks, refunds, the
-- referral reward from settings, and an outbox for messages the notifications work will send.

------------------------------------------------------------------------------------------------
-- Orders
------------------------------------------------------------------------------------------------
-- A booking paid entirely with credits has a $0 order (paid at once), so amount may be 0.
alter table public.orders drop constraint orders_amount_check;
alter table public.orders add constraint orders_amount_check check (amount >= 0);

alter table public.orders
  add column credits_applied integer not null default 0
    constraint orders_credits_applied_check check (credits_applied >= 0),
  add column refunded_cents integer not null default 0,
  add column card_refunded_cents integer not null default 0,
  add column provider text,
  add column expires_at timestamptz,
  add column paid_at timestamptz,
  -- Never refund more than was paid in total (card + credits), nor more to the card than the card paid.
  add constraint orders_refunded_within_paid
    check (refunded_cents >= 0 and refunded_cents <= amount + credits_applied * 100),
  add constraint orders_card_refunded_within_amount
    check (card_refunded_cents >= 0 and card_refunded_cents <= amount and card_refunded_cents <= refunded_cents);

comment on column public.orders.amount is 'Cents due by card: service + add-ons + setup fee - credits_applied * 100';
comment on column public.orders.credits_applied is 'Credits spent on this order (1 credit = 100 cents)';

create unique index orders_bolt_checkout_id_key on public.orders (bolt_checkout_id) where bolt_checkout_id is not null;
-- The setup fee is charged once per customer: at most one live order carries it.
create unique index orders_one_setup_fee_per_customer on public.orders (user_id)
  where setup_fee_applied > 0 and status <> 'failed';
create index idx_orders_pending_expires_at on public.orders (expires_at) where status = 'pending';

-- pending -> paid | failed; paid -> refunded. Nothing moves an order backwards.
create function public.orders_status_transition()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status = old.status
     or (old.status = 'pending' and new.status in ('paid', 'failed'))
     or (old.status = 'paid' and new.status = 'refunded') then
    if new.status = 'paid' and old.status <> 'paid' then
      new.paid_at := coalesce(new.paid_at, now());
    end if;
    return new;
  end if;
  raise exception using errcode = 'RM409', message = 'invalid_order_transition',
    detail = pg_catalog.format('A %s order cannot become %s', old.status, new.status);
end;
$$;

create trigger trigger_orders_status_transition
  before update of status on public.orders
  for each row execute function public.orders_status_transition();

------------------------------------------------------------------------------------------------
-- Refunds: one row per refund; the order's refunded totals follow from them
------------------------------------------------------------------------------------------------
create table public.refunds (
  id uuid primary key default gen_random_uuid(),
  order_id uuid not null constraint refunds_order_id_fkey references public.orders (id) on delete cascade,
  amount_cents integer not null constraint refunds_amount_cents_check check (amount_cents > 0),
  destination text not null constraint refunds_destination_check check (destination in ('card', 'credits')),
  -- The provider's credit transaction id, for card refunds: a webhook and our own call agree on it.
  provider_refund_id text,
  created_by uuid,
  created_at timestamptz not null default now(),
  constraint refunds_provider_refund_id_key unique (provider_refund_id)
);
create index idx_refunds_order_id on public.refunds (order_id);

-- Applies a refund to its order (locking it): totals, status refunded when everything is back,
-- and a 'refunded' ledger row for refunds to credits. The order's checks refuse over-refunds.
create function public.refunds_apply()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_order public.orders%rowtype;
begin
  select * into v_order from public.orders o where o.id = new.order_id for update;
  if v_order.status not in ('paid', 'refunded') then
    raise exception using errcode = 'RM409', message = 'order_not_paid',
      detail = pg_catalog.format('A %s order cannot be refunded', v_order.status);
  end if;
  if new.destination = 'credits' and new.amount_cents % 100 <> 0 then
    raise exception using errcode = 'RM422', message = 'whole_credits_only',
      detail = 'Refunds to credits are in whole dollars (1 credit = 100 cents)';
  end if;
  if v_order.refunded_cents + new.amount_cents > v_order.amount + v_order.credits_applied * 100
     or (new.destination = 'card' and v_order.card_refunded_cents + new.amount_cents > v_order.amount) then
    raise exception using errcode = 'RM422', message = 'refund_exceeds_paid',
      detail = 'That is more than was paid';
  end if;
  update public.orders o set
    refunded_cents = o.refunded_cents + new.amount_cents,
    card_refunded_cents = o.card_refunded_cents + case when new.destination = 'card' then new.amount_cents else 0 end,
    status = case when o.refunded_cents + new.amount_cents >= o.amount + o.credits_applied * 100 then 'refunded'::public.order_status else o.status end,
    metadata = o.metadata || jsonb_build_object(
      'refunded_cents', o.refunded_cents + new.amount_cents,
      'partially_refunded', o.refunded_cents + new.amount_cents < o.amount + o.credits_applied * 100)
  where o.id = new.order_id;
  if new.destination = 'credits' then
    insert into public.credit_transactions (user_id, amount, type, description, reference_id, created_by)
    values (v_order.user_id, new.amount_cents / 100, 'refunded', 'Refund to credits', v_order.id, new.created_by);
  end if;
  return null;
end;
$$;

create trigger trigger_refunds_apply
  after insert on public.refunds
  for each row execute function public.refunds_apply();

------------------------------------------------------------------------------------------------
-- Payment provider events: stored once by their id, so a replayed webhook is a no-op
------------------------------------------------------------------------------------------------
create table public.payment_events (
  id text primary key,
  provider text not null,
  type text not null,
  order_id uuid constraint payment_events_order_id_fkey references public.orders (id) on delete set null,
  payload jsonb not null,
  outcome text,
  received_at timestamptz not null default now()
);
create index idx_payment_events_order_id on public.payment_events (order_id);

------------------------------------------------------------------------------------------------
-- Outbox: messages to send, written in the same transaction as the change that causes them
------------------------------------------------------------------------------------------------
create table app_private.outbox (
  id uuid primary key default gen_random_uuid(),
  topic text not null,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  available_at timestamptz not null default now(),
  attempts integer not null default 0,
  sent_at timestamptz,
  last_error text
);
create index idx_outbox_unsent on app_private.outbox (available_at) where sent_at is null;
alter table app_private.outbox enable row level security;
revoke all on table app_private.outbox from public, anon, authenticated;
grant select, insert, update, delete on table app_private.outbox to service_role;

------------------------------------------------------------------------------------------------
-- Referrals: the reward comes from the business settings
------------------------------------------------------------------------------------------------
create function public.referral_reward_credits()
returns integer
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((select s.referral_reward_credits from public.business_settings s where s.id), 50)
$$;

-- Customers' invitations carry the current reward (they cannot choose it).
create function public.referrals_reward_from_settings()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_user = 'authenticated' then
    new.reward_credits := public.referral_reward_credits();
  end if;
  return new;
end;
$$;

create trigger trigger_referrals_reward_from_settings
  before insert on public.referrals
  for each row execute function public.referrals_reward_from_settings();

create index idx_referrals_invitee_email_lower on public.referrals (lower(invitee_email));

create or replace function public.accept_referral(p_invitee_id uuid, p_code text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_referrer_id uuid;
  v_referrer_code text;
  v_invitee_email text;
  v_referral_id uuid;
  v_reward integer := public.referral_reward_credits();
begin
  if p_invitee_id is null or nullif(btrim(p_code), '') is null then
    return null;
  end if;

  select p.id, p.referral_code into v_referrer_id, v_referrer_code
  from public.profiles p
  where p.referral_code = upper(btrim(p_code));
  if v_referrer_id is null or v_referrer_id = p_invitee_id then
    return null;
  end if;

  select lower(p.email) into v_invitee_email from public.profiles p where p.id = p_invitee_id;
  if v_invitee_email is null then
    raise exception using errcode = 'RM404', message = 'invitee_not_found', detail = 'The invitee has no profile';
  end if;

  if exists (
    select 1 from public.referrals r
    where r.status = 'accepted' and (r.invitee_id = p_invitee_id or r.invitee_email = v_invitee_email)
  ) then
    return null;
  end if;

  begin
    update public.referrals r
    set status = 'accepted', invitee_id = p_invitee_id, reward_credits = v_reward
    where r.referrer_id = v_referrer_id
      and r.invitee_email = v_invitee_email
      and r.status in ('pending', 'expired')
    returning r.id into v_referral_id;

    if v_referral_id is null then
      insert into public.referrals (referrer_id, invitee_email, invitee_id, status, referral_code, reward_credits)
      values (v_referrer_id, v_invitee_email, p_invitee_id, 'accepted', v_referrer_code, v_reward)
      returning id into v_referral_id;
    end if;
  exception when unique_violation then
    -- A concurrent acceptance for this invitee (referrals_one_accepted_per_invitee) won.
    return null;
  end;

  return v_referral_id;
end;
$$;

------------------------------------------------------------------------------------------------
-- RLS
------------------------------------------------------------------------------------------------
alter table public.refunds enable row level security;
alter table public.payment_events enable row level security;
revoke all on table public.refunds, public.payment_events from anon, authenticated;

create policy refunds_select_own_or_admin on public.refunds
  for select to authenticated
  using (
    (select public.is_admin('admin'))
    or exists (select 1 from public.orders o where o.id = order_id and o.user_id = (select auth.uid()))
  );
grant select on table public.refunds to authenticated;

create policy payment_events_select_admin on public.payment_events
  for select to authenticated
  using ((select public.is_admin('admin')));
grant select on table public.payment_events to authenticated;

grant all on table public.refunds, public.payment_events to service_role;

revoke execute on function
  public.orders_status_transition(),
  public.refunds_apply(),
  public.referrals_reward_from_settings()
from public, anon, authenticated;
revoke execute on function public.referral_reward_credits() from public;
grant execute on function public.referral_reward_credits() to anon, authenticated, service_role;
revoke execute on function public.accept_referral(uuid, text) from public, anon, authenticated;
grant execute on function public.accept_referral(uuid, text) to service_role;
