-- Issue 10: the message log and the transactional outbox. Every message the system sends is a row
-- of public.messages, inserted by triggers in the same transaction as the change that causes it
-- (a booking made, confirmed, moved, cancelled or completed; an order paid; a refund; a referral
-- invitation or reward), so any path counts (the API, staff SQL) and a rolled-back change sends
-- nothing. The worker (src/jobs/worker.ts) claims due rows with SKIP LOCKED, sends them outside any
-- transaction and records the result. The idempotency key makes each message exist once.
-- app_private.outbox (referral invitations) is folded into this table.

------------------------------------------------------------------------------------------------
-- Settings: when reminders and review requests go out
------------------------------------------------------------------------------------------------
alter table public.business_settings
  add column reminder_offsets_minutes integer[] not null default '{1440,120}',
  add column review_request_delay_minutes integer not null default 120,
  add constraint business_settings_reminder_offsets_minutes_check
    check (pg_catalog.array_ndims(reminder_offsets_minutes) is null
           or (pg_catalog.array_ndims(reminder_offsets_minutes) = 1
               and pg_catalog.cardinality(reminder_offsets_minutes) <= 10
               and 1 <= all (reminder_offsets_minutes) and 10080 >= all (reminder_offsets_minutes))),
  add constraint business_settings_review_request_delay_minutes_check
    check (review_request_delay_minutes between 0 and 10080);
grant update (reminder_offsets_minutes, review_request_delay_minutes) on table public.business_settings to authenticated;

------------------------------------------------------------------------------------------------
-- The message log
------------------------------------------------------------------------------------------------
create table public.messages (
  id uuid primary key default gen_random_uuid(),
  kind text not null constraint messages_kind_check check (kind in (
    'booking_received', 'booking_confirmed', 'receipt', 'reminder', 'booking_rescheduled', 'booking_cancelled',
    'refund_issued', 'review_request', 'referral_invitation', 'referral_reward')),
  channel text not null default 'email' constraint messages_channel_check check (channel in ('email', 'sms')),
  user_id uuid constraint messages_user_id_fkey references public.profiles (id) on delete set null,
  booking_id uuid constraint messages_booking_id_fkey references public.bookings (id) on delete set null,
  order_id uuid constraint messages_order_id_fkey references public.orders (id) on delete set null,
  recipient text not null,
  status text not null default 'pending'
    constraint messages_status_check check (status in ('pending', 'sending', 'sent', 'failed', 'cancelled', 'skipped')),
  attempts integer not null default 0 constraint messages_attempts_check check (attempts >= 0),
  provider_id text,
  last_error text,
  -- pending: not before this; sending: the claim's lease ends then (a crashed worker's claim is retaken).
  send_after timestamptz not null default now(),
  data jsonb not null default '{}' constraint messages_data_check check (pg_catalog.jsonb_typeof(data) = 'object'),
  idempotency_key text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  sent_at timestamptz
);
comment on table public.messages is 'Every email and text, decided in the transaction of its cause (the outbox) and sent by the worker';
comment on column public.messages.idempotency_key is 'kind:subject:channel[:detail]: one message per key, however many servers and restarts';
-- Cancelled messages step aside: a booking moved back to a time gets that time's reminders again.
create unique index messages_one_per_idempotency_key on public.messages (idempotency_key) where status <> 'cancelled';
create index idx_messages_due on public.messages (send_after) where status in ('pending', 'sending');
create index idx_messages_booking_id on public.messages (booking_id);
create index idx_messages_order_id on public.messages (order_id);
create index idx_messages_user_id on public.messages (user_id);
create index idx_messages_status_created on public.messages (status, created_at desc);
create trigger trigger_messages_updated_at before update on public.messages
  for each row execute function public.update_updated_at_column();

alter table public.messages enable row level security;
create policy messages_select_own_or_admin on public.messages
  as permissive for select to authenticated
  using (user_id = (select auth.uid()) or (select app_hidden.is_admin('admin')));
revoke all on table public.messages from public, anon, authenticated;
grant select on table public.messages to authenticated;
grant select, insert, update, delete on table public.messages to service_role;

