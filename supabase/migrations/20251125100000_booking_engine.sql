-- Booking engine: the catalog (services and add-ons), business settings, slot local times in the
-- business timezone (DST-safe), and bookings created only through the booking service.

------------------------------------------------------------------------------------------------
-- Catalog
------------------------------------------------------------------------------------------------
create table public.services (
  key text primary key constraint services_key_check check (key ~ '^[a-z][a-z0-9_]{1,39}$'),
  name text not null constraint services_name_check check (length(btrim(name)) between 1 and 100),
  description text not null default '',
  duration_minutes integer not null constraint services_duration_minutes_check check (duration_minutes between 5 and 600),
  price_cents integer not null constraint services_price_cents_check check (price_cents between 0 and 10000000),
  active boolean not null default true,
  sort_order integer not null default 0,
  updated_at timestamptz not null default now()
);

-- Counted add-ons (per_unit, e.g. extra_visits) cost price_cents per unit, up to max_quantity;
-- the others are on/off.
create table public.add_ons (
  key text primary key constraint add_ons_key_check check (key ~ '^[a-z][a-z0-9_]{1,39}$'),
  name text not null constraint add_ons_name_check check (length(btrim(name)) between 1 and 100),
  description text not null default '',
  price_cents integer not null constraint add_ons_price_cents_check check (price_cents between 0 and 10000000),
  per_unit boolean not null default false,
  max_quantity integer not null default 1 constraint add_ons_max_quantity_check check (max_quantity between 1 and 100),
  extra_minutes integer not null default 0 constraint add_ons_extra_minutes_check check (extra_minutes between 0 and 600),
  active boolean not null default true,
  sort_order integer not null default 0,
  updated_at timestamptz not null default now()
);

insert into public.services (key, name, description, duration_minutes, price_cents, sort_order) values
  ('cold_plunge', 'Cold Plunge', 'Cold plunge therapy session at your door', 30, 15000, 1),
  ('infrared_sauna', 'Infrared Sauna', 'Infrared sauna session at your door', 45, 17500, 2),
  ('combo', 'Plunge + Sauna Combo', 'Contrast therapy: infrared sauna and cold plunge', 60, 25000, 3);

insert into public.add_ons (key, name, description, price_cents, per_unit, max_quantity, extra_minutes, sort_order) values
  ('family', 'Family', 'Additional family members join the session', 5000, false, 1, 15, 1),
  ('extra_visits', 'Extra visits', 'Extra sessions this month, per visit', 12000, true, 8, 0, 2),
  ('towels', 'Recovery towels', 'Branded recovery towels', 1500, false, 1, 0, 3),
  ('electrolytes', 'Electrolytes', 'Post-session electrolyte drinks', 1000, false, 1, 0, 4);

------------------------------------------------------------------------------------------------
-- Business settings: one row
------------------------------------------------------------------------------------------------
create table public.business_settings (
  id boolean primary key default true constraint business_settings_singleton check (id),
  timezone text not null default 'America/Los_Angeles',
  min_notice_minutes integer not null default 120
    constraint business_settings_min_notice_minutes_check check (min_notice_minutes between 0 and 43200),
  cancellation_window_minutes integer not null default 1440
    constraint business_settings_cancellation_window_minutes_check check (cancellation_window_minutes between 0 and 43200),
  -- Zip codes served; empty = anywhere.
  service_area_zips text[] not null default '{}'
    constraint business_settings_service_area_zips_check
    check (array_to_string(service_area_zips, ',') ~ '^([0-9]{5}(,[0-9]{5})*)?$'),
  setup_fee_cents integer not null default 25000
    constraint business_settings_setup_fee_cents_check check (setup_fee_cents between 0 and 10000000),
  referral_reward_credits integer not null default 50
    constraint business_settings_referral_reward_credits_check check (referral_reward_credits between 0 and 10000),
  order_expiry_minutes integer not null default 30
    constraint business_settings_order_expiry_minutes_check check (order_expiry_minutes between 1 and 10080),
  updated_at timestamptz not null default now()
);
insert into public.business_settings default values;

create function public.business_settings_check_timezone()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  begin
    perform now() at time zone new.timezone;
  exception when others then
    raise exception using errcode = 'RM422', message = 'invalid_timezone',
      detail = pg_catalog.format('Unknown time zone %s', new.timezone);
  end;
  return new;
end;
$$;

create trigger trigger_business_settings_check_timezone
  before insert or update of timezone on public.business_settings
  for each row execute function public.business_settings_check_timezone();

create trigger trigger_services_updated_at before update on public.services
  for each row execute function public.update_updated_at_column();
create trigger trigger_add_ons_updated_at before update on public.add_ons
  for each row execute function public.update_updated_at_column();
create trigger trigger_business_settings_updated_at before update on public.business_settings
  for each row execute function public.update_updated_at_column();

------------------------------------------------------------------------------------------------
-- Slots in local time
------------------------------------------------------------------------------------------------
create function public.business_timezone()
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((select s.timezone from public.business_settings s where s.id), 'America/Los_Angeles')
$$;

-- The instant a local date and time in the business timezone is.
create function public.local_to_instant(p_date date, p_time time)
returns timestamptz
language sql
stable
set search_path = ''
as $$
  select (p_date + p_time) at time zone public.business_timezone()
$$;

