import { adminRoles, listAdmins, upsertAdmin, type AdminRole } from '../admins/repository.js';
import type { Config } from '../config.js';
import type { Database } from '../db/index.js';
import { fromDatabaseError } from '../errors.js';
import { isAbsolute } from 'node:path';
import cliProgress from 'cli-progress';
import { writeExport, type Progress } from '../exports/export.js';
import { exportKinds, type ExportKind } from '../exports/repository.js';
import { backupPglite, POSTGRES_BACKUP_HINT } from '../maintenance/backup.js';
import {
  analyze, archiveBookings, compactReportFacts, countArchivable, expireReferrals, integrityChecks, purgeReferrals, rebuildCustomerTotals, rebuildReportFacts,
  resolveCutoff, runIntegrityCheck,
} from '../maintenance/repository.js';
import type { Services } from '../services.js';

/** Where a command writes: the terminal when run directly, the control socket when a server runs it. */
export interface Output {
  log(line: string): void;
  error(line: string): void;
}

/** What a command runs with: an open, migrated owner database, and the configuration and services of the process running it. */
export interface CommandContext {
  db: Database;
  config: Config;
  services: Services;
  out: Output;
  /** A person watches a terminal (stderr is a TTY in the CLI process): progress bars; otherwise plain lines. */
  interactive?: boolean;
}

/** Parsed arguments by name; they may come from another process, so each command checks its own. */
export type CommandArgs = Record<string, unknown>;

/** One CLI command: the same function runs in the CLI process or in the running server. Returns the exit code. */
export type CommandRun = (ctx: CommandContext, args: CommandArgs) => Promise<number>;

/** A bad argument: the CLI prints the message and exits 1. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseRole(value: unknown): AdminRole {
  if (typeof value !== 'string' || !(adminRoles as readonly string[]).includes(value)) {
    throw new UsageError(`role must be one of ${adminRoles.join(', ')}`);
  }
  return value as AdminRole;
}

export function parseEmail(value: unknown): string {
  if (typeof value !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value.trim())) throw new UsageError(`not an email address: ${String(value)}`);
  return value;
}

export function parseExportKind(value: unknown): ExportKind {
  if (typeof value !== 'string' || !(exportKinds as readonly string[]).includes(value)) throw new UsageError(`export one of ${exportKinds.join(', ')}`);
  return value as ExportKind;
}

export function parseDay(value: unknown): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new UsageError(`not a date (YYYY-MM-DD): ${String(value)}`);
  }
  return value;
}

/** A file path the server can write: absolute (the CLI resolves it against its own directory). */
function parseOutFile(value: unknown): string {
  if (typeof value !== 'string' || !isAbsolute(value)) throw new UsageError(`--out must be a file path (got ${String(value)})`);
  return value;
}

/** An archive cutoff: an age (`1y`, `18m`, `400d`, `6w`) or a date (YYYY-MM-DD, midnight in the business time zone). */
export type Cutoff = { age: string } | { date: string };

export function parseCutoff(value: unknown): Cutoff {
  if (typeof value === 'string') {
    const age = /^(\d{1,4})([ymwd])$/.exec(value.trim());
    if (age && Number(age[1]) > 0) {
      const unit = { y: 'years', m: 'months', w: 'weeks', d: 'days' }[age[2] as 'y' | 'm' | 'w' | 'd'];
      return { age: `${Number(age[1])} ${unit}` };
    }
    if (/^\d{4}-\d{2}-\d{2}$/.test(value.trim())) return { date: parseDay(value.trim()) };
  }
  throw new UsageError(`--before must be an age like 1y, 18m, 6w or 400d, or a date YYYY-MM-DD (got ${String(value)})`);
}

