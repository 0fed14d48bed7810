/**
 * `npm run bench:reports` (issue 11): every report of GET /api/admin/reports/:name, run through
 * the service the route calls (ReportService.json: one api.report call as an admin, under the
 * admin check), beside the seed's own query for the same report (verbatim, as the owner, on
 * public.bookings) in the same run: median and p95 of BENCH_ROUNDS runs each.
 *
 * Data, made with set-based SQL as the database owner: BENCH_CUSTOMERS (200,000) customers
 * through the signup trigger; then, with triggers and foreign-key checks off
 * (`set local session_replication_role = replica`, as a dump restore loads data, on both
 * engines), three years of slots (10 a day), BENCH_BOOKINGS (1,000,000) bookings over the last
 * three years (60% completed, 10% confirmed, 10% scheduled, 20% cancelled; a third in slots),
 * one order per booking except every 10th, whose order also covers the next booking (paid;
 * every 20th failed, every 25th refunded), 5% of the oldest completed bookings moved to the
 * archive, BENCH_REFERRALS (100,000) referrals, a review for every 10th completed booking, credits
 * on every 5th customer. Then the customer totals and the report facts are rebuilt (timed: their
 * triggers were off), ANALYZE, and VACUUM of the facts (as autovacuum would leave them).
 *
 * Each report runs for its default range (the last 12 months to today) and, for the ranked lists
 * and services, for the whole three years too; ranked lists: the first page of 100. The CSV of
 * every customer (the whole range) is streamed once and timed.
 *
 * Environment: BENCH_BOOKINGS, BENCH_CUSTOMERS, BENCH_REFERRALS, BENCH_ROUNDS (7),
 * BENCH_SEED_ROUNDS (3: the seed's queries are slow), BENCH_ENGINE (pglite | postgres | both,
 * default both), BENCH_DATABASE_URL or DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres;
 * a scratch database is created and dropped).
 */
import { performance } from 'node:perf_hooks';
import type { Caller, Database } from '../src/db/index.js';
import { ReportService } from '../src/reports/service.js';
import { seedQueries } from '../test/db/seed-sql.js';
import { benchPostgresUrl, cleanUp, envInt, formatMs, guardProcess, openBenchPglite, openScratchPostgres, printTable } from './lib.js';

const BOOKINGS = envInt('BENCH_BOOKINGS', 1_000_000, 1_000, 5_000_000);
const CUSTOMERS = envInt('BENCH_CUSTOMERS', Math.max(1_000, Math.round(BOOKINGS / 5)), 100, 2_000_000);
const REFERRALS = envInt('BENCH_REFERRALS', Math.max(500, Math.round(BOOKINGS / 10)), 100, 2_000_000);
const ROUNDS = envInt('BENCH_ROUNDS', 7, 1, 1_000);
const SEED_ROUNDS = envInt('BENCH_SEED_ROUNDS', 3, 0, 1_000);
const ENGINE = (process.env.BENCH_ENGINE?.trim() || 'both') as 'pglite' | 'postgres' | 'both';
const DAYS = 3 * 365;

