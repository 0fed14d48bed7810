-- Reports for staff (issue 11, section 1): GET /api/admin/reports/:name.
--
-- Plain indexed queries over the live tables (no rollups, so nothing to refresh and every figure
-- is current). Bookings are counted from app_private.bookings_all (live + archived), so archiving
-- never changes a figure. Months, ISO weeks (Monday) and hours are in the business time zone
-- (public.business_settings.timezone); a date range from..to is the local days from 00:00 on
-- `from` to 24:00 on `to`.
--
-- api.report (JSON, one page for the ranked lists) and api.report_rows (every row, for CSV) are
-- the only ways in: both check the admin role first, then run as service_role (the bookings
-- archive and the other customers' rows are not the caller's to read under RLS).

-- Keyset paging of the ranked lists.
create index if not exists idx_referrals_created_at on public.referrals (created_at);
create index if not exists idx_profiles_created_at on public.profiles (created_at);
create index if not exists idx_bookings_archive_slot_id on app_private.bookings_archive (slot_id);

------------------------------------------------------------------------------------------------
-- Customer totals, kept by triggers: the customers report's ranking (lifetime value, bookings,
-- last booking) for 200,000 customers without aggregating a million rows per page. One row per
-- profile (made with the profile), recomputed from that customer's own rows (a few, by index)
-- whenever an order's status, amount or owner changes, or a booking (live or archived) is made,
-- moved, deleted or archived. Per-customer rows: no hot row, no contention between customers.
-- Loads that turn triggers off (session_replication_role = replica: a restore, bench:reports)
-- end with `select app_private.rebuild_customer_totals()`; customer_totals_drift() lists the
-- rows that disagree with a recomputation (none, unless triggers were off).
------------------------------------------------------------------------------------------------
create table app_private.customer_totals (
  user_id uuid primary key references public.profiles (id) on delete cascade,
  lifetime_value_cents bigint not null default 0,
  total_bookings integer not null default 0,
  last_booking timestamptz
);
create index idx_customer_totals_rank on app_private.customer_totals (lifetime_value_cents, user_id);
alter table app_private.customer_totals enable row level security;
grant select on table app_private.customer_totals to service_role;

-- What a customer's totals are, from their orders and bookings (live and archived).
create function app_private.customer_totals_of(p_user uuid)
returns table (lifetime_value_cents bigint, total_bookings integer, last_booking timestamptz)
language sql
stable
set search_path = ''
as $$
  select (select coalesce(pg_catalog.sum(o.amount), 0)::bigint from public.orders o
           where o.user_id = p_user and o.status in ('paid', 'refunded')),
         b.n, b.last_at
    from (select pg_catalog.count(*)::integer as n, pg_catalog.max(x.date_time) as last_at
            from app_private.bookings_all x where x.user_id = p_user) b
$$;

create function app_private.refresh_customer_totals(p_user uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_user is null then return; end if;
  insert into app_private.customer_totals as t (user_id, lifetime_value_cents, total_bookings, last_booking)
  select p_user, c.lifetime_value_cents, c.total_bookings, c.last_booking
    from app_private.customer_totals_of(p_user) c
   where exists (select 1 from public.profiles p where p.id = p_user)
  on conflict (user_id) do update
    set lifetime_value_cents = excluded.lifetime_value_cents, total_bookings = excluded.total_bookings,
        last_booking = excluded.last_booking
  where (t.lifetime_value_cents, t.total_bookings, t.last_booking)
        is distinct from (excluded.lifetime_value_cents, excluded.total_bookings, excluded.last_booking);
end;
$$;

create function app_private.customer_totals_track()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    perform app_private.refresh_customer_totals(old.user_id);
  end if;
  if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.user_id is distinct from old.user_id) then
    perform app_private.refresh_customer_totals(new.user_id);
  end if;
  return null;
end;
$$;

create function app_private.customer_totals_new_profile()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into app_private.customer_totals (user_id) values (new.id) on conflict (user_id) do nothing;
  return null;
end;
$$;

create trigger trigger_profiles_customer_totals after insert on public.profiles
  for each row execute function app_private.customer_totals_new_profile();
create trigger trigger_orders_customer_totals after insert or delete or update of status, amount, user_id on public.orders
  for each row execute function app_private.customer_totals_track();
