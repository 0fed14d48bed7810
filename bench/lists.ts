/**
 * `npm run bench:lists` (issue 9): the list endpoints, each one database call, measured the two
 * ways a list can leave the database:
 *   (a) json: the `api` function builds the response body as JSON (json_agg, json_build_object)
 *       and the route sends the text as it is (Database.callText), as PostgREST does;
 *   (b) rows: a set-returning function's plain rows (Database.callRows), written by Fastify's
 *       precompiled response serializer.
 * For each: rate and p50 through a real HTTP server (autocannon), beside the bare database call
 * (the same call straight through the driver, same concurrency), on PGlite and PostgreSQL. The
 * route the app serves is marked `*`; the other way runs on a bench-only route (/api/bench/…) with
 * the same response schema, and its rows functions (schema bench_rows) exist only in the scratch
 * database. Both ways are checked to answer the same body first.
 *
 * Data as bench:booking seeds it: 5,000 customers, a year of slots (10 a day), BENCH_BOOKINGS
 * (100,000) bookings; the measured customer also gets 60 orders and 60 ledger rows.
 *
 * Environment: BENCH_SECONDS (2), BENCH_WARMUP_SECONDS (1), BENCH_CONNECTIONS (10),
 * BENCH_POOL_SIZE (10), BENCH_BOOKINGS (100000), BENCH_ONLY (a part of the endpoint names to
 * measure, e.g. availability), BENCH_DATABASE_URL or DATABASE_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres; a scratch database is created and dropped).
 */
import { isDeepStrictEqual } from 'node:util';
import { Type } from 'typebox';
import { buildApp } from '../src/app.js';
import { AccessTokens, newSessionId } from '../src/auth/tokens.js';
import { BookingSchema } from '../src/bookings/schemas.js';
import { CatalogSchema } from '../src/catalog/routes.js';
import { loadConfig, type Config } from '../src/config.js';
import { LedgerEntry } from '../src/credits/schemas.js';
import type { Caller, Database, Engine, Row } from '../src/db/index.js';
import type { App } from '../src/http/types.js';
import { OrderSchema } from '../src/orders/schemas.js';
import { buildServices } from '../src/services.js';
import { AvailabilityResponse } from '../src/slots/routes.js';
import * as slotsRepo from '../src/slots/repository.js';
import { businessToday, seedCustomers, seedYear, type Customer } from './booking-data.js';
import {
  aborting,
  cleanUp,
  envInt,
  formatMs,
  formatRate,
  guardProcess,
  listen,
  onEachEngine,
  printTable,
  request,
  runAutocannon,
  runLoop,
  type Measurement,
} from './lib.js';

const settings = {
  seconds: envInt('BENCH_SECONDS', 2, 1, 600),
  warmupSeconds: envInt('BENCH_WARMUP_SECONDS', 1, 0, 60),
  connections: envInt('BENCH_CONNECTIONS', 10, 1, 1000),
  poolSize: envInt('BENCH_POOL_SIZE', 10, 1, 500),
};
const BOOKINGS = envInt('BENCH_BOOKINGS', 100_000, 0, 1_000_000);
const CUSTOMERS = 5_000;
const YEAR = { daysBack: 182, days: 365, perDay: 10, baseCapacity: 26 };
const WINDOW_DAYS = 28;
const EXTRA_ROWS = 60;
/** BENCH_ONLY: measure only the endpoints whose name contains this text (e.g. availability). */
const ONLY = process.env.BENCH_ONLY?.trim() ?? '';

type Way = 'json' | 'rows';

/** Which way each endpoint's real route uses (the faster, as measured here). */
const SERVED: Record<string, Way> = {
  'GET /api/availability (4 weeks)': 'json',
  'GET /api/bookings': 'json',
  'GET /api/orders': 'json',
  'GET /api/me/credits': 'json',
  'GET /api/services': 'json',
};

function benchConfig(): Config {
  return loadConfig({
    NODE_ENV: 'development',
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123456789',
    LOG_LEVEL: 'silent',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    HOST: '127.0.0.1',
    PORT: '0',
  });
}

// ---------------------------------------------------------------------------------------------
// The row-returning forms of the JSON functions, for the comparison only (scratch database).
// Timestamps leave as ISO text (app_hidden.iso), so neither driver makes Date objects.

