-- Staff management: the business can never lock itself out.
--
-- Removing or demoting the last super_admin fails with SQLSTATE RM409 / last_super_admin, on
-- every path: the API (a super admin working under RLS), the CLI (the owner) and plain SQL.
-- The trigger runs as whoever changes the row (no SECURITY DEFINER): only a super admin may
-- change other admins' rows, and a super admin sees every admins row, so the count is complete.

create function public.admins_keep_a_super_admin()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if old.role is distinct from 'super_admin' or (tg_op = 'UPDATE' and new.role = 'super_admin') then
    return coalesce(new, old);
  end if;
  -- Serializes concurrent demotions: two super admins demoting each other at once must not
  -- both see the other one still in place. Each statement reads a fresh snapshot after the wait.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('public.admins: last super_admin'));
  if not exists (
    select 1 from public.admins a where a.role = 'super_admin' and a.id <> old.id
  ) then
    raise exception using
      errcode = 'RM409',
      message = 'last_super_admin',
      detail = 'This is the last super_admin: make someone else super_admin first';
  end if;
  return coalesce(new, old);
end;
$$;

create trigger admins_keep_a_super_admin
before update of role or delete on public.admins
for each row execute function public.admins_keep_a_super_admin();

-- Staff lists join admins to profiles by email; admins stores emails lower-case.
create index profiles_lower_email_idx on public.profiles (lower(email));
