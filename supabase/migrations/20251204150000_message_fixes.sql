-- Issue 10 §5: what the property test over booking histories found (test/jobs/property.test.ts).
--
-- refund_issued was decided when a refund row was inserted. Since card refunds became an intent
-- first (20251204130000: a `pending` row, then the provider is called, then `completed` or
-- `failed`), that told the customer "refund issued" for a card refund the provider never made
-- (Bolt down at a cancel: the order waits on the staff's refund list, and the customer got the
-- message all the same). A refund is announced when it is completed: inserted completed (to
-- credits, or a card refund recorded from Bolt's webhook) or a pending one completing.

create or replace function app_private.refunds_queue_message()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user_id uuid;
begin
  if new.status <> 'completed' or (tg_op = 'UPDATE' and old.status = 'completed') then
    return null;
  end if;
  select o.user_id into v_user_id from public.orders o where o.id = new.order_id;
  perform app_private.queue_message('refund_issued', pg_catalog.format('refund_issued:%s:email', new.id),
    v_user_id, (select p.email from public.profiles p where p.id = v_user_id), null, new.order_id, null,
    pg_catalog.jsonb_build_object('refund_id', new.id, 'order_id', new.order_id, 'amount_cents', new.amount_cents,
      'destination', new.destination));
  return null;
end;
$$;
revoke all on function app_private.refunds_queue_message() from public;

drop trigger trigger_refunds_queue_message on public.refunds;
create trigger trigger_refunds_queue_message after insert or update of status on public.refunds
  for each row execute function app_private.refunds_queue_message();

-- Announcements already decided for refunds not (yet) made are withdrawn; a pending one that
-- completes later is announced then.
update public.messages m set status = 'cancelled', last_error = 'refund not completed'
  from public.refunds r
 where m.kind = 'refund_issued' and m.status = 'pending' and r.id = (m.data ->> 'refund_id')::uuid and r.status <> 'completed';
