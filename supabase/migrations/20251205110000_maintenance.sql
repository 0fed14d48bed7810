-- The seed's maintenance, safely (issue 11): the archive of old completed bookings.
--
-- `recovery maintain archive` moves completed bookings older than a cutoff from public.bookings
-- into app_private.bookings_archive, a batch per transaction. Nothing may be lost:
--   * reviews.booking_id REFERENCES bookings ON DELETE CASCADE: a reviewed booking stays live
--     (archiving it would delete its review), so the archive skips it;
--   * messages.booking_id was REFERENCES bookings ON DELETE SET NULL: an archived booking's
--     messages would lose their booking. The foreign key becomes "a booking, live or archived",
--     kept by triggers: a message may point at a live or an archived booking; deleting a live
--     booking (not archiving it) still sets its messages' booking_id to null, as before;
--   * bookings.order_id -> orders: the archive row keeps its order_id (orders are never deleted
--     by the archive), and db:check finds an archived booking whose order is gone;
--   * the slot counters: a booking leaving public.bookings gives its place back
--     (maintain_slot_bookings); the archive takes it again, so a past slot still counts the
--     sessions it held, live or archived (db:check counts both).

alter table public.messages drop constraint messages_booking_id_fkey;

create function app_private.messages_check_booking()
  returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  if new.booking_id is not null
     and not exists (select 1 from public.bookings b where b.id = new.booking_id)
     and not exists (select 1 from app_private.bookings_archive a where a.id = new.booking_id) then
    raise exception using
      errcode = '23503',
      message = 'insert or update on table "messages" violates foreign key constraint "messages_booking_id_fkey"',
      detail = format('Key (booking_id)=(%s) is not present in table "bookings" (live or archived).', new.booking_id);
  end if;
  return new;
end;
$$;

create trigger trigger_messages_check_booking
  before insert or update of booking_id on public.messages
  for each row execute function app_private.messages_check_booking();

-- ON DELETE SET NULL, except for a booking that was archived (it still exists, in the archive).
create function app_private.bookings_release_messages()
  returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  update public.messages m
     set booking_id = null
    from old_rows o
   where m.booking_id = o.id
     and not exists (select 1 from app_private.bookings_archive a where a.id = o.id);
  return null;
end;
$$;

create trigger trigger_bookings_release_messages
  after delete on public.bookings
  referencing old table as old_rows
  for each statement execute function app_private.bookings_release_messages();

-- One batch of the archive: up to p_batch completed bookings that started before p_cutoff and
-- have no review, oldest first, copied into the archive and deleted from public.bookings, in
-- the caller's transaction. Returns how many moved (0: nothing left). For the owner (the CLI)
-- and server code as service_role (the job queue); no Data API role may run it.
create function app_private.archive_bookings_batch(p_cutoff timestamptz, p_batch integer)
  returns integer
  language plpgsql
  security invoker
  set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  select coalesce(array_agg(s.id), '{}') into v_ids
    from (select b.id
            from public.bookings b
           where b.status = 'completed'
             and b.date_time < p_cutoff
             and not exists (select 1 from public.reviews r where r.booking_id = b.id)
           order by b.date_time, b.id
           limit p_batch
             for update of b skip locked) s;
  if cardinality(v_ids) = 0 then
    return 0;
  end if;

  insert into app_private.bookings_archive
    (id, user_id, order_id, date_time, duration, service_type, add_ons, status, notes, address,
     total_amount, created_at, updated_at, slot_id, cancelled_at)
  select b.id, b.user_id, b.order_id, b.date_time, b.duration, b.service_type, b.add_ons, b.status, b.notes, b.address,
         b.total_amount, b.created_at, b.updated_at, b.slot_id, b.cancelled_at
    from public.bookings b
   where b.id = any (v_ids);

  delete from public.bookings b where b.id = any (v_ids);

  -- The delete gave the slots' places back; an archived session still held its place.
  update public.availability_slots s
     set current_bookings = s.current_bookings + c.n
    from (select a.slot_id, count(*)::integer as n
            from app_private.bookings_archive a
           where a.id = any (v_ids) and a.slot_id is not null
           group by a.slot_id) c
   where s.id = c.slot_id;

  return cardinality(v_ids);
end;
$$;
revoke all on function app_private.archive_bookings_batch(timestamptz, integer) from public;
grant execute on function app_private.archive_bookings_batch(timestamptz, integer) to service_role;

-- `recovery export ledger|reviews` pages by (created_at, id): an index so each page reads only itself.
create index idx_credit_transactions_created_at on public.credit_transactions (created_at, id);
create index idx_reviews_created_at on public.reviews (created_at, id);
