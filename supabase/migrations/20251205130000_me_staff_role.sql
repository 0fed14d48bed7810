-- GET /api/me also says whether the caller is staff, and at which role (operator < admin <
-- super_admin), so the web app shows the staff console's pages the caller may use. The API still
-- checks every staff call itself; this only decides what is shown.
create or replace function api.me()
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_profile jsonb;
begin
  select pg_catalog.jsonb_build_object(
           'id', p.id, 'email', p.email, 'full_name', p.full_name, 'phone', p.phone, 'address', p.address,
           'referral_code', p.referral_code, 'credits', p.credits, 'created_at', app_hidden.iso(p.created_at),
           'staff_role', app_hidden.admin_role_of_current_user())
    into v_profile
    from public.profiles p where p.id = auth.uid();
  if v_profile is null then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Profile not found';
  end if;
  return v_profile;
end;
$$;

-- GET /api/business (public): what the web app shows every visitor and needs before a booking: the
-- business's name and contact, its time zone, where it drives, the setup fee, the referral reward
-- and when it is given, the notice and cancellation windows, and the Google review link.
create function api.business_profile()
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v jsonb;
begin
  select pg_catalog.jsonb_build_object(
           'business_name', s.business_name, 'business_phone', s.business_phone, 'business_address', s.business_address,
           'timezone', s.timezone, 'service_area_zips', pg_catalog.to_jsonb(s.service_area_zips),
           'setup_fee_cents', s.setup_fee_cents, 'referral_reward_credits', s.referral_reward_credits,
           'referral_reward_on', s.referral_reward_on,
           'min_notice_minutes', s.min_notice_minutes, 'cancellation_window_minutes', s.cancellation_window_minutes,
           'google_review_url', s.google_review_url)
    into v
    from public.business_settings s
   where s.id;
  return v;
end;
$$;
grant execute on function api.business_profile() to public;