const ROWS_FUNCTIONS = `
create schema bench_rows;
grant usage on schema bench_rows to authenticated, anon;
create function bench_rows.availability_rows(p_from date, p_to date)
returns table (id uuid, date text, start_time text, end_time text, starts_at text, remaining integer)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_zone text;
  v_notice integer;
begin
  select s.timezone, s.min_notice_minutes into v_zone, v_notice from public.business_settings s where s.id;
  perform pg_catalog.set_config('timezone', v_zone, true);
  return query
    select s.id, s.date::text, pg_catalog.to_char(s.start_time, 'HH24:MI'), pg_catalog.to_char(s.end_time, 'HH24:MI'),
           pg_catalog.to_char((s.date + s.start_time) at time zone v_zone, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'),
           s.max_bookings - s.current_bookings
      from public.availability_slots s
     where s.date between p_from and p_to
       and s.is_available and s.current_bookings < s.max_bookings
       and (s.date + s.start_time) at time zone v_zone >= pg_catalog.now() + pg_catalog.make_interval(mins => coalesce(v_notice, 0))
     order by s.date, s.start_time;
end;
$$;
create function bench_rows.list_bookings(p_status public.booking_status, p_from timestamptz, p_to timestamptz, p_customer uuid, p_limit integer, p_offset integer)
returns table (id uuid, user_id uuid, order_id uuid, slot_id uuid, date_time text, duration integer, service_type text, add_ons jsonb,
               status public.booking_status, notes text, address jsonb, total_amount integer, cancelled_at text, created_at text,
               updated_at text, customer json, total integer)
language plpgsql stable set search_path = '' as $$
declare
  v_customer uuid := case when app_hidden.is_admin('operator') then p_customer else auth.uid() end;
begin
  return query
    select b.id, b.user_id, b.order_id, b.slot_id, app_hidden.iso(b.date_time), b.duration, b.service_type, b.add_ons, b.status,
           b.notes, b.address, b.total_amount, app_hidden.iso(b.cancelled_at), app_hidden.iso(b.created_at), app_hidden.iso(b.updated_at),
           (select pg_catalog.json_build_object('id', p.id, 'full_name', p.full_name, 'email', p.email, 'phone', p.phone)
              from public.profiles p where p.id = b.user_id),
           (pg_catalog.count(*) over ())::integer
      from public.bookings b
     where (p_status is null or b.status = p_status) and (p_from is null or b.date_time >= p_from)
       and (p_to is null or b.date_time < p_to) and (v_customer is null or b.user_id = v_customer)
     order by b.date_time desc, b.id limit p_limit offset p_offset;
end $$;
create function bench_rows.list_orders(p_status public.order_status, p_customer uuid, p_limit integer, p_offset integer)
returns table (id uuid, user_id uuid, bolt_checkout_id text, amount integer, setup_fee_applied integer, credits_applied integer,
               refunded_cents integer, card_refunded_cents integer, status public.order_status, provider text, metadata jsonb,
               staff_flags jsonb, cancellation_refund text, cancellation_refund_at text, expires_at text, paid_at text,
               created_at text, updated_at text, total integer)
language plpgsql stable set search_path = '' as $$
declare
  v_admin boolean := app_hidden.is_admin('admin');
  v_customer uuid := case when v_admin then p_customer else auth.uid() end;
begin
  return query
    select o.id, o.user_id, o.bolt_checkout_id, o.amount, o.setup_fee_applied, o.credits_applied, o.refunded_cents, o.card_refunded_cents,
           o.status, o.provider, o.metadata, case when v_admin then (select f.flags from public.order_flags f where f.order_id = o.id) end,
           o.cancellation_refund::text, app_hidden.iso(o.cancellation_refund_at), app_hidden.iso(o.expires_at), app_hidden.iso(o.paid_at),
           app_hidden.iso(o.created_at), app_hidden.iso(o.updated_at), (pg_catalog.count(*) over ())::integer
      from public.orders o
     where (p_status is null or o.status = p_status) and (v_customer is null or o.user_id = v_customer)
     order by o.created_at desc, o.id limit p_limit offset p_offset;
end $$;
create function bench_rows.my_credits(p_limit integer)
returns table (balance integer, id uuid, amount integer, type text, description text, reference_id uuid, created_at text)
language plpgsql stable set search_path = '' as $$
begin
  return query
    select p.credits, c.id, c.amount, c.type::text, c.description, c.reference_id, app_hidden.iso(c.created_at)
      from public.profiles p
      left join lateral (
        select x.* from public.credit_transactions x where x.user_id = p.id order by x.created_at desc, x.id desc limit p_limit
      ) c on true
     where p.id = auth.uid()
     order by c.created_at desc, c.id desc;
end $$;
create function bench_rows.catalog(p_admin boolean)
returns table (kind text, key text, name text, description text, duration_minutes integer, price_cents integer, per_unit boolean,
               max_quantity integer, extra_minutes integer, active boolean, sort_order integer)
language plpgsql stable set search_path = '' as $$
begin
  return query
    (select 'service', s.key, s.name, s.description, s.duration_minutes, s.price_cents, null::boolean, null::integer, null::integer,
            s.active, s.sort_order from public.services s order by s.sort_order, s.key)
    union all
    (select 'add_on', a.key, a.name, a.description, null, a.price_cents, a.per_unit, a.max_quantity, a.extra_minutes, a.active, a.sort_order
       from public.add_ons a order by a.sort_order, a.key);
end $$;
grant execute on all functions in schema bench_rows to authenticated, anon;
`;

