-- One round trip per list (issue 9): the hot reads are `api` functions called as the caller in
-- one statement (src/db/caller.ts). Same conventions as 20251203090000_api_functions.sql:
-- plpgsql (planned under the caller's role, so RLS applies), security invoker, empty search_path.
-- Each returns the whole response body as json, which the server sends as it is, as PostgREST
-- does (bench/lists.ts measured this against plain rows written by Fastify's serializer: json was
-- the faster on both engines). Row subqueries are aggregated whole (json_agg of the row, in the
-- order the subquery sorts, as PostgREST relies on). Timestamps print as JavaScript's
-- toISOString (app_hidden.iso).

------------------------------------------------------------------------------------------------
-- Availability (public): future, available, not-full slots from p_from to p_to (local dates,
-- inclusive) starting at least min_notice_minutes from now. starts_at carries the business
-- timezone's offset: the transaction's TimeZone is set to it (transaction-local).
------------------------------------------------------------------------------------------------
create function api.availability(p_from date, p_to date)
returns json
language plpgsql
volatile -- it sets the transaction's TimeZone
set search_path = ''
as $$
declare
  v_zone text;
  v_notice integer;
  v_result json;
begin
  select s.timezone, s.min_notice_minutes into v_zone, v_notice from public.business_settings s where s.id;
  perform pg_catalog.set_config('timezone', v_zone, true);
  select pg_catalog.json_build_object('slots', coalesce(pg_catalog.json_agg(x), '[]'::json)) into v_result
    from (
      select s.id, s.date, pg_catalog.to_char(s.start_time, 'HH24:MI') as start_time, pg_catalog.to_char(s.end_time, 'HH24:MI') as end_time,
             pg_catalog.to_char((s.date + s.start_time) at time zone v_zone, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') as starts_at,
             s.max_bookings - s.current_bookings as remaining
        from public.availability_slots s
       where s.date between p_from and p_to
         and s.is_available and s.current_bookings < s.max_bookings
         and (s.date + s.start_time) at time zone v_zone >= pg_catalog.now() + pg_catalog.make_interval(mins => coalesce(v_notice, 0))
       order by s.date, s.start_time
    ) x;
  return v_result;
end;
$$;

------------------------------------------------------------------------------------------------
-- Bookings (signed in): customers their own, staff (operator and up) anyone's with filters;
-- newest session first, with who booked and the total for paging.
------------------------------------------------------------------------------------------------
create function api.list_bookings(p_status public.booking_status, p_from timestamptz, p_to timestamptz,
                                  p_customer uuid, p_limit integer, p_offset integer)
returns json
language plpgsql
stable
set search_path = ''
as $$
declare
  v_customer uuid := case when app_hidden.is_admin('operator') then p_customer else auth.uid() end;
  v_bookings json;
  v_total integer;
begin
  -- Rows turned to JSON whole (json_agg of the row, in the subquery's order, as PostgREST does):
  -- cheaper than building each object field by field. The same fields as app_hidden.booking_json.
  select coalesce(pg_catalog.json_agg(x), '[]'::json) into v_bookings
    from (
      select b.id, b.user_id, b.order_id, b.slot_id, app_hidden.iso(b.date_time) as date_time, b.duration, b.service_type,
             b.add_ons, b.status, b.notes, b.address, b.total_amount, app_hidden.iso(b.cancelled_at) as cancelled_at,
             app_hidden.iso(b.created_at) as created_at, app_hidden.iso(b.updated_at) as updated_at,
             (select pg_catalog.json_build_object('id', p.id, 'full_name', p.full_name, 'email', p.email, 'phone', p.phone)
                from public.profiles p where p.id = b.user_id) as customer
        from public.bookings b
       where (p_status is null or b.status = p_status)
         and (p_from is null or b.date_time >= p_from)
         and (p_to is null or b.date_time < p_to)
         and (v_customer is null or b.user_id = v_customer)
       order by b.date_time desc, b.id
       limit p_limit offset p_offset
    ) x;
  select pg_catalog.count(*)::integer into v_total
    from public.bookings b
   where (p_status is null or b.status = p_status)
     and (p_from is null or b.date_time >= p_from)
     and (p_to is null or b.date_time < p_to)
     and (v_customer is null or b.user_id = v_customer);
  return pg_catalog.json_build_object('bookings', v_bookings, 'total', v_total, 'limit', p_limit, 'offset', p_offset);
end;
$$;

------------------------------------------------------------------------------------------------
-- Orders (signed in): customers their own, admins anyone's (with staff flags); newest first.
------------------------------------------------------------------------------------------------
create function api.list_orders(p_status public.order_status, p_customer uuid, p_limit integer, p_offset integer)
returns json
language plpgsql
stable
set search_path = ''
as $$
declare
  v_admin boolean := app_hidden.is_admin('admin');
  v_customer uuid := case when v_admin then p_customer else auth.uid() end;
  v_orders json;
  v_total integer;
begin
  -- As list_bookings: rows turned to JSON whole; the same fields as app_hidden.order_json.
  select coalesce(pg_catalog.json_agg(x), '[]'::json) into v_orders
    from (
      select o.id, o.user_id, o.bolt_checkout_id, o.amount, o.setup_fee_applied, o.credits_applied, o.refunded_cents,
             o.card_refunded_cents, o.status, o.provider, o.metadata,
             case when v_admin then (select f.flags from public.order_flags f where f.order_id = o.id) end as staff_flags,
             o.cancellation_refund, app_hidden.iso(o.cancellation_refund_at) as cancellation_refund_at,
             app_hidden.iso(o.expires_at) as expires_at, app_hidden.iso(o.paid_at) as paid_at,
             app_hidden.iso(o.created_at) as created_at, app_hidden.iso(o.updated_at) as updated_at
        from public.orders o
       where (p_status is null or o.status = p_status) and (v_customer is null or o.user_id = v_customer)
       order by o.created_at desc, o.id
       limit p_limit offset p_offset
    ) x;
  select pg_catalog.count(*)::integer into v_total
    from public.orders o
   where (p_status is null or o.status = p_status) and (v_customer is null or o.user_id = v_customer);
  return pg_catalog.json_build_object('orders', v_orders, 'total', v_total);
end;
$$;

------------------------------------------------------------------------------------------------
-- My credits (signed in): the balance and the newest p_limit ledger rows.
------------------------------------------------------------------------------------------------
create function api.my_credits(p_limit integer)
returns json
language plpgsql
stable
set search_path = ''
as $$
declare
  v_balance integer;
  v_transactions json;
begin
  select p.credits into v_balance from public.profiles p where p.id = auth.uid();
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Profile not found';
  end if;
  select coalesce(pg_catalog.json_agg(t), '[]'::json) into v_transactions
    from (
      select c.id, c.amount, c.type, c.description, c.reference_id, app_hidden.iso(c.created_at) as created_at
        from public.credit_transactions c
       where c.user_id = auth.uid()
       order by c.created_at desc, c.id desc
       limit p_limit
    ) t;
  return pg_catalog.json_build_object('balance', v_balance, 'transactions', v_transactions);
end;
$$;

------------------------------------------------------------------------------------------------
-- The catalog: public sees active items (RLS), admins everything; p_admin asks for the admin
-- view and refuses non-admins. Business settings: admins.
------------------------------------------------------------------------------------------------
create function api.catalog(p_admin boolean)
returns json
language plpgsql
stable
set search_path = ''
as $$
declare
  v_services json;
  v_add_ons json;
begin
  if p_admin and not app_hidden.is_admin('admin') then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'This needs the admin role';
  end if;
  select coalesce(pg_catalog.json_agg(s), '[]'::json) into v_services
    from (select x.key, x.name, x.description, x.duration_minutes, x.price_cents, x.active, x.sort_order
            from public.services x order by x.sort_order, x.key) s;
  select coalesce(pg_catalog.json_agg(a), '[]'::json) into v_add_ons
    from (select x.key, x.name, x.description, x.price_cents, x.per_unit, x.max_quantity, x.extra_minutes, x.active, x.sort_order
            from public.add_ons x order by x.sort_order, x.key) a;
  return pg_catalog.json_build_object('services', v_services, 'add_ons', v_add_ons);
end;
$$;

create function api.business_settings()
returns json
language plpgsql
stable
set search_path = ''
as $$
declare
  v_result json;
begin
  if not app_hidden.is_admin('admin') then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'This needs the admin role';
  end if;
  select pg_catalog.row_to_json(s) into v_result
    from (select x.timezone, x.min_notice_minutes, x.cancellation_window_minutes, x.service_area_zips, x.setup_fee_cents,
                 x.referral_reward_credits, x.order_expiry_minutes, x.cancellation_refund_to, x.referral_reward_on
            from public.business_settings x where x.id) s;
  return v_result;
end;
$$;

revoke all on function api.availability(date, date),
  api.list_bookings(public.booking_status, timestamptz, timestamptz, uuid, integer, integer),
  api.list_orders(public.order_status, uuid, integer, integer), api.my_credits(integer),
  api.catalog(boolean), api.business_settings() from public;
grant execute on function api.availability(date, date), api.catalog(boolean)
  to anon, authenticated, service_role;
grant execute on function api.list_bookings(public.booking_status, timestamptz, timestamptz, uuid, integer, integer),
  api.list_orders(public.order_status, uuid, integer, integer), api.my_credits(integer), api.business_settings()
  to authenticated;
