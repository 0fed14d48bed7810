import { adminIdOfUser, findStaff, listStaff, removeAdmin, upsertAdmin, type AdminRole, type StaffRow } from '../admins/repository.js';
import type { Caller, Database } from '../db/index.js';
import { notFound } from '../errors.js';
import { requireStaff } from './access.js';

/**
 * Super admins manage staff, as themselves under RLS. The database keeps at least one
 * super_admin (409 last_super_admin), whoever tries: this API, the CLI or SQL.
 */
export class StaffService {
  constructor(private readonly db: Database) {}

  list(caller: Caller): Promise<StaffRow[]> {
    return this.db.asCaller(caller, async (tx) => {
      await requireStaff(tx, caller, 'super_admin');
      return listStaff(tx);
    });
  }

  /** Adds a staff member or changes their role; `created` tells which. */
  save(caller: Caller, email: string, role: AdminRole): Promise<{ staff: StaffRow; created: boolean }> {
    return this.db.asCaller(caller, async (tx) => {
      await requireStaff(tx, caller, 'super_admin');
      const by = caller.role === 'authenticated' ? await adminIdOfUser(tx, caller.claims.sub) : undefined;
      const row = await upsertAdmin(tx, email, role, by);
      const staff = (await findStaff(tx, row.email))!;
      return { staff, created: row.created };
    });
  }

  remove(caller: Caller, email: string): Promise<void> {
    return this.db.asCaller(caller, async (tx) => {
      await requireStaff(tx, caller, 'super_admin');
      if (!(await removeAdmin(tx, email))) throw notFound('Staff member');
    });
  }
}