/** A progress bar on a terminal; a line per step (at most every 10%, and the end) otherwise. */
function progressFor(ctx: CommandContext, label: string): Progress {
  if (ctx.interactive) {
    const bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {percentage}% {value}/{total} rows`, hideCursor: true }, cliProgress.Presets.shades_classic);
    return { start: (total) => bar.start(total, 0), update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  let total = 0;
  let next = 0;
  return {
    start: (t) => {
      total = t;
      next = 0;
      ctx.out.log(`${label}: ${t} row(s) to write`);
    },
    update: (done) => {
      if (done < next && done < total) return;
      ctx.out.log(`${label}: ${done}/${total} row(s)`);
      next = done + Math.max(1, Math.ceil(total / 10));
    },
    stop: () => {},
  };
}

const exportNow: CommandRun = async (ctx, args) => {
  const kind = parseExportKind(args.kind);
  const file = parseOutFile(args.out);
  const from = args.from === undefined ? undefined : parseDay(args.from);
  const to = args.to === undefined ? undefined : parseDay(args.to);
  if (from && to && from > to) throw new UsageError('--from must not be after --to');
  const rows = await writeExport(ctx.db, kind, file, { filter: { from, to }, progress: progressFor(ctx, `export ${kind}`) });
  ctx.out.log(`${rows} ${kind} row(s) written to ${file}`);
  return 0;
};

const backupNow: CommandRun = async ({ db, out }, args) => {
  if (db.engine !== 'pglite') {
    out.error(POSTGRES_BACKUP_HINT);
    return 1;
  }
  const file = parseOutFile(args.out);
  const bytes = await backupPglite(db, file);
  out.log(`backup written to ${file} (${(bytes / 1024 / 1024).toFixed(1)} MB); restore it with: npx recovery restore ${file} (into an empty DATA_DIR)`);
  return 0;
};

const purgeReferralsNow: CommandRun = async ({ db, out }) => {
  out.log(`${await purgeReferrals(db)} unaccepted referral(s) expired over 30 days ago deleted`);
  return 0;
};

const archiveNow: CommandRun = async (ctx, args) => {
  const cutoff = await resolveCutoff(ctx.db, parseCutoff(args.before));
  const batchSize = args.batchSize === undefined ? undefined : Number(args.batchSize);
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000)) throw new UsageError('--batch-size must be 1 to 100000');
  const progress = progressFor(ctx, 'archive');
  progress.start(await countArchivable(ctx.db, cutoff));
  let moved: number;
  try {
    moved = await archiveBookings(ctx.db, cutoff, { batchSize, onBatch: (n) => progress.update(n) });
  } finally {
    progress.stop();
  }
  ctx.out.log(`${moved} completed booking(s) before ${cutoff.toISOString()} archived (reviewed bookings stay live)`);
  return 0;
};

const analyzeNow: CommandRun = async ({ db, out }) => {
  for (const statement of await analyze(db)) out.log(`done: ${statement}`);
  return 0;
};

const compactReportFactsNow: CommandRun = async ({ db, out }) => {
  const { folded, written } = await compactReportFacts(db);
  out.log(`${folded} report fact row(s) folded into ${written}`);
  return 0;
};

/** After a load with triggers off: both trigger-kept report tables, recomputed from the orders and bookings. */
const rebuildReportFactsNow: CommandRun = async ({ db, out }) => {
  out.log(`${await rebuildCustomerTotals(db)} customer total row(s) recomputed`);
  out.log(`${await rebuildReportFacts(db)} report fact row(s) recomputed from the orders and bookings`);
  return 0;
};

const dbCheck: CommandRun = async ({ db, out }) => {
  let failed = 0;
  for (const check of integrityChecks) {
    const rows = await runIntegrityCheck(db, check);
    out.log(`${rows.length === 0 ? 'ok  ' : 'FAIL'} ${check.name}${rows.length ? ` (${rows.length})` : ''}`);
    for (const row of rows) out.log(`     ${JSON.stringify(row)}`);
    if (rows.length > 0) failed += 1;
  }
  return failed > 0 ? 1 : 0;
};

const adminAdd: CommandRun = async ({ db, out }, args) => {
  const email = parseEmail(args.email);
  const role = parseRole(args.role);
  const row = await upsertAdmin(db, email, role);
  out.log(`${row.email} is ${row.role}`);
  return 0;
};

const adminList: CommandRun = async ({ db, out }) => {
  const rows = await listAdmins(db);
  if (rows.length === 0) out.log('no admins yet: npx recovery admin add EMAIL --role super_admin');
  for (const row of rows) out.log(`${row.email}\t${row.role}\t${row.created_at.toISOString()}`);
  return 0;
};

const expireReferralsNow: CommandRun = async ({ db, out }) => {
  out.log(`${await expireReferrals(db)} referral(s) expired`);
  return 0;
};

const pruneSessionsNow: CommandRun = async ({ services, out }) => {
  const pruned = await services.auth.pruneSessions();
  out.log(`${pruned.rateLimits} rate-limit window(s) and ${pruned.refreshTokens} refresh token(s) deleted`);
  return 0;
};

const expireOrdersNow: CommandRun = async ({ services, out }) => {
  const count = await services.orders.expireUnpaid();
  out.log(`${count} order(s) expired`);
  return 0;
};

/**
 * The commands a running server also runs for the CLI (see control-socket.ts), by their CLI
 * name. `serve` and `migrate` are not here: a running server has already migrated.
 */
export const commands = {
  'db:check': dbCheck,
  'admin add': adminAdd,
  'admin list': adminList,
  'maintain expire-referrals': expireReferralsNow,
  'maintain prune-sessions': pruneSessionsNow,
  'maintain expire-orders': expireOrdersNow,
  'maintain purge-referrals': purgeReferralsNow,
  'maintain archive': archiveNow,
  'maintain analyze': analyzeNow,
  'maintain compact-report-facts': compactReportFactsNow,
  'maintain rebuild-report-facts': rebuildReportFactsNow,
  export: exportNow,
  backup: backupNow,
} satisfies Record<string, CommandRun>;

export type CommandName = keyof typeof commands;

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(commands, name);
}

/** A thrown value as a sentence, also when it is not an Error (PGlite's file-system errors are plain objects). */
function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null) {
    const { message, code, errno } = err as { message?: unknown; code?: unknown; errno?: unknown };
    if (typeof message === 'string' && message) return message;
    return `failed: ${JSON.stringify({ code, errno })}`;
  }
  return String(err);
}

/** Runs a command; a failure is printed as a message (a database rule in its own words) and exits 1. */
export async function execute(name: CommandName, ctx: CommandContext, args: CommandArgs): Promise<number> {
  try {
    return await commands[name](ctx, args);
  } catch (err) {
    const known = fromDatabaseError(err);
    ctx.out.error(known ? known.message : describeError(err));
    return 1;
  }
}
