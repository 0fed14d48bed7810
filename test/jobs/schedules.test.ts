import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { startScheduler, type Scheduler } from '../../src/jobs/boss.js';
import { cronEvery, upkeepSchedules, type Schedule } from '../../src/jobs/schedules.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { engines } from '../helpers/db.js';
import { makeCustomer, uniqueEmail } from '../helpers/factories.js';

vi.setConfig({ testTimeout: 180_000 });

const quiet = { info: () => {}, error: (o: object, m: string) => console.error(m, o) };
const fast = { cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1, pollingIntervalSeconds: 0.5 };

/** Polls `check` until it holds or a generous minute passes (then the caller's assertion fails). */
async function until(check: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check()) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
}

describe('upkeep schedules: the list', () => {
  it('turns periods into cron and ORDER_SWEEP_SECONDS=0 into no schedules', () => {
    expect(cronEvery(60)).toBe('* * * * *');
    expect(cronEvery(90)).toBe('*/2 * * * *');
    expect(cronEvery(300)).toBe('*/5 * * * *');
    expect(cronEvery(420)).toBe('*/6 * * * *');
    expect(cronEvery(15)).toBe('* * * * *'); // pg-boss runs a schedule at most once a minute
    expect(cronEvery(1)).toBe('* * * * *');
    expect(cronEvery(3600)).toBe('0 * * * *');
    expect(cronEvery(86_400)).toBe('0 0 * * *');
    const context = { db: {} as Database, services: {} as never };
    expect(upkeepSchedules(context, 0)).toEqual([]);
    expect(upkeepSchedules(context, 60).map((s) => [s.name, s.cron])).toEqual([
      ['upkeep.expire-unpaid-orders', '* * * * *'],
      ['upkeep.finish-pending-refunds', '* * * * *'],
      ['upkeep.prune-sessions', '*/10 * * * *'],
      ['upkeep.expire-referrals', '7 * * * *'],
      ['upkeep.purge-referrals', '17 3 * * *'],
      ['upkeep.compact-report-facts', '*/5 * * * *'],
    ]);
  });
});

describe.each(engines)('upkeep schedules on pg-boss (%s)', (engine) => {
  let t: TestApp;
  const schedulers: Scheduler[] = [];

  afterAll(async () => {
    for (const s of schedulers) await s.stop().catch(() => {});
    await t?.close();
  });

  it('two instances on one database: each cron occurrence makes one job, run once by one of them', async () => {
    t = await startApp(engine, { WORKER: 'off' });
    const runs = [0, 0];
    const tick = (i: number): Schedule[] => [
      {
        name: 'test.tick',
        cron: '* * * * *', // every minute; the first pass sends the current minute's occurrence at once
        handler: async () => {
          runs[i]! += 1;
          return {};
        },
      },
    ];
    schedulers.push(await startScheduler({ db: t.db, databaseUrl: t.url }, tick(0), quiet, fast));
    schedulers.push(await startScheduler({ db: t.db, databaseUrl: t.url }, tick(1), quiet, fast));
    // The first occurrence runs at once; both instances keep passing every second, and each pass
    // would send the current minute's occurrence again were it not filed once: give them a few.
    await until(() => runs[0]! + runs[1]! >= 1, 90_000);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    await Promise.all(schedulers.splice(0).map((s) => s.stop()));

    // pg-boss files each occurrence as one '__pgboss__send-it' job under a per-schedule singleton key
    // and the occurrence's minute; that job sends the schedule's own job.
    const { rows } = await t.db.query<{ forwarded: number; occurrences: number; jobs: number; completed: number }>(
      `select (select count(*)::int from pgboss.job where name = '__pgboss__send-it' and data ->> 'name' = 'test.tick') as forwarded,
              (select count(distinct singleton_on)::int from pgboss.job where name = '__pgboss__send-it' and data ->> 'name' = 'test.tick') as occurrences,
              (select count(*)::int from pgboss.job where name = 'test.tick') as jobs,
              (select count(*)::int from pgboss.job where name = 'test.tick' and state = 'completed') as completed`,
    );
    const { forwarded, occurrences, jobs, completed } = rows[0]!;
    expect(runs[0]! + runs[1]!).toBeGreaterThanOrEqual(1);
    expect(occurrences).toBeGreaterThanOrEqual(1);
    expect(forwarded).toBe(occurrences); // no occurrence was filed twice, by either instance
    expect(jobs).toBe(occurrences); // one job per occurrence
    expect(runs[0]! + runs[1]!).toBe(completed); // and each job ran exactly once, on one of them
    const { rows: schedules } = await t.db.query<{ n: number }>("select count(*)::int as n from pgboss.schedule where name = 'test.tick'");
    expect(schedules[0]!.n).toBe(1); // both instances scheduled it: still one schedule
  });

  it('the server’s upkeep: its schedules registered once, a stale one dropped, and a run does the work (expire referrals)', async () => {
    const list = upkeepSchedules({ db: t.db, services: t.services }, 60);
    const first = await startScheduler({ db: t.db, databaseUrl: t.url }, list, quiet, fast);
    await first.boss.createQueue('upkeep.gone');
    await first.boss.schedule('upkeep.gone', '0 0 * * *');
    await first.stop();
    // A second start (another server, or this one restarted) with the same list.
    const scheduler = await startScheduler({ db: t.db, databaseUrl: t.url }, list, quiet, fast);
    schedulers.push(scheduler);
    const { rows: names } = await t.db.query<{ name: string }>("select name from pgboss.schedule where name like 'upkeep.%' order by name");
    expect(names.map((r) => r.name)).toEqual(list.map((s) => s.name).sort());

    const referrer = await makeCustomer(t.db);
    const { rows } = await t.db.query<{ id: string }>(
      `insert into public.referrals (referrer_id, invitee_email, referral_code, expires_at)
       values ($1, $2, $3, now() - interval '1 day') returning id`,
      [referrer.id, uniqueEmail('invitee'), referrer.referral_code],
    );
    const status = async () => (await t.db.query<{ status: string }>('select status from public.referrals where id = $1', [rows[0]!.id])).rows[0]!.status;
    expect(await status()).toBe('pending');
    // An occurrence of the hourly schedule, now: what its cron would send.
    await scheduler.boss.send('upkeep.expire-referrals', {});
    await until(async () => (await status()) === 'expired');
    expect(await status()).toBe('expired');
  });
});