create trigger trigger_bookings_customer_totals after insert or delete or update of user_id, date_time on public.bookings
  for each row execute function app_private.customer_totals_track();
create trigger trigger_bookings_archive_customer_totals after insert or delete or update of user_id, date_time on app_private.bookings_archive
  for each row execute function app_private.customer_totals_track();

-- Recomputes every customer's totals (after a load with triggers off); returns the rows written.
create function app_private.rebuild_customer_totals()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  delete from app_private.customer_totals;
  insert into app_private.customer_totals (user_id, lifetime_value_cents, total_bookings, last_booking)
  select p.id, coalesce(o.value, 0), coalesce(b.n, 0), b.last_at
    from public.profiles p
    left join (select x.user_id, pg_catalog.sum(x.amount)::bigint as value from public.orders x
                where x.status in ('paid', 'refunded') group by x.user_id) o on o.user_id = p.id
    left join (select x.user_id, pg_catalog.count(*)::integer as n, pg_catalog.max(x.date_time) as last_at
                 from app_private.bookings_all x group by x.user_id) b on b.user_id = p.id;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

-- Customers whose stored totals disagree with a recomputation (for db:check): none when clean.
create function app_private.customer_totals_drift()
returns table (user_id uuid, stored_value bigint, actual_value bigint, stored_bookings integer, actual_bookings integer)
language sql
stable
set search_path = ''
as $$
  select p.id, t.lifetime_value_cents, c.lifetime_value_cents, t.total_bookings, c.total_bookings
    from public.profiles p
    left join app_private.customer_totals t on t.user_id = p.id
    cross join lateral app_private.customer_totals_of(p.id) c
   where t.user_id is null
      or (t.lifetime_value_cents, t.total_bookings, t.last_booking)
         is distinct from (c.lifetime_value_cents, c.total_bookings, c.last_booking)
$$;

revoke all on function app_private.customer_totals_of(uuid) from public;
revoke all on function app_private.refresh_customer_totals(uuid) from public;
revoke all on function app_private.rebuild_customer_totals() from public;
revoke all on function app_private.customer_totals_drift() from public;
grant execute on function app_private.customer_totals_of(uuid) to service_role;
grant execute on function app_private.customer_totals_drift() to service_role;

select app_private.rebuild_customer_totals();

-- The rows of one report, as jsonb objects, in the report's order. p_after / p_limit page the
-- ranked lists (customers, referrers): p_after is the previous page's last sort key.
create function app_private.report_rows(
  p_name text, p_from date, p_to date, p_tz text, p_after jsonb, p_limit integer)
returns setof jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_start timestamptz := (p_from::timestamp) at time zone p_tz;
  v_end timestamptz := ((p_to + 1)::timestamp) at time zone p_tz;
  v_today date := (pg_catalog.now() at time zone p_tz)::date;
  v_this date := pg_catalog.date_trunc('month', v_today)::date;
  v_last date := (v_this - interval '1 month')::date;
