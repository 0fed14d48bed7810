/**
 * `npm run bench:jobs` (issue 10 §5): 10,000 reminders due at once, drained by the message worker,
 * on PGlite (1 worker) and on PostgreSQL (1 worker, then 2 workers at once on two connection
 * pools, as two servers would), beside the queue's own raw rate in the same run.
 *
 * Seed: real bookings (confirmed, in the coming days, no slot) inserted with the triggers on, so
 * the outbox triggers make each booking's reminders (one per `reminder_offsets_minutes`, 2 by
 * default) exactly as in production; the other messages those bookings caused (booking_confirmed)
 * are set aside, and then BENCH_MESSAGES reminders are made due at once (send_after in the past),
 * as time passing would. Each measurement gets its own identical seed, made due only when its turn
 * comes, so no run drains another's messages. All of a seed's reminders get the same send_after
 * (as the tests make messages due): the hardest case for claimDue's `order by send_after, id`,
 * which then sorts every due row for each batch.
 *
 * Worker: MessageWorker.drain() with the ports the server wires (src/services.ts messagePorts):
 * compose at send time (src/messages/compose.ts), the real renderer (src/messages/render.ts), the
 * customer's preferences asked before each send (NotificationService.mayDeliver), batches of 50,
 * and an in-memory mailer (src/jobs/fallbacks.ts) so the network is not measured.
 *
 * Raw: the worker's queue SQL alone, statement for statement, in the same transactions: claim
 * (claimDueBatch, which also skips stale reminders, and businessContact in one transaction) then markSent for each
 * message in its own, in a tight loop, one loop per worker; no preferences read, no compose, no
 * rendering, no sending.
 *
 * Every run is checked: each seeded message sent exactly once (one mail per message id, all of them
 * reminders, every row `sent` at attempt 1, nothing left due); otherwise the script fails.
 *
 * Environment: BENCH_MESSAGES (10000), BENCH_TARGET_SECONDS (the stated target, 120), and
 * BENCH_DATABASE_URL or DATABASE_URL for the PostgreSQL server (default
 * postgres://postgres@127.0.0.1:5432/postgres). A scratch database rm_bench_jobs_<pid> is created
 * there, migrated, seeded and dropped (with force) at the end; PostgreSQL is skipped, with a note,
 * when the server cannot be reached.
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { SERVICE_ROLE, type Database, type Engine } from '../src/db/index.js';
import { openPostgres } from '../src/db/postgres.js';
import { MemoryMailer, MemorySms } from '../src/jobs/fallbacks.js';
import { MessageWorker, type DrainResult, type MessagePorts, type WorkerSettings } from '../src/jobs/worker.js';
import { workerSettings } from '../src/services.js';
import { compose } from '../src/messages/compose.js';
import { createRenderer } from '../src/messages/render.js';
import { businessContact, claimDueBatch, markSent } from '../src/messages/repository.js';
import { NotificationService } from '../src/notifications/service.js';
import { ReviewLinks } from '../src/reviews/tokens.js';
import { seedCustomers } from './booking-data.js';
import { benchPostgresUrl, cleanUp, envInt, formatRate, guardProcess, onCleanup, onEachEngine, printTable } from './lib.js';

const MESSAGES = envInt('BENCH_MESSAGES', 10_000, 100, 1_000_000);
/** The stated target: every one of the due messages drained within this many seconds, on each engine and worker count. */
const TARGET_SECONDS = envInt('BENCH_TARGET_SECONDS', 120, 1, 3600);
/** Customers the seeded bookings belong to (each holds a handful of bookings at distinct times). */
const CUSTOMERS = Math.max(1, Math.ceil(MESSAGES / 20));

const config = loadConfig({
  NODE_ENV: 'test',
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123456789',
  PUBLIC_URL: 'http://bench.local',
  LOG_LEVEL: 'silent',
});

/** As src/services.ts builds the server's worker (batches of 50, the configured lease). */
const serverWorker: WorkerSettings = workerSettings(config);

// ---------------------------------------------------------------------------------------------
// Seeding

interface Seed {
  tag: string;
  /** The ids of the reminders that are made due (exactly MESSAGES of them). */
  ids: string[];
}

/**
 * `seeds` identical batches of bookings, each with enough reminders for MESSAGES, made by the
 * triggers; the bookings' other messages set aside. Nothing is due yet (see makeDue).
 */
