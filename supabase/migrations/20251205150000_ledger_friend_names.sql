------------------------------------------------------------------------------------------------
-- My credits, in words: a referral reward row (earned, with a reference) also carries `friend`,
-- the first name of the friend on the other side (null when they gave none), so the web app can
-- say "Referral reward from Ann". Other rows are exactly as before. The caller reads their balance and
-- ledger under RLS as before; only the first names of the other side of the caller's own
-- referrals are read as service_role (profiles are private to their owner otherwise).
------------------------------------------------------------------------------------------------
create or replace function api.my_credits(p_limit integer)
returns json
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_balance integer;
  v_rows jsonb;
  v_names jsonb;
begin
  select p.credits into v_balance from public.profiles p where p.id = v_uid;
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Profile not found';
  end if;
  select coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(t) order by t.created_at_ts desc, t.id desc), '[]'::jsonb) into v_rows
    from (
      select c.id, c.amount, c.type, c.description, c.reference_id, app_hidden.iso(c.created_at) as created_at, c.created_at as created_at_ts
        from public.credit_transactions c
       where c.user_id = v_uid
       order by c.created_at desc, c.id desc
       limit p_limit
    ) t;

  -- The other side of each of the caller's rewarded referrals among these rows: referral id → first name.
  perform pg_catalog.set_config('role', 'service_role', true);
  select coalesce(pg_catalog.jsonb_object_agg(r.id::text, pg_catalog.split_part(pg_catalog.btrim(o.full_name), ' ', 1)), '{}'::jsonb) into v_names
    from public.referrals r
    join public.profiles o on o.id = case when r.referrer_id = v_uid then r.invitee_id else r.referrer_id end
   where (r.referrer_id = v_uid or r.invitee_id = v_uid)
     and pg_catalog.btrim(coalesce(o.full_name, '')) <> ''
     and r.id in (select (e ->> 'reference_id')::uuid from pg_catalog.jsonb_array_elements(v_rows) e
                   where e ->> 'type' = 'earned' and e ->> 'reference_id' is not null);

  return pg_catalog.json_build_object(
    'balance', v_balance,
    'transactions', (
      select coalesce(pg_catalog.json_agg(
               case when e ->> 'type' = 'earned' and e ->> 'reference_id' is not null
                    then (e - 'created_at_ts') || pg_catalog.jsonb_build_object('friend', v_names -> (e ->> 'reference_id'))
                    else e - 'created_at_ts' end
               order by n), '[]'::json)
        from pg_catalog.jsonb_array_elements(v_rows) with ordinality as x(e, n)));
end;
$$;

grant execute on function api.my_credits(integer) to public;