begin
  if p_name = 'revenue' then
    -- Orders that were paid (still paid, or refunded since), by the month they were placed.
    return query
      select pg_catalog.jsonb_build_object(
               'month', pg_catalog.to_char(m.month, 'YYYY-MM'),
               'revenue_cents', m.revenue, 'order_count', m.n,
               'avg_order_cents', pg_catalog.round(m.revenue::numeric / m.n)::bigint,
               'refunded_cents', m.refunded, 'net_cents', m.revenue - m.refunded)
        from (select pg_catalog.date_trunc('month', o.created_at at time zone p_tz) as month,
                     pg_catalog.sum(o.amount)::bigint as revenue, pg_catalog.count(*)::bigint as n,
                     pg_catalog.sum(o.card_refunded_cents)::bigint as refunded
                from public.orders o
               where o.status in ('paid', 'refunded') and o.created_at >= v_start and o.created_at < v_end
               group by 1) m
       order by m.month desc;

  elsif p_name = 'customers' then
    -- Every customer (also those who never paid or booked), by lifetime value (paid orders, each
    -- once, however many bookings it covers), then id; all time, from the trigger-kept totals.
    return query
      select pg_catalog.jsonb_build_object(
               'id', p.id, 'email', p.email, 'full_name', p.full_name, 'credits', p.credits,
               'total_bookings', t.total_bookings, 'lifetime_value_cents', t.lifetime_value_cents,
               'last_booking', app_hidden.iso(t.last_booking))
        from app_private.customer_totals t
        join public.profiles p on p.id = t.user_id
       where p_after is null
          or (t.lifetime_value_cents, t.user_id) < ((p_after ->> 0)::bigint, (p_after ->> 1)::uuid)
       order by t.lifetime_value_cents desc, t.user_id desc
       limit p_limit;

  elsif p_name = 'referrers' then
    -- Referrers with at least one accepted referral among the invitations sent in the range.
    return query
      with ranked as (
        select r.referrer_id as id,
               pg_catalog.count(*)::bigint as total,
               pg_catalog.count(*) filter (where r.status = 'accepted')::bigint as successful,
               coalesce(pg_catalog.sum(r.reward_credits) filter (where r.status = 'accepted'), 0)::bigint as credits
          from public.referrals r
         where r.created_at >= v_start and r.created_at < v_end
         group by r.referrer_id
        having pg_catalog.count(*) filter (where r.status = 'accepted') > 0)
      select pg_catalog.jsonb_build_object(
               'referrer_id', k.id, 'referrer_email', p.email, 'referrer_name', p.full_name,
               'total_referrals', k.total, 'successful_referrals', k.successful, 'credits_earned', k.credits)
        from ranked k
        join public.profiles p on p.id = k.id
       where p_after is null
          or (k.successful, k.total, k.id)
             < ((p_after ->> 0)::bigint, (p_after ->> 1)::bigint, (p_after ->> 2)::uuid)
       order by k.successful desc, k.total desc, k.id desc
       limit p_limit;

  elsif p_name = 'referral-conversion' then
    return query
      select pg_catalog.jsonb_build_object(
               'month', pg_catalog.to_char(m.month, 'YYYY-MM'),
               'invitations_sent', m.sent, 'successful_signups', m.accepted,
               'conversion_rate_percent', pg_catalog.round(m.accepted * 100.0 / m.sent, 2))
        from (select pg_catalog.date_trunc('month', r.created_at at time zone p_tz) as month,
                     pg_catalog.count(*)::bigint as sent,
                     pg_catalog.count(*) filter (where r.status = 'accepted')::bigint as accepted
                from public.referrals r
               where r.created_at >= v_start and r.created_at < v_end
               group by 1) m
       order by m.month desc;

  elsif p_name = 'services' then
    return query
      select pg_catalog.jsonb_build_object(
               'service_type', s.service_type, 'booking_count', s.n,
               'avg_duration', pg_catalog.round(s.avg_duration, 2), 'revenue_cents', s.revenue)
        from (select b.service_type, pg_catalog.count(*)::bigint as n,
                     pg_catalog.avg(b.duration) as avg_duration,
                     coalesce(pg_catalog.sum(b.total_amount), 0)::bigint as revenue
                from app_private.bookings_all b
               where b.status = 'completed' and b.date_time >= v_start and b.date_time < v_end
               group by b.service_type) s
       order by s.n desc, s.service_type;

  elsif p_name = 'peak-hours' then
    return query
      select pg_catalog.jsonb_build_object('hour_of_day', h.hour, 'booking_count', h.n)
        from (select extract(hour from b.date_time at time zone p_tz)::integer as hour,
                     pg_catalog.count(*)::bigint as n
                from app_private.bookings_all b
               where b.status in ('completed', 'confirmed') and b.date_time >= v_start and b.date_time < v_end
               group by 1) h
       order by h.hour;

  elsif p_name = 'utilization' then
    -- Slots (local dates) by ISO week: places offered by open slots, places taken by the live
    -- (not cancelled) bookings in any slot of the week.
    return query
      with taken as (
        select b.slot_id, pg_catalog.count(*)::bigint as n
          from app_private.bookings_all b
         where b.slot_id is not null and b.status <> 'cancelled'
           and b.date_time >= v_start - interval '2 days' and b.date_time < v_end + interval '2 days'
         group by b.slot_id),
      weeks as (
        select pg_catalog.date_trunc('week', s.date)::date as week,
               pg_catalog.count(*) filter (where s.is_available)::bigint as slots,
               coalesce(pg_catalog.sum(s.max_bookings) filter (where s.is_available), 0)::bigint as places,
               coalesce(pg_catalog.sum(t.n), 0)::bigint as booked
          from public.availability_slots s
          left join taken t on t.slot_id = s.id
         where s.date >= p_from and s.date <= p_to
         group by 1)
      select pg_catalog.jsonb_build_object(
               'week', pg_catalog.to_char(w.week, 'YYYY-MM-DD'), 'slots_offered', w.slots,
               'places_offered', w.places, 'places_booked', w.booked,
               'utilization_percent',
               case when w.places > 0 then pg_catalog.round(w.booked * 100.0 / w.places, 2) end)
        from weeks w
       order by w.week desc;

  elsif p_name = 'overview' then
    -- This month (to today) and last month, in the business time zone; credits outstanding now.
    return query
      with bounds as (
        select 'this' as k, (v_this::timestamp) at time zone p_tz as s,
               ((v_today + 1)::timestamp) at time zone p_tz as e
        union all
        select 'last', (v_last::timestamp) at time zone p_tz, (v_this::timestamp) at time zone p_tz),
      figures as (
        select d.k,
               (select coalesce(pg_catalog.sum(o.amount), 0)::bigint from public.orders o
                 where o.status in ('paid', 'refunded') and o.created_at >= d.s and o.created_at < d.e) as revenue,
               (select pg_catalog.count(*)::bigint from app_private.bookings_all b
                 where b.status <> 'cancelled' and b.date_time >= d.s and b.date_time < d.e) as bookings,
               (select pg_catalog.count(*)::bigint from public.profiles p
                 where p.created_at >= d.s and p.created_at < d.e) as customers,
               (select pg_catalog.round(pg_catalog.avg(v.rating), 2) from public.reviews v
                 where v.created_at >= d.s and v.created_at < d.e) as rating
          from bounds d)
      select pg_catalog.jsonb_build_object(
               'this_month', pg_catalog.to_char(v_this, 'YYYY-MM'),
               'last_month', pg_catalog.to_char(v_last, 'YYYY-MM'),
               'this_month_revenue_cents', t.revenue, 'last_month_revenue_cents', l.revenue,
               'this_month_bookings', t.bookings, 'last_month_bookings', l.bookings,
               'this_month_new_customers', t.customers, 'last_month_new_customers', l.customers,
               'this_month_average_rating', t.rating, 'last_month_average_rating', l.rating,
               'credits_outstanding', (select coalesce(pg_catalog.sum(p.credits), 0)::bigint from public.profiles p))
        from figures t, figures l
       where t.k = 'this' and l.k = 'last';
  else
    raise exception using errcode = 'RM404', message = 'not_found', detail = pg_catalog.format('No report named %s', p_name);
  end if;
