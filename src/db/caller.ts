import type { Caller, Queryable } from './types.js';

/**
 * PostgreSQL's `service_role` (bypasses RLS), the caller of named privileged steps only. A
 * database role, not the catalog's services.
 */
export const SERVICE_ROLE: Caller = Object.freeze({ role: 'service_role' } as const);

/**
 * Switches the current transaction to the caller's role and claims (transaction-local),
 * exactly like PostgREST: `set_config('role', …, true)` and `set_config('request.jwt.claims', …, true)`.
 */
export async function becomeCaller(tx: Queryable, caller: Caller): Promise<void> {
  await tx.query("select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)", callerSettings(caller));
}

/**
 * Switches the rest of the current transaction to service_role (bypasses RLS). Used only by
 * named privileged steps after the caller's own checks, e.g. creating a priced booking.
 */
export async function elevateToService(tx: Queryable): Promise<void> {
  await becomeCaller(tx, SERVICE_ROLE);
}

/** The role and claims a caller runs with, as text parameters for `set_config`. */
export function callerSettings(caller: Caller): [string, string] {
  const claims = caller.role === 'authenticated' ? caller.claims : { role: caller.role };
  return [caller.role, JSON.stringify(claims)];
}

const FUNCTION_NAME = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/;

/**
 * The one statement of `Database.call`. The subquery sets the caller first (OFFSET 0 keeps it a
 * separate plan node, evaluated before the target list), then the target list calls `fn`. The
 * outer statement reads no table, so its own permission checks concern only the function; `fn`
 * (plpgsql, never inlined) plans its statements when it runs, under the caller's role: RLS applies.
 * Parameters $1 and $2 are the role and claims; the function's arguments follow.
 */
export function callStatement(fn: string, argCount: number, asText: boolean): string {
  return `select ${callExpression(fn, argCount)}${asText ? '::text' : ''} as result from ${callerSubquery}`;
}

/**
 * The one statement of `Database.callRows`. As `callStatement`: the set-returning function sits in
 * the target list of a subquery over the caller subquery (a ProjectSet node above it: it runs only
 * once the caller's row has set the role), never in FROM beside it, where the join order would be
 * the planner's choice. Its composite result is expanded to columns outside (OFFSET 0 keeps the
 * subquery, so `.*` reads the one result, not a call per column).
 */
export function callRowsStatement(fn: string, argCount: number): string {
  return `select (called.r).* from (select ${callExpression(fn, argCount)} as r from ${callerSubquery} offset 0) as called`;
}

const callerSubquery = "(select set_config('role', $1, true), set_config('request.jwt.claims', $2, true) offset 0) as caller";

function callExpression(fn: string, argCount: number): string {
  if (!FUNCTION_NAME.test(fn)) throw new Error(`not a schema-qualified function name: ${fn}`);
  const args = Array.from({ length: argCount }, (_, i) => `$${i + 3}`).join(', ');
  return `${fn}(${args})`;
}
