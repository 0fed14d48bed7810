import type { AdminRole } from '../admins/repository.js';
import { signedIn } from '../auth/caller.js';
import type { Caller, Queryable } from '../db/index.js';
import { forbidden } from '../errors.js';

const rank: Record<AdminRole, number> = { operator: 1, admin: 2, super_admin: 3 };

/** The caller's staff role inside a transaction running as the caller (null for customers). */
export async function staffRole(tx: Queryable): Promise<AdminRole | null> {
  const { rows } = await tx.query<{ role: AdminRole | null }>('select app_hidden.admin_role_of_current_user() as role');
  return rows[0]?.role ?? null;
}

export function atLeast(role: AdminRole | null, min: AdminRole): boolean {
  return role !== null && rank[role] >= rank[min];
}

/** Throws 401 for signed-out callers and 403 for callers below `min`. */
export async function requireStaff(tx: Queryable, caller: Caller, min: AdminRole): Promise<AdminRole> {
  signedIn(caller);
  const role = await staffRole(tx);
  if (!atLeast(role, min)) throw forbidden(`This needs the ${min} role`);
  return role!;
}
