-- A lean core (issue 9):
--   1. profiles.credits is written only by the ledger trigger, and only as the ledger's sum.
--   2. NOT NULL on the seed columns that have defaults and that code, triggers and policies read
--      as if they were never null; existing NULL rows are repaired first.

------------------------------------------------------------------------------------------------
-- 1. The balance is the ledger's sum, written by the ledger trigger only
------------------------------------------------------------------------------------------------
-- Until now any update made by a trigger (pg_trigger_depth() > 1) could change credits. Now a
-- change of profiles.credits needs both:
--   * app.ledger_write = 'on', set (transaction-local) by credit_transactions_apply right before
--     its update and restored right after. This says "the ledger is writing"; it is not the
--     security, since set_config is callable by any role;
--   * the new balance equal to the sum of the user's ledger rows, read by the guard itself.
-- So no path (a customer, staff, server code, another trigger, a caller who sets the flag) can
-- make a balance that the ledger does not account for: money moves only as credit_transactions
-- rows, whose writers RLS, grants and the ledger's immutability already govern.

-- Balances the ledger does not explain (rows restored with triggers off, the seed's unrecorded
-- invitee rewards) get one 'adjustment' row each, so every balance is kept and explained.
alter table public.credit_transactions disable trigger trigger_credit_transactions_apply;
insert into public.credit_transactions (user_id, amount, type, description)
select p.id, p.credits - coalesce(l.total, 0), 'adjustment', 'Opening balance: ledger reconciliation (20251202100000)'
from public.profiles p
left join (select t.user_id, sum(t.amount) as total from public.credit_transactions t group by t.user_id) l on l.user_id = p.id
where p.credits <> coalesce(l.total, 0);
alter table public.credit_transactions enable trigger trigger_credit_transactions_apply;

create or replace function public.profiles_guard_credits()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_ledger bigint;
begin
  if new.credits is not distinct from old.credits then
    return new;
  end if;
  if coalesce(pg_catalog.current_setting('app.ledger_write', true), '') = 'on' then
    select coalesce(sum(t.amount), 0) into v_ledger from public.credit_transactions t where t.user_id = new.id;
    if new.credits = v_ledger then
      return new;
    end if;
  end if;
  raise exception using
    errcode = 'RM403',
    message = 'credits_via_ledger_only',
    detail = 'Credit balances change only through credit_transactions';
end;
$$;

-- Sets the balance to the ledger's sum. The profile row is locked first, in its own statement:
-- under READ COMMITTED the next statement then reads the ledger with a fresh snapshot that holds
-- every committed movement, so parallel spends queue up and each sees the others (and
-- profiles_credits_check refuses an overdraft). Several rows for one user in one statement
-- give the same sum, so a multi-row insert is applied whole.
create or replace function public.credit_transactions_apply()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := case when tg_op = 'DELETE' then old.user_id else new.user_id end;
  v_flag text := pg_catalog.current_setting('app.ledger_write', true);
begin
  perform 1 from public.profiles p where p.id = v_user_id for no key update;
  perform pg_catalog.set_config('app.ledger_write', 'on', true);
  update public.profiles p
  set credits = (select coalesce(sum(t.amount), 0) from public.credit_transactions t where t.user_id = p.id)
  where p.id = v_user_id;
  perform pg_catalog.set_config('app.ledger_write', coalesce(v_flag, ''), true);
  return null;
end;
$$;

------------------------------------------------------------------------------------------------
-- 2. NOT NULL where a default exists and readers assume a value
------------------------------------------------------------------------------------------------
-- Repairs are data fixes, not business events: the triggers that would react to them (updated_at,
-- status transitions, the referral reward on a paid order, slot fit, ledger immutability) are
-- off while they run, inside this migration's transaction.
alter table public.profiles disable trigger trigger_profiles_updated_at;
alter table public.orders
  disable trigger trigger_orders_updated_at,
  disable trigger trigger_orders_status_transition,
  disable trigger trigger_orders_pay_referral_reward;
alter table public.bookings
  disable trigger trigger_bookings_updated_at,
  disable trigger trigger_bookings_fit_slot;
alter table public.credit_transactions disable trigger trigger_credit_transactions_immutable;

-- created_at: the earliest time we know the row existed, else now(); updated_at: else created_at.
update public.profiles p
set created_at = coalesce(p.created_at, (select u.created_at from auth.users u where u.id = p.id), p.updated_at, now()),
    updated_at = coalesce(p.updated_at, p.created_at, (select u.created_at from auth.users u where u.id = p.id), now())
where p.created_at is null or p.updated_at is null;

-- An order without a status was never seen as pending or paid by any code: it is 'paid' (or
-- 'refunded', when everything went back) when it records a payment, else 'failed' (never
-- 'pending', which the expiry sweep would act on).
update public.orders o
set status = case
      when o.paid_at is null then 'failed'
      when o.refunded_cents > 0 and o.refunded_cents >= o.amount + o.credits_applied * 100 then 'refunded'
      else 'paid'
    end::public.order_status
where o.status is null;
update public.orders set setup_fee_applied = 0 where setup_fee_applied is null;
update public.orders set metadata = '{}' where metadata is null;
update public.orders o
set created_at = coalesce(o.created_at, least(o.updated_at, o.paid_at), now()),
    updated_at = coalesce(o.updated_at, o.created_at, o.paid_at, now())
where o.created_at is null or o.updated_at is null;

-- A booking without a duration lasts as long as its service (the seed's 30 minutes otherwise).
update public.bookings b
set duration = coalesce((select s.duration_minutes from public.services s where s.key = b.service_type), 30)
where b.duration is null;
update public.bookings set add_ons = '{}' where add_ons is null;
update public.bookings b
set created_at = coalesce(b.created_at, least(b.updated_at, b.cancelled_at), now()),
    updated_at = coalesce(b.updated_at, b.created_at, b.cancelled_at, now())
where b.created_at is null or b.updated_at is null;

-- The seed's policies let any admins row act as staff: the least role keeps that row working.
update public.admins set role = 'operator' where role is null;
update public.admins set created_at = now() where created_at is null;

update public.availability_slots set created_at = now() where created_at is null;
-- A referral expires 30 days after it was created.
update public.referrals r
set created_at = coalesce(r.expires_at - interval '30 days', r.rewarded_at, now())
where r.created_at is null;
update public.reviews set created_at = now() where created_at is null;
update public.credit_transactions set created_at = now() where created_at is null;

alter table public.profiles enable trigger trigger_profiles_updated_at;
alter table public.orders
  enable trigger trigger_orders_updated_at,
  enable trigger trigger_orders_status_transition,
  enable trigger trigger_orders_pay_referral_reward;
alter table public.bookings
  enable trigger trigger_bookings_updated_at,
  enable trigger trigger_bookings_fit_slot;
alter table public.credit_transactions enable trigger trigger_credit_transactions_immutable;

alter table public.profiles
  alter column created_at set not null,
  alter column updated_at set not null;
alter table public.orders
  alter column status set not null,
  alter column setup_fee_applied set not null,
  alter column metadata set not null,
  alter column created_at set not null,
  alter column updated_at set not null;
alter table public.bookings
  alter column duration set not null,
  alter column add_ons set not null,
  alter column created_at set not null,
  alter column updated_at set not null;
alter table public.admins
  alter column role set not null,
  alter column created_at set not null;
alter table public.availability_slots alter column created_at set not null;
alter table public.referrals alter column created_at set not null;
alter table public.reviews alter column created_at set not null;
alter table public.credit_transactions alter column created_at set not null;
