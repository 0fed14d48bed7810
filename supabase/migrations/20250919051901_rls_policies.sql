-- Recovery Machine: row level security. RLS on every table; a policy before each grant;
-- writes granted column by column. Policies call helpers as (select ...) so they run once per
-- query, and name their role (to anon / to authenticated) explicitly.
--
-- Who may do what (the seed's hierarchy): a customer reads and edits their own data; an
-- operator also views customers and bookings and confirms/cancels/completes bookings; an admin
-- also orders, referrals, reviews, credit adjustments and slots; a super_admin also manages
-- admins. service_role (server code) bypasses RLS.

------------------------------------------------------------------------------------------------
-- Helpers (SECURITY DEFINER: they read auth.users and admins, which callers cannot)
------------------------------------------------------------------------------------------------

-- The signed-in caller's email, lower-case, from auth.users (null when signed out).
create function public.current_user_email()
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select lower(u.email) from auth.users u where u.id = auth.uid()
$$;

-- True when the caller is signed in and their email matches an admins row of at least min_role
-- (operator < admin < super_admin).
create function public.is_admin(min_role public.admin_role default 'operator')
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(auth.role(), '') = 'authenticated'
    and exists (
      select 1
      from public.admins a
      join auth.users u on lower(a.email) = lower(u.email)
      where u.id = auth.uid()
        and a.role >= min_role
    )
$$;

-- The caller's admin role, or null when the caller is not an admin.
create function public.admin_role_of_current_user()
returns public.admin_role
language sql
stable
security definer
set search_path = ''
as $$
  select max(a.role)
  from public.admins a
  join auth.users u on lower(a.email) = lower(u.email)
  where coalesce(auth.role(), '') = 'authenticated'
    and u.id = auth.uid()
$$;

-- True when p_booking_id is one of the caller's own completed bookings (may be reviewed).
create function public.is_own_completed_booking(p_booking_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.bookings b
    where b.id = p_booking_id
      and b.user_id = auth.uid()
      and b.status = 'completed'
  )
$$;

revoke execute on function
  public.current_user_email(),
  public.is_admin(public.admin_role),
  public.admin_role_of_current_user(),
  public.is_own_completed_booking(uuid)
from public;
grant execute on function
  public.current_user_email(),
  public.is_admin(public.admin_role),
  public.admin_role_of_current_user(),
  public.is_own_completed_booking(uuid)
to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Guards for what column grants cannot express (they run as the caller: current_user is the
-- API role)
------------------------------------------------------------------------------------------------

-- Customers may change only notes and address of their own booking; operators and up may also
-- move it through its statuses. (Customers cancel through a privileged function.)
create function public.bookings_guard_customer_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_user = 'authenticated'
     and (
       new.status is distinct from old.status
       or new.total_amount is distinct from old.total_amount
       or new.user_id is distinct from old.user_id
       or new.order_id is distinct from old.order_id
       or new.slot_id is distinct from old.slot_id
       or new.date_time is distinct from old.date_time
       or new.duration is distinct from old.duration
       or new.service_type is distinct from old.service_type
       or new.add_ons is distinct from old.add_ons
     )
     and not public.is_admin('operator') then
    raise exception using
      errcode = 'RM403',
      message = 'forbidden_column',
      detail = 'Customers may change only the notes and address of their own booking';
  end if;
  return new;
end;
$$;

create trigger trigger_bookings_guard_customer_update
  before update on public.bookings
  for each row execute function public.bookings_guard_customer_update();

-- Only admins feature reviews or mark them synced to Google.
create function public.reviews_guard_featured()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_user = 'authenticated'
     and (
       (tg_op = 'INSERT' and (coalesce(new.is_featured, false) or coalesce(new.google_synced, false)))
       or (tg_op = 'UPDATE' and (new.is_featured is distinct from old.is_featured
                                 or new.google_synced is distinct from old.google_synced))
     )
     and not public.is_admin('admin') then
    raise exception using
      errcode = 'RM403',
      message = 'forbidden_column',
      detail = 'Only admins feature reviews';
  end if;
  return new;
end;
$$;

create trigger trigger_reviews_guard_featured
  before insert or update on public.reviews
  for each row execute function public.reviews_guard_featured();

revoke execute on function
  public.bookings_guard_customer_update(),
  public.reviews_guard_featured()
from public, anon, authenticated;

------------------------------------------------------------------------------------------------
-- RLS on, and nothing granted until a policy says so (Supabase grants everything in public to
-- anon and authenticated by default)
------------------------------------------------------------------------------------------------
alter table public.profiles enable row level security;
alter table public.orders enable row level security;
alter table public.bookings enable row level security;
alter table public.referrals enable row level security;
alter table public.reviews enable row level security;
alter table public.admins enable row level security;
alter table public.credit_transactions enable row level security;
alter table public.availability_slots enable row level security;

revoke all on table
  public.profiles,
  public.orders,
  public.bookings,
  public.referrals,
  public.reviews,
  public.admins,
  public.credit_transactions,
  public.availability_slots
from anon, authenticated;

------------------------------------------------------------------------------------------------
-- profiles: own profile (name, phone, address); operators read all; admins edit any.
-- No insert or delete: profiles come from signup, and go with the auth user.
------------------------------------------------------------------------------------------------
create policy profiles_select_own_or_operator on public.profiles
  for select to authenticated
  using (id = (select auth.uid()) or (select public.is_admin('operator')));

create policy profiles_update_own_or_admin on public.profiles
  for update to authenticated
  using (id = (select auth.uid()) or (select public.is_admin('admin')))
  with check (id = (select auth.uid()) or (select public.is_admin('admin')));

grant select on table public.profiles to authenticated;
grant update (full_name, phone, address) on table public.profiles to authenticated;

------------------------------------------------------------------------------------------------
-- orders: read own; admins read all. Written by server code only.
------------------------------------------------------------------------------------------------
create policy orders_select_own_or_admin on public.orders
  for select to authenticated
  using (user_id = (select auth.uid()) or (select public.is_admin('admin')));

grant select on table public.orders to authenticated;

------------------------------------------------------------------------------------------------
-- bookings: read and create own; operators read all and move bookings through their statuses.
-- Customers change only notes and address (trigger_bookings_guard_customer_update).
------------------------------------------------------------------------------------------------
create policy bookings_select_own_or_operator on public.bookings
  for select to authenticated
  using (user_id = (select auth.uid()) or (select public.is_admin('operator')));

create policy bookings_insert_own on public.bookings
  for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy bookings_update_own_or_operator on public.bookings
  for update to authenticated
  using (user_id = (select auth.uid()) or (select public.is_admin('operator')))
  with check (user_id = (select auth.uid()) or (select public.is_admin('operator')));

grant select on table public.bookings to authenticated;
grant insert (user_id, slot_id, date_time, duration, service_type, add_ons, notes, address)
  on table public.bookings to authenticated;
grant update (status, notes, address) on table public.bookings to authenticated;

------------------------------------------------------------------------------------------------
-- referrals: referrer and invitee read theirs; admins read all. A customer invites by email
-- (a pending referral of their own); acceptance happens on signup (accept_referral).
------------------------------------------------------------------------------------------------
create policy referrals_select_party_or_admin on public.referrals
  for select to authenticated
  using (
    referrer_id = (select auth.uid())
    or invitee_id = (select auth.uid())
    or (select public.is_admin('admin'))
  );

create policy referrals_insert_own_invitation on public.referrals
  for insert to authenticated
  with check (referrer_id = (select auth.uid()) and status = 'pending' and invitee_id is null);

grant select on table public.referrals to authenticated;
grant insert (referrer_id, invitee_email) on table public.referrals to authenticated;

------------------------------------------------------------------------------------------------
-- reviews: visitors read featured ones; signed-in users read all (seed). A customer reviews
-- their own completed bookings, once each, and edits their rating and comment; admins
-- feature and delete.
------------------------------------------------------------------------------------------------
create policy reviews_select_featured on public.reviews
  for select to anon
  using (is_featured = true);

create policy reviews_select_all on public.reviews
  for select to authenticated
  using (true);

create policy reviews_insert_own_completed_booking on public.reviews
  for insert to authenticated
  with check (user_id = (select auth.uid()) and public.is_own_completed_booking(booking_id));

create policy reviews_update_own_or_admin on public.reviews
  for update to authenticated
  using (user_id = (select auth.uid()) or (select public.is_admin('admin')))
  with check (user_id = (select auth.uid()) or (select public.is_admin('admin')));

create policy reviews_delete_admin on public.reviews
  for delete to authenticated
  using ((select public.is_admin('admin')));

grant select on table public.reviews to anon;
grant select on table public.reviews to authenticated;
grant insert (user_id, booking_id, rating, comment) on table public.reviews to authenticated;
grant update (rating, comment, is_featured) on table public.reviews to authenticated;
grant delete on table public.reviews to authenticated;

------------------------------------------------------------------------------------------------
-- admins: an admin reads their own row; super_admins manage all.
------------------------------------------------------------------------------------------------
create policy admins_select_self_or_super_admin on public.admins
  for select to authenticated
  using (lower(email) = (select public.current_user_email()) or (select public.is_admin('super_admin')));

create policy admins_insert_super_admin on public.admins
  for insert to authenticated
  with check ((select public.is_admin('super_admin')));

create policy admins_update_super_admin on public.admins
  for update to authenticated
  using ((select public.is_admin('super_admin')))
  with check ((select public.is_admin('super_admin')));

create policy admins_delete_super_admin on public.admins
  for delete to authenticated
  using ((select public.is_admin('super_admin')));

grant select on table public.admins to authenticated;
grant insert (email, role, created_by) on table public.admins to authenticated;
grant update (email, role, created_by) on table public.admins to authenticated;
grant delete on table public.admins to authenticated;

------------------------------------------------------------------------------------------------
-- credit_transactions (the ledger): read own; admins read all and record adjustments in
-- their own name. Everything else is written by triggers and server code.
------------------------------------------------------------------------------------------------
create policy credit_transactions_select_own_or_admin on public.credit_transactions
  for select to authenticated
  using (user_id = (select auth.uid()) or (select public.is_admin('admin')));

create policy credit_transactions_insert_admin_adjustment on public.credit_transactions
  for insert to authenticated
  with check (
    (select public.is_admin('admin'))
    and type = 'adjustment'
    and created_by = (select auth.uid())
  );

grant select on table public.credit_transactions to authenticated;
grant insert (user_id, amount, type, description, reference_id, created_by)
  on table public.credit_transactions to authenticated;

------------------------------------------------------------------------------------------------
-- availability_slots: everyone reads (the homepage shows them); admins manage.
------------------------------------------------------------------------------------------------
create policy availability_slots_select_all on public.availability_slots
  for select to anon, authenticated
  using (true);

create policy availability_slots_insert_admin on public.availability_slots
  for insert to authenticated
  with check ((select public.is_admin('admin')));

create policy availability_slots_update_admin on public.availability_slots
  for update to authenticated
  using ((select public.is_admin('admin')))
  with check ((select public.is_admin('admin')));

create policy availability_slots_delete_admin on public.availability_slots
  for delete to authenticated
  using ((select public.is_admin('admin')));

grant select on table public.availability_slots to anon, authenticated;
grant insert (date, start_time, end_time, is_available, max_bookings)
  on table public.availability_slots to authenticated;
grant update (is_available, max_bookings) on table public.availability_slots to authenticated;
grant delete on table public.availability_slots to authenticated;

------------------------------------------------------------------------------------------------
-- Server code (service_role) may do anything; RLS does not apply to it.
------------------------------------------------------------------------------------------------
grant all on all tables in schema public to service_role;