async function seed(db: Database, engine: Engine, seeds: number): Promise<{ seeds: Seed[]; seconds: number; bookings: number }> {
  const started = performance.now();
  const { rows: offsets } = await db.query<{ n: number }>('select cardinality(reminder_offsets_minutes)::int as n from public.business_settings where id');
  const perBooking = offsets[0]?.n ?? 0;
  if (perBooking < 1) throw new Error('business_settings.reminder_offsets_minutes is empty: bookings make no reminders');
  const bookings = Math.ceil(MESSAGES / perBooking);
  const made: Seed[] = [];
  for (let s = 0; s < seeds; s += 1) {
    const tag = `bench-jobs-${engine}-${s}`;
    const customers = await seedCustomers(db, CUSTOMERS, tag);
    await db.transaction(async (tx) => {
      // Distinct whole minutes from 3 days ahead: every reminder (1 day and 2 hours before) is
      // still in the future, and a customer's bookings never collide.
      await tx.query(
        `insert into public.bookings (user_id, date_time, status, service_type, duration, address, total_amount, notes)
         select ($1::uuid[])[1 + (i % cardinality($1::uuid[]))],
                date_trunc('minute', now()) + interval '3 days' + make_interval(mins => $3::int * $2::int + i),
                'confirmed', 'cold_plunge', 30,
                '{"street": "1 Bench Way", "city": "Los Angeles", "state": "CA", "zip": "90210"}'::jsonb,
                (select price_cents from public.services where key = 'cold_plunge'), $4
           from generate_series(0, $2::int - 1) i`,
        [customers.map((c) => c.id), bookings, s, tag],
      );
      // What else the bookings caused (their confirmations) is not this benchmark's.
      await tx.query(
        `update public.messages m set status = 'skipped', last_error = 'bench:jobs: not measured'
           from public.bookings b
          where b.id = m.booking_id and b.notes = $1 and m.kind <> 'reminder' and m.status = 'pending'`,
        [tag],
      );
    });
    const { rows } = await db.query<{ id: string }>(
      `select m.id from public.messages m join public.bookings b on b.id = m.booking_id
        where b.notes = $1 and m.kind = 'reminder' and m.status = 'pending' and m.send_after > now()
        order by m.id limit $2`,
      [tag, MESSAGES],
    );
    if (rows.length !== MESSAGES) throw new Error(`seed ${tag}: the triggers made ${rows.length} future reminders, expected ${MESSAGES}`);
    made.push({ tag, ids: rows.map((r) => r.id) });
  }
  await db.query('analyze public.messages');
  await db.query('analyze public.bookings');
  return { seeds: made, seconds: (performance.now() - started) / 1000, bookings: bookings * seeds };
}

