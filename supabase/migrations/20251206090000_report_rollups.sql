-- Report rollups (issue 11, section 1): revenue, services, peak-hours and overview's revenue and
-- bookings read app_private.report_facts, a small table of sums, instead of aggregating a million
-- orders and bookings per request. Figures are the same as the direct queries of
-- 20251205100000_reports.sql (report_facts_drift() and test/reports/rollups.test.ts check it).
--
-- Buckets: a UTC quarter hour, date_bin('15 minutes', ts, '2000-01-01 00:00+00'). Every UTC offset
-- in use today is a whole number of quarter hours (+05:30, +05:45, -09:30, ...), so every local
-- midnight, month start and hour start in any zone is a bucket boundary: a report sums whole
-- buckets by `bucket at time zone <business zone>`, and changing the business time zone needs no
-- rebuild. (Historic local mean times, e.g. Los Angeles before 1883 at -07:52:58, are not; no
-- booking of this business is that old.)
--
-- Append-only deltas: triggers on public.orders, public.bookings and app_private.bookings_archive
-- INSERT a row per change (the old contribution negated, the new one) and never update a shared
-- row, so concurrent bookings do not queue on a hot row. Archiving (delete from live, insert into
-- the archive) nets to zero. compact_report_facts() (the upkeep.compact-report-facts schedule,
-- `recovery maintain compact-report-facts`) folds the deltas into one row per key, in one
-- statement that takes exactly the rows its snapshot sees (so no id or high-water mark is
-- needed); `folded` marks its sums, and a partial index lists the deltas still to fold. Loads with
-- triggers off (session_replication_role = replica: a restore, bench:reports) end with
-- `select app_private.rebuild_report_facts()`; db:check lists any disagreement.
--
-- A key is (kind, status, bucket, service_type); orders have status '' and service_type ''.
--   order:   one per order that was paid (status paid or refunded), at its created_at:
--            n = 1, amount_cents = amount, card_refunded_cents.
--   booking: one per booking, live or archived, at its date_time, with its status and service:
--            n = 1, amount_cents = coalesce(total_amount, 0), duration_minutes = coalesce(duration, 0),
--            duration_n = 1 when duration is not null (avg(duration) ignores nulls).

create table app_private.report_facts (
  kind text not null constraint report_facts_kind_check check (kind in ('order', 'booking')),
  status text not null default '',
  bucket timestamptz not null,
  service_type text not null default '',
  n bigint not null default 0,
  amount_cents bigint not null default 0,
  card_refunded_cents bigint not null default 0,
  duration_minutes bigint not null default 0,
  duration_n bigint not null default 0,
  -- false: a delta written by a trigger; true: a sum written by compaction or a rebuild.
  folded boolean not null default false
);
-- The reports' range scans (kind, status, then a bucket range; index-only) and compaction's lookups by key.
create index idx_report_facts_key on app_private.report_facts (kind, status, bucket, service_type)
  include (n, amount_cents, card_refunded_cents, duration_minutes, duration_n);
-- The deltas not yet folded: compaction's work list.
create index idx_report_facts_deltas on app_private.report_facts (kind, status, bucket, service_type) where not folded;
alter table app_private.report_facts enable row level security;
revoke all on table app_private.report_facts from public;
grant select on table app_private.report_facts to service_role;

create function app_private.report_facts_orders()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op <> 'INSERT' and old.status in ('paid', 'refunded') and old.created_at is not null then
    insert into app_private.report_facts (kind, bucket, n, amount_cents, card_refunded_cents)
    values ('order', pg_catalog.date_bin('15 minutes', old.created_at, timestamptz '2000-01-01 00:00+00'),
            -1, -old.amount, -old.card_refunded_cents);
  end if;
  if tg_op <> 'DELETE' and new.status in ('paid', 'refunded') and new.created_at is not null then
    insert into app_private.report_facts (kind, bucket, n, amount_cents, card_refunded_cents)
    values ('order', pg_catalog.date_bin('15 minutes', new.created_at, timestamptz '2000-01-01 00:00+00'),
            1, new.amount, new.card_refunded_cents);
  end if;
  return null;
end;
$$;

