-- Issue 10, sections 1 and 4: no call to Bolt inside a database transaction, and Bolt as its
-- documentation has it.
--
-- A card refund used to hold the order's lock across the call to the provider. Now it is three
-- steps: (1) one call records the intent, a `pending` refund row with its own idempotency key that
-- counts against what is refundable (orders.pending_refund_cents), and commits; (2) the server
-- calls the provider outside any transaction, with that key as Idempotency-Key; (3) one call
-- records the result (api.finish_refund): completed with the provider's ids, or failed (the
-- amount is refundable again; a cancellation's refund goes back on the staff "needs refund"
-- list). Bolt's `credit` webhook completes a pending refund too, whichever arrives first. A crash
-- between the steps leaves a pending refund that the sweeper retries with the same key
-- (api.claim_pending_refunds).

------------------------------------------------------------------------------------------------
-- Refunds: pending, completed or failed
------------------------------------------------------------------------------------------------
alter table public.refunds
  add column status text not null default 'completed'
    constraint refunds_status_check check (status in ('pending', 'completed', 'failed')),
  -- Sent to the provider as Idempotency-Key, the same on every retry of this refund.
  add column idempotency_key text constraint refunds_idempotency_key_key unique,
  -- The provider's reference of the credit transaction (Bolt: 12 characters, e.g. LBLJ-TWW7-R9VC).
  add column provider_refund_reference text,
  -- A refund that settles a cancelled booking's money: when it fails, the order's refund decision
  -- is undone and the order goes back on the staff "needs refund" list.
  add column settles_cancellation boolean not null default false,
  add column failure_reason text,
  -- When a sweeper last took it up to retry (so two sweepers do not retry it at once).
  add column attempted_at timestamptz,
  add constraint refunds_only_card_waits check (status = 'completed' or destination = 'card'),
  add constraint refunds_card_waits_with_key check (status = 'completed' or idempotency_key is not null);
create index idx_refunds_pending_created_at on public.refunds (created_at) where status = 'pending';

alter table public.orders
  add column pending_refund_cents integer not null default 0,
  -- What is refunded plus what is being refunded never exceeds what was paid (with nothing
  -- pending, orders_refunded_within_paid and orders_card_refunded_within_amount say it).
  add constraint orders_pending_refunds_within_paid
    check (pending_refund_cents >= 0
           and (pending_refund_cents = 0
                or (refunded_cents + pending_refund_cents <= amount + credits_applied * 100
                    and card_refunded_cents + pending_refund_cents <= amount)));
comment on column public.orders.pending_refund_cents is 'Cents of card refunds asked of the provider and not yet answered (refunds.status = pending)';

-- Applies a refund to its order (locking it). A pending refund only reserves its amount; when it
-- completes, the totals move (status refunded when everything is back); when it fails, the
-- reservation is released. A refund to credits writes its 'refunded' ledger row. Over-refunds,
-- counting pending ones, are refused.
create or replace function public.refunds_apply()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_order public.orders%rowtype;
  v_total integer;