end;
$$;

-- The time zone and the range: defaults (the last 12 calendar months up to today, local),
-- checks (from <= to, at most 10 years), overview's own range (last month's first day to today).
create function app_private.report_range(p_name text, p_from date, p_to date, out tz text, out d_from date, out d_to date)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_today date;
begin
  select s.timezone into tz from public.business_settings s;
  tz := coalesce(tz, 'America/Los_Angeles');
  v_today := (pg_catalog.now() at time zone tz)::date;
  if p_name = 'customers' then
    -- Lifetime figures: the range is not used (from is null, to is today).
    d_to := v_today;
    return;
  end if;
  if p_name = 'overview' then
    d_to := v_today;
    d_from := (pg_catalog.date_trunc('month', v_today) - interval '1 month')::date;
    return;
  end if;
  d_to := coalesce(p_to, v_today);
  d_from := coalesce(p_from, (pg_catalog.date_trunc('month', d_to) - interval '11 months')::date);
  if d_from > d_to then
    raise exception using errcode = 'RM400', message = 'invalid_range',
      detail = pg_catalog.format('from (%s) is after to (%s)', d_from, d_to);
  end if;
  if d_to - d_from > 3660 then
    raise exception using errcode = 'RM400', message = 'range_too_long',
      detail = 'A report covers at most 10 years (3,660 days)';
  end if;
end;
$$;

revoke all on function app_private.report_rows(text, date, date, text, jsonb, integer) from public;
revoke all on function app_private.report_range(text, date, date) from public;
grant execute on function app_private.report_rows(text, date, date, text, jsonb, integer) to service_role;
grant execute on function app_private.report_range(text, date, date) to service_role;

