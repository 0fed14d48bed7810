-- One round trip per request (issue 9), for the money of orders: cancelling a booking, admin
-- refunds and refund decisions, the payment webhook and the expiry of unpaid orders. The rules
-- that lived in src/orders/service.ts live here now, once. Conventions: see
-- 20251203090000_api_functions.sql.
--
-- A card refund needs the payment provider, and no network call happens inside a database
-- function. Those paths run as one transaction in the server: the api function does the checks,
-- takes the locks and, instead of writing, returns what the refund needs ({"card_refund": …});
-- the server calls the provider while this transaction still holds the order's lock (so no
-- concurrent refund can pay the same money out twice) and calls the same function again with
-- the provider's answer (p_card_refund = {"refund_id": …}, null id: the provider could not
-- refund), which writes. Without a card refund due, the first call does everything.

------------------------------------------------------------------------------------------------
-- Helpers (run elevated, as service_role: the callers switch to it before writing)
------------------------------------------------------------------------------------------------

-- Staff-only flags of an order (needs_review, …), merged into order_flags (customers cannot read it).
create function app_hidden.flag_order(p_order_id uuid, p_flags jsonb)
returns void
language plpgsql
set search_path = ''
as $$
begin
  insert into public.order_flags as f (order_id, flags) values (p_order_id, p_flags)
  on conflict (order_id) do update set flags = f.flags || excluded.flags;
end;
$$;

-- Payment declined, order expired or booking cancelled before paying: the (locked, pending)
-- order fails, its live bookings are cancelled (freeing their places) and the credits it spent
-- come back, once.
create function app_hidden.fail_order(p_order public.orders, p_reason text)
returns public.orders
language plpgsql
set search_path = ''
as $$
declare
  v_failed public.orders;
begin
  update public.orders o set status = 'failed', metadata = o.metadata || pg_catalog.jsonb_build_object('failure_reason', p_reason)
   where o.id = p_order.id returning * into v_failed;
  update public.bookings b set status = 'cancelled' where b.order_id = p_order.id and b.status in ('scheduled', 'confirmed');
  if p_order.credits_applied > 0 then
    insert into public.credit_transactions (user_id, amount, type, description, reference_id)
    values (p_order.user_id, p_order.credits_applied, 'refunded', 'Credits returned: order ' || p_reason, p_order.id);
  end if;
  return v_failed;
end;
$$;

-- What a card refund needs, returned instead of writing (see the top of this file).
create function app_hidden.card_refund_plan(p_order public.orders, p_amount_cents integer)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
  return pg_catalog.jsonb_build_object('card_refund', pg_catalog.jsonb_build_object(
    'order_id', p_order.id,
    'amount_cents', p_amount_cents,
    'transaction_reference', case when pg_catalog.jsonb_typeof(p_order.metadata -> 'bolt_transaction_reference') = 'string'
                                  then p_order.metadata ->> 'bolt_transaction_reference' end));
end;
$$;

-- The card part a refund decision sends back to the card now (cents): what the card paid and is
-- not yet refunded, within what is left of the order.
create function app_hidden.cancellation_card_cents(p_order public.orders, p_decision text)
returns integer
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_decision is distinct from 'card' then
    return 0;
  end if;
  return least(p_order.amount - p_order.card_refunded_cents, p_order.amount + p_order.credits_applied * 100 - p_order.refunded_cents);
end;
$$;