create function app_private.report_facts_bookings()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op <> 'INSERT' then
    insert into app_private.report_facts (kind, status, bucket, service_type, n, amount_cents, duration_minutes, duration_n)
    values ('booking', old.status::text, pg_catalog.date_bin('15 minutes', old.date_time, timestamptz '2000-01-01 00:00+00'),
            old.service_type, -1, -coalesce(old.total_amount, 0), -coalesce(old.duration, 0),
            case when old.duration is null then 0 else -1 end);
  end if;
  if tg_op <> 'DELETE' then
    insert into app_private.report_facts (kind, status, bucket, service_type, n, amount_cents, duration_minutes, duration_n)
    values ('booking', new.status::text, pg_catalog.date_bin('15 minutes', new.date_time, timestamptz '2000-01-01 00:00+00'),
            new.service_type, 1, coalesce(new.total_amount, 0), coalesce(new.duration, 0),
            case when new.duration is null then 0 else 1 end);
  end if;
  return null;
end;
$$;

revoke all on function app_private.report_facts_orders() from public;
revoke all on function app_private.report_facts_bookings() from public;

-- Pending orders (how every order starts) write nothing; an update writes only when it changes what counts.
create trigger trigger_orders_report_facts_insert after insert on public.orders
  for each row when (new.status in ('paid', 'refunded'))
  execute function app_private.report_facts_orders();
create trigger trigger_orders_report_facts_delete after delete on public.orders
  for each row when (old.status in ('paid', 'refunded'))
  execute function app_private.report_facts_orders();
create trigger trigger_orders_report_facts_update after update of status, amount, card_refunded_cents, created_at on public.orders
  for each row when ((old.status in ('paid', 'refunded') or new.status in ('paid', 'refunded'))
                     and (old.status, old.amount, old.card_refunded_cents, old.created_at)
                         is distinct from (new.status, new.amount, new.card_refunded_cents, new.created_at))
  execute function app_private.report_facts_orders();
create trigger trigger_bookings_report_facts after insert or delete on public.bookings
  for each row execute function app_private.report_facts_bookings();
create trigger trigger_bookings_report_facts_update after update of date_time, service_type, status, duration, total_amount on public.bookings
  for each row when ((old.date_time, old.service_type, old.status, old.duration, old.total_amount)
                     is distinct from (new.date_time, new.service_type, new.status, new.duration, new.total_amount))
  execute function app_private.report_facts_bookings();
create trigger trigger_bookings_archive_report_facts after insert or delete on app_private.bookings_archive
  for each row execute function app_private.report_facts_bookings();
create trigger trigger_bookings_archive_report_facts_update after update of date_time, service_type, status, duration, total_amount on app_private.bookings_archive
  for each row when ((old.date_time, old.service_type, old.status, old.duration, old.total_amount)
                     is distinct from (new.date_time, new.service_type, new.status, new.duration, new.total_amount))
  execute function app_private.report_facts_bookings();

-- What report_facts should sum to, per key, aggregated from the orders and bookings themselves.
create function app_private.report_facts_actual()
returns table (kind text, status text, bucket timestamptz, service_type text, n bigint, amount_cents bigint,
               card_refunded_cents bigint, duration_minutes bigint, duration_n bigint)
language sql
stable
set search_path = ''
as $$
  select 'order', '', pg_catalog.date_bin('15 minutes', o.created_at, timestamptz '2000-01-01 00:00+00'), '',
         pg_catalog.count(*), pg_catalog.sum(o.amount)::bigint, pg_catalog.sum(o.card_refunded_cents)::bigint, 0::bigint, 0::bigint
    from public.orders o
   where o.status in ('paid', 'refunded') and o.created_at is not null
   group by 3
  union all
  select 'booking', b.status::text, pg_catalog.date_bin('15 minutes', b.date_time, timestamptz '2000-01-01 00:00+00'), b.service_type,
         pg_catalog.count(*), coalesce(pg_catalog.sum(b.total_amount), 0)::bigint, 0::bigint,
         coalesce(pg_catalog.sum(b.duration), 0)::bigint, pg_catalog.count(b.duration)
    from app_private.bookings_all b
   group by 2, 3, 4
$$;