/** Every message of the seed due at once (its moment passed a second ago); nothing else is due. */
async function makeDue(db: Database, s: Seed): Promise<void> {
  const { rows } = await db.query<{ n: number }>(
    "select count(*)::int as n from public.messages where status in ('pending', 'sending') and send_after <= now()",
  );
  if (rows[0]!.n !== 0) throw new Error(`${rows[0]!.n} messages are already due before seed ${s.tag}: they would be measured with it`);
  const { rowCount } = await db.query("update public.messages set send_after = now() - interval '1 second' where id = any($1::uuid[])", [s.ids]);
  if (rowCount !== s.ids.length) throw new Error(`seed ${s.tag}: ${rowCount} of ${s.ids.length} reminders made due`);
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** The worker's ports as the server wires them, with the mail kept in memory. */
function ports(db: Database, mailer: MemoryMailer): MessagePorts {
  const reviewLinks = new ReviewLinks({ secret: config.jwtSecret, publicUrl: config.publicUrl });
  const notifications = new NotificationService(db, { secret: config.jwtSecret, smsEnabled: config.sms.provider !== 'off' });
  return {
    render: createRenderer({ secret: config.jwtSecret }),
    mailer,
    sms: new MemorySms(),
    compose: (message) => compose(message, { publicUrl: config.publicUrl, reviewLinks }),
    mayDeliver: (m) => notifications.mayDeliver(m),
  };
}

/** The worker's queue statements alone, in its transactions: claim a batch, then markSent each. */
async function rawDrain(db: Database): Promise<DrainResult & { lost: number }> {
  const total = { sent: 0, retrying: 0, failed: 0, skipped: 0, lost: 0 };
  for (;;) {
    const { claimed, taken } = await db.asCaller(SERVICE_ROLE, async (tx) => {
      const batch = await claimDueBatch(tx, serverWorker.batchSize, serverWorker.leaseSeconds);
      total.skipped += batch.skipped;
      if (batch.claimed.length > 0) await businessContact(tx, serverWorker.publicUrl);
      return batch;
    });
    for (const message of claimed) {
      const recorded = await db.asCaller(SERVICE_ROLE, (tx) => markSent(tx, message.id, message.attempts, `raw-${message.id}`));
      if (recorded) total.sent += 1;
      else total.lost += 1;
    }
    if (taken < serverWorker.batchSize) return total;
  }
}

interface Drained {
  seconds: number;
  /** Messages sent by each worker (or raw loop). */
  perWorker: number[];
}

/** Each seeded message sent exactly once, and nothing of the seed left; throws otherwise. */
async function check(db: Database, what: string, s: Seed, perWorker: DrainResult[], mailer?: MemoryMailer): Promise<void> {
  const problems: string[] = [];
  const sum = (k: keyof DrainResult) => perWorker.reduce((n, r) => n + r[k], 0);
  if (sum('sent') !== s.ids.length) problems.push(`the workers report ${sum('sent')} sent of ${s.ids.length}`);
  for (const k of ['retrying', 'failed', 'skipped'] as const) if (sum(k) !== 0) problems.push(`${sum(k)} ${k}`);
  const lost = perWorker.reduce((n, r) => n + ((r as { lost?: number }).lost ?? 0), 0);
  if (lost !== 0) problems.push(`${lost} claims lost before markSent`);
  if (mailer) {
    const keys = mailer.sent.map((m) => m.idempotencyKey);
    const distinct = new Set(keys);
    if (keys.length !== s.ids.length) problems.push(`${keys.length} mails for ${s.ids.length} messages`);
    if (distinct.size !== keys.length) problems.push(`${keys.length - distinct.size} messages mailed more than once`);
    if (s.ids.some((id) => !distinct.has(id))) problems.push('some seeded messages were never mailed');
    const notReminders = mailer.sent.filter((m) => m.email.headers['X-Message-Kind'] !== 'reminder').length;
    if (notReminders > 0) problems.push(`${notReminders} mails are not reminders`);
  }
  const { rows } = await db.query<{ status: string; attempts: number; n: number }>(
    'select status, attempts, count(*)::int as n from public.messages where id = any($1::uuid[]) group by 1, 2 order by 1, 2',
    [s.ids],
  );
  const exact = rows.length === 1 && rows[0]!.status === 'sent' && rows[0]!.attempts === 1 && rows[0]!.n === s.ids.length;
  if (!exact) problems.push(`rows by (status, attempts): ${rows.map((r) => `${r.status}/${r.attempts}: ${r.n}`).join(', ')}`);
  const { rows: due } = await db.query<{ n: number }>("select count(*)::int as n from public.messages where status in ('pending', 'sending') and send_after <= now()");
  if (due[0]!.n !== 0) problems.push(`${due[0]!.n} messages still due`);
  if (problems.length > 0) throw new Error(`${what}: not every message sent exactly once: ${problems.join('; ')}`);
}

/** `dbs.length` workers (one per database handle) draining one seed at once. */
async function runWorkers(dbs: Database[], s: Seed): Promise<Drained> {
  const mailer = new MemoryMailer();
  const workers = dbs.map((db) => new MessageWorker(db, ports(db, mailer), serverWorker));
  await makeDue(dbs[0]!, s);
  const started = performance.now();
  const results = await Promise.all(workers.map((w) => w.drain()));
  const seconds = (performance.now() - started) / 1000;
  await check(dbs[0]!, `${dbs.length} worker(s)`, s, results, mailer);
  return { seconds, perWorker: results.map((r) => r.sent) };
}

/** `dbs.length` raw loops (one per database handle) on one seed at once. */
async function runRaw(dbs: Database[], s: Seed): Promise<Drained> {
  await makeDue(dbs[0]!, s);
  const started = performance.now();
  const results = await Promise.all(dbs.map((db) => rawDrain(db)));
  const seconds = (performance.now() - started) / 1000;
  await check(dbs[0]!, `${dbs.length} raw loop(s)`, s, results);
  return { seconds, perWorker: results.map((r) => r.sent) };
}

interface Row {
  workers: number;
  worker: Drained;
  raw: Drained;
}

interface EngineResult {
  engine: Engine;
  label: string;
  seedSeconds: number;
  bookings: number;
  rows: Row[];
}

/** PGlite is one connection: one worker. PostgreSQL: 1, then 2 workers, each on its own pool (as separate servers). */
async function benchEngine(engine: Engine, label: string, db: Database): Promise<EngineResult> {
  const workerCounts = engine === 'pglite' ? [1] : [1, 2];
  process.stdout.write(`  seeding ${workerCounts.length * 2} × ${MESSAGES.toLocaleString('en-US')} reminders through real bookings and their triggers…`);
  const seeded = await seed(db, engine, workerCounts.length * 2);
  process.stdout.write(` ${seeded.seconds.toFixed(1)} s\n`);
  const seeds = [...seeded.seeds];
  const rows: Row[] = [];
  for (const [i, workers] of workerCounts.entries()) {
    // Each PostgreSQL worker gets its own small pool, as separate servers would have.
    let handles = [db];
    const closers: (() => Promise<void>)[] = [];
    if (engine === 'postgres') {
      const { rows: name } = await db.query<{ db: string }>('select current_database() as db');
      const url = new URL(benchPostgresUrl());
      url.pathname = `/${name[0]!.db}`;
      handles = [];
      for (let w = 0; w < workers; w += 1) {
        const pool = await openPostgres({ url: url.toString(), max: 2, applicationName: `rm-bench-jobs-${w}` });
        closers.push(onCleanup(() => pool.close()));
        handles.push(pool);
      }
    }
    try {
      // Worker first, then raw; the order flips for the next worker count, so drift hits both alike.
      const order = i % 2 === 0 ? (['worker', 'raw'] as const) : (['raw', 'worker'] as const);
      const measured: Partial<Record<'worker' | 'raw', Drained>> = {};
      for (const what of order) {
        process.stdout.write(`  ${workers} ${what === 'worker' ? 'worker(s)' : 'raw loop(s)'} draining ${MESSAGES.toLocaleString('en-US')} due reminders…`);
        measured[what] = await (what === 'worker' ? runWorkers : runRaw)(handles, seeds.shift()!);
        process.stdout.write(` ${measured[what]!.seconds.toFixed(1)} s, exactly once\n`);
      }
      rows.push({ workers, worker: measured.worker!, raw: measured.raw! });
    } finally {
      await Promise.all(closers.map((close) => close()));
    }
  }
  return { engine, label, seedSeconds: seeded.seconds, bookings: seeded.bookings, rows };
}

// ---------------------------------------------------------------------------------------------
// Output

const n = (value: number) => value.toLocaleString('en-US');
const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
const rate = (d: Drained) => MESSAGES / d.seconds;

function report(r: EngineResult): void {
  console.log(`\n${r.label}`);
  console.log(`data: ${n(r.bookings)} confirmed bookings, their reminders made by the triggers, seeded in ${r.seedSeconds.toFixed(1)} s`);
  printTable(
    ['engine', 'workers', 'messages', 'seconds', 'messages/s', 'raw messages/s', 'ratio', 'sent per worker', `within ${TARGET_SECONDS} s`],
    r.rows.map((row) => [
      r.engine === 'pglite' ? 'PGlite' : 'PostgreSQL',
      String(row.workers),
      n(MESSAGES),
      row.worker.seconds.toFixed(1),
      formatRate(rate(row.worker)),
      formatRate(rate(row.raw)),
      `${((rate(row.worker) / rate(row.raw)) * 100).toFixed(0)}%`,
      row.worker.perWorker.map(n).join(' + '),
      met(row.worker.seconds <= TARGET_SECONDS),
    ]),
  );
}

async function main(): Promise<number> {
  const began = performance.now();
  guardProcess(1200);
  console.log(
    `bench:jobs: ${n(MESSAGES)} reminders due at once, drained by MessageWorker (compose, real renderer, preferences, ` +
      `in-memory mailer; batches of ${serverWorker.batchSize}) beside the raw claim → markSent cycle on an identical seed; Node ${process.version}`,
  );
  const results = await onEachEngine({ prefix: 'rm_bench_jobs', poolSize: 4 }, benchEngine, report);
  const all = results.flatMap((r) => r.rows.map((row) => ({ engine: r.engine, ...row })));
  const slowest = Math.max(...all.map((row) => row.worker.seconds));
  const ok = all.every((row) => row.worker.seconds <= TARGET_SECONDS);
  console.log(
    `\nTarget: all ${n(MESSAGES)} due reminders drained within ${TARGET_SECONDS} s on each engine and worker count ` +
      `(slowest: ${slowest.toFixed(1)} s): ${met(ok)}. Every message sent exactly once (checked). ` +
      `Whole run ${((performance.now() - began) / 1000).toFixed(0)} s.`,
  );
  return ok ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (err) {
  console.error(`\nbench:jobs failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