begin
  if tg_op = 'UPDATE' then
    if old.status = new.status then
      return null;
    end if;
    if old.status <> 'pending' then
      raise exception using errcode = 'RM409', message = 'refund_settled',
        detail = pg_catalog.format('A %s refund cannot become %s', old.status, new.status);
    end if;
  end if;
  select * into v_order from public.orders o where o.id = new.order_id for update;
  v_total := v_order.amount + v_order.credits_applied * 100;
  if tg_op = 'INSERT' then
    if new.status = 'failed' then
      return null; -- a record of an attempt, nothing to apply
    end if;
    if v_order.status not in ('paid', 'refunded') then
      raise exception using errcode = 'RM409', message = 'order_not_paid',
        detail = pg_catalog.format('A %s order cannot be refunded', v_order.status);
    end if;
    if new.destination = 'credits' and new.amount_cents % 100 <> 0 then
      raise exception using errcode = 'RM422', message = 'whole_credits_only',
        detail = 'Refunds to credits are in whole dollars (1 credit = 100 cents)';
    end if;
    if v_order.refunded_cents + v_order.pending_refund_cents + new.amount_cents > v_total
       or (new.destination = 'card' and v_order.card_refunded_cents + v_order.pending_refund_cents + new.amount_cents > v_order.amount) then
      raise exception using errcode = 'RM422', message = 'refund_exceeds_paid',
        detail = 'That is more than was paid';
    end if;
    if new.status = 'pending' then
      update public.orders o set pending_refund_cents = o.pending_refund_cents + new.amount_cents where o.id = new.order_id;
      return null;
    end if;
  else
    -- pending -> completed | failed: the reservation ends.
    update public.orders o set pending_refund_cents = o.pending_refund_cents - new.amount_cents where o.id = new.order_id;
    if new.status = 'failed' then
      return null;
    end if;
  end if;
  update public.orders o set
    refunded_cents = o.refunded_cents + new.amount_cents,
    card_refunded_cents = o.card_refunded_cents + case when new.destination = 'card' then new.amount_cents else 0 end,
    status = case when o.refunded_cents + new.amount_cents >= v_total then 'refunded'::public.order_status else o.status end,
    metadata = o.metadata || pg_catalog.jsonb_build_object(
      'refunded_cents', o.refunded_cents + new.amount_cents,
      'partially_refunded', o.refunded_cents + new.amount_cents < v_total)
  where o.id = new.order_id;
  if new.destination = 'credits' then
    insert into public.credit_transactions (user_id, amount, type, description, reference_id, created_by)
    values (v_order.user_id, new.amount_cents / 100, 'refunded', 'Refund to credits', v_order.id, new.created_by);
  end if;
  if tg_op = 'UPDATE' and new.settles_cancellation then
    -- The card part of a cancellation's refund is back: the rest (the part paid in credits) goes
    -- back as credits now (see app_hidden.settle_cancellation).
    select * into v_order from public.orders o where o.id = new.order_id;
    if v_order.cancellation_refund = 'card' and app_hidden.refundable_cents(v_order) >= 100 then
      insert into public.refunds (order_id, amount_cents, destination, created_by)
      values (new.order_id, app_hidden.refundable_cents(v_order) / 100 * 100, 'credits', new.created_by);
    end if;
  end if;
  return null;
end;
$$;

drop trigger trigger_refunds_apply on public.refunds;
create trigger trigger_refunds_apply
  after insert or update of status on public.refunds
  for each row execute function public.refunds_apply();

------------------------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------------------------

-- Cents that can still be refunded (anywhere / to the card), pending refunds counted as gone.
create function app_hidden.refundable_cents(p_order public.orders)
returns integer
language plpgsql
immutable
set search_path = ''
as $$
begin
  return p_order.amount + p_order.credits_applied * 100 - p_order.refunded_cents - p_order.pending_refund_cents;
end;
$$;

create or replace function app_hidden.cancellation_card_cents(p_order public.orders, p_decision text)
returns integer
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_decision is distinct from 'card' then
    return 0;
  end if;
  return least(p_order.amount - p_order.card_refunded_cents - p_order.pending_refund_cents, app_hidden.refundable_cents(p_order));
end;
$$;

-- The payment's reference at the provider (what a refund names), or null.
create function app_hidden.payment_reference(p_order public.orders)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  return case when pg_catalog.jsonb_typeof(p_order.metadata -> 'bolt_transaction_reference') = 'string'
              then p_order.metadata ->> 'bolt_transaction_reference' end;
end;
$$;

-- Records the intent of a card refund (elevated, order locked): a pending refund with a fresh
-- idempotency key. Returns what the server needs to ask the provider.
create function app_hidden.begin_card_refund(p_order public.orders, p_amount_cents integer, p_created_by uuid, p_settles_cancellation boolean)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_refund public.refunds;
begin
  insert into public.refunds (order_id, amount_cents, destination, status, idempotency_key, settles_cancellation, created_by)
  values (p_order.id, p_amount_cents, 'card', 'pending', pg_catalog.gen_random_uuid()::text, p_settles_cancellation, p_created_by)
  returning * into v_refund;
  return app_hidden.card_refund_json(v_refund, app_hidden.payment_reference(p_order));
