-- Recovery Machine: core schema (the seed's tables, enums and indexes, names unchanged) with the
-- seed's defects fixed. Runs on Supabase as is: nothing here creates or alters objects in
-- schema auth (the trigger on auth.users is allowed), no extension is needed.
--
-- Application errors raised here use SQLSTATE 'RM' || HTTP status (RM400, RM403, RM404, RM409,
-- RM422), MESSAGE = a stable code (e.g. 'slot_full'), DETAIL = human text.

------------------------------------------------------------------------------------------------
-- Enums
------------------------------------------------------------------------------------------------
create type public.order_status as enum ('pending', 'paid', 'failed', 'refunded');
create type public.booking_status as enum ('scheduled', 'confirmed', 'completed', 'cancelled');
create type public.referral_status as enum ('pending', 'accepted', 'expired');
-- Order matters: is_admin(min_role) compares roles with >=.
create type public.admin_role as enum ('operator', 'admin', 'super_admin');
create type public.credit_transaction_type as enum ('earned', 'spent', 'refunded', 'adjustment');

------------------------------------------------------------------------------------------------
-- Tables
------------------------------------------------------------------------------------------------

-- One row per signed-up user. `credits` (1 credit = $1) is maintained from the ledger
-- (credit_transactions) only; it is never written directly.
create table public.profiles (
  id uuid not null
    constraint profiles_pkey primary key
    constraint profiles_id_fkey references auth.users (id) on delete cascade,
  email text not null constraint profiles_email_key unique,
  full_name text,
  phone text,
  address jsonb,
  referral_code text constraint profiles_referral_code_key unique,
  credits integer not null default 0 constraint profiles_credits_check check (credits >= 0),
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

-- Payments; amounts in cents.
create table public.orders (
  id uuid not null default gen_random_uuid() constraint orders_pkey primary key,
  user_id uuid not null constraint orders_user_id_fkey references public.profiles (id) on delete cascade,
  bolt_checkout_id text,
  amount integer not null constraint orders_amount_check check (amount > 0),
  setup_fee_applied integer default 0,
  status public.order_status default 'pending',
  metadata jsonb default '{}',
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

-- Bookable time slots. `current_bookings` counts the live bookings linked to the slot and is
-- maintained by trigger_bookings_slot_count.
create table public.availability_slots (
  id uuid not null default gen_random_uuid() constraint availability_slots_pkey primary key,
  date date not null,
  start_time time not null,
  end_time time not null,
  is_available boolean not null default true,
  max_bookings integer not null default 1
    constraint availability_slots_max_bookings_check check (max_bookings >= 0),
  current_bookings integer not null default 0
    constraint availability_slots_current_bookings_check check (current_bookings >= 0),
  created_at timestamptz default now(),
  constraint valid_time_range check (end_time > start_time),
  constraint valid_booking_count check (current_bookings <= max_bookings)
);

-- Sessions. The seed's `future_booking` CHECK is a trigger (trigger_bookings_future_date_time):
-- "in the future" holds when a booking is created or moved, not on every later update.
create table public.bookings (
  id uuid not null default gen_random_uuid() constraint bookings_pkey primary key,
  user_id uuid not null constraint bookings_user_id_fkey references public.profiles (id) on delete cascade,
  order_id uuid constraint bookings_order_id_fkey references public.orders (id) on delete set null,
  date_time timestamptz not null,
  duration integer default 30 constraint bookings_duration_check check (duration > 0),
  service_type text not null,
  add_ons jsonb default '{}',
  status public.booking_status not null default 'scheduled',
  notes text,
  address jsonb not null,
  total_amount integer,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  -- Added: the slot this booking occupies (nullable, so seed-shaped inserts keep working).
  slot_id uuid constraint bookings_slot_id_fkey references public.availability_slots (id) on delete set null
);

-- Invitations and accepted referrals. invitee_email is stored lower-case.
create table public.referrals (
  id uuid not null default gen_random_uuid() constraint referrals_pkey primary key,
  referrer_id uuid not null constraint referrals_referrer_id_fkey references public.profiles (id) on delete cascade,
  invitee_email text not null,
  invitee_id uuid constraint referrals_invitee_id_fkey references public.profiles (id) on delete set null,
  status public.referral_status not null default 'pending',
  reward_credits integer not null default 50 constraint referrals_reward_credits_check check (reward_credits >= 0),
  referral_code text not null,
  created_at timestamptz default now(),
  expires_at timestamptz default (now() + interval '30 days'),
  constraint referrals_referrer_id_invitee_email_key unique (referrer_id, invitee_email),
  constraint referrals_not_self check (invitee_id is distinct from referrer_id)
);

create table public.reviews (
  id uuid not null default gen_random_uuid() constraint reviews_pkey primary key,
  user_id uuid not null constraint reviews_user_id_fkey references public.profiles (id) on delete cascade,
  booking_id uuid not null constraint reviews_booking_id_fkey references public.bookings (id) on delete cascade,
  rating integer not null constraint reviews_rating_check check (rating >= 1 and rating <= 5),
  comment text,
  is_featured boolean default false,
  google_synced boolean default false,
  created_at timestamptz default now(),
  constraint reviews_user_id_booking_id_key unique (user_id, booking_id),
  -- Added: one review per booking, whoever writes it.
  constraint reviews_booking_id_key unique (booking_id)
);

-- Staff. A signed-in user is an admin when their email matches a row (emails stored lower-case).
create table public.admins (
  id uuid not null default gen_random_uuid() constraint admins_pkey primary key,
  email text not null constraint admins_email_key unique,
  role public.admin_role default 'operator',
  created_at timestamptz default now(),
  created_by uuid constraint admins_created_by_fkey references public.admins (id) on delete set null
);

-- THE credit ledger: every credit movement is one immutable row; profiles.credits is the sum.
create table public.credit_transactions (
  id uuid not null default gen_random_uuid() constraint credit_transactions_pkey primary key,
  user_id uuid not null constraint credit_transactions_user_id_fkey references public.profiles (id) on delete cascade,
  amount integer not null constraint credit_transactions_amount_check check (amount <> 0),
  type public.credit_transaction_type not null,
  description text not null,
  reference_id uuid,
  created_at timestamptz default now(),
  created_by uuid
);

------------------------------------------------------------------------------------------------
-- Indexes (the seed's names, plus one for every foreign key and every column a policy compares)
------------------------------------------------------------------------------------------------
create index idx_profiles_referral_code on public.profiles (referral_code);
create index idx_profiles_email on public.profiles (email);

create index idx_orders_user_id on public.orders (user_id);
create index idx_orders_status on public.orders (status);
create index idx_orders_created_at on public.orders (created_at);

create index idx_bookings_user_id on public.bookings (user_id);
create index idx_bookings_date_time on public.bookings (date_time);
create index idx_bookings_status on public.bookings (status);
create index idx_bookings_order_id on public.bookings (order_id);
create index idx_bookings_slot_id on public.bookings (slot_id);
-- "One booking per time slot per customer"; cancelled bookings do not count.
create unique index bookings_one_live_per_customer_time on public.bookings (user_id, date_time)
  where status <> 'cancelled';

create index idx_referrals_referrer_id on public.referrals (referrer_id);
create index idx_referrals_invitee_email on public.referrals (invitee_email);
create index idx_referrals_status on public.referrals (status);
create index idx_referrals_invitee_id on public.referrals (invitee_id);
-- An invitee is credited at most once, whoever invited them (race-proof).
create unique index referrals_one_accepted_per_invitee on public.referrals (invitee_id)
  where status = 'accepted';

create index idx_reviews_user_id on public.reviews (user_id);
create index idx_reviews_booking_id on public.reviews (booking_id);
create index idx_reviews_rating on public.reviews (rating);
create index idx_reviews_featured on public.reviews (is_featured) where is_featured = true;

create index idx_admins_email_lower on public.admins (lower(email));
create index idx_admins_created_by on public.admins (created_by);

create index idx_credit_transactions_user_id on public.credit_transactions (user_id);
create index idx_credit_transactions_reference_id on public.credit_transactions (reference_id);

create index idx_availability_slots_date on public.availability_slots (date);

------------------------------------------------------------------------------------------------
-- updated_at
------------------------------------------------------------------------------------------------
create function public.update_updated_at_column()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at = now();
  return new;
end;
$$;

create trigger trigger_profiles_updated_at
  before update on public.profiles
  for each row execute function public.update_updated_at_column();
create trigger trigger_orders_updated_at
  before update on public.orders
  for each row execute function public.update_updated_at_column();
create trigger trigger_bookings_updated_at
  before update on public.bookings
  for each row execute function public.update_updated_at_column();

------------------------------------------------------------------------------------------------
-- Referral codes
------------------------------------------------------------------------------------------------
-- 8 upper-case characters (as the seed).
create function public.generate_referral_code()
returns text
language plpgsql
set search_path = ''
as $$
begin
  return upper(left(md5(random()::text), 8));
end;
$$;

-- Gives a new profile a unique code, retrying on a collision; a provided code is upper-cased.
create function public.auto_generate_referral_code()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.referral_code := upper(nullif(btrim(new.referral_code), ''));
  if new.referral_code is null then
    loop
      new.referral_code := public.generate_referral_code();
      exit when not exists (select 1 from public.profiles p where p.referral_code = new.referral_code);
    end loop;
  end if;
  return new;
end;
$$;

create trigger trigger_auto_referral_code
  before insert on public.profiles
  for each row execute function public.auto_generate_referral_code();

------------------------------------------------------------------------------------------------
-- Credit ledger: credit_transactions -> profiles.credits
------------------------------------------------------------------------------------------------
-- Balances come only from the ledger: a new profile starts at 0.
create function public.profiles_init_credits()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.credits := 0;
  return new;
end;
$$;

create trigger trigger_profiles_init_credits
  before insert on public.profiles
  for each row execute function public.profiles_init_credits();

-- profiles.credits changes only from the ledger trigger (which runs one trigger level down).
create function public.profiles_guard_credits()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.credits is distinct from old.credits and pg_catalog.pg_trigger_depth() <= 1 then
    raise exception using
      errcode = 'RM403',
      message = 'credits_via_ledger_only',
      detail = 'Credit balances change only through credit_transactions';
  end if;
  return new;
end;
$$;

create trigger trigger_profiles_guard_credits
  before update on public.profiles
  for each row execute function public.profiles_guard_credits();

-- Applies a ledger row to the balance. The row lock on the profile serializes parallel spends,
-- and profiles_credits_check (credits >= 0) rejects an overdraft.
create function public.credit_transactions_apply()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    update public.profiles set credits = credits + new.amount where id = new.user_id;
    return new;
  end if;
  -- DELETE (an operator's correction, or a cascade from the profile): keep balance = sum.
  update public.profiles set credits = credits - old.amount where id = old.user_id;
  return old;
end;
$$;

create trigger trigger_credit_transactions_apply
  after insert or delete on public.credit_transactions
  for each row execute function public.credit_transactions_apply();

-- Ledger rows are immutable: correct with a new row.
create function public.credit_transactions_immutable()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception using
    errcode = 'RM409',
    message = 'ledger_immutable',
    detail = 'Credit transactions cannot be changed; record a correcting transaction instead';
end;
$$;

create trigger trigger_credit_transactions_immutable
  before update on public.credit_transactions
  for each row execute function public.credit_transactions_immutable();

------------------------------------------------------------------------------------------------
-- Referrals
------------------------------------------------------------------------------------------------
-- Lower-cases invitee_email and fills referral_code from the referrer's profile.
-- SECURITY DEFINER so it can read the referrer's code whoever inserts (RLS still checks the row).
create function public.referrals_normalize()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.invitee_email := lower(btrim(new.invitee_email));
  if new.referral_code is null then
    select p.referral_code into new.referral_code from public.profiles p where p.id = new.referrer_id;
  else
    new.referral_code := upper(new.referral_code);
  end if;
  return new;
end;
$$;

create trigger trigger_referrals_normalize
  before insert or update of invitee_email, referral_code on public.referrals
  for each row execute function public.referrals_normalize();

-- An accepted referral is final: un-accepting it and accepting it again would credit twice.
create function public.referrals_status_transition()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if old.status = 'accepted' and new.status is distinct from old.status then
    raise exception using
      errcode = 'RM409',
      message = 'invalid_transition',
      detail = pg_catalog.format('An accepted referral cannot become %s', new.status);
  end if;
  return new;
end;
$$;

create trigger trigger_referrals_status_transition
  before update of status on public.referrals
  for each row execute function public.referrals_status_transition();

-- On acceptance, the referrer and the invitee each get reward_credits: two ledger rows
-- (the ledger trigger updates the balances).
create function public.award_referral_credits()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.status = 'accepted' and (tg_op = 'INSERT' or old.status <> 'accepted') then
    if new.invitee_id is null then
      raise exception using
        errcode = 'RM422',
        message = 'referral_without_invitee',
        detail = 'A referral can only be accepted for a signed-up invitee';
    end if;
    if new.reward_credits > 0 then
      insert into public.credit_transactions (user_id, amount, type, description, reference_id)
      values
        (new.referrer_id, new.reward_credits, 'earned', 'Referral reward', new.id),
        (new.invitee_id, new.reward_credits, 'earned', 'Referral signup reward', new.id);
    end if;
  end if;
  return new;
end;
$$;

create trigger trigger_award_referral_credits
  after insert or update on public.referrals
  for each row execute function public.award_referral_credits();

-- Records and accepts the referral of p_invitee_id by the owner of p_code, crediting both.
-- Returns the referral id, or null when nothing is due: unknown code, self-referral, or the
-- invitee was already credited by some referral (whoever invited them).
create function public.accept_referral(p_invitee_id uuid, p_code text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_referrer_id uuid;
  v_referrer_code text;
  v_invitee_email text;
  v_referral_id uuid;
begin
  if p_invitee_id is null or nullif(btrim(p_code), '') is null then
    return null;
  end if;

  select p.id, p.referral_code into v_referrer_id, v_referrer_code
  from public.profiles p
  where p.referral_code = upper(btrim(p_code));
  if v_referrer_id is null or v_referrer_id = p_invitee_id then
    return null;
  end if;

  select lower(p.email) into v_invitee_email from public.profiles p where p.id = p_invitee_id;
  if v_invitee_email is null then
    raise exception using
      errcode = 'RM404',
      message = 'invitee_not_found',
      detail = 'The invitee has no profile';
  end if;

  if exists (
    select 1 from public.referrals r
    where r.status = 'accepted' and (r.invitee_id = p_invitee_id or r.invitee_email = v_invitee_email)
  ) then
    return null;
  end if;

  begin
    update public.referrals r
    set status = 'accepted', invitee_id = p_invitee_id
    where r.referrer_id = v_referrer_id
      and r.invitee_email = v_invitee_email
      and r.status in ('pending', 'expired')
    returning r.id into v_referral_id;

    if v_referral_id is null then
      insert into public.referrals (referrer_id, invitee_email, invitee_id, status, referral_code)
      values (v_referrer_id, v_invitee_email, p_invitee_id, 'accepted', v_referrer_code)
      returning id into v_referral_id;
    end if;
  exception when unique_violation then
    -- A concurrent acceptance for this invitee (referrals_one_accepted_per_invitee) won.
    return null;
  end;

  return v_referral_id;
end;
$$;

-- Pending referrals past expires_at become expired. Called by maintenance; returns the count.
create function public.expire_referrals()
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_count integer;
begin
  update public.referrals
  set status = 'expired'
  where status = 'pending' and expires_at < now();
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

------------------------------------------------------------------------------------------------
-- Signup: auth.users -> profiles (and the referral, when the signup carried a code)
------------------------------------------------------------------------------------------------
create function public.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_code text := nullif(btrim(new.raw_user_meta_data ->> 'referral_code'), '');
begin
  insert into public.profiles (id, email, full_name, phone)
  values (
    new.id,
    lower(new.email),
    new.raw_user_meta_data ->> 'full_name',
    coalesce(new.raw_user_meta_data ->> 'phone', new.phone)
  );
  if v_code is not null then
    perform public.accept_referral(new.id, v_code);
  end if;
  return new;
end;
$$;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function public.handle_new_user();

------------------------------------------------------------------------------------------------
-- Bookings
------------------------------------------------------------------------------------------------
-- "In the future" when a booking is created or moved; reported like the seed's CHECK.
create function public.bookings_future_date_time()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (tg_op = 'INSERT' or new.date_time is distinct from old.date_time) and new.date_time <= now() then
    raise exception using
      errcode = '23514',
      constraint = 'future_booking',
      schema = 'public',
      table = 'bookings',
      column = 'date_time',
      message = 'new row for relation "bookings" violates check constraint "future_booking"',
      detail = 'Bookings must be made for a time in the future';
  end if;
  return new;
end;
$$;

create trigger trigger_bookings_future_date_time
  before insert or update of date_time on public.bookings
  for each row execute function public.bookings_future_date_time();

-- scheduled -> confirmed -> completed; scheduled | confirmed -> cancelled. Nothing else.
create function public.bookings_status_transition()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status = old.status
     or (old.status = 'scheduled' and new.status in ('confirmed', 'cancelled'))
     or (old.status = 'confirmed' and new.status in ('completed', 'cancelled')) then
    return new;
  end if;
  raise exception using
    errcode = 'RM409',
    message = 'invalid_transition',
    detail = pg_catalog.format('A %s booking cannot become %s', old.status, new.status);
end;
$$;

create trigger trigger_bookings_status_transition
  before update of status on public.bookings
  for each row execute function public.bookings_status_transition();

-- Keeps availability_slots.current_bookings equal to the number of live bookings on the slot
-- (live = not cancelled). Taking a place locks the slot row, so concurrent bookings of one
-- slot queue up and exactly max_bookings of them succeed.
create function public.maintain_slot_bookings()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old_slot uuid;
  v_new_slot uuid;
  v_slot record;
begin
  if tg_op in ('UPDATE', 'DELETE') and old.status <> 'cancelled' then
    v_old_slot := old.slot_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.status <> 'cancelled' then
    v_new_slot := new.slot_id;
  end if;
  if v_old_slot is not distinct from v_new_slot then
    return null; -- still (or never) on the same slot
  end if;

  -- Take the new place first, so a failed move leaves the booking where it was.
  if v_new_slot is not null then
    select s.is_available, s.current_bookings, s.max_bookings into v_slot
    from public.availability_slots s
    where s.id = v_new_slot
    for no key update; -- not FOR UPDATE: it would deadlock with the FK checks' KEY SHARE locks
    if not found then
      raise exception using
        errcode = 'RM404', message = 'slot_not_found', detail = 'That time slot does not exist';
    elsif not v_slot.is_available then
      raise exception using
        errcode = 'RM409', message = 'slot_unavailable', detail = 'That time slot is not available';
    elsif v_slot.current_bookings >= v_slot.max_bookings then
      raise exception using
        errcode = 'RM409', message = 'slot_full', detail = 'That time slot is full';
    end if;
    update public.availability_slots
    set current_bookings = current_bookings + 1
    where id = v_new_slot;
  end if;

  if v_old_slot is not null then
    update public.availability_slots
    set current_bookings = greatest(current_bookings - 1, 0)
    where id = v_old_slot;
  end if;
  return null;
end;
$$;

create trigger trigger_bookings_slot_count
  after insert or update of status, slot_id or delete on public.bookings
  for each row execute function public.maintain_slot_bookings();

------------------------------------------------------------------------------------------------
-- Admins
------------------------------------------------------------------------------------------------
create function public.admins_normalize_email()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.email := lower(btrim(new.email));
  return new;
end;
$$;

create trigger trigger_admins_normalize_email
  before insert or update of email on public.admins
  for each row execute function public.admins_normalize_email();

------------------------------------------------------------------------------------------------
-- Function privileges. Supabase grants EXECUTE on new functions in public to anon and
-- authenticated by default, so revoke from them as well as from PUBLIC.
------------------------------------------------------------------------------------------------
revoke execute on function
  public.update_updated_at_column(),
  public.auto_generate_referral_code(),
  public.profiles_init_credits(),
  public.profiles_guard_credits(),
  public.credit_transactions_apply(),
  public.credit_transactions_immutable(),
  public.referrals_normalize(),
  public.referrals_status_transition(),
  public.award_referral_credits(),
  public.handle_new_user(),
  public.bookings_future_date_time(),
  public.bookings_status_transition(),
  public.maintain_slot_bookings(),
  public.admins_normalize_email(),
  public.accept_referral(uuid, text),
  public.expire_referrals()
from public, anon, authenticated;

grant execute on function public.accept_referral(uuid, text), public.expire_referrals() to service_role;
