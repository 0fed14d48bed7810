-- The archive of old completed bookings (the seed's `bookings_archive`, issue 11), made before the
-- reports and the maintenance commands that read and write it.
--
-- It lives in app_private: no Data API role reaches it; the reports (staff-checked functions) and
-- `recovery maintain archive` use it as service_role. Same columns as public.bookings, plus when
-- the row was archived. `app_private.bookings_all` is every booking ever made, live or archived:
-- what the reports count, so archiving never changes a figure.

create table app_private.bookings_archive (
  like public.bookings including defaults,
  archived_at timestamptz not null default now(),
  constraint bookings_archive_pkey primary key (id)
);
create index idx_bookings_archive_date_time on app_private.bookings_archive (date_time);
create index idx_bookings_archive_user_id on app_private.bookings_archive (user_id);
alter table app_private.bookings_archive enable row level security;
grant insert, select, delete on table app_private.bookings_archive to service_role;

create view app_private.bookings_all as
  select id, user_id, order_id, date_time, duration, service_type, add_ons, status, notes, address,
         total_amount, created_at, updated_at, slot_id, cancelled_at, false as archived
    from public.bookings
  union all
  select id, user_id, order_id, date_time, duration, service_type, add_ons, status, notes, address,
         total_amount, created_at, updated_at, slot_id, cancelled_at, true as archived
    from app_private.bookings_archive;
grant select on app_private.bookings_all to service_role;