-- Folds the deltas into one row per key (keys whose sums are all zero go). One statement: the
-- deltas it folds are those its snapshot sees; a delta committed meanwhile stays for the next
-- run, so nothing is lost or counted twice while bookings and orders are written. Runs beside
-- writers and beside itself (a second run at the same time returns at once: zeros).
-- Returns the rows folded (deleted) and the sums written.
create function app_private.compact_report_facts(out folded bigint, out written bigint)
language plpgsql
security definer
set search_path = ''
as $$
begin
  folded := 0;
  written := 0;
  if not pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('app_private.compact_report_facts')::bigint) then
    return;
  end if;
  with touched as (
    select distinct d.kind, d.status, d.bucket, d.service_type
      from app_private.report_facts d
     where not d.folded),
  gone as (
    delete from app_private.report_facts f
     using touched t
     where f.kind = t.kind and f.status = t.status and f.bucket = t.bucket and f.service_type = t.service_type
    returning f.kind, f.status, f.bucket, f.service_type, f.n, f.amount_cents, f.card_refunded_cents, f.duration_minutes, f.duration_n),
  sums as (
    select g.kind, g.status, g.bucket, g.service_type, pg_catalog.count(*) as rows_folded,
           pg_catalog.sum(g.n)::bigint as n, pg_catalog.sum(g.amount_cents)::bigint as amount_cents,
           pg_catalog.sum(g.card_refunded_cents)::bigint as card_refunded_cents,
           pg_catalog.sum(g.duration_minutes)::bigint as duration_minutes, pg_catalog.sum(g.duration_n)::bigint as duration_n
      from gone g
     group by g.kind, g.status, g.bucket, g.service_type),
  written as (
    insert into app_private.report_facts (kind, status, bucket, service_type, n, amount_cents, card_refunded_cents, duration_minutes, duration_n, folded)
    select s.kind, s.status, s.bucket, s.service_type, s.n, s.amount_cents, s.card_refunded_cents, s.duration_minutes, s.duration_n, true
      from sums s
     where (s.n, s.amount_cents, s.card_refunded_cents, s.duration_minutes, s.duration_n) <> (0, 0, 0, 0, 0)
    returning 1)
  select coalesce((select pg_catalog.sum(s.rows_folded) from sums s), 0)::bigint, (select pg_catalog.count(*) from written)
    into folded, written;
end;
$$;