interface ListRow extends Row {
  total: number;
}

/** The JS side of the rows way: from rows to the response body (the serializer drops extra columns). */
const fromRows = {
  bookings: (rows: ListRow[], limit: number, offset: number) => ({ bookings: rows, total: rows[0]?.total ?? 0, limit, offset }),
  orders: (rows: ListRow[]) => ({ orders: rows, total: rows[0]?.total ?? 0 }),
  credits: (rows: (Row & { balance: number; id: string | null })[]) => ({
    balance: rows[0]?.balance ?? 0,
    transactions: rows.filter((r) => r.id !== null),
  }),
  catalog: (rows: (Row & { kind: string })[]) => ({
    services: rows.filter((r) => r.kind === 'service'),
    add_ons: rows.filter((r) => r.kind === 'add_on'),
  }),
};

/** One endpoint: both ways as HTTP paths (one is the app's own route) and as bare database calls. */
interface Endpoint {
  name: string;
  caller: Caller;
  headers: Record<string, string>;
  paths: Record<Way, string>;
  raw: Record<Way, () => Promise<unknown>>;
}

/** The bench-only routes: the way the app does not serve, with the route's own response schema. */
function registerOtherWays(app: App, db: Database, from: string, to: string): void {
  const security = { config: { access: 'signed_in' as const } };
  const page = { limit: 50, offset: 0 };
  app.get('/api/bench/availability-rows', { config: { access: 'public' }, schema: { response: { 200: AvailabilityResponse } } }, async (req) => ({
    slots: await db.callRows(req.caller, 'bench_rows.availability_rows', [from, to]),
  }) as never);
  app.get(
    '/api/bench/bookings-rows',
    { ...security, schema: { response: { 200: Type.Object({ bookings: Type.Array(BookingSchema), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() }) } } },
    async (req) => fromRows.bookings(await db.callRows<ListRow>(req.caller, 'bench_rows.list_bookings', [null, null, null, null, page.limit, page.offset]), page.limit, page.offset) as never,
  );
  app.get(
    '/api/bench/orders-rows',
    { ...security, schema: { response: { 200: Type.Object({ orders: Type.Array(OrderSchema), total: Type.Integer() }) } } },
    async (req) => fromRows.orders(await db.callRows<ListRow>(req.caller, 'bench_rows.list_orders', [null, null, page.limit, page.offset])) as never,
  );
  app.get(
    '/api/bench/credits-rows',
    { ...security, schema: { response: { 200: Type.Object({ balance: Type.Integer(), transactions: Type.Array(LedgerEntry) }) } } },
    async (req) => fromRows.credits(await db.callRows(req.caller, 'bench_rows.my_credits', [500])) as never,
  );
  app.get('/api/bench/catalog-rows', { config: { access: 'public' }, schema: { response: { 200: CatalogSchema } } }, async (req) =>
    fromRows.catalog(await db.callRows(req.caller, 'bench_rows.catalog', [false])) as never,
  );
}

