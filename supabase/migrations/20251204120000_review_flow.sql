-- The review flow (issue 10 §3). The seed's `reviews` table, its policies and its guard stay as
-- they are (a customer reviews their own completed booking, once; only admins feature or mark
-- google_synced); the API reaches them through the `api` functions below, one call per request,
-- with the conventions of 20251203090000_api_functions.sql (plpgsql, invoker, empty search_path,
-- RM<status> errors, JSON results).
--
-- A review link (`/review/<token>`) is a signed token the server checks; the server then calls
-- api.review_request / api.submit_review as the booking's customer, so the same RLS applies as
-- when the customer is signed in.

------------------------------------------------------------------------------------------------
-- Settings and rules
------------------------------------------------------------------------------------------------

-- Google's "write a review" page for the business (e.g.
-- https://search.google.com/local/writereview?placeid=…); null = no Google link offered.
alter table public.business_settings
  add column google_review_url text
    constraint business_settings_google_review_url_check
    check (google_review_url ~ '^https://[^/\s?#]+\.[^/\s?#]+([/?#]\S*)?$' and pg_catalog.length(google_review_url) <= 2000);
grant update (google_review_url) on table public.business_settings to authenticated;

-- A comment is at most 2,000 characters. NOT VALID: rows written before the rule are kept as
-- they are; every new or changed row is checked.
alter table public.reviews
  add constraint reviews_comment_length check (pg_catalog.char_length(comment) <= 2000) not valid;

------------------------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------------------------

