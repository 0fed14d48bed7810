-- Day-one rules (issue 8): only IANA time zones; addresses hold strings; slots that cannot
-- overlap, start in the past or be too short for their bookings; checkouts that cannot be paid
-- after they expired; staff-only order flags that customers cannot read.

------------------------------------------------------------------------------------------------
-- 1. The business timezone is an IANA zone name (Area/Location) or UTC.
------------------------------------------------------------------------------------------------
-- PostgreSQL also accepts POSIX zone specs ('+5', '0', 'EST5EDT', 'GMT+5', 'Etc/GMT+5') whose
-- offsets count west-positive: '+5' is UTC-5, so a 10:00 slot would start at 15:00 UTC instead of
-- 05:00 UTC. We accept only names under the IANA geographic areas, plus UTC. Refused on purpose:
-- Etc/* (POSIX signs), names without a '/' (EST5EDT, EST, GMT, Japan, Zulu: POSIX rules or bare
-- abbreviations), and the backward-compatibility aliases (US/Pacific, Canada/*, Brazil/*,
-- Mexico/*, posix/*, right/*): each has a canonical Area/Location name to use instead.
create or replace function public.business_settings_check_timezone()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.timezone is distinct from 'UTC' and (
       pg_catalog.split_part(new.timezone, '/', 1) not in
         ('Africa', 'America', 'Antarctica', 'Arctic', 'Asia', 'Atlantic', 'Australia', 'Europe', 'Indian', 'Pacific')
       or not exists (select 1 from pg_catalog.pg_timezone_names n where n.name = new.timezone)
     ) then
    raise exception using errcode = 'RM422', message = 'invalid_timezone',
      detail = pg_catalog.format('%s is not an IANA time zone name; use one such as America/Los_Angeles, or UTC', new.timezone);
  end if;
  return new;
end;
$$;

------------------------------------------------------------------------------------------------
-- 2. Addresses are JSON objects whose fields are strings (AddressSchema: street, city, state,
--    zip). A number or object stored as a zip would break every reader of the address.
------------------------------------------------------------------------------------------------
-- Repair what earlier code may have stored: scalars become their text, JSON nulls are dropped,
-- nested values become their JSON text; a profile address that is not an object is cleared.
update public.profiles set address = null
where address is not null and jsonb_typeof(address) <> 'object';

update public.profiles p set address = (
  select coalesce(jsonb_object_agg(e.k, case when e.k in ('street', 'city', 'state', 'zip') and jsonb_typeof(e.v) <> 'string'
                                       then to_jsonb(coalesce(e.v #>> '{}', e.v::text)) else e.v end)
                  filter (where not (e.k in ('street', 'city', 'state', 'zip') and jsonb_typeof(e.v) = 'null')), '{}')
  from jsonb_each(p.address) as e(k, v))
where jsonb_typeof(p.address) = 'object'
  and exists (select 1 from jsonb_each(p.address) as e(k, v)
              where e.k in ('street', 'city', 'state', 'zip') and jsonb_typeof(e.v) <> 'string');

update public.bookings b set address = (
  select coalesce(jsonb_object_agg(e.k, case when e.k in ('street', 'city', 'state', 'zip') and jsonb_typeof(e.v) <> 'string'
                                       then to_jsonb(coalesce(e.v #>> '{}', e.v::text)) else e.v end)
                  filter (where not (e.k in ('street', 'city', 'state', 'zip') and jsonb_typeof(e.v) = 'null')), '{}')
  from jsonb_each(b.address) as e(k, v))
where jsonb_typeof(b.address) = 'object'
  and exists (select 1 from jsonb_each(b.address) as e(k, v)
              where e.k in ('street', 'city', 'state', 'zip') and jsonb_typeof(e.v) <> 'string');

alter table public.profiles add constraint profiles_address_check check (
  address is null or (
    jsonb_typeof(address) = 'object'
    and coalesce(jsonb_typeof(address -> 'street'), 'string') = 'string'
    and coalesce(jsonb_typeof(address -> 'city'), 'string') = 'string'
    and coalesce(jsonb_typeof(address -> 'state'), 'string') = 'string'
    and coalesce(jsonb_typeof(address -> 'zip'), 'string') = 'string'
  )
);

alter table public.bookings add constraint bookings_address_check check (
  jsonb_typeof(address) = 'object'
  and coalesce(jsonb_typeof(address -> 'street'), 'string') = 'string'
  and coalesce(jsonb_typeof(address -> 'city'), 'string') = 'string'
  and coalesce(jsonb_typeof(address -> 'state'), 'string') = 'string'
  and coalesce(jsonb_typeof(address -> 'zip'), 'string') = 'string'
);

------------------------------------------------------------------------------------------------
-- 3. Slots: their real instants, no overlaps, not in the past, long enough for their bookings
------------------------------------------------------------------------------------------------
-- The instants [start, end) a slot's local date and times are in the business timezone. A slot
-- across the spring-forward gap (01:30-03:30 local) is one real hour long. Reads the setting
-- itself (a plain stable function, run as the caller: everyone may read business_settings).
-- An end before the start gives an empty range, so valid_time_range reports it.
create function public.slot_period(p_date date, p_start time, p_end time)
returns tstzrange
language sql
stable
set search_path = ''
as $$
  select pg_catalog.tstzrange(i.starts, greatest(i.starts, i.ends), '[)')
  from (select coalesce((select s.timezone from public.business_settings s where s.id), 'America/Los_Angeles') as tz) as z,
       lateral (select (p_date + p_start) at time zone z.tz as starts, (p_date + p_end) at time zone z.tz as ends) as i
$$;

alter table public.availability_slots add column period tstzrange;
comment on column public.availability_slots.period is
  'The real instants [start, end) of the slot in the business timezone; maintained by trigger_availability_slots_period';

update public.availability_slots s set period = public.slot_period(s.date, s.start_time, s.end_time);

do $$
declare
  v_pairs text;
begin
  select string_agg(pg_catalog.format('%s %s-%s overlaps %s %s-%s', a.date, a.start_time, a.end_time, b.date, b.start_time, b.end_time), '; ')
  into v_pairs
  from public.availability_slots a
  join public.availability_slots b on a.id < b.id and a.period && b.period;
  if v_pairs is not null then
    raise exception 'Overlapping availability slots must be resolved (deleted or merged) before this migration: %', v_pairs;
  end if;
end;
$$;

alter table public.availability_slots alter column period set not null;

-- Sets the slot's period whenever its local date or times change (and whenever anyone writes
-- period itself: it is never taken from the writer). A slot created (or moved) must not start in
-- the past; slots that have passed stay as they are. Sorts after ..._check_local_time, so times
-- a DST change skips or repeats are refused before this runs.
create function public.availability_slots_set_period()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.period := public.slot_period(new.date, new.start_time, new.end_time);
  if (tg_op = 'INSERT' or new.date is distinct from old.date or new.start_time is distinct from old.start_time)
     and pg_catalog.lower(new.period) < pg_catalog.now() then
    raise exception using errcode = 'RM422', message = 'slot_in_past',
      detail = pg_catalog.format('A slot on %s at %s would start in the past', new.date, pg_catalog.to_char(new.start_time, 'HH24:MI'));
  end if;
  return new;
end;
$$;

create trigger trigger_availability_slots_period
  before insert or update of date, start_time, end_time, period on public.availability_slots
  for each row execute function public.availability_slots_set_period();

-- No two slots overlap in real time (one crew and van today). When crews/vans arrive, each gets
-- its own calendar: add the column (e.g. crew_id uuid), `create extension btree_gist` (for the
-- uuid `=` in a GiST index) and replace this constraint with
--   exclude using gist (crew_id with =, period with &&)
-- under the same name, so the error mapping (slot_overlaps) stays.
alter table public.availability_slots
  add constraint availability_slots_no_overlap exclude using gist (period with &&);

-- A timezone change moves every slot's instants: recompute them (the exclusion above refuses a
-- change that would make two slots overlap). Runs as the admin who changes the setting, hence
-- the column grant below; the value written is always recomputed by the slot trigger.
create function public.business_settings_recompute_slot_periods()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.timezone is distinct from old.timezone then
    update public.availability_slots s set period = public.slot_period(s.date, s.start_time, s.end_time)
    where s.id is not null; -- a WHERE clause, for pg-safeupdate
  end if;
  return null;
end;
$$;

create trigger trigger_business_settings_recompute_slot_periods
  after update of timezone on public.business_settings
  for each row execute function public.business_settings_recompute_slot_periods();

grant update (period) on table public.availability_slots to authenticated;

-- A booking must fit its slot's real length (DST-aware): a 75-minute combo + family cannot take
-- a 60-minute slot and run into the next one. Checked on insert and whenever the slot or the
-- duration changes (a move).
create function public.bookings_fit_slot()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_minutes numeric;
begin
  if new.slot_id is null
     or (tg_op = 'UPDATE' and new.slot_id is not distinct from old.slot_id and new.duration is not distinct from old.duration) then
    return new;
  end if;
  select extract(epoch from pg_catalog.upper(s.period) - pg_catalog.lower(s.period)) / 60 into v_minutes
  from public.availability_slots s where s.id = new.slot_id;
  if new.duration > v_minutes then
    raise exception using errcode = 'RM422', message = 'slot_too_short',
      detail = pg_catalog.format('A %s-minute session does not fit a %s-minute slot', new.duration, v_minutes::integer);
  end if;
  return new;
end;
$$;

create trigger trigger_bookings_fit_slot
  before insert or update of slot_id, duration on public.bookings
  for each row execute function public.bookings_fit_slot();

------------------------------------------------------------------------------------------------
-- 4. An order cannot be paid after its checkout expired
------------------------------------------------------------------------------------------------
-- Past expires_at the order is as good as failed (the sweep fails it, cancels its booking and
-- returns its credits): money arriving later is a late payment for staff to refund, never a
-- confirmation of a place that may already be someone else's. Held here so no writer (a webhook,
-- a script, a second server) can confirm an expired order.
create or replace function public.orders_status_transition()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status = old.status
     or (old.status = 'pending' and new.status in ('paid', 'failed'))
     or (old.status = 'paid' and new.status = 'refunded') then
    if new.status = 'paid' and old.status = 'pending' and old.expires_at <= pg_catalog.now() then
      raise exception using errcode = 'RM410', message = 'checkout_expired',
        detail = 'This checkout expired before it was paid';
    end if;
    if new.status = 'paid' and old.status <> 'paid' then
      new.paid_at := coalesce(new.paid_at, now());
    end if;
    return new;
  end if;
  raise exception using errcode = 'RM409', message = 'invalid_order_transition',
    detail = pg_catalog.format('A %s order cannot become %s', old.status, new.status);
end;
$$;

------------------------------------------------------------------------------------------------
-- 5. Staff-only order flags live in their own table, which customers cannot read
------------------------------------------------------------------------------------------------
-- orders.metadata is the customer's to see (their own rows, every column); review flags
-- (needs_review, amount_mismatch, late_payment_reference, excess_refund) go to order_flags,
-- readable by admins only, and may no longer be written into metadata.
create table public.order_flags (
  order_id uuid not null
    constraint order_flags_pkey primary key
    constraint order_flags_order_id_fkey references public.orders (id) on delete cascade,
  flags jsonb not null default '{}' constraint order_flags_flags_check check (jsonb_typeof(flags) = 'object'),
  updated_at timestamptz not null default now()
);
comment on table public.order_flags is 'Staff-only flags of an order (needs_review, amount_mismatch, …): admins read, server code writes';

insert into public.order_flags (order_id, flags)
select o.id, (select jsonb_object_agg(e.k, e.v) from jsonb_each(o.metadata) as e(k, v)
              where e.k in ('needs_review', 'amount_mismatch', 'late_payment_reference', 'excess_refund'))
from public.orders o
where o.metadata ?| array['needs_review', 'amount_mismatch', 'late_payment_reference', 'excess_refund'];

update public.orders set metadata = metadata - array['needs_review', 'amount_mismatch', 'late_payment_reference', 'excess_refund']
where metadata ?| array['needs_review', 'amount_mismatch', 'late_payment_reference', 'excess_refund'];

alter table public.orders add constraint orders_metadata_no_staff_flags
  check (not (metadata ?| array['needs_review', 'amount_mismatch', 'late_payment_reference', 'excess_refund']));

create trigger trigger_order_flags_updated_at before update on public.order_flags
  for each row execute function public.update_updated_at_column();

alter table public.order_flags enable row level security;
revoke all on table public.order_flags from anon, authenticated;
create policy order_flags_select_admin on public.order_flags
  for select to authenticated
  using ((select public.is_admin('admin')));
grant select on table public.order_flags to authenticated;
grant all on table public.order_flags to service_role;

------------------------------------------------------------------------------------------------
-- Function privileges (Supabase grants EXECUTE on new functions to anon and authenticated)
------------------------------------------------------------------------------------------------
revoke execute on function
  public.availability_slots_set_period(),
  public.business_settings_recompute_slot_periods(),
  public.bookings_fit_slot()
from public, anon, authenticated;
revoke execute on function public.slot_period(date, time, time) from public;
grant execute on function public.slot_period(date, time, time) to anon, authenticated, service_role;