------------------------------------------------------------------------------------------------
-- Deciding messages (trigger helpers; private: no client calls them)
------------------------------------------------------------------------------------------------
create function app_private.queue_message(p_kind text, p_key text, p_user_id uuid, p_recipient text,
                                          p_booking_id uuid, p_order_id uuid, p_send_after timestamptz, p_data jsonb)
returns void
language sql
security definer
set search_path = ''
as $$
  insert into public.messages (kind, channel, user_id, recipient, booking_id, order_id, send_after, data, idempotency_key)
  select p_kind, 'email', p_user_id, p_recipient, p_booking_id, p_order_id, coalesce(p_send_after, pg_catalog.now()), coalesce(p_data, '{}'), p_key
   where p_recipient is not null
  on conflict (idempotency_key) where status <> 'cancelled' do nothing;
$$;

-- The facts a booking message speaks of, as they are when it is decided.
create function app_private.booking_message_data(b public.bookings)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('booking_id', b.id, 'order_id', b.order_id, 'service_type', b.service_type,
    'date_time', b.date_time, 'duration', b.duration, 'address', b.address, 'status', b.status, 'total_amount', b.total_amount);
$$;

-- A booking's reminders at each offset of the settings; the ones whose moment has passed are not made.
create function app_private.queue_reminders(b public.bookings)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_offset integer;
  v_email text;
begin
  select p.email into v_email from public.profiles p where p.id = b.user_id;
  for v_offset in select unnest(s.reminder_offsets_minutes) from public.business_settings s where s.id loop
    if b.date_time - pg_catalog.make_interval(mins => v_offset) > pg_catalog.now() then
      perform app_private.queue_message('reminder',
        pg_catalog.format('reminder:%s:email:%s:%s', b.id, v_offset, extract(epoch from b.date_time)::bigint),
        b.user_id, v_email, b.id, b.order_id, b.date_time - pg_catalog.make_interval(mins => v_offset),
        app_private.booking_message_data(b) || pg_catalog.jsonb_build_object('offset_minutes', v_offset));
    end if;
  end loop;
end;
$$;

create function app_private.bookings_queue_messages()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_email text;
  v_data jsonb := app_private.booking_message_data(new);
  v_order_status public.order_status;
  v_delay integer;
begin
  select p.email into v_email from public.profiles p where p.id = new.user_id;
  if tg_op = 'INSERT' then
    if new.status = 'confirmed' then
      perform app_private.queue_message('booking_confirmed', pg_catalog.format('booking_confirmed:%s:email', new.id),
        new.user_id, v_email, new.id, new.order_id, null, v_data);
    elsif new.status = 'scheduled' then
      select o.status into v_order_status from public.orders o where o.id = new.order_id;
      perform app_private.queue_message('booking_received', pg_catalog.format('booking_received:%s:email', new.id),
        new.user_id, v_email, new.id, new.order_id, null, v_data || pg_catalog.jsonb_build_object('awaits_payment', coalesce(v_order_status = 'pending', false)));
    end if;
    if new.status in ('scheduled', 'confirmed') then
      perform app_private.queue_reminders(new);
    end if;
    return null;
  end if;

  if new.status is distinct from old.status then
    if new.status = 'confirmed' then
      perform app_private.queue_message('booking_confirmed', pg_catalog.format('booking_confirmed:%s:email', new.id),
        new.user_id, v_email, new.id, new.order_id, null, v_data);
    elsif new.status = 'cancelled' then
      update public.messages m set status = 'cancelled', last_error = 'booking cancelled'
       where m.booking_id = new.id and m.status = 'pending' and m.kind in ('reminder', 'review_request');
      perform app_private.queue_message('booking_cancelled', pg_catalog.format('booking_cancelled:%s:email', new.id),
        new.user_id, v_email, new.id, new.order_id, null, v_data);
    elsif new.status = 'completed' then
      update public.messages m set status = 'cancelled', last_error = 'session completed'
       where m.booking_id = new.id and m.status = 'pending' and m.kind = 'reminder';
      select s.review_request_delay_minutes into v_delay from public.business_settings s where s.id;
      perform app_private.queue_message('review_request', pg_catalog.format('review_request:%s:email', new.id),
        new.user_id, v_email, new.id, new.order_id, pg_catalog.now() + pg_catalog.make_interval(mins => coalesce(v_delay, 120)), v_data);
    end if;
  end if;

  if new.date_time is distinct from old.date_time and new.status in ('scheduled', 'confirmed') then
    perform app_private.queue_message('booking_rescheduled',
      pg_catalog.format('booking_rescheduled:%s:email:%s:%s', new.id, extract(epoch from new.date_time)::bigint, pg_catalog.txid_current()),
      new.user_id, v_email, new.id, new.order_id, null, v_data || pg_catalog.jsonb_build_object('previous_date_time', old.date_time));
    -- The pending reminders move with the session: the old ones are cancelled and those of the new
    -- time made (a reminder already sent for that very time is not made again).
    update public.messages m set status = 'cancelled', last_error = 'booking rescheduled'
     where m.booking_id = new.id and m.kind = 'reminder' and m.status = 'pending';
    perform app_private.queue_reminders(new);
  end if;
  return null;