async function seed(db: Database): Promise<Customer> {
  process.stdout.write(`  seeding ${CUSTOMERS.toLocaleString('en-US')} customers, a year of slots and ${BOOKINGS.toLocaleString('en-US')} bookings…`);
  const customers = await seedCustomers(db, CUSTOMERS, `${process.pid}`);
  const year = await seedYear(db, { customers, bookings: BOOKINGS, ...YEAR });
  const who = customers[0]!;
  // Orders and ledger rows for the measured customer, as a restore would put them (triggers off);
  // the balance is then set to the ledger's sum, as the ledger trigger keeps it.
  await db.transaction(async (tx) => {
    await tx.query('set local session_replication_role = replica');
    await tx.query(
      `insert into public.orders (user_id, amount, setup_fee_applied, credits_applied, status, provider, bolt_checkout_id, metadata, paid_at, created_at, updated_at)
       select $1, 15000 + n, case when n = 1 then 5000 else 0 end, 0, 'paid', 'fake', 'chk_' || n,
              jsonb_build_object('description', 'Cold plunge session', 'subtotal', 15000 + n), now() - make_interval(days => n),
              now() - make_interval(days => n), now() - make_interval(days => n)
         from generate_series(1, $2::int) as n`,
      [who.id, EXTRA_ROWS],
    );
    await tx.query(
      `insert into public.credit_transactions (user_id, amount, type, description, created_at)
       select $1, 5, 'earned', 'Referral reward ' || n, now() - make_interval(days => n) from generate_series(1, $2::int) as n`,
      [who.id, EXTRA_ROWS],
    );
    await tx.query('update public.profiles set credits = (select sum(amount) from public.credit_transactions where user_id = $1) where id = $1', [who.id]);
  });
  for (const table of ['public.orders', 'public.credit_transactions']) await db.query(`analyze ${table}`);
  await db.withSession((s) => s.exec(ROWS_FUNCTIONS));
  process.stdout.write(` done in ${year.seconds.toFixed(1)} s\n`);
  return who;
}

interface Result {
  endpoint: string;
  way: Way;
  served: boolean;
  http: Measurement;
  raw: Measurement;
  bytes: number;
}

interface EngineResult {
  label: string;
  results: Result[];
}

async function benchEngine(_engine: Engine, label: string, db: Database): Promise<EngineResult> {
  const who = await seed(db);
  const config = benchConfig();
  const tokens = new AccessTokens({ secret: config.jwtSecret, accessTokenTtl: config.accessTokenTtl });
  const token = await tokens.sign(who, newSessionId());
  const claims = await tokens.verify(token);
  if (!claims) throw new Error('the bench token does not verify');
  const customer: Caller = { role: 'authenticated', claims };
  const anon: Caller = { role: 'anon' };
  const auth = { authorization: `Bearer ${token}` };

  const today = await businessToday(db);
  const addDay = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  const from = addDay(today, 1);
  const to = addDay(from, WINDOW_DAYS - 1);

  const app = await buildApp({ config, db, logger: false, services: buildServices(config, db) });
  registerOtherWays(app, db, from, to);
  const server = await listen(app);
  const page = [null, null, null, null, 50, 0];
  const endpoints: Endpoint[] = [
    {
      name: 'GET /api/availability (4 weeks)',
      caller: anon,
      headers: {},
      paths: { json: `/api/availability?from=${from}&to=${to}`, rows: '/api/bench/availability-rows' },
      raw: { json: () => slotsRepo.openSlotsJson(db, anon, from, to), rows: async () => ({ slots: await db.callRows(anon, 'bench_rows.availability_rows', [from, to]) }) },
    },
    {
      name: 'GET /api/bookings',
      caller: customer,
      headers: auth,
      paths: { json: '/api/bookings', rows: '/api/bench/bookings-rows' },
      raw: {
        json: () => db.callText(customer, 'api.list_bookings', page),
        rows: async () => fromRows.bookings(await db.callRows<ListRow>(customer, 'bench_rows.list_bookings', page), 50, 0),
      },
    },
    {
      name: 'GET /api/orders',
      caller: customer,
      headers: auth,
      paths: { json: '/api/orders', rows: '/api/bench/orders-rows' },
      raw: {
        json: () => db.callText(customer, 'api.list_orders', [null, null, 50, 0]),
        rows: async () => fromRows.orders(await db.callRows<ListRow>(customer, 'bench_rows.list_orders', [null, null, 50, 0])),
      },
    },
    {
      name: 'GET /api/me/credits',
      caller: customer,
      headers: auth,
      paths: { json: '/api/me/credits', rows: '/api/bench/credits-rows' },
      raw: {
        json: () => db.callText(customer, 'api.my_credits', [500]),
        rows: async () => fromRows.credits(await db.callRows(customer, 'bench_rows.my_credits', [500])),
      },
    },
    {
      name: 'GET /api/services',
      caller: anon,
      headers: {},
      paths: { json: '/api/services', rows: '/api/bench/catalog-rows' },
      raw: {
        json: () => db.callText(anon, 'api.catalog', [false]),
        rows: async () => fromRows.catalog(await db.callRows(anon, 'bench_rows.catalog', [false])),
      },
    },
  ];

  const results: Result[] = [];
  try {
    for (const e of endpoints.filter((x) => x.name.includes(ONLY))) {
      if (aborting()) break;
      // Both ways answer the same body (and a non-trivial one).
      const json = await request(server.url, 'GET', e.paths.json, { headers: e.headers });
      const rows = await request(server.url, 'GET', e.paths.rows, { headers: e.headers });
      if (json.status !== 200 || rows.status !== 200 || !isDeepStrictEqual(json.body, rows.body)) {
        throw new Error(`${e.name}: the two ways differ:\n  json ${json.status} ${JSON.stringify(json.body).slice(0, 300)}\n  rows ${rows.status} ${JSON.stringify(rows.body).slice(0, 300)}`);
      }
      const bytes = Buffer.byteLength(JSON.stringify(json.body));
      for (const way of ['json', 'rows'] as const) {
        process.stdout.write(`  ${e.name} ${way}: HTTP…`);
        const http = await runAutocannon({
          url: server.url,
          method: 'GET',
          path: e.paths[way],
          headers: e.headers,
          connections: settings.connections,
          seconds: settings.seconds,
          warmupSeconds: settings.warmupSeconds,
        });
        process.stdout.write(' database…');
        const raw = await runLoop({ op: e.raw[way], concurrency: settings.connections, seconds: settings.seconds, warmupSeconds: settings.warmupSeconds });
        process.stdout.write(' done\n');
        results.push({ endpoint: e.name, way, served: SERVED[e.name] === way, http, raw, bytes });
      }
    }
  } finally {
    await server.close();
  }
  return { label, results };
}

