-- Database.call runs ONE statement: it sets the caller's role and claims, then calls the api
-- function. PostgreSQL checks that statement's own privileges (USAGE on schema api, EXECUTE on the
-- function) as the LOGIN role, before the role switch: a least-privilege login role such as
-- Supabase's `authenticator` (NOINHERIT, a member of anon, authenticated and service_role) would
-- be refused. So schema api and its functions are open to PUBLIC, and the wall stays where it was:
--   * every api function is SECURITY INVOKER: it runs with the caller's role, under RLS and the
--     table grants (service-only functions write tables only service_role may write);
--   * identity comes from auth.uid(), staff rights from app_hidden.is_admin;
--   * a function that elevates (set_config('role', 'service_role', true)) can do so only when the
--     session user is a member of service_role, i.e. in the server's own connections;
--   * PostgREST does not expose schema api (Supabase exposes public and graphql_public), so no
--     HTTP client reaches these functions except through this API.
-- A test (test/db/call.test.ts) checks every api function is plpgsql, invoker and callable so.

grant usage on schema api to public;
grant execute on all functions in schema api to public;
