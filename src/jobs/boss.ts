import type { PgBoss } from 'pg-boss';
import type { Database } from '../db/index.js';
import { embeddedPglite } from '../db/pglite.js';
import type { Schedule } from './schedules.js';

interface Log {
  info(o: object, m: string): void;
  error(o: object, m: string): void;
}

/** Where pg-boss keeps its jobs: the app's PostgreSQL (as the owner: it makes its schema) or the embedded PGlite. */
export interface SchedulerTarget {
  /** The app's database; on PGlite pg-boss shares its one connection. */
  db: Database;
  /** PostgreSQL: the owner's URL (DATABASE_URL); pg-boss creates and migrates the `pgboss` schema with it. */
  databaseUrl?: string;
}

export interface SchedulerTiming {
  /** How often a worker looks for its schedule's due job (seconds; default 10). */
  pollingIntervalSeconds?: number;
  /** How often pg-boss turns due cron occurrences into jobs (seconds, 1–45; default 30). */
  cronMonitorIntervalSeconds?: number;
  cronWorkerIntervalSeconds?: number;
}

/** The schema pg-boss owns (not ours: not in supabase/schema.sql, not exposed by the Data API). */
export const BOSS_SCHEMA = 'pgboss';

export interface Scheduler {
  boss: PgBoss;
  stop(): Promise<void>;
}

/**
 * Starts pg-boss with the given schedules: `boss.schedule(name, cron)` upserts one row per name
 * (every server does it; the last writer wins, the row stays one), pg-boss's cron monitor claims
 * each due minute once across all instances and files each occurrence under a singleton key, and
 * each queue is `stately` (one queued and one active job at most), so an occurrence runs once on
 * one process and a slow one never overlaps the next. Schedules no longer listed are removed.
 * pg-boss is imported here, lazily: a server starts it after it listens, and `/ready` never waits for it.
 */
export async function startScheduler(target: SchedulerTarget, schedules: readonly Schedule[], log: Log, timing: SchedulerTiming = {}): Promise<Scheduler> {
  const { PgBoss, fromPglite } = await import('pg-boss');
  // pg-boss asserts every option present, so unset timings are left out (not passed as undefined).
  const common = {
    schema: BOSS_SCHEMA,
    ...(timing.cronMonitorIntervalSeconds ? { cronMonitorIntervalSeconds: timing.cronMonitorIntervalSeconds } : {}),
    ...(timing.cronWorkerIntervalSeconds ? { cronWorkerIntervalSeconds: timing.cronWorkerIntervalSeconds } : {}),
  };
  let boss: PgBoss;
  if (target.db.engine === 'pglite') {
    boss = new PgBoss({ ...common, db: fromPglite(embeddedPglite(target.db)), backend: 'pglite' });
  } else {
    if (!target.databaseUrl) throw new Error('the scheduler needs the PostgreSQL URL (DATABASE_URL)');
    boss = new PgBoss({ ...common, connectionString: target.databaseUrl, max: 2, application_name: 'recovery-scheduler' });
  }
  boss.on('error', (err: unknown) => log.error({ err }, 'scheduler (pg-boss) error'));
  await boss.start();

  const names = new Set(schedules.map((s) => s.name));
  for (const old of await boss.getSchedules()) {
    if (old.name.startsWith('upkeep.') && !names.has(old.name)) await boss.unschedule(old.name);
  }
  for (const schedule of schedules) {
    if (!(await boss.getQueue(schedule.name))) {
      await boss.createQueue(schedule.name, { policy: 'stately', retryLimit: 2, retryDelay: 30, expireInSeconds: 15 * 60 });
    }
    await boss.schedule(schedule.name, schedule.cron);
    await boss.work(schedule.name, { pollingIntervalSeconds: timing.pollingIntervalSeconds ?? 10 }, async () => {
      const counts = await schedule.handler();
      if (Object.values(counts).some((n) => n > 0)) log.info({ schedule: schedule.name, ...counts }, 'scheduled upkeep done');
    });
  }
  return {
    boss,
    stop: () => boss.stop({ graceful: true, timeout: 10_000 }),
  };
}