function report({ label, results }: EngineResult): void {
  console.log(`\n${label}`);
  printTable(
    ['endpoint', 'way', 'body bytes', 'HTTP req/s', 'HTTP p50 ms', 'db calls/s', 'db p50 ms'],
    results.map((r) => [
      r.endpoint,
      `${r.way}${r.served ? ' *' : ''}`,
      r.bytes.toLocaleString('en-US'),
      formatRate(r.http.rate),
      formatMs(r.http.p50),
      formatRate(r.raw.rate),
      formatMs(r.raw.p50),
    ]),
  );
  for (const r of results) {
    if (r.http.failed > 0) console.log(`  ! ${r.endpoint} ${r.way} HTTP: ${r.http.failed} failed (${r.http.failures})`);
    if (r.raw.failed > 0) console.log(`  ! ${r.endpoint} ${r.way} database: ${r.raw.failures}`);
  }
  for (const name of new Set(results.map((r) => r.endpoint))) {
    const [a, b] = (['json', 'rows'] as const).map((way) => results.find((r) => r.endpoint === name && r.way === way)!);
    if (!a || !b) continue;
    const faster = a.http.rate >= b.http.rate ? a : b;
    const slower = faster === a ? b : a;
    const note = faster.served ? '' : '  (the app serves the other way)';
    console.log(`  ${name}: ${faster.way} ${((faster.http.rate / slower.http.rate - 1) * 100).toFixed(0)}% faster through HTTP${note}`);
  }
}

async function main(): Promise<number> {
  const perEngine = 10 * 2 * (settings.seconds + settings.warmupSeconds) + 240;
  guardProcess(2 * perEngine + 60);
  console.log(
    `bench:lists: ${settings.connections} connections / concurrent database loops, ${settings.seconds} s per run ` +
      `(+${settings.warmupSeconds} s warm-up); * = the way the app serves`,
  );
  await onEachEngine({ prefix: 'rm_bench_lists', poolSize: settings.poolSize }, benchEngine, report);
  return 0;
}

main()
  .then(async (code) => {
    await cleanUp();
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    console.error(err);
    await cleanUp();
    process.exit(1);
  });
