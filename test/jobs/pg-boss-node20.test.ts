import { PGlite } from '@electric-sql/pglite';
import { fromPglite, PgBoss } from 'pg-boss';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { engines, freshDatabase, type TestDatabase } from '../helpers/db.js';

vi.setConfig({ testTimeout: 60_000 });

/**
 * pg-boss 12's package.json asks for Node >= 22.12; this runs what we would use of it on our Node 20
 * on both engines: start (its schema), send, work, retries with backoff, and a cron schedule.
 * (Its RRULE schedules use rrule-temporal, which carries its own Temporal polyfill.)
 */
describe.each(engines)('pg-boss on Node %s', (engine) => {
  let database: TestDatabase | undefined;
  let pglite: PGlite | undefined;
  let boss: PgBoss | undefined;

  afterAll(async () => {
    await boss?.stop({ graceful: false });
    await pglite?.close();
    await database?.drop();
  });

  async function until(check: () => boolean, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  }

  it(`starts, sends, works, retries and runs a cron schedule (${process.version})`, async () => {
    const timing = { cronWorkerIntervalSeconds: 1, cronMonitorIntervalSeconds: 1 };
    if (engine === 'pglite') {
      pglite = new PGlite();
      boss = new PgBoss({ db: fromPglite(pglite), backend: 'pglite', ...timing });
    } else {
      database = await freshDatabase('postgres');
      boss = new PgBoss({ connectionString: database.url!, max: 3, ...timing });
    }
    const errors: unknown[] = [];
    boss.on('error', (err) => errors.push(err));
    await boss.start();

    await boss.createQueue('flaky', { retryLimit: 2, retryDelay: 1, retryBackoff: true });
    const tries: number[] = [];
    await boss.work<{ n: number }>('flaky', { pollingIntervalSeconds: 0.5 }, async ([job]) => {
      tries.push(Date.now());
      if (tries.length < 3) throw new Error(`try ${tries.length} fails`);
      expect(job!.data).toEqual({ n: 7 });
    });
    const id = await boss.send('flaky', { n: 7 });
    expect(id).toBeTruthy();

    await boss.createQueue('tick');
    let ticks = 0;
    await boss.work('tick', { pollingIntervalSeconds: 0.5 }, async () => {
      ticks += 1;
    });
    await boss.schedule('tick', '* * * * * *');

    await until(() => tries.length >= 3 && ticks >= 1);
    expect(tries).toHaveLength(3);
    expect(tries[2]! - tries[1]!).toBeGreaterThan(tries[1]! - tries[0]! - 100); // backoff: the second wait is not shorter
    expect(ticks).toBeGreaterThanOrEqual(1);
    let state: string | undefined;
    for (let i = 0; i < 50 && state !== 'completed'; i += 1) {
      state = (await boss.getJobById('flaky', id!))?.state;
      if (state !== 'completed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe('completed');
    expect(errors).toEqual([]);
  });
});
