-- Issue 10, cheaper message decisions. The outbox triggers of 20251204100000_messages_outbox.sql
-- (with the texts of 20251204140000) made a booking write its messages one call at a time: the
-- booking_received (or booking_confirmed) email, then each reminder, each through
-- app_private.queue_message, which looked up the customer's texts again for every message, and the
-- customer's email was read twice. Measured with track_functions, the messages were about 46% of
-- api.book_session's time. Same rows, same keys, same guarantees (decided in the booking's own
-- transaction, one row per idempotency key), now:
--   * one INSERT for all of a booking's messages (the first message and its reminders, on email and,
--     for the kinds sent by text to a customer who gets texts, on sms), with one read of the
--     customer's email, phone and text opt-in;
--   * no SQL-language helper on the hot path (PostgreSQL before 18 plans a non-inlined SQL function at
--     every call; plpgsql caches its plans): the recipients' read and the message data are built in
--     the plpgsql functions themselves;
--   * an update that changes neither the status nor the time returns before reading anything;
--   * idx_messages_due is dropped: idx_messages_due_in_order (send_after, id) of
--     20251204160000_message_claim_index.sql has the same predicate and leading column, so every
--     message insert maintained one index for nothing.

drop index if exists public.idx_messages_due;

-- A booking's messages in one statement: `p_kind` (null: none) with `p_data` sent at `p_send_after`
-- (null: now), and, when `p_reminders`, a reminder at each offset of the settings whose moment is
-- still ahead. Keys as before: kind:booking:channel[:offset:epoch of the session].
create function app_private.queue_booking_messages(b public.bookings, p_email text, p_phone text,
                                                   p_kind text, p_data jsonb, p_send_after timestamptz, p_reminders boolean)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  -- As app_private.booking_message_data(b), built here: a SQL function with its own search_path is
  -- planned again at each call from plpgsql (PostgreSQL before 18 keeps no plans for SQL functions); plpgsql keeps its own.
  v_data jsonb := pg_catalog.jsonb_build_object('booking_id', b.id, 'order_id', b.order_id, 'service_type', b.service_type,
    'date_time', b.date_time, 'duration', b.duration, 'address', b.address, 'status', b.status, 'total_amount', b.total_amount);
  v_offsets integer[];
  v_sms text[];
begin
  if p_phone is not null then
    v_sms := app_hidden.sms_kinds(); -- only asked when there is a phone to text
  end if;
  if p_reminders then
    select s.reminder_offsets_minutes into v_offsets from public.business_settings s where s.id;
  end if;
  insert into public.messages (kind, channel, user_id, recipient, booking_id, order_id, send_after, data, idempotency_key)
  select i.kind, c.channel, b.user_id, c.recipient, b.id, b.order_id, i.send_after, i.data,
         pg_catalog.format('%s:%s:%s%s', i.kind, b.id, c.channel, i.detail)
    from (
      select p_kind, coalesce(p_send_after, pg_catalog.now()), v_data || coalesce(p_data, '{}'), ''
       where p_kind is not null
      union all
      select 'reminder', b.date_time - pg_catalog.make_interval(mins => o.m),
             v_data || pg_catalog.jsonb_build_object('offset_minutes', o.m),
             pg_catalog.format(':%s:%s', o.m, extract(epoch from b.date_time)::bigint)
        from pg_catalog.unnest(v_offsets) as o(m)
       where b.date_time - pg_catalog.make_interval(mins => o.m) > pg_catalog.now()
    ) as i(kind, send_after, data, detail)
    cross join lateral (
      select 'email', p_email where p_email is not null
      union all
      select 'sms', p_phone where p_phone is not null and b.user_id is not null and i.kind = any (v_sms)
    ) as c(channel, recipient)
  on conflict (idempotency_key) where status <> 'cancelled' do nothing;
end;
$$;
revoke all on function app_private.queue_booking_messages(public.bookings, text, text, text, jsonb, timestamptz, boolean) from public;

-- As before (reminders at each offset), in one statement.
create or replace function app_private.queue_reminders(b public.bookings)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_email text;
  v_phone text;
begin
  select p.email, case when n.sms_opt_in then app_hidden.e164(p.phone) end into v_email, v_phone
    from public.profiles p left join public.notification_preferences n on n.user_id = p.id
   where p.id = b.user_id;
  perform app_private.queue_booking_messages(b, v_email, v_phone, null, null, null, true);
end;
$$;

create or replace function app_private.bookings_queue_messages()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_email text;
  v_phone text;
  v_order_status public.order_status;
  v_delay integer;
  v_status_changed boolean := tg_op = 'INSERT' or new.status is distinct from old.status;
  v_moved boolean := tg_op = 'UPDATE' and new.date_time is distinct from old.date_time and new.status in ('scheduled', 'confirmed');
begin
  if tg_op = 'INSERT' and new.status not in ('scheduled', 'confirmed') then
    return null;
  end if;
  if not v_status_changed and not v_moved then
    return null;
  end if;
  select p.email, case when n.sms_opt_in then app_hidden.e164(p.phone) end into v_email, v_phone
    from public.profiles p left join public.notification_preferences n on n.user_id = p.id
   where p.id = new.user_id;

  if tg_op = 'INSERT' then
    if new.status = 'confirmed' then
      perform app_private.queue_booking_messages(new, v_email, v_phone, 'booking_confirmed', null, null, true);
    else
      select o.status into v_order_status from public.orders o where o.id = new.order_id;
      perform app_private.queue_booking_messages(new, v_email, v_phone, 'booking_received',
        pg_catalog.jsonb_build_object('awaits_payment', coalesce(v_order_status = 'pending', false)), null, true);
    end if;
    return null;
  end if;

  if v_status_changed then
    if new.status = 'confirmed' then
      perform app_private.queue_booking_messages(new, v_email, v_phone, 'booking_confirmed', null, null, false);
    elsif new.status = 'cancelled' then
      update public.messages m set status = 'cancelled', last_error = 'booking cancelled'
       where m.booking_id = new.id and m.status = 'pending' and m.kind in ('reminder', 'review_request');
      perform app_private.queue_booking_messages(new, v_email, v_phone, 'booking_cancelled', null, null, false);
    elsif new.status = 'completed' then
      update public.messages m set status = 'cancelled', last_error = 'session completed'
       where m.booking_id = new.id and m.status = 'pending' and m.kind = 'reminder';
      select s.review_request_delay_minutes into v_delay from public.business_settings s where s.id;
      perform app_private.queue_booking_messages(new, v_email, v_phone, 'review_request', null,
        pg_catalog.now() + pg_catalog.make_interval(mins => coalesce(v_delay, 120)), false);
    end if;
  end if;

  if v_moved then
    -- The pending reminders move with the session: the old ones are cancelled and those of the new
    -- time made (a reminder already sent for that very time is not made again).
    update public.messages m set status = 'cancelled', last_error = 'booking rescheduled'
     where m.booking_id = new.id and m.kind = 'reminder' and m.status = 'pending';
    perform app_private.queue_message('booking_rescheduled',
      pg_catalog.format('booking_rescheduled:%s:email:%s:%s', new.id, extract(epoch from new.date_time)::bigint, pg_catalog.txid_current()),
      new.user_id, v_email, new.id, new.order_id, null,
      app_private.booking_message_data(new) || pg_catalog.jsonb_build_object('previous_date_time', old.date_time));
    perform app_private.queue_booking_messages(new, v_email, v_phone, null, null, null, true);
  end if;
  return null;
end;
$$;