-- How a public review names its author: the first name and the last name's initial
-- ('Jane Q. Doe' → 'Jane D.'); a single name as it is; null without a name.
create function app_hidden.review_author(p_full_name text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case pg_catalog.cardinality(w)
    when 0 then null
    when 1 then w[1]
    else w[1] || ' ' || pg_catalog.upper(pg_catalog.left(w[pg_catalog.cardinality(w)], 1)) || '.'
  end
  from (select case when pg_catalog.btrim(coalesce(p_full_name, '')) = '' then '{}'::text[]
                    else pg_catalog.regexp_split_to_array(pg_catalog.btrim(p_full_name), '\s+') end as w) x
$$;

-- A review as staff and its author see it; suggested_feature: 4 or 5 stars with a comment (the
-- seed's "high ratings marked for featuring"; staff decide).
create function app_hidden.review_json(r public.reviews)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', r.id, 'booking_id', r.booking_id, 'user_id', r.user_id, 'rating', r.rating, 'comment', r.comment,
    'is_featured', coalesce(r.is_featured, false), 'google_synced', coalesce(r.google_synced, false),
    'suggested_feature', r.rating >= 4 and pg_catalog.btrim(coalesce(r.comment, '')) <> '',
    'created_at', app_hidden.iso(r.created_at))
$$;

revoke all on function app_hidden.review_author(text), app_hidden.review_json(public.reviews) from public;
grant execute on function app_hidden.review_author(text), app_hidden.review_json(public.reviews)
  to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The customer's side (signed in, or as the customer a review link names)
------------------------------------------------------------------------------------------------

-- What the review page shows: the service, when, the customer's first name, and whether the
-- booking was reviewed already. Only the caller's own completed booking.
create function api.review_request(p_booking_id uuid)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_result jsonb;
begin
  if auth.uid() is null then
    raise exception using errcode = 'RM401', message = 'unauthorized', detail = 'Sign in to continue';
  end if;
  select * into v_booking from public.bookings b where b.id = p_booking_id and b.user_id = auth.uid();
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Booking not found';
  end if;
  if v_booking.status <> 'completed' then
    raise exception using errcode = 'RM422', message = 'booking_not_completed',
      detail = 'Only a completed session can be reviewed', hint = pg_catalog.jsonb_build_object('status', v_booking.status)::text;
  end if;
  select pg_catalog.jsonb_build_object(
           'booking_id', v_booking.id,
           'service', coalesce(s.name, v_booking.service_type),
           'date_time', app_hidden.iso(v_booking.date_time),
           'first_name', pg_catalog.split_part(app_hidden.review_author(p.full_name), ' ', 1),
           'reviewed', exists (select 1 from public.reviews r where r.booking_id = v_booking.id))
    into v_result
    from (select 1) one
    left join public.services s on s.key = v_booking.service_type
    left join public.profiles p on p.id = v_booking.user_id;
  return v_result;
end;
$$;

-- Stores the caller's review of their own completed booking: one per booking (409
-- already_reviewed). The rating (1–5) and comment length are the table's constraints; the
-- insert runs under the seed's policy. Returns {review, google}: google = a Google link is set.
create function api.submit_review(p_booking_id uuid, p_rating integer, p_comment text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_review public.reviews;
begin
  if auth.uid() is null then
    raise exception using errcode = 'RM401', message = 'unauthorized', detail = 'Sign in to continue';
  end if;
  select * into v_booking from public.bookings b where b.id = p_booking_id and b.user_id = auth.uid();
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Booking not found';
  end if;
  if v_booking.status <> 'completed' then
    raise exception using errcode = 'RM422', message = 'booking_not_completed',
      detail = 'Only a completed session can be reviewed', hint = pg_catalog.jsonb_build_object('status', v_booking.status)::text;
  end if;
  begin
    insert into public.reviews (user_id, booking_id, rating, comment)
    values (auth.uid(), p_booking_id, p_rating, nullif(pg_catalog.btrim(p_comment), ''))
    returning * into v_review;
  exception when unique_violation then
    raise exception using errcode = 'RM409', message = 'already_reviewed', detail = 'This booking has been reviewed already';
  end;
  return pg_catalog.jsonb_build_object(
    'review', app_hidden.review_json(v_review),
    'google', exists (select 1 from public.business_settings s where s.id and s.google_review_url is not null));
end;
$$;

------------------------------------------------------------------------------------------------
-- Public: featured reviews and the summary. Visitors may read featured reviews only, and no
-- profiles or bookings: the functions read as service_role and return only what is public
-- (no ids, no emails; first name and last initial).
------------------------------------------------------------------------------------------------
create function api.featured_reviews(p_limit integer)
returns json
language plpgsql
set search_path = ''
as $$
declare
  v_zone text := public.business_timezone();
  v_result json;
begin
  perform pg_catalog.set_config('role', 'service_role', true);
  select pg_catalog.json_build_object('reviews', coalesce(pg_catalog.json_agg(x), '[]'::json)) into v_result
    from (
      select r.rating, r.comment, app_hidden.review_author(p.full_name) as author,
             coalesce(s.name, b.service_type) as service,
             pg_catalog.to_char(b.date_time at time zone v_zone, 'YYYY-MM') as month
        from public.reviews r
        join public.bookings b on b.id = r.booking_id
        left join public.profiles p on p.id = r.user_id
        left join public.services s on s.key = b.service_type
       where r.is_featured
       order by r.created_at desc, r.id
       limit p_limit
    ) x;
  return v_result;
end;
$$;

create function api.review_summary()
returns json
language plpgsql
set search_path = ''
as $$
declare
  v_result json;
begin
  perform pg_catalog.set_config('role', 'service_role', true);
  select pg_catalog.json_build_object('count', pg_catalog.count(*)::integer,
                                      'average', pg_catalog.round(pg_catalog.avg(r.rating), 2))
    into v_result
    from public.reviews r;
  return v_result;
end;
$$;

------------------------------------------------------------------------------------------------
-- Staff: the list (operators and up: they read customers and bookings already) and featuring
-- (admins: the seed's guard, reviews_guard_featured).
------------------------------------------------------------------------------------------------
create function api.admin_reviews(p_featured boolean, p_suggested boolean, p_limit integer, p_offset integer)
returns json
language plpgsql
stable
set search_path = ''
as $$
declare
  v_reviews json;
  v_total integer;
begin
  if not app_hidden.is_admin('operator') then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'This needs the operator role';
  end if;
  select coalesce(pg_catalog.json_agg(x.review), '[]'::json) into v_reviews
    from (
      select app_hidden.review_json(r)
               || pg_catalog.jsonb_build_object(
                    'service_type', b.service_type, 'session_at', app_hidden.iso(b.date_time),
                    'customer', (select pg_catalog.jsonb_build_object('id', p.id, 'full_name', p.full_name, 'email', p.email)
                                   from public.profiles p where p.id = r.user_id)) as review
        from public.reviews r
        join public.bookings b on b.id = r.booking_id
       where (p_featured is null or coalesce(r.is_featured, false) = p_featured)
         and (p_suggested is null or (r.rating >= 4 and pg_catalog.btrim(coalesce(r.comment, '')) <> '') = p_suggested)
       order by r.created_at desc, r.id
       limit p_limit offset p_offset
    ) x;
  select pg_catalog.count(*)::integer into v_total
    from public.reviews r
   where (p_featured is null or coalesce(r.is_featured, false) = p_featured)
     and (p_suggested is null or (r.rating >= 4 and pg_catalog.btrim(coalesce(r.comment, '')) <> '') = p_suggested);
  return pg_catalog.json_build_object('reviews', v_reviews, 'total', v_total, 'limit', p_limit, 'offset', p_offset);
end;
$$;

create function api.set_review_featured(p_review_id uuid, p_featured boolean)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_review public.reviews;
begin
  if not app_hidden.is_admin('admin') then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'This needs the admin role';
  end if;
  update public.reviews r set is_featured = p_featured where r.id = p_review_id returning * into v_review;
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Review not found';
  end if;
  return app_hidden.review_json(v_review);
end;
$$;

------------------------------------------------------------------------------------------------
-- The Google redirect (GET /r/google/<review id>, public): the setting's URL, and the review
-- marked google_synced (its author was sent to Google; Google tells us nothing more). 404 when
-- no URL is set or the review is unknown. As service_role: visitors may not write reviews.
------------------------------------------------------------------------------------------------
create function api.google_review_redirect(p_review_id uuid)
returns text
language plpgsql
set search_path = ''
as $$
declare
  v_url text;
begin
  select s.google_review_url into v_url from public.business_settings s where s.id;
  if v_url is null then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'No Google review link is set';
  end if;
  perform pg_catalog.set_config('role', 'service_role', true);
  update public.reviews r set google_synced = true where r.id = p_review_id;
  if not found then
    raise exception using errcode = 'RM404', message = 'not_found', detail = 'Review not found';
  end if;
  return v_url;
end;
$$;

-- Callable by any login role (20251203130000_api_callable_by_login_roles.sql): the wall is RLS,
-- the table grants and the checks above.
grant execute on function
  api.review_request(uuid), api.submit_review(uuid, integer, text), api.featured_reviews(integer),
  api.review_summary(), api.admin_reviews(boolean, boolean, integer, integer),
  api.set_review_featured(uuid, boolean), api.google_review_redirect(uuid)
to public;

-- GET /api/admin/settings shows the Google link too (as 20251203120000_api_lists.sql, plus the column).
create or replace function api.business_settings()
returns json
language plpgsql
stable
set search_path = ''
as $$
declare
  v_result json;
begin
  if not app_hidden.is_admin('admin') then
    raise exception using errcode = 'RM403', message = 'forbidden', detail = 'This needs the admin role';
  end if;
  select pg_catalog.row_to_json(s) into v_result
    from (select x.timezone, x.min_notice_minutes, x.cancellation_window_minutes, x.service_area_zips, x.setup_fee_cents,
                 x.referral_reward_credits, x.order_expiry_minutes, x.cancellation_refund_to, x.referral_reward_on,
                 x.google_review_url
            from public.business_settings x where x.id) s;
  return v_result;
end;
$$;
