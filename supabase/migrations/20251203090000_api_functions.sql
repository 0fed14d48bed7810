-- One round trip per request (issue 9): the writes that matter are database functions in the
-- schema `api`, called by the server in ONE statement that first sets the caller's role and JWT
-- claims (src/db/caller.ts, callStatement). Conventions for every function in `api`:
--   * language plpgsql, never sql: a plpgsql body is planned when it runs, under the caller's
--     role, so RLS applies to its reads (an inlined sql function would be planned with the
--     outer statement, before the role is set). A test checks this.
--   * security invoker; a privileged step switches the rest of the transaction to service_role
--     with set_config('role', 'service_role', true), as the TypeScript services did
--     (elevateToService): allowed because the session user (the server's connection) is a member
--     of service_role. Identity comes from auth.uid() only, never from an argument.
--   * errors: SQLSTATE 'RM' || HTTP status, MESSAGE = the stable code the API documents,
--     DETAIL = the human text, HINT = details as a JSON object. src/errors.ts maps them; the
--     TypeScript does not repeat these checks.
--   * results: one jsonb value in the API's shapes (timestamps as ISO 8601 UTC with
--     milliseconds, as JavaScript prints them), built by the helpers below.
-- Not exposed through PostgREST (Supabase exposes public and graphql_public).

create schema api;
revoke all on schema api from public;
grant usage on schema api to anon, authenticated, service_role;

-- A timestamp as JavaScript's Date.prototype.toISOString prints it: '2026-01-02T03:04:05.678Z'.
create function app_hidden.iso(p_at timestamptz)
returns text
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- A booking in the API's shape (src/bookings/repository.ts, Booking).
create function app_hidden.booking_json(b public.bookings)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', b.id, 'user_id', b.user_id, 'order_id', b.order_id, 'slot_id', b.slot_id,
    'date_time', app_hidden.iso(b.date_time), 'duration', b.duration, 'service_type', b.service_type,
    'add_ons', b.add_ons, 'status', b.status, 'notes', b.notes, 'address', b.address,
    'total_amount', b.total_amount, 'cancelled_at', app_hidden.iso(b.cancelled_at),
    'created_at', app_hidden.iso(b.created_at), 'updated_at', app_hidden.iso(b.updated_at))
$$;

-- An order in the API's shape (src/orders/repository.ts, Order). Staff flags only for admins:
-- the caller's admin role is read here, since the function may run elevated by then.
create function app_hidden.order_json(o public.orders, p_with_flags boolean)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', o.id, 'user_id', o.user_id, 'bolt_checkout_id', o.bolt_checkout_id, 'amount', o.amount,
    'setup_fee_applied', o.setup_fee_applied, 'credits_applied', o.credits_applied,
    'refunded_cents', o.refunded_cents, 'card_refunded_cents', o.card_refunded_cents,
    'status', o.status, 'provider', o.provider, 'metadata', o.metadata,
    'staff_flags', case when p_with_flags then (select f.flags from public.order_flags f where f.order_id = o.id) end,
    'cancellation_refund', o.cancellation_refund, 'cancellation_refund_at', app_hidden.iso(o.cancellation_refund_at),
    'expires_at', app_hidden.iso(o.expires_at), 'paid_at', app_hidden.iso(o.paid_at),
    'created_at', app_hidden.iso(o.created_at), 'updated_at', app_hidden.iso(o.updated_at))
$$;

grant execute on function app_hidden.iso(timestamptz) to anon, authenticated, service_role;
grant execute on function app_hidden.booking_json(public.bookings) to anon, authenticated, service_role;
grant execute on function app_hidden.order_json(public.orders, boolean) to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Staff: scheduled → confirmed, confirmed → completed (the status trigger refuses completing
-- before the start: too_early). Runs as the caller: staff may update bookings under RLS.
------------------------------------------------------------------------------------------------
create function api.set_booking_status(p_booking_id uuid, p_status public.booking_status)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_from public.booking_status := case p_status when 'confirmed' then 'scheduled' when 'completed' then 'confirmed' end;
begin
  if not app_hidden.is_admin('operator') then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'This needs the operator role';
  end if;
  if v_from is null then
    raise exception using errcode = 'RM400', message = 'validation_failed', detail = 'A booking can be set to confirmed or completed here';
  end if;
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Booking not found';
  end if;
  if v_booking.status <> v_from and v_booking.status <> p_status then
    raise exception using errcode = 'RM409', message = 'invalid_transition',
      detail = pg_catalog.format('A %s booking cannot become %s', v_booking.status, p_status),
      hint = pg_catalog.jsonb_build_object('status', v_booking.status)::text;
  end if;
  update public.bookings b set status = p_status where b.id = p_booking_id returning * into v_booking;
  return app_hidden.booking_json(v_booking);
end;
$$;

revoke all on function api.set_booking_status(uuid, public.booking_status) from public;
grant execute on function api.set_booking_status(uuid, public.booking_status) to authenticated;

------------------------------------------------------------------------------------------------
-- The signed-in customer's own profile (GET /api/me), under RLS.
------------------------------------------------------------------------------------------------
create function api.me()
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_profile jsonb;
begin
  select pg_catalog.jsonb_build_object(
           'id', p.id, 'email', p.email, 'full_name', p.full_name, 'phone', p.phone, 'address', p.address,
           'referral_code', p.referral_code, 'credits', p.credits, 'created_at', app_hidden.iso(p.created_at))
    into v_profile
    from public.profiles p where p.id = auth.uid();
  if v_profile is null then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Profile not found';
  end if;
  return v_profile;
end;
$$;

revoke all on function api.me() from public;
grant execute on function api.me() to authenticated;