end;
$$;

create trigger trigger_bookings_queue_messages after insert or update of status, date_time on public.bookings
  for each row execute function app_private.bookings_queue_messages();

create function app_private.orders_queue_receipt()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.status = 'paid' and (tg_op = 'INSERT' or old.status is distinct from 'paid') then
    perform app_private.queue_message('receipt', pg_catalog.format('receipt:%s:email', new.id),
      new.user_id, (select p.email from public.profiles p where p.id = new.user_id), null, new.id, null,
      pg_catalog.jsonb_build_object('order_id', new.id, 'amount', new.amount, 'credits_applied', new.credits_applied,
        'setup_fee_applied', new.setup_fee_applied, 'paid_at', coalesce(new.paid_at, pg_catalog.now())));
  end if;
  return null;
end;
$$;

create trigger trigger_orders_queue_receipt after insert or update of status on public.orders
  for each row execute function app_private.orders_queue_receipt();

create function app_private.refunds_queue_message()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user_id uuid;
begin
  select o.user_id into v_user_id from public.orders o where o.id = new.order_id;
  perform app_private.queue_message('refund_issued', pg_catalog.format('refund_issued:%s:email', new.id),
    v_user_id, (select p.email from public.profiles p where p.id = v_user_id), null, new.order_id, null,
    pg_catalog.jsonb_build_object('refund_id', new.id, 'order_id', new.order_id, 'amount_cents', new.amount_cents,
      'destination', new.destination));
  return null;
end;
$$;

create trigger trigger_refunds_queue_message after insert on public.refunds
  for each row execute function app_private.refunds_queue_message();

-- An invitation: to the invitee's address (not a customer yet); the renderer makes the link from
-- PUBLIC_URL and the code.
create function app_private.referrals_queue_invitation()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.status = 'pending' and new.invitee_id is null then
    perform app_private.queue_message('referral_invitation', pg_catalog.format('referral_invitation:%s:email', new.id),
      null, new.invitee_email, null, null, null,
      pg_catalog.jsonb_build_object('referral_id', new.id, 'referrer_id', new.referrer_id,
        'referrer_name', (select p.full_name from public.profiles p where p.id = new.referrer_id),
        'referral_code', new.referral_code, 'invite_path', '/signup?ref=' || new.referral_code,
        'reward_credits', new.reward_credits));
  end if;
  return null;
end;
$$;

create trigger trigger_referrals_queue_invitation after insert on public.referrals
  for each row execute function app_private.referrals_queue_invitation();

-- Credits earned from a referral (either side), whatever path credited them.
create function app_private.credit_transactions_queue_referral_reward()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.type = 'earned' and new.amount > 0 and new.reference_id is not null
     and exists (select 1 from public.referrals r where r.id = new.reference_id) then
    perform app_private.queue_message('referral_reward', pg_catalog.format('referral_reward:%s:email', new.id),
      new.user_id, (select p.email from public.profiles p where p.id = new.user_id), null, null, null,
      pg_catalog.jsonb_build_object('credit_transaction_id', new.id, 'referral_id', new.reference_id,
        'credits', new.amount, 'description', new.description));
  end if;
  return null;
end;
$$;

create trigger trigger_credit_transactions_queue_referral_reward after insert on public.credit_transactions
  for each row execute function app_private.credit_transactions_queue_referral_reward();