-- A slot's local times must exist exactly once: on the spring-forward day 02:30 does not exist,
-- on the fall-back day 01:30 happens twice. Both are refused rather than silently shifted.
create function public.local_time_problem(p_date date, p_time time)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
  v_tz text := public.business_timezone();
  v_local timestamp := p_date + p_time;
  v_instant timestamptz := (p_date + p_time) at time zone public.business_timezone();
begin
  if (v_instant at time zone v_tz) <> v_local then
    return 'nonexistent_local_time';
  end if;
  if ((v_instant - interval '1 hour') at time zone v_tz) = v_local
     or ((v_instant + interval '1 hour') at time zone v_tz) = v_local then
    return 'ambiguous_local_time';
  end if;
  return null;
end;
$$;

create function public.availability_slots_check_local_time()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_time time;
  v_problem text;
begin
  foreach v_time in array array[new.start_time, new.end_time] loop
    v_problem := public.local_time_problem(new.date, v_time);
    if v_problem is not null then
      raise exception using errcode = 'RM422', message = v_problem,
        detail = pg_catalog.format('%s %s %s in %s (a daylight saving time change)', new.date, v_time,
          case v_problem when 'nonexistent_local_time' then 'does not exist' else 'happens twice' end,
          public.business_timezone());
    end if;
  end loop;
  return new;
end;
$$;

create trigger trigger_availability_slots_check_local_time
  before insert or update of date, start_time, end_time on public.availability_slots
  for each row execute function public.availability_slots_check_local_time();

-- A slot with live bookings cannot be deleted (it would strand them).
create function public.availability_slots_guard_delete()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if old.current_bookings > 0 then
    raise exception using errcode = 'RM409', message = 'slot_not_empty',
      detail = 'A slot with bookings cannot be deleted; make it unavailable instead';
  end if;
  return old;
end;
$$;

create trigger trigger_availability_slots_guard_delete
  before delete on public.availability_slots
  for each row execute function public.availability_slots_guard_delete();

create unique index availability_slots_date_start_time_key on public.availability_slots (date, start_time);

------------------------------------------------------------------------------------------------
-- Bookings: completing needs the session to have started; creation only through the service
------------------------------------------------------------------------------------------------
create or replace function public.bookings_status_transition()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status = old.status
     or (old.status = 'scheduled' and new.status in ('confirmed', 'cancelled'))
     or (old.status = 'confirmed' and new.status in ('completed', 'cancelled')) then
    if new.status = 'completed' and old.status <> 'completed' and new.date_time > now() then
      raise exception using errcode = 'RM409', message = 'too_early',
        detail = 'A session can be completed only after it has started';
    end if;
    if new.status = 'cancelled' and old.status <> 'cancelled' then
      new.cancelled_at := now();
    end if;
    return new;
  end if;
  raise exception using
    errcode = 'RM409',
    message = 'invalid_transition',
    detail = pg_catalog.format('A %s booking cannot become %s', old.status, new.status);
end;
$$;

-- When the booking was cancelled (set by the status trigger).
alter table public.bookings add column cancelled_at timestamptz;

-- Bookings are priced from the catalog and (with payments) get their order in the same
-- transaction, so customers create them through the booking service, not by direct insert.
drop policy bookings_insert_own on public.bookings;
revoke insert on table public.bookings from authenticated;

------------------------------------------------------------------------------------------------
-- RLS
------------------------------------------------------------------------------------------------
alter table public.services enable row level security;
alter table public.add_ons enable row level security;
alter table public.business_settings enable row level security;
revoke all on table public.services, public.add_ons, public.business_settings from anon, authenticated;

create policy services_select_active on public.services
  for select to anon, authenticated
  using (active or (select public.is_admin('admin')));
create policy services_write_admin on public.services
  for all to authenticated
  using ((select public.is_admin('admin')))
  with check ((select public.is_admin('admin')));
grant select on table public.services to anon, authenticated;
grant insert (key, name, description, duration_minutes, price_cents, active, sort_order),
      update (name, description, duration_minutes, price_cents, active, sort_order)
  on table public.services to authenticated;

create policy add_ons_select_active on public.add_ons
  for select to anon, authenticated
  using (active or (select public.is_admin('admin')));
create policy add_ons_write_admin on public.add_ons
  for all to authenticated
  using ((select public.is_admin('admin')))
  with check ((select public.is_admin('admin')));
grant select on table public.add_ons to anon, authenticated;
grant insert (key, name, description, price_cents, per_unit, max_quantity, extra_minutes, active, sort_order),
      update (name, description, price_cents, per_unit, max_quantity, extra_minutes, active, sort_order)
  on table public.add_ons to authenticated;

create policy business_settings_select_all on public.business_settings
  for select to anon, authenticated
  using (true);
create policy business_settings_update_admin on public.business_settings
  for update to authenticated
  using ((select public.is_admin('admin')))
  with check ((select public.is_admin('admin')));
grant select on table public.business_settings to anon, authenticated;
grant update (timezone, min_notice_minutes, cancellation_window_minutes, service_area_zips, setup_fee_cents,
              referral_reward_credits, order_expiry_minutes)
  on table public.business_settings to authenticated;

grant all on table public.services, public.add_ons, public.business_settings to service_role;

revoke execute on function
  public.business_settings_check_timezone(),
  public.availability_slots_check_local_time(),
  public.availability_slots_guard_delete()
from public, anon, authenticated;
revoke execute on function public.business_timezone(), public.local_to_instant(date, time), public.local_time_problem(date, time) from public;
grant execute on function public.business_timezone(), public.local_to_instant(date, time), public.local_time_problem(date, time)
  to anon, authenticated, service_role;
