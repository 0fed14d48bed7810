import { adminRoles, listAdmins, upsertAdmin, type AdminRole } from '../admins/repository.js';
import type { Config } from '../config.js';
import type { Database } from '../db/index.js';
import { fromDatabaseError } from '../errors.js';
import { expireReferrals, integrityChecks, runIntegrityCheck } from '../maintenance/repository.js';
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
} satisfies Record<string, CommandRun>;

export type CommandName = keyof typeof commands;

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(commands, name);
}

/** Runs a command; a failure is printed as a message (a database rule in its own words) and exits 1. */
export async function execute(name: CommandName, ctx: CommandContext, args: CommandArgs): Promise<number> {
  try {
    return await commands[name](ctx, args);
  } catch (err) {
    const known = fromDatabaseError(err);
    ctx.out.error(known ? known.message : err instanceof Error ? err.message : String(err));
    return 1;
  }
}
