import { SERVICE_ROLE, type Database } from '../db/index.js';
import { compactReportFacts, expireReferrals, purgeReferrals } from '../maintenance/repository.js';
import type { Services } from '../services.js';

/**
 * The periodic upkeep, run through pg-boss's cron schedules (src/jobs/boss.ts): each occurrence
 * becomes one job in the schedule's queue, and one worker of one server runs it, however many
 * servers (or `recovery worker` processes) share the database. Each handler is also safe to run
 * twice or beside the CLI's `maintain` commands (claims under SKIP LOCKED, idempotent deletes).
 */
export interface Schedule {
  /** The pg-boss queue and schedule name (`upkeep.*`). */
  name: string;
  /** Cron in UTC, five fields (pg-boss runs a schedule at most once a minute). */
  cron: string;
  /** Runs one occurrence; returns counts to log (nothing is logged when they are all zero). */
  handler: () => Promise<Record<string, number>>;
}

export interface ScheduleContext {
  db: Database;
  services: Pick<Services, 'orders' | 'auth'>;
}

/** The upkeep every deployment runs. ORDER_SWEEP_SECONDS sets the sweeps' period (0: none of them). */
export function upkeepSchedules({ db, services }: ScheduleContext, sweepSeconds: number): Schedule[] {
  if (sweepSeconds === 0) return [];
  const every = cronEvery(sweepSeconds);
  return [
    // Unpaid orders past their expiry fail; their bookings are cancelled and credits returned.
    { name: 'upkeep.expire-unpaid-orders', cron: every, handler: async () => ({ expired: await services.orders.expireUnpaid() }) },
    // Card refunds left pending by a crash are asked again with their own idempotency key.
    { name: 'upkeep.finish-pending-refunds', cron: every, handler: async () => ({ finished: await services.orders.finishPendingRefunds() }) },
    // Ended rate-limit windows and expired refresh tokens.
    { name: 'upkeep.prune-sessions', cron: '*/10 * * * *', handler: async () => ({ ...(await services.auth.pruneSessions()) }) },
    // Pending referrals past expires_at become `expired` (the seed's expire_referrals()).
    { name: 'upkeep.expire-referrals', cron: '7 * * * *', handler: async () => ({ expired: await db.asCaller(SERVICE_ROLE, (tx) => expireReferrals(tx)) }) },
    // Unaccepted referrals whose expiry passed over 30 days ago are deleted (the seed's cleanup), daily.
    { name: 'upkeep.purge-referrals', cron: '17 3 * * *', handler: async () => ({ purged: await db.asCaller(SERVICE_ROLE, (tx) => purgeReferrals(tx)) }) },
    // The report facts' deltas (a row per order or booking change) folded into one row per key.
    { name: 'upkeep.compact-report-facts', cron: '*/5 * * * *', handler: async () => ({ ...(await db.asCaller(SERVICE_ROLE, (tx) => compactReportFacts(tx))) }) },
  ];
}

/**
 * A period in seconds as five-field cron. pg-boss sends at most one job per schedule per minute (the
 * most recent occurrence in a 60-second window, under a per-minute singleton), so anything under a
 * minute runs every minute; longer periods round to whole minutes, then whole hours, dividing 60 or 24
 * so the runs stay evenly spaced.
 */
export function cronEvery(seconds: number): string {
  if (seconds < 1) throw new Error('a schedule needs a period of at least one second');
  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes < 60) return minutes === 1 ? '* * * * *' : `*/${nearestDivisor(minutes, 60)} * * * *`;
  const hours = Math.min(24, Math.round(minutes / 60));
  return hours >= 24 ? '0 0 * * *' : hours === 1 ? '0 * * * *' : `0 */${nearestDivisor(hours, 24)} * * *`;
}

function nearestDivisor(n: number, of: number): number {
  let best = 1;
  for (let d = 1; d <= of; d += 1) if (of % d === 0 && Math.abs(d - n) <= Math.abs(best - n)) best = d;
  return best;
}