-- Recomputes every fact from the orders and bookings (after a load with triggers off); returns the
-- rows written. Holds off writers (their triggers' inserts) until it commits, so none is lost or doubled.
create function app_private.rebuild_report_facts()
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count bigint;
begin
  lock table app_private.report_facts in share row exclusive mode;
  delete from app_private.report_facts;
  insert into app_private.report_facts (kind, status, bucket, service_type, n, amount_cents, card_refunded_cents, duration_minutes, duration_n, folded)
  select a.kind, a.status, a.bucket, a.service_type, a.n, a.amount_cents, a.card_refunded_cents, a.duration_minutes, a.duration_n, true
    from app_private.report_facts_actual() a;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

-- Keys where the facts disagree with a direct aggregation (for db:check): none when clean.
create function app_private.report_facts_drift()
returns table (kind text, status text, bucket timestamptz, service_type text,
               stored jsonb, actual jsonb)
language sql
stable
set search_path = ''
as $$
  with stored as (
    select f.kind, f.status, f.bucket, f.service_type,
           pg_catalog.sum(f.n)::bigint as n, pg_catalog.sum(f.amount_cents)::bigint as amount_cents,
           pg_catalog.sum(f.card_refunded_cents)::bigint as card_refunded_cents,
           pg_catalog.sum(f.duration_minutes)::bigint as duration_minutes, pg_catalog.sum(f.duration_n)::bigint as duration_n
      from app_private.report_facts f
     group by f.kind, f.status, f.bucket, f.service_type)
  select coalesce(s.kind, a.kind), coalesce(s.status, a.status), coalesce(s.bucket, a.bucket), coalesce(s.service_type, a.service_type),
         case when s.kind is not null then pg_catalog.jsonb_build_object('n', s.n, 'amount_cents', s.amount_cents,
           'card_refunded_cents', s.card_refunded_cents, 'duration_minutes', s.duration_minutes, 'duration_n', s.duration_n) end,
         case when a.kind is not null then pg_catalog.jsonb_build_object('n', a.n, 'amount_cents', a.amount_cents,
           'card_refunded_cents', a.card_refunded_cents, 'duration_minutes', a.duration_minutes, 'duration_n', a.duration_n) end
    from (select * from stored x
           where (x.n, x.amount_cents, x.card_refunded_cents, x.duration_minutes, x.duration_n) <> (0, 0, 0, 0, 0)) s
    full join app_private.report_facts_actual() a
      on a.kind = s.kind and a.status = s.status and a.bucket = s.bucket and a.service_type = s.service_type
   where (s.n, s.amount_cents, s.card_refunded_cents, s.duration_minutes, s.duration_n)
         is distinct from (a.n, a.amount_cents, a.card_refunded_cents, a.duration_minutes, a.duration_n)
   order by 3, 1, 2, 4
$$;

revoke all on function app_private.report_facts_actual() from public;
revoke all on function app_private.compact_report_facts() from public;
revoke all on function app_private.rebuild_report_facts() from public;
revoke all on function app_private.report_facts_drift() from public;
grant execute on function app_private.compact_report_facts() to service_role;
grant execute on function app_private.report_facts_drift() to service_role;

select app_private.rebuild_report_facts();

-- The rows of one report, as jsonb objects, in the report's order. p_after / p_limit page the
-- ranked lists (customers, referrers): p_after is the previous page's last sort key.
-- As in 20251205100000_reports.sql, except that referrers joins the profiles of one page only,
-- and revenue, services, peak-hours and overview's revenue and bookings sum app_private.report_facts
-- (whole quarter-hour buckets: the range's local midnights are bucket boundaries) instead of the
-- orders and bookings. A key's deltas may sum to zero before compaction: groups without any
-- order or booking (n = 0) are left out, as the direct queries have no row for them.
create or replace function app_private.report_rows(
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
  -- Every booking status but cancelled (overview's bookings), for the facts' (kind, status, bucket) index.
  v_live text[] := array(select e::text from pg_catalog.unnest(pg_catalog.enum_range(null::public.booking_status)) e
                          where e <> 'cancelled');
begin
  if p_name = 'revenue' then
    -- Orders that were paid (still paid, or refunded since), by the month they were placed.
    return query
      select pg_catalog.jsonb_build_object(
               'month', pg_catalog.to_char(m.month, 'YYYY-MM'),
               'revenue_cents', m.revenue, 'order_count', m.n,
               'avg_order_cents', pg_catalog.round(m.revenue::numeric / m.n)::bigint,
               'refunded_cents', m.refunded, 'net_cents', m.revenue - m.refunded)
        from (select pg_catalog.date_trunc('month', f.bucket at time zone p_tz) as month,
                     pg_catalog.sum(f.amount_cents)::bigint as revenue, pg_catalog.sum(f.n)::bigint as n,
                     pg_catalog.sum(f.card_refunded_cents)::bigint as refunded
                from app_private.report_facts f
               where f.kind = 'order' and f.status = '' and f.bucket >= v_start and f.bucket < v_end
               group by 1
              having pg_catalog.sum(f.n) > 0) m
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
      -- The page is cut before the profiles are joined (a referrer is always a profile: not null,
      -- foreign key), so only its rows' profiles are read, not all of them.
      select pg_catalog.jsonb_build_object(
               'referrer_id', k.id, 'referrer_email', p.email, 'referrer_name', p.full_name,
               'total_referrals', k.total, 'successful_referrals', k.successful, 'credits_earned', k.credits)
        from (select x.id, x.total, x.successful, x.credits
                from ranked x
               where p_after is null
                  or (x.successful, x.total, x.id)
                     < ((p_after ->> 0)::bigint, (p_after ->> 1)::bigint, (p_after ->> 2)::uuid)
               order by x.successful desc, x.total desc, x.id desc
               limit p_limit) k
        join public.profiles p on p.id = k.id
       order by k.successful desc, k.total desc, k.id desc;

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
        -- avg(duration) is sum / count of the non-null durations (numeric division, as avg does).
        from (select f.service_type, pg_catalog.sum(f.n)::bigint as n,
                     pg_catalog.sum(f.duration_minutes) / nullif(pg_catalog.sum(f.duration_n), 0) as avg_duration,
                     pg_catalog.sum(f.amount_cents)::bigint as revenue
                from app_private.report_facts f
               where f.kind = 'booking' and f.status = 'completed' and f.bucket >= v_start and f.bucket < v_end
               group by f.service_type
              having pg_catalog.sum(f.n) > 0) s
       order by s.n desc, s.service_type;

  elsif p_name = 'peak-hours' then
    return query
      select pg_catalog.jsonb_build_object('hour_of_day', h.hour, 'booking_count', h.n)
        from (select extract(hour from f.bucket at time zone p_tz)::integer as hour,
                     pg_catalog.sum(f.n)::bigint as n
                from app_private.report_facts f
               where f.kind = 'booking' and f.status in ('completed', 'confirmed') and f.bucket >= v_start and f.bucket < v_end
               group by 1
              having pg_catalog.sum(f.n) > 0) h
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
               (select coalesce(pg_catalog.sum(f.amount_cents), 0)::bigint from app_private.report_facts f
                 where f.kind = 'order' and f.status = '' and f.bucket >= d.s and f.bucket < d.e) as revenue,
               (select coalesce(pg_catalog.sum(f.n), 0)::bigint from app_private.report_facts f
                 where f.kind = 'booking' and f.status = any (v_live) and f.bucket >= d.s and f.bucket < d.e) as bookings,
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