end;
$$;

create function app_hidden.card_refund_json(p_refund public.refunds, p_transaction_reference text)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  return pg_catalog.jsonb_build_object('refund_id', p_refund.id, 'order_id', p_refund.order_id, 'amount_cents', p_refund.amount_cents,
    'transaction_reference', p_transaction_reference, 'idempotency_key', p_refund.idempotency_key,
    'created_at', app_hidden.iso(p_refund.created_at));
end;
$$;

-- The money of a paid order whose bookings are all cancelled (order locked, elevated): all that is
-- left goes back to the card (the part paid in credits as credits) or all to credits, or stays
-- ('none'). No decision, or a card part without a card payment to refund, leaves the order on the
-- staff "needs refund" list. The card part is recorded as a pending refund: {money, card_refund}
-- (card_refund null when none is due); the server asks the provider after this commits.
drop function app_hidden.settle_cancellation(public.orders, text, uuid, text);
create function app_hidden.settle_cancellation(p_order public.orders, p_decision text, p_decided_by uuid)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_left integer := app_hidden.refundable_cents(p_order);
  v_card integer := app_hidden.cancellation_card_cents(p_order, p_decision);
  v_credit_cents integer;
  v_card_refund jsonb;
  v_after public.orders;
  v_reason text;
  v_message text;
begin
  if p_order.status <> 'paid' or v_left <= 0 or p_order.cancellation_refund is not null then
    return pg_catalog.jsonb_build_object('money', app_hidden.nothing_paid(p_order));
  end if;
  if p_decision is null or (v_card > 0 and app_hidden.payment_reference(p_order) is null) then
    -- Why no refund was made is for staff only: kept with the order's staff flags.
    v_reason := case when p_decision is null then 'staff_decision_needed' else 'payment_provider_unavailable' end;
    perform app_hidden.flag_order(p_order.id, pg_catalog.jsonb_build_object('cancellation_refund_error', v_reason));
    return pg_catalog.jsonb_build_object('money', pg_catalog.jsonb_build_object('outcome', 'refund_needed', 'refund_to', p_decision,
      'card_cents', 0, 'credits', 0, 'order_id', p_order.id, 'order_status', p_order.status,
      'message', case when p_decision is null then 'The booking was paid; an admin will decide about the refund'
                      else 'The card refund could not be made right now; staff will refund it' end));
  end if;
  v_credit_cents := case when p_decision = 'none' then 0 else (v_left - v_card) / 100 * 100 end;
  if v_card > 0 then
    -- The part paid in credits goes back when the card part completes (public.refunds_apply), so
    -- a card refund that fails leaves the whole order to staff, as it was.
    v_card_refund := app_hidden.begin_card_refund(p_order, v_card, p_decided_by, true);
  elsif v_credit_cents > 0 then
    insert into public.refunds (order_id, amount_cents, destination, created_by)
    values (p_order.id, v_credit_cents, 'credits', p_decided_by);
  end if;
  update public.order_flags f set flags = f.flags - 'cancellation_refund_error' where f.order_id = p_order.id;
  update public.orders o set cancellation_refund = p_decision, cancellation_refund_at = pg_catalog.now(), cancellation_refund_by = p_decided_by
   where o.id = p_order.id returning * into v_after;
  if p_decision = 'none' then
    v_message := 'No refund';
  else
    v_message := coalesce(nullif(pg_catalog.concat_ws(' and ',
      case when v_card > 0 then pg_catalog.format('$%s.%s back to the card', v_card / 100, pg_catalog.lpad((v_card % 100)::text, 2, '0')) end,
      case when v_credit_cents > 0 then pg_catalog.format('%s credits back', v_credit_cents / 100) end), ''), 'Nothing left to refund');
  end if;
  return pg_catalog.jsonb_build_object('card_refund', v_card_refund, 'money', pg_catalog.jsonb_build_object(
    'outcome', case when p_decision = 'none' then 'kept' else 'refunded' end,
    'refund_to', p_decision, 'card_cents', v_card, 'credits', v_credit_cents / 100,
    'order_id', p_order.id, 'order_status', v_after.status, 'message', v_message));
