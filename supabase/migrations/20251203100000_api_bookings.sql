-- Booking a session and moving it, each in ONE database call (issue 9): api.book_session and
-- api.reschedule_booking hold every rule BookingService.create / OrderService.openForBooking and
-- BookingService.reschedule checked in TypeScript, with the same codes, messages and details.
-- The payment checkout is created by the server AFTER api.book_session commits (no network call
-- inside a transaction); api.attach_checkout stores its id, api.fail_checkout gives up the order
-- when the provider cannot make one. Capacity, double booking and overdraft stay enforced by the
-- constraints and triggers under concurrency; the checks here only answer first, and clearly.

------------------------------------------------------------------------------------------------
-- The price of a session from the catalog (was src/catalog/pricing.ts). Runs as the caller:
-- only active items count. Unknown items and quantities the catalog does not allow are the
-- caller's mistake (400 validation_failed). Add-ons as json, not jsonb: their order is the
-- request's, so the first bad one is the one reported, as before.
-- Returns {service_type, add_ons, duration, total_amount}; add_ons as a booking stores them.
------------------------------------------------------------------------------------------------
create function app_hidden.quote_session(p_service_type text, p_add_ons json)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_service public.services;
  v_add_on public.add_ons;
  v_key text;
  v_value json;
  v_number numeric;
  v_quantity integer;
  v_stored jsonb := '{}';
  v_duration integer;
  v_total integer;