async function step(label: string, fn: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  await fn();
  console.log(`  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const uid = (prefix: string, expr: string) => `md5('${prefix}' || (${expr}))::uuid`;

let rebuildNote = '';

async function seed(db: Database): Promise<Caller> {
  await step(`${CUSTOMERS} customers (signup trigger)`, () =>
    db.query(
      `insert into auth.users (id, email, encrypted_password, raw_user_meta_data, raw_app_meta_data, aud, role, email_confirmed_at)
       select ${uid('c', 'g')}, 'c' || g || '@example.com', null, jsonb_build_object('full_name', 'Customer ' || g),
              '{}', 'authenticated', 'authenticated', now()
         from generate_series(1, $1::int) g`,
      [CUSTOMERS],
    ),
  );
  const perSlot = Math.ceil(BOOKINGS / 3 / (DAYS * 10)) + 1;
  // Booking g's order: its own, except every 10th booking, covered by the previous booking's order.
  const orderOf = `(case when g % 10 = 1 then g - 1 else g end)`;
  const day = `least($2::int - 1, greatest(0, $2::int - 1 - floor(g::float8 * $2 / $1)::int))`;
  await db.transaction(async (tx) => {
    await tx.query('set local session_replication_role = replica');
    await step('sign-ups over three years, credits on every 5th customer', () =>
      tx.query(
        `update public.profiles p set created_at = now() - (x.g % $1) * interval '1 day' - interval '1 hour',
                credits = case when x.g % 5 = 0 then 50 else 0 end
           from (select g, ${uid('c', 'g')} as id from generate_series(1, $2::int) g) x where x.id = p.id`,
        [DAYS, CUSTOMERS],
      ),
    );
    await step(`${DAYS * 10} slots, ${perSlot} places each`, () =>
      tx.query(
        `insert into public.availability_slots (id, date, start_time, end_time, max_bookings, current_bookings, period)
         select ${uid('s', 'd * 10 + h')}, day, t, (t + interval '1 hour')::time, $2, 0, public.slot_period(day, t, (t + interval '1 hour')::time)
           from generate_series(0, $1::int - 1) d, generate_series(0, 9) h,
                lateral (select (now() at time zone 'America/Los_Angeles')::date - $1::int + d as day, time '08:00' + h * interval '1 hour' as t) x`,
        [DAYS, perSlot],
      ),
    );
    await step(`orders (one per booking, but every 10th covers two)`, () =>
      tx.query(
        `insert into public.orders (id, user_id, amount, status, created_at, refunded_cents, card_refunded_cents, paid_at)
         select ${uid('o', 'g')}, ${uid('c', `g % $3 + 1`)}, 10000 + (g % 5) * 2500, st::public.order_status, at,
                case when st = 'refunded' then 10000 + (g % 5) * 2500 else 0 end,
                case when st = 'refunded' then 10000 + (g % 5) * 2500 else 0 end,
                case when st <> 'failed' then at end
           from generate_series(1, $1::int) g,
                lateral (select case when g % 20 = 0 then 'failed' when g % 25 = 0 then 'refunded' else 'paid' end as st,
                                (date_trunc('day', now()) - (${day} + 1) * interval '1 day' + (g % 600) * interval '1 minute') as at) x
          where g % 10 <> 1`,
        [BOOKINGS, DAYS, CUSTOMERS],
      ),
    );
    await step(`${BOOKINGS} bookings (a third in slots)`, () =>
      tx.query(
        `insert into public.bookings (id, user_id, order_id, date_time, duration, service_type, status, address, total_amount, created_at, slot_id)
         select ${uid('b', 'g')}, ${uid('c', `${orderOf} % $3 + 1`)}, case when ${orderOf} > 0 then ${uid('o', orderOf)} end,
                case when g % 3 = 0
                     then ((now() at time zone 'America/Los_Angeles')::date - $2::int + ${day} + time '08:00' + (g % 10) * interval '1 hour')
                          at time zone 'America/Los_Angeles'
                     else date_trunc('day', now()) - $2::int * interval '1 day' + ${day} * interval '1 day' + (g % 840) * interval '1 minute' + interval '7 hours 17 seconds' end,
                (array[30, 45, 60])[1 + g % 3], (array['cold_plunge', 'infrared_sauna', 'combo'])[1 + g % 3],
                (case when g % 10 < 6 then 'completed' when g % 10 = 6 then 'confirmed' when g % 10 = 7 then 'scheduled' else 'cancelled' end)::public.booking_status,
                '{}'::jsonb, 10000 + (g % 5) * 2500, now() - interval '1 day',
                case when g % 3 = 0 then ${uid('s', `${day} * 10 + g % 10`)} end
           from generate_series(1, $1::int) g`,
        [BOOKINGS, DAYS, CUSTOMERS],
      ),
    );
    await step('5% of the bookings (the oldest completed) into the archive', async () => {
      await tx.query(
        `with moved as (delete from public.bookings where id in
           (select id from public.bookings where status = 'completed' order by date_time limit $1) returning *)
         insert into app_private.bookings_archive select * from moved`,
        [Math.round(BOOKINGS / 20)],
      );
    });
    await step(`${REFERRALS} referrals`, () =>
      tx.query(
        `insert into public.referrals (referrer_id, invitee_email, status, referral_code, reward_credits, created_at, rewarded_at)
         select ${uid('c', `(g * 7) % $2 + 1`)}, 'invitee' || g || '@example.com',
                (case when g % 5 < 2 then 'accepted' when g % 5 < 4 then 'pending' else 'expired' end)::public.referral_status,
                'BENCH', 50, now() - (g % $3) * interval '1 day', case when g % 5 < 2 then now() - (g % $3) * interval '1 day' end
           from generate_series(1, $1::int) g`,
        [REFERRALS, CUSTOMERS, DAYS],
      ),
    );
    await step('reviews of every 10th completed booking', () =>
      tx.query(
        `insert into public.reviews (user_id, booking_id, rating, created_at)
         select b.user_id, b.id, 1 + (abs(hashtext(b.id::text)) % 5), b.date_time + interval '1 day'
           from public.bookings b where b.status = 'completed' and b.date_time < now() - interval '1 day' and abs(hashtext(b.id::text)) % 10 = 0`,
      ),
    );
  });
  await step('customer totals rebuilt (their triggers were off during the load)', () => db.query('select app_private.rebuild_customer_totals()'));
  const factsStarted = performance.now();
  await step('report facts rebuilt (their triggers were off during the load)', () => db.query('select app_private.rebuild_report_facts()'));
  const factsMs = performance.now() - factsStarted;
  await step('analyze', () => db.query('analyze'));
  await step('vacuum report facts (index-only scans)', () => db.query('vacuum app_private.report_facts'));
  const { rows: facts } = await db.query<{ n: number; size: string }>(
    `select count(*)::int as n, pg_size_pretty(pg_total_relation_size('app_private.report_facts')) as size from app_private.report_facts`,
  );
  rebuildNote = `report facts: ${facts[0]!.n} rows (${facts[0]!.size}), rebuilt in ${(factsMs / 1000).toFixed(1)} s`;
  const { rows } = await db.query<{ id: string }>(
    `insert into auth.users (id, email, encrypted_password, raw_user_meta_data, raw_app_meta_data, aud, role, email_confirmed_at)
     values (gen_random_uuid(), 'bench-admin@example.com', null, '{}', '{}', 'authenticated', 'authenticated', now()) returning id`,
  );
  await db.query("insert into public.admins (email, role) values ('bench-admin@example.com', 'admin')");
  return { role: 'authenticated', claims: { sub: rows[0]!.id, role: 'authenticated', email: 'bench-admin@example.com' } };
}

interface Stats {
  median: number;
  p95: number;
}

async function measure(rounds: number, fn: () => Promise<unknown>): Promise<Stats | null> {
  if (rounds === 0) return null;
  const samples: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor((samples.length - 1) / 2)]!, p95: samples[Math.min(samples.length - 1, Math.ceil(samples.length * 0.95) - 1)]! };
}

/** The seed's query verbatim, as the owner, with the session in UTC (as on a server). */
function seedQuery(db: Database, sql: string): () => Promise<unknown> {
  return () =>
    db.transaction(async (tx) => {
      await tx.query(`set local timezone = 'UTC'`);
      return tx.query(sql);
    });
}

interface Case {
  label: string;
  name: string;
  range: 'default' | 'all';
  seed?: string;
}

const CASES: Case[] = [
  { label: 'revenue', name: 'revenue', range: 'default', seed: seedQueries.monthlyRevenue },
  { label: 'revenue (3 years)', name: 'revenue', range: 'all', seed: seedQueries.monthlyRevenue },
  { label: 'customers (lifetime, first 100)', name: 'customers', range: 'default', seed: seedQueries.customerLifetimeValue },
  { label: 'referrers (first 100)', name: 'referrers', range: 'default', seed: seedQueries.topReferrers },
  { label: 'referrers (3 years, first 100)', name: 'referrers', range: 'all', seed: seedQueries.topReferrers },
  { label: 'referral-conversion', name: 'referral-conversion', range: 'default', seed: seedQueries.referralConversion },
  { label: 'services', name: 'services', range: 'default', seed: seedQueries.popularServiceTypes },
  { label: 'services (3 years)', name: 'services', range: 'all', seed: seedQueries.popularServiceTypes },
  { label: 'peak-hours', name: 'peak-hours', range: 'default', seed: seedQueries.peakBookingTimes },
  { label: 'peak-hours (3 years)', name: 'peak-hours', range: 'all', seed: seedQueries.peakBookingTimes },
  { label: 'utilization', name: 'utilization', range: 'default' },
  { label: 'overview', name: 'overview', range: 'default' },
];

async function bench(label: string, db: Database): Promise<void> {
  console.log(`\n${label}: seeding…`);
  const admin = await seed(db);
  const reports = new ReportService(db);
  const { rows: r } = await db.query<{ from: string; to: string }>(
    `select to_char((now() at time zone 'America/Los_Angeles')::date - ${DAYS + 5}, 'YYYY-MM-DD') as from,
            to_char((now() at time zone 'America/Los_Angeles')::date, 'YYYY-MM-DD') as to`,
  );
  const all = { from: r[0]!.from, to: r[0]!.to };
  const table: string[][] = [];
  const seedCache = new Map<string, Stats | null>();
  for (const c of CASES) {
    const query = c.range === 'all' ? all : {};
    const first = JSON.parse(await reports.json(admin, c.name, query)) as { rows: unknown[] };
    const ours = (await measure(ROUNDS, () => reports.json(admin, c.name, query)))!;
    let seedStats: Stats | null = null;
    if (c.seed) {
      if (!seedCache.has(c.seed)) seedCache.set(c.seed, await measure(SEED_ROUNDS, seedQuery(db, c.seed)));
      seedStats = seedCache.get(c.seed)!;
    }
    table.push([
      c.label,
      String(first.rows.length),
      formatMs(ours.median),
      formatMs(ours.p95),
      seedStats ? formatMs(seedStats.median) : '-',
      seedStats ? `${(seedStats.median / ours.median).toFixed(1)}×` : '-',
    ]);
    console.log(`  ${c.label}: median ${formatMs(ours.median)} ms`);
  }
  const started = performance.now();
  const csv = await reports.csv(admin, 'customers', {});
  let bytes = 0;
  let lines = 0;
  for await (const chunk of csv.body) {
    const text = String(chunk);
    bytes += text.length;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines += 1;
  }
  const csvMs = performance.now() - started;
  console.log(`\n${label}: ${BOOKINGS} bookings, ${CUSTOMERS} customers, ${REFERRALS} referrals; median and p95 of ${ROUNDS} (ms), seed of ${SEED_ROUNDS}`);
  printTable(['report (default range: last 12 months)', 'rows', 'median', 'p95', "seed's query (median)", 'seed / ours'], table);
  console.log(`customers CSV, lifetime, every row: ${lines - 1} rows, ${(bytes / 1e6).toFixed(1)} MB in ${(csvMs / 1000).toFixed(1)} s`);
  console.log(rebuildNote);
  // Compaction as the upkeep schedule runs it: 2,000 past sessions confirmed -> completed (4,000
  // deltas, through the triggers), then one compact_report_facts() over the whole table.
  await db.query(
    `update public.bookings set status = 'completed'
      where id in (select id from public.bookings where status = 'confirmed' and date_time < now() - interval '2 days' limit 2000)`,
  );
  const compactStarted = performance.now();
  const { rows: compacted } = await db.query<{ folded: string; written: string }>('select folded, written from app_private.compact_report_facts()');
  const compactMs = performance.now() - compactStarted;
  const { rows: drift } = await db.query<{ n: number }>('select count(*)::int as n from app_private.report_facts_drift()');
  console.log(
    `compaction after 2,000 booking changes: ${compacted[0]!.folded} rows folded into ${compacted[0]!.written} in ${formatMs(compactMs)} ms; drift after: ${drift[0]!.n} keys`,
  );
}

async function main(): Promise<void> {
  guardProcess(7_200);
  try {
    if (ENGINE !== 'postgres') {
      const db = await openBenchPglite();
      try {
        await bench('PGlite (in-memory)', db);
      } finally {
        await db.close();
      }
    }
    if (ENGINE !== 'pglite') {
      const scratch = await openScratchPostgres(benchPostgresUrl(), { prefix: 'rm_bench_reports', poolSize: 2 });
      if ('skipped' in scratch) {
        console.log(`\nPostgreSQL skipped: ${scratch.skipped}`);
        return;
      }
      try {
        const { rows } = await scratch.db.query<{ server_version: string }>('show server_version');
        await bench(`PostgreSQL ${rows[0]?.server_version ?? '?'} (scratch database ${scratch.name})`, scratch.db);
      } finally {
        await scratch.drop();
      }
    }
  } finally {
    await cleanUp();
  }
}

await main();
