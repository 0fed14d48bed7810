-- A booking linked to a slot happens when the slot starts: its date_time is set from the slot
-- whenever it is created on a slot or moved to one, whatever the writer sent (the slot's capacity
-- only means something for bookings at its time). The trigger's name sorts before
-- trigger_bookings_future_date_time, so "in the future" is checked on the aligned time.
create function public.bookings_align_slot_time()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_starts_at timestamptz;
begin
  if new.slot_id is not null then
    select (s.date + s.start_time) at time zone public.business_timezone() into v_starts_at
    from public.availability_slots s where s.id = new.slot_id;
    if found then
      new.date_time := v_starts_at;
    end if;
  end if;
  return new;
end;
$$;

create trigger trigger_bookings_align_slot_time
  before insert or update of slot_id, date_time on public.bookings
  for each row execute function public.bookings_align_slot_time();

-- Moving a booking by its slot alone changes its time too: check "in the future" then as well.
drop trigger trigger_bookings_future_date_time on public.bookings;
create trigger trigger_bookings_future_date_time
  before insert or update of date_time, slot_id on public.bookings
  for each row execute function public.bookings_future_date_time();

revoke execute on function public.bookings_align_slot_time() from public, anon, authenticated;
