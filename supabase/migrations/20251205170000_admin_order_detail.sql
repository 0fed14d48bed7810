-- The staff console's order page (issue 13): one paid or unpaid order with everything that moved
-- its money, for admins (operators see no orders): the order, its customer and bookings, what is
-- still refundable (in total and to the card), its refunds (pending, completed, failed) and the
-- payment provider's webhook events about it, newest first. One round trip, as the caller
-- (admins read orders, refunds, payment_events and order_flags under RLS).

create function api.admin_order(p_order_id uuid)
returns json
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_order public.orders;
begin
  if not app_hidden.is_admin('admin') then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'Only admins may see an order''s payments and refunds';
  end if;
  select * into v_order from public.orders o where o.id = p_order_id;
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Order not found';
  end if;
  return pg_catalog.json_build_object(
    'order', app_hidden.order_json(v_order, true),
    -- What POST /api/admin/orders/:id/refund would accept now: nothing unless the order is paid.
    'refundable_cents', case when v_order.status <> 'paid' then 0 else greatest((v_order.amount + v_order.credits_applied * 100 - v_order.refunded_cents - v_order.pending_refund_cents), 0) end,
    'card_refundable_cents', case when v_order.status <> 'paid' then 0 else greatest(least(v_order.amount - v_order.card_refunded_cents - v_order.pending_refund_cents,
                                            (v_order.amount + v_order.credits_applied * 100 - v_order.refunded_cents - v_order.pending_refund_cents)), 0) end,
    'transaction_reference', case when pg_catalog.jsonb_typeof(v_order.metadata -> 'bolt_transaction_reference') = 'string'
                                  then v_order.metadata ->> 'bolt_transaction_reference' end,
    'customer', (select pg_catalog.json_build_object('id', p.id, 'full_name', p.full_name, 'email', p.email, 'phone', p.phone)
                   from public.profiles p where p.id = v_order.user_id),
    'bookings', (select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
                          'id', b.id, 'date_time', app_hidden.iso(b.date_time), 'service_type', b.service_type,
                          'status', b.status, 'cancelled_at', app_hidden.iso(b.cancelled_at)) order by b.date_time), '[]'::json)
                   from public.bookings b where b.order_id = v_order.id),
    'refunds', (select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
                          'id', r.id, 'amount_cents', r.amount_cents, 'destination', r.destination, 'status', r.status,
                          'provider_refund_id', r.provider_refund_id, 'provider_refund_reference', r.provider_refund_reference,
                          'failure_reason', r.failure_reason, 'created_by', r.created_by,
                          'created_at', app_hidden.iso(r.created_at)) order by r.created_at desc, r.id), '[]'::json)
                  from public.refunds r where r.order_id = v_order.id),
    'events', (select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
                         'id', e.id, 'provider', e.provider, 'type', e.type, 'outcome', e.outcome,
                         'payload', e.payload, 'received_at', app_hidden.iso(e.received_at)) order by e.received_at desc, e.id), '[]'::json)
                 from public.payment_events e where e.order_id = v_order.id));
end;
$$;

revoke all on function api.admin_order(uuid) from public;
grant execute on function api.admin_order(uuid) to public;
