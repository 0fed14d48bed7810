-- GET /api/admin/slots?from&to (staff, operator and up): every slot of a range of local dates,
-- open or closed, full or not, with its places and the live bookings in it (who, what, status),
-- for the staff calendar. Times in the business time zone (the transaction's TimeZone is set to
-- it). Cancelled bookings are left out: they hold no place.
create function api.admin_slots(p_from date, p_to date)
returns json
language plpgsql
volatile -- it sets the transaction's TimeZone
security invoker
set search_path = ''
as $$
declare
  v_zone text;
  v_result json;
begin
  if not app_hidden.is_admin('operator') then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'Only staff may list slots with their bookings';
  end if;
  if p_from is null or p_to is null or p_to < p_from then
    raise exception using errcode = 'RM400', message = 'validation_failed', detail = 'to must not be before from', hint = '{"field":"to"}';
  end if;
  if p_to - p_from >= 62 then
    raise exception using errcode = 'RM400', message = 'validation_failed', detail = 'At most 62 days at a time', hint = '{"field":"to","max_days":62}';
  end if;
  select s.timezone into v_zone from public.business_settings s where s.id;
  perform pg_catalog.set_config('timezone', v_zone, true);
  select pg_catalog.json_build_object('timezone', v_zone, 'slots', coalesce(pg_catalog.json_agg(x), '[]'::json)) into v_result
    from (
      select s.id, s.date, pg_catalog.to_char(s.start_time, 'HH24:MI') as start_time, pg_catalog.to_char(s.end_time, 'HH24:MI') as end_time,
             pg_catalog.to_char((s.date + s.start_time) at time zone v_zone, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') as starts_at,
             pg_catalog.to_char((s.date + s.end_time) at time zone v_zone, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') as ends_at,
             s.is_available, s.max_bookings, s.current_bookings, s.max_bookings - s.current_bookings as remaining,
             coalesce((
               select pg_catalog.json_agg(pg_catalog.json_build_object(
                        'id', b.id, 'status', b.status, 'service_type', b.service_type, 'add_ons', b.add_ons,
                        'duration', b.duration, 'date_time', app_hidden.iso(b.date_time),
                        'customer', (select pg_catalog.json_build_object('id', p.id, 'full_name', p.full_name, 'phone', p.phone)
                                       from public.profiles p where p.id = b.user_id))
                      order by b.created_at, b.id)
                 from public.bookings b
                where b.slot_id = s.id and b.status <> 'cancelled'), '[]'::json) as bookings
        from public.availability_slots s
       where s.date between p_from and p_to
       order by s.date, s.start_time
    ) x;
  return v_result;
end;
$$;
grant execute on function api.admin_slots(date, date) to public;
