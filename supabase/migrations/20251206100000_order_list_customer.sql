-- The staff console's orders list (issue 13) names each order's customer: admins get
-- `customer` {id, full_name, email} on every order of GET /api/orders; customers, who only see
-- their own orders, get null there (as staff_flags). Read under the caller's RLS: admins read
-- every profile, so the join needs no privilege the caller lacks.

create or replace function api.list_orders(p_status public.order_status, p_customer uuid, p_limit integer, p_offset integer)
returns json
language plpgsql
stable
set search_path = ''
as $$
declare
  v_admin boolean := app_hidden.is_admin('admin');
  v_customer uuid := case when v_admin then p_customer else auth.uid() end;
  v_orders json;
  v_total integer;
begin
  -- As list_bookings: rows turned to JSON whole; the same fields as app_hidden.order_json.
  select coalesce(pg_catalog.json_agg(x), '[]'::json) into v_orders
    from (
      select o.id, o.user_id, o.bolt_checkout_id, o.amount, o.setup_fee_applied, o.credits_applied, o.refunded_cents,
             o.card_refunded_cents, o.status, o.provider, o.metadata,
             case when v_admin then (select f.flags from public.order_flags f where f.order_id = o.id) end as staff_flags,
             o.cancellation_refund, app_hidden.iso(o.cancellation_refund_at) as cancellation_refund_at,
             app_hidden.iso(o.expires_at) as expires_at, app_hidden.iso(o.paid_at) as paid_at,
             app_hidden.iso(o.created_at) as created_at, app_hidden.iso(o.updated_at) as updated_at,
             case when v_admin then
               (select pg_catalog.json_build_object('id', p.id, 'full_name', p.full_name, 'email', p.email)
                  from public.profiles p where p.id = o.user_id)
             end as customer
        from public.orders o
       where (p_status is null or o.status = p_status) and (v_customer is null or o.user_id = v_customer)
       order by o.created_at desc, o.id
       limit p_limit offset p_offset
    ) x;
  select pg_catalog.count(*)::integer into v_total
    from public.orders o
   where (p_status is null or o.status = p_status) and (v_customer is null or o.user_id = v_customer);
  return pg_catalog.json_build_object('orders', v_orders, 'total', v_total);
end;
$$;