begin
  select * into v_service from public.services s where s.key = p_service_type and s.active;
  if not found then
    raise exception using errcode = 'RM400', message = 'validation_failed',
      detail = pg_catalog.format('Unknown service "%s"', p_service_type),
      hint = pg_catalog.jsonb_build_object('field', 'service_type', 'code', 'unknown_service')::text;
  end if;
  v_duration := v_service.duration_minutes;
  v_total := v_service.price_cents;
  for v_key, v_value in select e.key, e.value from pg_catalog.json_each(coalesce(p_add_ons, '{}'::json)) e loop
    select * into v_add_on from public.add_ons a where a.key = v_key and a.active;
    if not found then
      raise exception using errcode = 'RM400', message = 'validation_failed',
        detail = pg_catalog.format('Unknown add-on "%s"', v_key),
        hint = pg_catalog.jsonb_build_object('field', 'add_ons.' || v_key, 'code', 'unknown_add_on')::text;
    end if;
    if v_add_on.per_unit then
      v_number := case when pg_catalog.json_typeof(v_value) = 'number' then (v_value #>> '{}')::numeric end;
      if v_number is null or v_number <> pg_catalog.trunc(v_number) or v_number < 0 or v_number > v_add_on.max_quantity then
        raise exception using errcode = 'RM400', message = 'validation_failed',
          detail = pg_catalog.format('%s takes a whole number from 0 to %s', v_add_on.name, v_add_on.max_quantity),
          hint = pg_catalog.jsonb_build_object('field', 'add_ons.' || v_key)::text;
      end if;
      v_quantity := v_number::integer;
    else
      if pg_catalog.json_typeof(v_value) is distinct from 'boolean' then
        raise exception using errcode = 'RM400', message = 'validation_failed',
          detail = pg_catalog.format('%s is true or false', v_add_on.name),
          hint = pg_catalog.jsonb_build_object('field', 'add_ons.' || v_key)::text;
      end if;
      v_quantity := case when (v_value #>> '{}') = 'true' then 1 else 0 end;
    end if;
    continue when v_quantity = 0;
    v_stored := v_stored || pg_catalog.jsonb_build_object(v_key, case when v_add_on.per_unit then pg_catalog.to_jsonb(v_quantity) else 'true'::jsonb end);
    v_total := v_total + v_add_on.price_cents * v_quantity;
    v_duration := v_duration + v_add_on.extra_minutes * v_quantity;
  end loop;
  return pg_catalog.jsonb_build_object('service_type', v_service.key, 'add_ons', v_stored, 'duration', v_duration, 'total_amount', v_total);
end;
$$;

------------------------------------------------------------------------------------------------
-- The checks a slot must pass to take a booking (or a moved one), in the order a customer would
-- want to hear them. p_slot is the row the caller read (all null when there is none). Returns
-- the instant the slot starts in the business timezone (what the booking's date_time becomes).
------------------------------------------------------------------------------------------------
create function app_hidden.bookable_slot_start(p_slot public.availability_slots, p_settings public.business_settings)
returns timestamptz
language plpgsql
stable
set search_path = ''
as $$
declare
  v_starts_at timestamptz;
begin
  if p_slot.id is null then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Slot not found';
  end if;
  v_starts_at := (p_slot.date + p_slot.start_time) at time zone p_settings.timezone;
  if v_starts_at < pg_catalog.now() + pg_catalog.make_interval(mins => p_settings.min_notice_minutes) then
    raise exception using errcode = 'RM422', message = 'too_late',
      detail = pg_catalog.format('Sessions must be booked at least %s minutes ahead', p_settings.min_notice_minutes),
      hint = pg_catalog.jsonb_build_object('min_notice_minutes', p_settings.min_notice_minutes)::text;
  end if;
  if not p_slot.is_available then
    raise exception using errcode = 'RM409', message = 'slot_unavailable', detail = 'That time slot is not available';
  end if;
  if p_slot.current_bookings >= p_slot.max_bookings then
    raise exception using errcode = 'RM409', message = 'slot_full', detail = 'That time slot is full';
  end if;
  return v_starts_at;
end;
$$;

revoke all on function app_hidden.quote_session(text, json) from public;
revoke all on function app_hidden.bookable_slot_start(public.availability_slots, public.business_settings) from public;
grant execute on function app_hidden.quote_session(text, json) to authenticated, service_role;
grant execute on function app_hidden.bookable_slot_start(public.availability_slots, public.business_settings) to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Books a slot for the caller. Reads and checks run as the caller (RLS); the writes are the
-- privileged step (customers have no insert grant), priced here from the catalog, never from
-- the client. The order: amount = subtotal + setup fee (first live order only) − credits × 100;
-- credits are spent as one ledger row; the customer's row lock serializes their parallel
-- bookings and the ledger's balance check refuses any overdraft. Nothing due: paid at once and
-- the booking confirmed; else pending until expires_at, and the server opens the checkout.
-- p_use_credits: a number, "all", or null. p_provider: the payment provider a pending order
-- will be paid through; p_checkout_id: its checkout, when the provider names it before the order
-- exists (the offline fake: then no second call is needed). Returns {booking, order, customer_email} (the email for the checkout,
-- null when nothing is due).
------------------------------------------------------------------------------------------------
create function api.book_session(
  p_slot_id uuid,
  p_service_type text,
  p_add_ons json,
  p_address jsonb,
  p_notes text,
  p_use_credits jsonb,
  p_provider text,
  p_checkout_id text default null
)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_user_id uuid := auth.uid();
  v_settings public.business_settings;
  v_quote jsonb;
  v_subtotal integer;
  v_address jsonb := p_address;
  v_zip text;
  v_slot public.availability_slots;
  v_starts_at timestamptz;
  v_description text;
  v_credits integer;
  v_email text;
  v_setup_fee integer;
  v_due integer;
  v_spend integer := 0;
  v_amount integer;
  v_order public.orders;
  v_booking public.bookings;
begin
  if v_user_id is null then
    raise exception using errcode = 'RM401', message = 'unauthorized', detail = 'Sign in to continue';
  end if;
  select * into v_settings from public.business_settings s where s.id;
  v_quote := app_hidden.quote_session(p_service_type, p_add_ons);
  v_subtotal := (v_quote ->> 'total_amount')::integer;
  if v_address is null then
    select p.address into v_address from public.profiles p where p.id = v_user_id;
  end if;
  if v_address is null then
    raise exception using errcode = 'RM422', message = 'address_required',
      detail = 'Add an address to your profile or to the booking',
      hint = pg_catalog.jsonb_build_object('field', 'address')::text;
  end if;
  v_zip := pg_catalog.left(v_address ->> 'zip', 5);
  if pg_catalog.cardinality(v_settings.service_area_zips) > 0 and not coalesce(v_zip = any (v_settings.service_area_zips), false) then
    raise exception using errcode = 'RM422', message = 'outside_service_area',
      detail = pg_catalog.format('We do not serve %s yet', v_zip),
      hint = pg_catalog.jsonb_build_object('zip', v_zip)::text;
  end if;
  select * into v_slot from public.availability_slots s where s.id = p_slot_id;
  v_starts_at := app_hidden.bookable_slot_start(v_slot, v_settings);

  -- The privileged step: customers cannot write orders, the ledger or bookings.
  perform pg_catalog.set_config('role', 'service_role', true);
  if exists (select 1 from public.bookings b where b.user_id = v_user_id and b.date_time = v_starts_at and b.status <> 'cancelled') then
    raise exception using errcode = 'RM409', message = 'already_booked', detail = 'You already have a booking at that time';
  end if;
  select p.credits, p.email into v_credits, v_email from public.profiles p where p.id = v_user_id for update;
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Profile not found';
  end if;
  v_setup_fee := case
    when exists (select 1 from public.orders o where o.user_id = v_user_id and o.setup_fee_applied > 0 and o.status <> 'failed') then 0
    else v_settings.setup_fee_cents
  end;
  v_due := v_subtotal + v_setup_fee;
  if p_use_credits = '"all"'::jsonb then
    v_spend := least(v_credits, v_due / 100);
  elsif pg_catalog.jsonb_typeof(p_use_credits) = 'number' then
    if p_use_credits::numeric > v_credits then
      raise exception using errcode = 'RM422', message = 'insufficient_credits',
        detail = pg_catalog.format('You have %s credits', v_credits),
        hint = pg_catalog.jsonb_build_object('balance', v_credits)::text;
    end if;
    v_spend := greatest(least(p_use_credits::numeric, v_due / 100), 0)::integer;
  end if;
  v_amount := v_due - v_spend * 100;
  v_description := pg_catalog.format('%s on %s at %s', v_quote ->> 'service_type',
    pg_catalog.to_char(v_slot.date, 'YYYY-MM-DD'), pg_catalog.to_char(v_slot.start_time, 'HH24:MI'));

  insert into public.orders (user_id, amount, setup_fee_applied, credits_applied, status, provider, bolt_checkout_id, expires_at, paid_at, metadata)
  values (
    v_user_id, v_amount, v_setup_fee, v_spend,
    case when v_amount = 0 then 'paid' else 'pending' end::public.order_status,
    case when v_amount = 0 then null else p_provider end,
    case when v_amount = 0 then null else p_checkout_id end,
    case when v_amount > 0 then pg_catalog.now() + pg_catalog.make_interval(mins => v_settings.order_expiry_minutes) end,
    case when v_amount = 0 then pg_catalog.now() end,
    pg_catalog.jsonb_build_object('subtotal_cents', v_subtotal, 'description', v_description))
  returning * into v_order;
  if v_spend > 0 then
    insert into public.credit_transactions (user_id, amount, type, description, reference_id)
    values (v_user_id, -v_spend, 'spent', 'Applied to order: ' || v_description, v_order.id);
  end if;

  insert into public.bookings (user_id, order_id, status, slot_id, date_time, duration, service_type, add_ons, notes, address, total_amount)
  values (
    v_user_id, v_order.id,
    case when v_order.status = 'paid' then 'confirmed' else 'scheduled' end::public.booking_status,
    v_slot.id, v_starts_at, (v_quote ->> 'duration')::integer, v_quote ->> 'service_type', v_quote -> 'add_ons',
    p_notes, v_address, v_subtotal)
  returning * into v_booking;

  return pg_catalog.jsonb_build_object(
    'booking', app_hidden.booking_json(v_booking),
    'order', app_hidden.order_json(v_order, false),
    'customer_email', case when v_order.status = 'pending' then v_email end);
end;
$$;

revoke all on function api.book_session(uuid, text, json, jsonb, text, jsonb, text, text) from public;
grant execute on function api.book_session(uuid, text, json, jsonb, text, jsonb, text, text) to authenticated;

------------------------------------------------------------------------------------------------
-- Server only (service_role), after api.book_session committed: the provider's checkout id of
-- a pending order. Returns the order.
------------------------------------------------------------------------------------------------
create function api.attach_checkout(p_order_id uuid, p_checkout_id text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_order public.orders;
begin
  update public.orders o set bolt_checkout_id = p_checkout_id where o.id = p_order_id returning * into v_order;
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Order not found';
  end if;
  return app_hidden.order_json(v_order, false);
end;
$$;

------------------------------------------------------------------------------------------------
-- Server only (service_role): the provider could not open the checkout of a new pending order,
-- so the booking is given up as a declined payment is: the order fails, its booking is
-- cancelled (freeing the place) and the credits it spent come back, once. Not pending (already
-- failed, or paid meanwhile): nothing changes. Returns the order.
------------------------------------------------------------------------------------------------
create function api.fail_checkout(p_order_id uuid)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_order public.orders;
begin
  select * into v_order from public.orders o where o.id = p_order_id for update;
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Order not found';
  end if;
  if v_order.status <> 'pending' then
    return app_hidden.order_json(v_order, false);
  end if;
  update public.orders o set status = 'failed', metadata = o.metadata || '{"failure_reason": "checkout_failed"}'::jsonb
  where o.id = p_order_id returning * into v_order;
  update public.bookings b set status = 'cancelled' where b.order_id = p_order_id and b.status in ('scheduled', 'confirmed');
  if v_order.credits_applied > 0 then
    insert into public.credit_transactions (user_id, amount, type, description, reference_id)
    values (v_order.user_id, v_order.credits_applied, 'refunded', 'Credits returned: order checkout_failed', v_order.id);
  end if;
  return app_hidden.order_json(v_order, false);
end;
$$;

revoke all on function api.attach_checkout(uuid, text) from public;
revoke all on function api.fail_checkout(uuid) from public;
grant execute on function api.attach_checkout(uuid, text) to service_role;
grant execute on function api.fail_checkout(uuid) to service_role;

------------------------------------------------------------------------------------------------
-- Moves a booking to another slot atomically: the slot trigger takes the new place before it
-- frees the old. The booking must be visible to the caller (RLS: own, or staff) and live;
-- customers move only before the cancellation window, staff any time. The same slot: nothing
-- to do. Returns the booking.
------------------------------------------------------------------------------------------------
create function api.reschedule_booking(p_booking_id uuid, p_slot_id uuid)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_settings public.business_settings;
  v_slot public.availability_slots;
  v_starts_at timestamptz;
begin
  if auth.uid() is null then
    raise exception using errcode = 'RM401', message = 'unauthorized', detail = 'Sign in to continue';
  end if;
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Booking not found';
  end if;
  select * into v_settings from public.business_settings s where s.id;
  if v_booking.status not in ('scheduled', 'confirmed') then
    raise exception using errcode = 'RM409', message = 'invalid_transition',
      detail = pg_catalog.format('A %s booking cannot be moved', v_booking.status);
  end if;
  if v_booking.date_time < pg_catalog.now() + pg_catalog.make_interval(mins => v_settings.cancellation_window_minutes)
     and not app_hidden.is_admin('operator') then
    raise exception using errcode = 'RM422', message = 'cancellation_window_passed',
      -- Hours as JavaScript prints a number (24, 1.5), as the message always read.
      detail = pg_catalog.format('Sessions can be moved online up to %s hours before; please contact us',
        (v_settings.cancellation_window_minutes / 60.0)::float8),
      hint = pg_catalog.jsonb_build_object('cancellation_window_minutes', v_settings.cancellation_window_minutes)::text;
  end if;
  if v_booking.slot_id = p_slot_id then
    return app_hidden.booking_json(v_booking);
  end if;
  select * into v_slot from public.availability_slots s where s.id = p_slot_id;
  v_starts_at := app_hidden.bookable_slot_start(v_slot, v_settings);

  -- The privileged step: customers cannot move bookings themselves.
  perform pg_catalog.set_config('role', 'service_role', true);
  if exists (select 1 from public.bookings b where b.user_id = v_booking.user_id and b.date_time = v_starts_at and b.status <> 'cancelled') then
    raise exception using errcode = 'RM409', message = 'already_booked', detail = 'You already have a booking at that time';
  end if;
  update public.bookings b set slot_id = v_slot.id, date_time = v_starts_at where b.id = p_booking_id returning * into v_booking;
  return app_hidden.booking_json(v_booking);
end;
$$;

revoke all on function api.reschedule_booking(uuid, uuid) from public;
grant execute on function api.reschedule_booking(uuid, uuid) to authenticated;
