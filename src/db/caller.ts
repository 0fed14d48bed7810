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
  const claims = caller.role === 'authenticated' ? caller.claims : { role: caller.role };
  await tx.query(
    "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)",
    [caller.role, JSON.stringify(claims)],
  );
}

/**
 * Switches the rest of the current transaction to service_role (bypasses RLS). Used only by
 * named privileged steps after the caller's own checks, e.g. creating a priced booking.
 */
export async function elevateToService(tx: Queryable): Promise<void> {
  await becomeCaller(tx, SERVICE_ROLE);
}
