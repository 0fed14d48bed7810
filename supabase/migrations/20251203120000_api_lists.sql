-- One round trip per list (issue 9): the hot reads are `api` functions called as the caller in
-- one statement (src/db/caller.ts). Same conventions as 20251203090000_api_functions.sql:
-- plpgsql (planned under the caller's role, so RLS applies), security invoker, empty search_path.
-- Most return the whole response body as json, which the server sends as it is (as PostgREST
-- does); availability also has a row-returning form, called with Database.callRows, for the
-- comparison in bench/lists.ts. Timestamps print as JavaScript's toISOString (app_hidden.iso).

------------------------------------------------------------------------------------------------
-- Availability (public): future, available, not-full slots from p_from to p_to (local dates,
-- inclusive) starting at least min_notice_minutes from now. starts_at carries the business
-- timezone's offset: the transaction's TimeZone is set to it (transaction-local).
------------------------------------------------------------------------------------------------
create function api.availability_rows(p_from date, p_to date)
returns table (id uuid, date text, start_time text, end_time text, starts_at text, remaining integer)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_zone text;
  v_notice integer;
begin
  select s.timezone, s.min_notice_minutes into v_zone, v_notice from public.business_settings s where s.id;
  perform pg_catalog.set_config('timezone', v_zone, true);
  return query
    select s.id, s.date::text, pg_catalog.to_char(s.start_time, 'HH24:MI'), pg_catalog.to_char(s.end_time, 'HH24:MI'),
           pg_catalog.to_char((s.date + s.start_time) at time zone v_zone, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'),
           s.max_bookings - s.current_bookings
      from public.availability_slots s
     where s.date between p_from and p_to
       and s.is_available and s.current_bookings < s.max_bookings
       and (s.date + s.start_time) at time zone v_zone >= pg_catalog.now() + pg_catalog.make_interval(mins => coalesce(v_notice, 0))
     order by s.date, s.start_time;
end;
$$;

-- The same slots as the response body {"slots": [...]}.
create function api.availability(p_from date, p_to date)
returns json
language plpgsql
stable
set search_path = ''
as $$
declare
  v_result json;
begin
  select pg_catalog.json_build_object('slots', coalesce(pg_catalog.json_agg(r order by r.date, r.start_time), '[]'::json))
    into v_result
    from api.availability_rows(p_from, p_to) r;
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
  select coalesce(pg_catalog.json_agg(x.j order by x.date_time desc, x.id), '[]'::json) into v_bookings
    from (
      select b.date_time, b.id,
             app_hidden.booking_json(b) || pg_catalog.jsonb_build_object('customer',
               (select pg_catalog.jsonb_build_object('id', p.id, 'full_name', p.full_name, 'email', p.email, 'phone', p.phone)
                  from public.profiles p where p.id = b.user_id)) as j
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
  select coalesce(pg_catalog.json_agg(x.j order by x.created_at desc, x.id), '[]'::json) into v_orders
    from (
      select o.created_at, o.id, app_hidden.order_json(o, v_admin) as j
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
  select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('id', c.id, 'amount', c.amount, 'type', c.type,
           'description', c.description, 'reference_id', c.reference_id, 'created_at', app_hidden.iso(c.created_at))
           order by c.created_at desc, c.id desc), '[]'::json) into v_transactions
    from (
      select c.* from public.credit_transactions c
       where c.user_id = auth.uid()
       order by c.created_at desc, c.id desc
       limit p_limit
    ) c;
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
  select coalesce(pg_catalog.json_agg(s order by s.sort_order, s.key), '[]'::json) into v_services
    from (select x.key, x.name, x.description, x.duration_minutes, x.price_cents, x.active, x.sort_order from public.services x) s;
  select coalesce(pg_catalog.json_agg(a order by a.sort_order, a.key), '[]'::json) into v_add_ons
    from (select x.key, x.name, x.description, x.price_cents, x.per_unit, x.max_quantity, x.extra_minutes, x.active, x.sort_order
            from public.add_ons x) a;
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

revoke all on function api.availability_rows(date, date), api.availability(date, date),
  api.list_bookings(public.booking_status, timestamptz, timestamptz, uuid, integer, integer),
  api.list_orders(public.order_status, uuid, integer, integer), api.my_credits(integer),
  api.catalog(boolean), api.business_settings() from public;
grant execute on function api.availability_rows(date, date), api.availability(date, date), api.catalog(boolean)
  to anon, authenticated, service_role;
grant execute on function api.list_bookings(public.booking_status, timestamptz, timestamptz, uuid, integer, integer),
  api.list_orders(public.order_status, uuid, integer, integer), api.my_credits(integer), api.business_settings()
  to authenticated;
