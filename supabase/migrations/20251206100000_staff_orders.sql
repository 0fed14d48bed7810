-- The staff console's orders (issue 13).
--
-- 1. The orders list names each order's customer: admins get `customer` {id, full_name, email}
--    on every order of GET /api/orders; customers, who only see their own orders, get null there
--    (as staff_flags). Read under the caller's RLS: admins read every profile.
-- 2. Flags can be marked reviewed. An order's staff flags (needs_review, amount_mismatch, …) stay
--    as the record of what happened; `reviewed_at`/`reviewed_by` say an admin looked at them. New
--    flags on the order make it need review again. GET /api/orders?flagged=true lists the orders
--    whose flags await review (all of them, not only the newest page), for the Today page.

alter table public.order_flags
  add column reviewed_at timestamptz,
  add column reviewed_by uuid constraint order_flags_reviewed_by_fkey references public.profiles (id) on delete set null;
comment on column public.order_flags.reviewed_at is 'When an admin marked these flags reviewed; null while they await review';

-- Flags awaiting review, for the attention list (few rows: a partial index).
create index idx_order_flags_unreviewed on public.order_flags (order_id)
  where reviewed_at is null and flags <> '{}'::jsonb;

-- New flags reopen the review.
create or replace function app_hidden.flag_order(p_order_id uuid, p_flags jsonb)
returns void
language plpgsql
set search_path = ''
as $$
begin
  insert into public.order_flags as f (order_id, flags) values (p_order_id, p_flags)
  on conflict (order_id) do update
    set flags = f.flags || excluded.flags,
        reviewed_at = case when excluded.flags <@ f.flags then f.reviewed_at end,
        reviewed_by = case when excluded.flags <@ f.flags then f.reviewed_by end;
end;
$$;

drop function api.list_orders(public.order_status, uuid, integer, integer);

create function api.list_orders(p_status public.order_status, p_customer uuid, p_flagged boolean, p_limit integer, p_offset integer)
returns json
language plpgsql
stable
set search_path = ''
as $$
declare
  v_admin boolean := app_hidden.is_admin('admin');
  v_customer uuid := case when v_admin then p_customer else auth.uid() end;
  v_flagged boolean := v_admin and p_flagged is true; -- customers: ignored, as `customer`
  v_orders json;
  v_total integer;
begin
  -- As list_bookings: rows turned to JSON whole; the same fields as app_hidden.order_json.
  select coalesce(pg_catalog.json_agg(x), '[]'::json) into v_orders
    from (
      select o.id, o.user_id, o.bolt_checkout_id, o.amount, o.setup_fee_applied, o.credits_applied, o.refunded_cents,
             o.card_refunded_cents, o.status, o.provider, o.metadata,
             case when v_admin then f.flags end as staff_flags,
             case when v_admin then app_hidden.iso(f.reviewed_at) end as flags_reviewed_at,
             o.cancellation_refund, app_hidden.iso(o.cancellation_refund_at) as cancellation_refund_at,
             app_hidden.iso(o.expires_at) as expires_at, app_hidden.iso(o.paid_at) as paid_at,
             app_hidden.iso(o.created_at) as created_at, app_hidden.iso(o.updated_at) as updated_at,
             case when v_admin then
               (select pg_catalog.json_build_object('id', p.id, 'full_name', p.full_name, 'email', p.email)
                  from public.profiles p where p.id = o.user_id)
             end as customer
        from public.orders o
        left join public.order_flags f on f.order_id = o.id -- staff only: RLS hides the rows from customers
       where (p_status is null or o.status = p_status) and (v_customer is null or o.user_id = v_customer)
         and (not v_flagged or (f.reviewed_at is null and f.flags <> '{}'::jsonb))
       order by o.created_at desc, o.id
       limit p_limit offset p_offset
    ) x;
  select pg_catalog.count(*)::integer into v_total
    from public.orders o
    left join public.order_flags f on f.order_id = o.id
   where (p_status is null or o.status = p_status) and (v_customer is null or o.user_id = v_customer)
     and (not v_flagged or (f.reviewed_at is null and f.flags <> '{}'::jsonb));
  return pg_catalog.json_build_object('orders', v_orders, 'total', v_total);
end;
$$;

revoke all on function api.list_orders(public.order_status, uuid, boolean, integer, integer) from public;
grant execute on function api.list_orders(public.order_status, uuid, boolean, integer, integer) to public;

-- POST /api/admin/orders/:id/flags/review: an admin marks the order's flags reviewed (409
-- not_flagged when it has none). Marking them again keeps the first review.
create function api.review_order_flags(p_order_id uuid)
returns json
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_user uuid := auth.uid();
  v_flags public.order_flags;
begin
  if not app_hidden.is_admin('admin') then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'Only admins may review an order''s flags';
  end if;
  if not exists (select 1 from public.orders o where o.id = p_order_id) then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Order not found';
  end if;
  -- Admins read order_flags; only server code writes it.
  perform pg_catalog.set_config('role', 'service_role', true);
  update public.order_flags f
     set reviewed_at = coalesce(f.reviewed_at, pg_catalog.now()),
         reviewed_by = case when f.reviewed_at is null then v_user else f.reviewed_by end
   where f.order_id = p_order_id and f.flags <> '{}'::jsonb
  returning * into v_flags;
  if not found then
    raise exception using errcode = 'RM409', message = 'not_flagged', detail = 'This order has no flags to review';
  end if;
  return pg_catalog.json_build_object(
    'order_id', v_flags.order_id, 'flags', v_flags.flags, 'reviewed_at', app_hidden.iso(v_flags.reviewed_at),
    'reviewed_by', (select pg_catalog.json_build_object('id', p.id, 'full_name', p.full_name, 'email', p.email)
                      from public.profiles p where p.id = v_flags.reviewed_by));
end;
$$;

revoke all on function api.review_order_flags(uuid) from public;
grant execute on function api.review_order_flags(uuid) to public;

-- GET /api/admin/orders/:id also says whether the flags were reviewed (`flags_review`).
create or replace function api.admin_order(p_order_id uuid)
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
    -- Whether an admin marked the order's flags reviewed, when and who (null while they await review).
    'flags_review', (select pg_catalog.json_build_object('reviewed_at', app_hidden.iso(f.reviewed_at),
                              'reviewed_by', (select pg_catalog.json_build_object('id', p.id, 'full_name', p.full_name, 'email', p.email)
                                                from public.profiles p where p.id = f.reviewed_by))
                       from public.order_flags f where f.order_id = v_order.id and f.reviewed_at is not null),
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