-- The money of a paid order whose bookings are all cancelled (order locked, elevated), as the
-- API's CancellationMoney: all that is left goes back to the card (the part paid in credits as
-- credits) or all to credits, or stays ('none'). No decision leaves the order on the staff
-- "needs refund" list, as does a card refund the provider could not make (p_card_refund_id
-- null while a card part is due). The card part must have been refunded by the provider first.
create function app_hidden.settle_cancellation(p_order public.orders, p_decision text, p_decided_by uuid, p_card_refund_id text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_left integer := p_order.amount + p_order.credits_applied * 100 - p_order.refunded_cents;
  v_card integer := app_hidden.cancellation_card_cents(p_order, p_decision);
  v_credit_cents integer;
  v_after public.orders;
  v_reason text;
  v_message text;
begin
  if p_order.status <> 'paid' or v_left <= 0 or p_order.cancellation_refund is not null then
    return app_hidden.nothing_paid(p_order);
  end if;
  if p_decision is null or (v_card > 0 and p_card_refund_id is null) then
    -- Why no refund was made is for staff only: kept with the order's staff flags.
    v_reason := case when p_decision is null then 'staff_decision_needed' else 'payment_provider_unavailable' end;
    perform app_hidden.flag_order(p_order.id, pg_catalog.jsonb_build_object('cancellation_refund_error', v_reason));
    return pg_catalog.jsonb_build_object('outcome', 'refund_needed', 'refund_to', p_decision, 'card_cents', 0, 'credits', 0,
      'order_id', p_order.id, 'order_status', p_order.status,
      'message', case when p_decision is null then 'The booking was paid; an admin will decide about the refund'
                      else 'The card refund could not be made right now; staff will refund it' end);
  end if;
  v_credit_cents := case when p_decision = 'none' then 0 else (v_left - v_card) / 100 * 100 end;
  if v_card > 0 then
    insert into public.refunds (order_id, amount_cents, destination, provider_refund_id, created_by)
    values (p_order.id, v_card, 'card', p_card_refund_id, p_decided_by)
    on conflict (provider_refund_id) do nothing;
  end if;
  if v_credit_cents > 0 then
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
  return pg_catalog.jsonb_build_object('outcome', case when p_decision = 'none' then 'kept' else 'refunded' end,
    'refund_to', p_decision, 'card_cents', v_card, 'credits', v_credit_cents / 100,
    'order_id', p_order.id, 'order_status', v_after.status, 'message', v_message);
end;
$$;

-- CancellationMoney when nothing is refunded: no order, or nothing (left) to refund.
create function app_hidden.nothing_paid(p_order public.orders)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  return pg_catalog.jsonb_build_object('outcome', 'nothing_paid', 'refund_to', null, 'card_cents', 0, 'credits', 0,
    'order_id', p_order.id, 'order_status', p_order.status, 'message', 'Nothing was paid, so nothing is refunded');
end;
$$;

revoke all on function app_hidden.flag_order(uuid, jsonb) from public;
revoke all on function app_hidden.fail_order(public.orders, text) from public;
revoke all on function app_hidden.card_refund_plan(public.orders, integer) from public;
revoke all on function app_hidden.cancellation_card_cents(public.orders, text) from public;
revoke all on function app_hidden.settle_cancellation(public.orders, text, uuid, text) from public;
revoke all on function app_hidden.nothing_paid(public.orders) from public;
grant execute on function app_hidden.flag_order(uuid, jsonb) to service_role;
grant execute on function app_hidden.fail_order(public.orders, text) to service_role;
grant execute on function app_hidden.card_refund_plan(public.orders, integer) to service_role;
grant execute on function app_hidden.cancellation_card_cents(public.orders, text) to service_role;
grant execute on function app_hidden.settle_cancellation(public.orders, text, uuid, text) to service_role;
grant execute on function app_hidden.nothing_paid(public.orders) to service_role;

------------------------------------------------------------------------------------------------
-- Cancelling a booking, and what happens to its money (BookingService.cancel). Unpaid: the order
-- fails (credits back). Paid, by the customer (before the window): refunded to where the
-- business settings say. Paid, by an admin: p_refund is required (card, credits or none). Paid,
-- by an operator (who may not refund): the order goes to the "needs refund" list.
-- Returns {booking, money}, or {card_refund} (nothing written) when the card is to be refunded
-- and p_card_refund is null.
------------------------------------------------------------------------------------------------
create function api.cancel_booking(p_booking_id uuid, p_refund text, p_card_refund jsonb default null)
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
  v_decision text;
  v_money jsonb;
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
  v_settle := v_order.status = 'paid' and v_order.cancellation_refund is null
    and v_order.amount + v_order.credits_applied * 100 - v_order.refunded_cents > 0;
  if v_settle and v_admin and p_refund is null then
    raise exception using errcode = 'RM422', message = 'refund_decision_required',
      detail = 'This booking was paid: say how to refund it ("card", "credits" or "none")',
      hint = pg_catalog.jsonb_build_object('field', 'refund')::text;
  end if;
  -- The money is settled once every booking of the order is cancelled.
  v_settle := coalesce(v_settle, false) and not exists (
    select 1 from public.bookings b where b.order_id = v_order.id and b.id <> p_booking_id and b.status <> 'cancelled');
  v_decision := case when v_staff then p_refund else v_refund_to end;
  if v_settle and p_card_refund is null and app_hidden.cancellation_card_cents(v_order, v_decision) > 0 then
    return app_hidden.card_refund_plan(v_order, app_hidden.cancellation_card_cents(v_order, v_decision));
  end if;

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
    v_money := app_hidden.settle_cancellation(v_order, v_decision, v_uid, p_card_refund ->> 'refund_id');
  end if;
  return pg_catalog.jsonb_build_object('booking', app_hidden.booking_json(v_booking), 'money', v_money);
end;
$$;

revoke all on function api.cancel_booking(uuid, text, jsonb) from public;
grant execute on function api.cancel_booking(uuid, text, jsonb) to authenticated;

------------------------------------------------------------------------------------------------
-- Admin: decides the refund of a paid order whose bookings are all cancelled (from the "needs
-- refund" list). Returns {order, money}, or {card_refund} (nothing written) as above.
------------------------------------------------------------------------------------------------
create function api.decide_cancellation_refund(p_order_id uuid, p_decision text, p_card_refund jsonb default null)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_order public.orders;
  v_money jsonb;
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
  if p_card_refund is null and app_hidden.cancellation_card_cents(v_order, p_decision) > 0 then
    return app_hidden.card_refund_plan(v_order, app_hidden.cancellation_card_cents(v_order, p_decision));
  end if;
  v_money := app_hidden.settle_cancellation(v_order, p_decision, auth.uid(), p_card_refund ->> 'refund_id');
  select * into v_order from public.orders o where o.id = p_order_id;
  return pg_catalog.jsonb_build_object('order', app_hidden.order_json(v_order, true), 'money', v_money);
end;
$$;

revoke all on function api.decide_cancellation_refund(uuid, text, jsonb) from public;
grant execute on function api.decide_cancellation_refund(uuid, text, jsonb) to authenticated;

------------------------------------------------------------------------------------------------
-- Admin refund, partial or full, to credits (one `refunded` ledger row, by the refunds trigger)
-- or to the card. Default amount: all that is left. Never more than was paid in total (the
-- refunds trigger refuses it too, under the order's lock). Returns the order, or {card_refund}
-- (nothing written) for a card refund while p_card_refund is null.
------------------------------------------------------------------------------------------------
create function api.refund_order(p_order_id uuid, p_to text, p_amount_cents integer, p_card_refund jsonb default null)
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
  v_left := v_order.amount + v_order.credits_applied * 100 - v_order.refunded_cents;
  v_refundable := least(case when p_to = 'card' then v_order.amount - v_order.card_refunded_cents else v_left end, v_left);
  v_amount := coalesce(p_amount_cents, v_refundable);
  if v_amount <= 0 or v_amount > v_refundable then
    raise exception using errcode = 'RM422', message = 'refund_exceeds_paid',
      detail = pg_catalog.format('At most %s cents can be refunded%s', v_refundable, case when p_to = 'card' then ' to the card' else '' end),
      hint = pg_catalog.jsonb_build_object('refundable', v_refundable)::text;
  end if;
  if p_to = 'card' then
    if pg_catalog.jsonb_typeof(v_order.metadata -> 'bolt_transaction_reference') is distinct from 'string' then
      raise exception using errcode = 'RM409', message = 'no_card_payment', detail = 'This order has no card payment to refund';
    end if;
    if p_card_refund ->> 'refund_id' is null then
      return app_hidden.card_refund_plan(v_order, v_amount);
    end if;
  end if;
  insert into public.refunds (order_id, amount_cents, destination, provider_refund_id, created_by)
  values (v_order.id, v_amount, p_to, case when p_to = 'card' then p_card_refund ->> 'refund_id' end, auth.uid())
  on conflict (provider_refund_id) do nothing;
  select * into v_order from public.orders o where o.id = p_order_id;
  return app_hidden.order_json(v_order, true);
end;
$$;

revoke all on function api.refund_order(uuid, text, integer, jsonb) from public;
grant execute on function api.refund_order(uuid, text, integer, jsonb) to authenticated;

------------------------------------------------------------------------------------------------
-- A verified payment webhook, applied in one call (service_role): stored once by its id (a
-- replay is a no-op), applied to the locked order so that out-of-order events never move it
-- backwards. p_kind is the provider's event type mapped by the server: captured, failed,
-- refunded, or null (ignored). p_amount and p_reference are the body's values, unchecked.
-- Returns {status: processed | duplicate, outcome?}.
------------------------------------------------------------------------------------------------
create function api.apply_payment_event(
  p_event_id text, p_provider text, p_type text, p_order_id uuid, p_payload jsonb,
  p_kind text, p_transaction_id text, p_reference jsonb, p_amount jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_order public.orders;
  v_outcome text;
  v_paid_total integer;
  -- A refund's amount when it is a JSON number (checked before any cast).
  v_refund numeric := case when pg_catalog.jsonb_typeof(p_amount) = 'number' then p_amount::numeric end;
begin
  -- Lock the order before storing the event: the event row's foreign key takes a share lock on
  -- the order, and two events taking that first and then waiting for FOR UPDATE deadlock.
  if p_order_id is not null then
    select * into v_order from public.orders o where o.id = p_order_id for update;
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
    -- A refund to the card: our own are already recorded (their echo changes nothing); one made
    -- elsewhere is recorded, unless it exceeds what was paid.
    v_paid_total := v_order.amount + v_order.credits_applied * 100;
    if v_order.status not in ('paid', 'refunded') then
      v_outcome := 'no_change';
    elsif v_refund is null or v_refund <> pg_catalog.trunc(v_refund) or v_refund <= 0 then
      v_outcome := 'ignored';
    elsif exists (select 1 from public.refunds r where r.provider_refund_id = p_transaction_id) then
      v_outcome := 'no_change';
    elsif v_order.card_refunded_cents + v_refund > v_order.amount or v_order.refunded_cents + v_refund > v_paid_total then
      perform app_hidden.flag_order(v_order.id, pg_catalog.jsonb_build_object('needs_review', true, 'excess_refund', p_transaction_id));
      v_outcome := 'refund_exceeds_paid';
    else
      insert into public.refunds (order_id, amount_cents, destination, provider_refund_id)
      values (v_order.id, v_refund::integer, 'card', p_transaction_id)
      on conflict (provider_refund_id) do nothing;
      v_outcome := case when found then 'refunded' else 'no_change' end;
    end if;
  else
    v_outcome := 'ignored';
  end if;
  update public.payment_events e set outcome = v_outcome where e.id = p_event_id;
  return pg_catalog.jsonb_build_object('status', 'processed', 'outcome', v_outcome);
end;
$$;

revoke all on function api.apply_payment_event(text, text, text, uuid, jsonb, text, text, jsonb, jsonb) from public;
grant execute on function api.apply_payment_event(text, text, text, uuid, jsonb, text, text, jsonb, jsonb) to service_role;

------------------------------------------------------------------------------------------------
-- Expiry (service_role): a batch of unpaid orders past their expiry fail (bookings cancelled,
-- credits back). Rows another process is already expiring are skipped: any number of servers
-- may sweep at once. Returns how many expired.
------------------------------------------------------------------------------------------------
create function api.expire_unpaid_orders(p_batch integer)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_order public.orders;
  v_count integer := 0;
begin
  for v_order in
    select * from public.orders o
     where o.status = 'pending' and o.expires_at <= pg_catalog.now()
     order by o.expires_at limit p_batch
       for update skip locked
  loop
    perform app_hidden.fail_order(v_order, 'expired');
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;

revoke all on function api.expire_unpaid_orders(integer) from public;
grant execute on function api.expire_unpaid_orders(integer) to service_role;

-- The order behind a provider checkout (the checkout id is the capability), for the checkout
-- page: a pending order whose checkout has expired is expired on the spot, as the sweep would.
-- Returns {order, expired}, or null when there is no such order.
create function api.open_checkout(p_provider text, p_checkout_id text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_order public.orders;
  v_expired boolean := false;
begin
  select * into v_order from public.orders o where o.bolt_checkout_id = p_checkout_id and o.provider = p_provider;
  if not found then
    return null;
  end if;
  if v_order.status = 'pending' and v_order.expires_at <= pg_catalog.now() then
    select * into v_order from public.orders o where o.id = v_order.id for update;
    if v_order.status = 'pending' and v_order.expires_at <= pg_catalog.now() then
      v_order := app_hidden.fail_order(v_order, 'expired');
      v_expired := true;
    end if;
  end if;
  return pg_catalog.jsonb_build_object('order', app_hidden.order_json(v_order, false), 'expired', v_expired);
end;
$$;

revoke all on function api.open_checkout(text, text) from public;
grant execute on function api.open_checkout(text, text) to service_role;
