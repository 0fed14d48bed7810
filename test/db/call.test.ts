import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromDatabaseError } from '../../src/errors.js';
import { engines, freshDatabase, type TestDatabase } from '../helpers/db.js';

const customer = { role: 'authenticated' as const, claims: { sub: '00000000-0000-4000-8000-00000000c0de', role: 'authenticated' as const, email: 'c@example.com' } };

describe.each(engines)('Database.call on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase(engine);
    // A probe: what the function sees of its caller, and a raise in the RM error model.
    await t.db.withSession((s) =>
      s.exec(`
        create schema probe;
        grant usage on schema probe to anon, authenticated, service_role;
        create function probe.whoami(p_note text) returns jsonb language plpgsql as $$
        begin
          return jsonb_build_object('role', current_user, 'uid', auth.uid(), 'note', p_note);
        end $$;
        create function probe.fail() returns jsonb language plpgsql as $$
        begin
          raise exception using errcode = 'RM422', message = 'probe_failed', detail = 'It failed', hint = '{"limit": 3}';
        end $$;
        create function probe.rows(p_n int) returns table (n int, role text, uid uuid) language plpgsql as $$
        begin
          return query select g, current_user::text, auth.uid() from generate_series(p_n, 1, -1) as g;
        end $$;
        grant execute on all functions in schema probe to anon, authenticated, service_role;
      `),
    );
  });
  afterAll(() => t.drop());

  it('runs the function as the caller, with its claims', async () => {
    expect(await t.db.call(customer, 'probe.whoami', ['hi'])).toEqual({ role: 'authenticated', uid: customer.claims.sub, note: 'hi' });
    expect(await t.db.call({ role: 'anon' }, 'probe.whoami', [null])).toEqual({ role: 'anon', uid: null, note: null });
    expect(await t.db.call({ role: 'service_role' }, 'probe.whoami', ['x'])).toMatchObject({ role: 'service_role' });
  });

  it('leaves nothing behind: the next statement runs as the connecting role again', async () => {
    await t.db.call(customer, 'probe.whoami', ['a']);
    const { rows } = await t.db.query<{ role: string; claims: string | null }>(
      "select current_user as role, current_setting('request.jwt.claims', true) as claims",
    );
    expect(rows[0]!.role).not.toBe('authenticated');
    expect(rows[0]!.claims || '').toBe('');
  });

  it('returns the result as text, unparsed, when asked', async () => {
    const text = await t.db.callText(customer, 'probe.whoami', ['t']);
    expect(typeof text).toBe('string');
    expect(JSON.parse(text)).toMatchObject({ note: 't' });
  });

  it('returns a set-returning function\'s rows, in its order, computed as the caller (callRows)', async () => {
    const rows = await t.db.callRows(customer, 'probe.rows', [3]);
    expect(rows).toEqual([3, 2, 1].map((n) => ({ n, role: 'authenticated', uid: customer.claims.sub })));
    expect(await t.db.callRows({ role: 'anon' }, 'probe.rows', [0])).toEqual([]);
  });

  it('maps an RM raise to its code, message and details', async () => {
    const err = await t.db.call(customer, 'probe.fail').catch((e: unknown) => e);
    const mapped = fromDatabaseError(err);
    expect(mapped).toMatchObject({ status: 422, code: 'probe_failed', message: 'It failed', details: { limit: 3 } });
  });

  it('refuses a function name that is not schema-qualified', async () => {
    await expect(t.db.call(customer, 'probe.whoami(1); drop table x; --')).rejects.toThrow(/schema-qualified/);
  });
});

describe.each(engines)('the api schema on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase(engine);
  });
  afterAll(() => t.drop());

  it('holds only plpgsql invoker functions (never inlined, so planned under the caller), callable by a login role', async () => {
    const { rows } = await t.db.query<{ name: string; language: string; definer: boolean; public_execute: boolean }>(
      `select p.proname as name, l.lanname as language, p.prosecdef as definer,
              exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                       where a.grantee = 0 and a.privilege_type = 'EXECUTE') as public_execute
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
        where n.nspname = 'api' order by 1`,
    );
    expect(rows.length).toBeGreaterThan(5);
    // The one call statement is checked as the login role (e.g. a NOINHERIT authenticator) before
    // it switches to the caller: USAGE and EXECUTE must not depend on the caller's role.
    for (const fn of rows) expect(fn).toEqual({ name: fn.name, language: 'plpgsql', definer: false, public_execute: true });
    const { rows: usage } = await t.db.query<{ ok: boolean }>("select has_schema_privilege('public', 'api', 'usage') as ok");
    expect(usage[0]!.ok).toBe(true);
  });
});