create function app_private.report_cursor_decode(p_cursor text)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_cursor is null then return null; end if;
  return pg_catalog.convert_from(
    pg_catalog.decode(pg_catalog.translate(p_cursor, '-_', '+/')
                      || pg_catalog.repeat('=', (4 - pg_catalog.length(p_cursor) % 4) % 4), 'base64'), 'UTF8')::jsonb;
exception when others then
  raise exception using errcode = 'RM400', message = 'invalid_cursor', detail = 'The cursor is not one this report gave';
end;
$$;
revoke all on function app_private.report_cursor_decode(text) from public;
grant execute on function app_private.report_cursor_decode(text) to service_role;

-- One report as JSON: {"report","from","to","timezone","rows",["next_cursor"]}. Admins only.
create function api.report(p_name text, p_from date, p_to date, p_limit integer, p_cursor text)
returns json
language plpgsql
security invoker
set search_path = ''
as $$
declare
  r record;
  v_after jsonb;
  v_rows jsonb[];
  v_last jsonb;
  v_next text;
  v_ranked boolean := p_name in ('customers', 'referrers');
  v_limit integer := least(greatest(coalesce(p_limit, 100), 1), 1000);
begin
  if not app_hidden.is_admin('admin') then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'Reports need the admin role';
  end if;
  perform pg_catalog.set_config('role', 'service_role', true);
  r := app_private.report_range(p_name, p_from, p_to);
  if v_ranked then
    v_after := app_private.report_cursor_decode(p_cursor);
    if v_after is not null and (pg_catalog.jsonb_typeof(v_after) <> 'array'
        or pg_catalog.jsonb_array_length(v_after) <> case p_name when 'customers' then 2 else 3 end) then
      raise exception using errcode = 'RM400', message = 'invalid_cursor', detail = 'The cursor is not one this report gave';
    end if;
    begin
      select pg_catalog.array_agg(x) into v_rows
        from app_private.report_rows(p_name, r.d_from, r.d_to, r.tz, v_after, v_limit + 1) x;
    exception when invalid_text_representation or numeric_value_out_of_range then
      raise exception using errcode = 'RM400', message = 'invalid_cursor', detail = 'The cursor is not one this report gave';
    end;
    if coalesce(pg_catalog.array_length(v_rows, 1), 0) > v_limit then
      v_rows := v_rows[1:v_limit];
      v_last := v_rows[v_limit];
      v_next := pg_catalog.translate(pg_catalog.encode(pg_catalog.convert_to((case p_name
          when 'customers' then pg_catalog.jsonb_build_array(v_last -> 'lifetime_value_cents', v_last -> 'id')
          else pg_catalog.jsonb_build_array(v_last -> 'successful_referrals', v_last -> 'total_referrals', v_last -> 'referrer_id')
        end)::text, 'UTF8'), 'base64'), E'+/=\n', '-_');
    end if;
  else
    select pg_catalog.array_agg(x) into v_rows
      from app_private.report_rows(p_name, r.d_from, r.d_to, r.tz, null, null) x;
  end if;
  return pg_catalog.json_build_object(
    'report', p_name, 'from', pg_catalog.to_char(r.d_from, 'YYYY-MM-DD'), 'to', pg_catalog.to_char(r.d_to, 'YYYY-MM-DD'),
    'timezone', r.tz, 'rows', coalesce(pg_catalog.to_json(v_rows), '[]'::json), 'next_cursor', v_next);
end;
$$;

-- Every row of one report, in order (CSV). The first row is the resolved range:
-- {"report","from","to","timezone"}; the report's rows follow. Admins only.
create function api.report_rows(p_name text, p_from date, p_to date)
returns setof jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  r record;
begin
  if not app_hidden.is_admin('admin') then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'Reports need the admin role';
  end if;
  perform pg_catalog.set_config('role', 'service_role', true);
  r := app_private.report_range(p_name, p_from, p_to);
  return next pg_catalog.jsonb_build_object('report', p_name, 'from', pg_catalog.to_char(r.d_from, 'YYYY-MM-DD'),
    'to', pg_catalog.to_char(r.d_to, 'YYYY-MM-DD'), 'timezone', r.tz);
  return query select x from app_private.report_rows(p_name, r.d_from, r.d_to, r.tz, null, null) x;
end;
$$;

grant execute on function api.report(text, date, date, integer, text) to public;
grant execute on function api.report_rows(text, date, date) to public;