end;
$$;

drop function app_hidden.card_refund_plan(public.orders, integer);

revoke all on function app_hidden.refundable_cents(public.orders) from public;
revoke all on function app_hidden.payment_reference(public.orders) from public;
revoke all on function app_hidden.begin_card_refund(public.orders, integer, uuid, boolean) from public;
revoke all on function app_hidden.card_refund_json(public.refunds, text) from public;
revoke all on function app_hidden.settle_cancellation(public.orders, text, uuid) from public;
grant execute on function app_hidden.refundable_cents(public.orders) to service_role;
grant execute on function app_hidden.payment_reference(public.orders) to service_role;
grant execute on function app_hidden.begin_card_refund(public.orders, integer, uuid, boolean) to service_role;
grant execute on function app_hidden.card_refund_json(public.refunds, text) to service_role;
grant execute on function app_hidden.settle_cancellation(public.orders, text, uuid) to service_role;

------------------------------------------------------------------------------------------------
-- Cancelling a booking, and what happens to its money (as before, see 20251203110000): one call.
-- Returns {booking, money, card_refund}: card_refund (or null) is the pending card refund the
-- server now asks the provider for, outside this transaction.
------------------------------------------------------------------------------------------------
drop function api.cancel_booking(uuid, text, jsonb);
create function api.cancel_booking(p_booking_id uuid, p_refund text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_seen public.bookings;
  v_booking public.bookings;
  v_order public.orders;
  v_role public.admin_role := app_hidden.admin_role_of_current_user();
  v_staff boolean := v_role is not null;
  v_admin boolean := v_role >= 'admin';
  v_window integer;
  v_refund_to text;
  v_settle boolean;
  v_money jsonb;
  v_settled jsonb;
begin
  -- Visibility (RLS) first, without locks.
  select * into v_seen from public.bookings b where b.id = p_booking_id;
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Booking not found';
  end if;
  if p_refund is not null and not coalesce(v_admin, false) then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'Only admins decide how a cancellation is refunded';
  end if;
  select s.cancellation_window_minutes, s.cancellation_refund_to into v_window, v_refund_to from public.business_settings s where s.id;
  -- Privileged step: customers cannot write statuses or refunds. Lock in the order payments use
  -- (order, then booking), so a cancel racing a payment webhook or the expiry sweep cannot deadlock.
  perform pg_catalog.set_config('role', 'service_role', true);
  if v_seen.order_id is not null then
    select * into v_order from public.orders o where o.id = v_seen.order_id for update;
  end if;
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if v_booking.status in ('cancelled', 'completed') then
    raise exception using errcode = 'RM409', message = 'invalid_transition',
      detail = pg_catalog.format('A %s booking cannot be cancelled', v_booking.status);
  end if;
  if not v_staff and v_booking.date_time - pg_catalog.now() < pg_catalog.make_interval(mins => v_window) then
    raise exception using errcode = 'RM422', message = 'cancellation_window_passed',
      detail = pg_catalog.format('Sessions can be cancelled online up to %s hours before; please contact us', (v_window::float8 / 60)::text),
      hint = pg_catalog.jsonb_build_object('cancellation_window_minutes', v_window)::text;
  end if;
  v_settle := v_order.status = 'paid' and v_order.cancellation_refund is null and app_hidden.refundable_cents(v_order) > 0;
  if v_settle and v_admin and p_refund is null then
    raise exception using errcode = 'RM422', message = 'refund_decision_required',
      detail = 'This booking was paid: say how to refund it ("card", "credits" or "none")',
      hint = pg_catalog.jsonb_build_object('field', 'refund')::text;
  end if;
  -- The money is settled once every booking of the order is cancelled.
  v_settle := coalesce(v_settle, false) and not exists (
    select 1 from public.bookings b where b.order_id = v_order.id and b.id <> p_booking_id and b.status <> 'cancelled');

  if v_order.status = 'pending' then
    perform app_hidden.fail_order(v_order, 'cancelled');
    v_money := pg_catalog.jsonb_build_object('outcome', 'payment_cancelled', 'refund_to', null, 'card_cents', 0,
      'credits', v_order.credits_applied, 'order_id', v_order.id, 'order_status', 'failed',
      'message', case when v_order.credits_applied > 0
                      then pg_catalog.format('The payment was cancelled; %s credits are back', v_order.credits_applied)
                      else 'The payment was cancelled; nothing was charged' end);
  else
    v_money := app_hidden.nothing_paid(v_order); -- no order (all nulls), or nothing (left) to refund
  end if;
  update public.bookings b set status = 'cancelled' where b.id = p_booking_id returning * into v_booking;
  if v_settle then
    v_settled := app_hidden.settle_cancellation(v_order, case when v_staff then p_refund else v_refund_to end, v_uid);
    v_money := v_settled -> 'money';
  end if;
  return pg_catalog.jsonb_build_object('booking', app_hidden.booking_json(v_booking), 'money', v_money,
    'card_refund', v_settled -> 'card_refund');
end;
$$;

------------------------------------------------------------------------------------------------
-- Admin: decides the refund of a paid order whose bookings are all cancelled. One call; returns
-- {order, money, card_refund} as above.
------------------------------------------------------------------------------------------------
drop function api.decide_cancellation_refund(uuid, text, jsonb);
create function api.decide_cancellation_refund(p_order_id uuid, p_decision text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_order public.orders;
  v_settled jsonb;
begin
  if not app_hidden.is_admin('admin') then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'This needs the admin role';
  end if;
  perform pg_catalog.set_config('role', 'service_role', true);
  select * into v_order from public.orders o where o.id = p_order_id for update;
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Order not found';
  end if;
  if v_order.cancellation_refund is not null then
    raise exception using errcode = 'RM409', message = 'refund_already_decided',
      detail = 'Already decided: ' || v_order.cancellation_refund,
      hint = pg_catalog.jsonb_build_object('decision', v_order.cancellation_refund)::text;
  end if;
  if v_order.status <> 'paid' then
    raise exception using errcode = 'RM409', message = 'order_not_paid',
      detail = pg_catalog.format('A %s order has nothing to refund', v_order.status),
      hint = pg_catalog.jsonb_build_object('status', v_order.status)::text;
  end if;
  if not exists (select 1 from public.bookings b where b.order_id = v_order.id)
     or exists (select 1 from public.bookings b where b.order_id = v_order.id and b.status <> 'cancelled') then
    raise exception using errcode = 'RM409', message = 'booking_not_cancelled',
      detail = 'The order still has a booking that is not cancelled';
  end if;
  v_settled := app_hidden.settle_cancellation(v_order, p_decision, auth.uid());
  select * into v_order from public.orders o where o.id = p_order_id;
  return pg_catalog.jsonb_build_object('order', app_hidden.order_json(v_order, true), 'money', v_settled -> 'money',
    'card_refund', v_settled -> 'card_refund');
end;
$$;

------------------------------------------------------------------------------------------------
-- Admin refund, partial or full, to credits (done in this call) or to the card (recorded as a
-- pending refund: returns {card_refund}; the server asks the provider, then api.finish_refund).
-- Default amount: all that is left. Never more than was paid in total, pending refunds counted.
------------------------------------------------------------------------------------------------
drop function api.refund_order(uuid, text, integer, jsonb);
create function api.refund_order(p_order_id uuid, p_to text, p_amount_cents integer)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_order public.orders;
  v_left integer;
  v_refundable integer;
  v_amount integer;
begin
  if not app_hidden.is_admin('admin') then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'This needs the admin role';
  end if;
  perform pg_catalog.set_config('role', 'service_role', true);
  select * into v_order from public.orders o where o.id = p_order_id for update;
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Order not found';
  end if;
  if v_order.status <> 'paid' then
    raise exception using errcode = 'RM409', message = 'order_not_paid',
      detail = case when v_order.status = 'refunded' then 'This order is already fully refunded'
                    else pg_catalog.format('A %s order cannot be refunded', v_order.status) end,
      hint = pg_catalog.jsonb_build_object('status', v_order.status)::text;
  end if;
  v_left := app_hidden.refundable_cents(v_order);
  v_refundable := least(case when p_to = 'card' then v_order.amount - v_order.card_refunded_cents - v_order.pending_refund_cents else v_left end, v_left);
  v_amount := coalesce(p_amount_cents, v_refundable);
  if v_amount <= 0 or v_amount > v_refundable then
    raise exception using errcode = 'RM422', message = 'refund_exceeds_paid',
      detail = pg_catalog.format('At most %s cents can be refunded%s', v_refundable, case when p_to = 'card' then ' to the card' else '' end),
      hint = pg_catalog.jsonb_build_object('refundable', v_refundable)::text;
  end if;
  if p_to = 'card' then
    if app_hidden.payment_reference(v_order) is null then
      raise exception using errcode = 'RM409', message = 'no_card_payment', detail = 'This order has no card payment to refund';
    end if;
    return pg_catalog.jsonb_build_object('card_refund', app_hidden.begin_card_refund(v_order, v_amount, auth.uid(), false));
  end if;
  insert into public.refunds (order_id, amount_cents, destination, created_by)
  values (v_order.id, v_amount, p_to, auth.uid());
  select * into v_order from public.orders o where o.id = p_order_id;
  return app_hidden.order_json(v_order, true);
end;
$$;

------------------------------------------------------------------------------------------------
-- Server only (service_role): the provider's answer to a pending card refund, in one call.
-- p_result: {"status": "completed", "id", "reference"} or {"status": "failed", "reason"}.
-- Completed: the refund completes with the provider's ids, unless that credit is already recorded
-- (its webhook came first). Failed: the amount is refundable again; a cancellation's refund
-- decision is undone and the order goes on the staff "needs refund" list. A refund that is no
-- longer pending keeps its state. Returns {status, order}.
------------------------------------------------------------------------------------------------
create function api.finish_refund(p_refund_id uuid, p_result jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_refund public.refunds;
  v_order public.orders;
  v_id text := p_result ->> 'id';
  v_twin uuid;
begin
  select * into v_refund from public.refunds r where r.id = p_refund_id;
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Refund not found';
  end if;
  -- The order first, as every refund path locks it, then the refund.
  select * into v_order from public.orders o where o.id = v_refund.order_id for update;
  select * into v_refund from public.refunds r where r.id = p_refund_id for update;
  if p_result ->> 'status' = 'completed' and v_id is not null then
    if exists (select 1 from public.refunds r where r.provider_refund_id = v_id) then
      null; -- already recorded (its webhook came first)
    elsif v_refund.status = 'pending' then
      update public.refunds r set status = 'completed', provider_refund_id = v_id, provider_refund_reference = p_result ->> 'reference'
       where r.id = p_refund_id;
    else
      -- A webhook completed this refund with a twin's credit (same order, same amount): this
      -- credit is the twin's, which is still pending.
      select r.id into v_twin from public.refunds r
       where r.order_id = v_refund.order_id and r.status = 'pending' and r.amount_cents = v_refund.amount_cents
       order by r.created_at, r.id limit 1 for update;
      if v_twin is not null then
        update public.refunds r set status = 'completed', provider_refund_id = v_id, provider_refund_reference = p_result ->> 'reference'
         where r.id = v_twin;
      end if;
    end if;
  elsif p_result ->> 'status' = 'failed' and v_refund.status = 'pending' then
    update public.refunds r set status = 'failed', failure_reason = coalesce(p_result ->> 'reason', 'payment_provider_unavailable')
     where r.id = p_refund_id;
    if v_refund.settles_cancellation then
      update public.orders o set cancellation_refund = null, cancellation_refund_at = null, cancellation_refund_by = null
       where o.id = v_refund.order_id and o.cancellation_refund = 'card';
      perform app_hidden.flag_order(v_refund.order_id, pg_catalog.jsonb_build_object('cancellation_refund_error', 'payment_provider_unavailable'));
    end if;
  end if;
  select * into v_refund from public.refunds r where r.id = p_refund_id;
  select * into v_order from public.orders o where o.id = v_refund.order_id;
  return pg_catalog.jsonb_build_object('status', v_refund.status, 'order', app_hidden.order_json(v_order, true));
end;
$$;

------------------------------------------------------------------------------------------------
-- Server only (service_role): up to p_limit pending card refunds older than p_older_than_seconds
-- and not taken up by a sweeper in that time, claimed for a retry with their own idempotency key.
-- Returns a JSON array of card refunds (as begin_card_refund returns them).
------------------------------------------------------------------------------------------------
create function api.claim_pending_refunds(p_older_than_seconds integer, p_limit integer)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_refund public.refunds;
  v_claimed jsonb := '[]';
  v_since timestamptz := pg_catalog.now() - pg_catalog.make_interval(secs => p_older_than_seconds);
begin
  for v_refund in
    select * from public.refunds r
     where r.status = 'pending' and r.created_at <= v_since and (r.attempted_at is null or r.attempted_at <= v_since)
     order by r.created_at limit p_limit
       for update skip locked
  loop
    update public.refunds r set attempted_at = pg_catalog.now() where r.id = v_refund.id;
    v_claimed := v_claimed || pg_catalog.jsonb_build_array(app_hidden.card_refund_json(v_refund,
      (select app_hidden.payment_reference(o) from public.orders o where o.id = v_refund.order_id)));
  end loop;
  return v_claimed;
end;
$$;

------------------------------------------------------------------------------------------------
-- A verified payment webhook, applied in one call (service_role), as before (20251203110000),
-- with Bolt's shapes: a `credit` names its own transaction (p_transaction_id, p_reference) and the
-- payment it refunds (p_source_reference, which finds the order when the body names none); it
-- completes our pending refund of that amount when it arrives before our own record of it.
-- p_kind is the event type mapped by the server (src/payments/service.ts says which type does
-- what): captured, failed, refunded, or null (stored, ignored on purpose).
------------------------------------------------------------------------------------------------
create index idx_orders_bolt_transaction_reference on public.orders ((metadata ->> 'bolt_transaction_reference'))
  where metadata ? 'bolt_transaction_reference';

drop function api.apply_payment_event(text, text, text, uuid, jsonb, text, text, jsonb, jsonb);
create function api.apply_payment_event(
  p_event_id text, p_provider text, p_type text, p_order_id uuid, p_payload jsonb,
  p_kind text, p_transaction_id text, p_reference jsonb, p_amount jsonb, p_source_reference text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_order public.orders;
  v_outcome text;
  v_pending uuid;
  -- A refund's amount when it is a JSON number (checked before any cast).
  v_refund numeric := case when pg_catalog.jsonb_typeof(p_amount) = 'number' then p_amount::numeric end;
begin
  -- Lock the order before storing the event: the event row's foreign key takes a share lock on
  -- the order, and two events taking that first and then waiting for FOR UPDATE deadlock.
  if p_order_id is not null then
    select * into v_order from public.orders o where o.id = p_order_id for update;
  elsif p_kind = 'refunded' and p_source_reference is not null then
    select * into v_order from public.orders o
     where o.metadata ->> 'bolt_transaction_reference' = p_source_reference and o.metadata ? 'bolt_transaction_reference'
     limit 1 for update;
  end if;
  insert into public.payment_events (id, provider, type, order_id, payload)
  values (p_event_id, p_provider, p_type, v_order.id, p_payload)
  on conflict (id) do nothing;
  if not found then
    return pg_catalog.jsonb_build_object('status', 'duplicate');
  end if;

  if v_order.id is null then
    v_outcome := 'unknown_order';
  elsif p_kind = 'captured' then
    -- Past its expiry a pending order is expired now, as the sweep would: its place may be gone.
    if v_order.status = 'pending' and v_order.expires_at <= pg_catalog.now() then
      v_order := app_hidden.fail_order(v_order, 'expired');
    end if;
    if v_order.status = 'failed' then
      -- Money arrived for an order we gave up on (e.g. expired): staff must look at it.
      perform app_hidden.flag_order(v_order.id, pg_catalog.jsonb_build_object('needs_review', true, 'late_payment_reference', p_reference));
      v_outcome := 'late_payment';
    elsif v_order.status <> 'pending' then
      v_outcome := 'no_change';
    elsif p_amount is null or p_amount is distinct from pg_catalog.to_jsonb(v_order.amount) then
      perform app_hidden.flag_order(v_order.id, pg_catalog.jsonb_build_object('needs_review', true, 'amount_mismatch', coalesce(p_amount, 'null'::jsonb)));
      v_outcome := 'amount_mismatch';
    else
      -- Both: the id names the transaction in Bolt's API, the reference is what a refund names.
      update public.orders o set status = 'paid',
        metadata = o.metadata || pg_catalog.jsonb_build_object('bolt_transaction_id', p_transaction_id, 'bolt_transaction_reference', p_reference)
       where o.id = v_order.id;
      update public.bookings b set status = 'confirmed' where b.order_id = v_order.id and b.status = 'scheduled';
      v_outcome := 'paid';
    end if;
  elsif p_kind = 'failed' then
    if v_order.status = 'pending' then
      perform app_hidden.fail_order(v_order, 'declined');
      v_outcome := 'failed';
    else
      v_outcome := 'no_change';
    end if;
  elsif p_kind = 'refunded' then
    -- A refund to the card: our own recorded ones change nothing; our pending one of this amount
    -- completes (its webhook came before our record); one made elsewhere is recorded, unless it
    -- exceeds what was paid (pending refunds counted).
    if v_order.status not in ('paid', 'refunded') then
      v_outcome := 'no_change';
    elsif v_refund is null or v_refund <> pg_catalog.trunc(v_refund) or v_refund <= 0 then
      v_outcome := 'ignored';
    elsif exists (select 1 from public.refunds r where r.provider_refund_id = p_transaction_id) then
      v_outcome := 'no_change';
    else
      select r.id into v_pending from public.refunds r
       where r.order_id = v_order.id and r.status = 'pending' and r.amount_cents = v_refund
       order by r.created_at, r.id limit 1 for update;
      if v_pending is not null then
        update public.refunds r set status = 'completed', provider_refund_id = p_transaction_id,
          provider_refund_reference = p_reference #>> '{}'
         where r.id = v_pending;
        v_outcome := 'refund_completed';
      elsif v_order.card_refunded_cents + v_order.pending_refund_cents + v_refund > v_order.amount
            or v_order.refunded_cents + v_order.pending_refund_cents + v_refund > v_order.amount + v_order.credits_applied * 100 then
        perform app_hidden.flag_order(v_order.id, pg_catalog.jsonb_build_object('needs_review', true, 'excess_refund', p_transaction_id));
        v_outcome := 'refund_exceeds_paid';
      else
        insert into public.refunds (order_id, amount_cents, destination, provider_refund_id, provider_refund_reference)
        values (v_order.id, v_refund::integer, 'card', p_transaction_id, p_reference #>> '{}');
        v_outcome := 'refunded';
      end if;
    end if;
  else
    v_outcome := 'ignored';
  end if;
  update public.payment_events e set outcome = v_outcome where e.id = p_event_id;
  return pg_catalog.jsonb_build_object('status', 'processed', 'outcome', v_outcome);
end;
$$;

-- The api functions of this file: callable as 20251203130000 explains (the wall is the invoker's
-- role: finish_refund, claim_pending_refunds and apply_payment_event write tables only
-- service_role may write).
grant execute on function api.cancel_booking(uuid, text) to public;
grant execute on function api.decide_cancellation_refund(uuid, text) to public;
grant execute on function api.refund_order(uuid, text, integer) to public;
grant execute on function api.finish_refund(uuid, jsonb) to public;
grant execute on function api.claim_pending_refunds(integer, integer) to public;
grant execute on function api.apply_payment_event(text, text, text, uuid, jsonb, text, text, jsonb, jsonb, text) to public;