revoke all on function app_private.queue_message(text, text, uuid, text, uuid, uuid, timestamptz, jsonb) from public;
revoke all on function app_private.booking_message_data(public.bookings) from public;
revoke all on function app_private.queue_reminders(public.bookings) from public;
revoke all on function app_private.bookings_queue_messages() from public;
revoke all on function app_private.orders_queue_receipt() from public;
revoke all on function app_private.refunds_queue_message() from public;
revoke all on function app_private.referrals_queue_invitation() from public;
revoke all on function app_private.credit_transactions_queue_referral_reward() from public;

------------------------------------------------------------------------------------------------
-- The old outbox becomes the message log: its invitations move over (sent ones as sent)
------------------------------------------------------------------------------------------------
insert into public.messages (kind, recipient, status, attempts, last_error, send_after, data, idempotency_key, created_at, sent_at)
select 'referral_invitation', o.payload ->> 'to', case when o.sent_at is null then 'pending' else 'sent' end,
       o.attempts, o.last_error, o.available_at,
       (o.payload - 'to') || pg_catalog.jsonb_build_object('invite_path', '/signup?ref=' || (o.payload ->> 'referral_code')),
       pg_catalog.format('referral_invitation:%s:email', coalesce(o.payload ->> 'referral_id', o.id::text)), o.created_at, o.sent_at
  from app_private.outbox o
 where o.topic = 'referral.invitation' and o.payload ->> 'to' is not null
on conflict (idempotency_key) where status <> 'cancelled' do nothing;
drop table app_private.outbox;

-- Sessions booked before this migration get their reminders too (those whose moment is still ahead).
select app_private.queue_reminders(b) from public.bookings b where b.status in ('scheduled', 'confirmed') and b.date_time > now();

------------------------------------------------------------------------------------------------
-- Admin API: the message log, and a retry of a failed message
------------------------------------------------------------------------------------------------
create function api.admin_messages(p_status text, p_kind text, p_limit integer, p_offset integer)
returns json
language plpgsql
stable
set search_path = ''
as $$
declare
  v_messages json;
  v_total integer;
begin
  if not app_hidden.is_admin('admin') then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'This needs the admin role';
  end if;
  select coalesce(pg_catalog.json_agg(x), '[]'::json) into v_messages
    from (
      select m.id, m.kind, m.channel, m.user_id, m.booking_id, m.order_id, m.recipient, m.status, m.attempts, m.provider_id,
             m.last_error, app_hidden.iso(m.send_after) as send_after, m.data, m.idempotency_key,
             app_hidden.iso(m.created_at) as created_at, app_hidden.iso(m.updated_at) as updated_at, app_hidden.iso(m.sent_at) as sent_at
        from public.messages m
       where (p_status is null or m.status = p_status) and (p_kind is null or m.kind = p_kind)
       order by m.created_at desc, m.id
       limit p_limit offset p_offset
    ) x;
  select pg_catalog.count(*)::integer into v_total from public.messages m
   where (p_status is null or m.status = p_status) and (p_kind is null or m.kind = p_kind);
  return pg_catalog.json_build_object('messages', v_messages, 'total', v_total);
end;
$$;

create function api.retry_message(p_id uuid)
returns json
language plpgsql
set search_path = ''
as $$
declare
  v_message public.messages;
begin
  if not app_hidden.is_admin('admin') then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'This needs the admin role';
  end if;
  perform pg_catalog.set_config('role', 'service_role', true);
  select * into v_message from public.messages m where m.id = p_id for update;
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Message not found';
  end if;
  if v_message.status <> 'failed' then
    raise exception using errcode = 'RM409', message = 'invalid_transition',
      detail = pg_catalog.format('Only a failed message can be retried (this one is %s)', v_message.status);
  end if;
  update public.messages m set status = 'pending', attempts = 0, send_after = pg_catalog.now(), last_error = null
   where m.id = p_id returning * into v_message;
  return pg_catalog.json_build_object('id', v_message.id, 'kind', v_message.kind, 'status', v_message.status,
    'attempts', v_message.attempts, 'send_after', app_hidden.iso(v_message.send_after));
end;
$$;

grant execute on function api.admin_messages(text, text, integer, integer) to public;
grant execute on function api.retry_message(uuid) to public;
