import type { AuthService } from '../auth/service.js';
import type { OrderService } from '../orders/service.js';

interface Log {
  info(o: object, m: string): void;
  error(o: object, m: string): void;
}

/**
 * NOT started by the server any more: the same work now runs as pg-boss cron schedules, once per
 * occurrence across all servers (src/jobs/schedules.ts, src/jobs/boss.ts). Kept as a plain
 * in-process loop for test/money/refund-intent.test.ts.
 *
 * The periodic work: fail unpaid orders past their expiry (their bookings
 * cancelled, credits returned), finish card refunds left pending by a crash (asked again with
 * their own idempotency key) and prune ended rate-limit windows and expired refresh tokens.
 * Expiry claims rows with SKIP LOCKED and pruning is idempotent, so any number of servers can
 * run it together. `seconds` = 0 turns it off (use the CLI's `maintain` commands instead).
 */
export function startSweeper(log: Log, services: { orders: OrderService; auth: AuthService }, seconds: number): () => void {
  if (seconds === 0) return () => {};
  const sweep = async () => {
    const expired = await services.orders.expireUnpaid();
    if (expired > 0) log.info({ count: expired }, 'expired unpaid orders');
    const refunds = await services.orders.finishPendingRefunds();
    if (refunds > 0) log.info({ count: refunds }, 'finished pending card refunds');
    const pruned = await services.auth.pruneSessions();
    if (pruned.rateLimits + pruned.refreshTokens > 0) log.info(pruned, 'pruned ended rate limits and expired refresh tokens');
  };
  const timer = setInterval(() => void sweep().catch((err: unknown) => log.error({ err }, 'sweep failed')), seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
