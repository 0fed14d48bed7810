import type { Queryable } from '../db/index.js';

export type AdminRole = 'operator' | 'admin' | 'super_admin';
export const adminRoles: readonly AdminRole[] = ['operator', 'admin', 'super_admin'];

export interface AdminRow {
  id: string;
  email: string;
  role: AdminRole;
  created_at: Date;
  created_by: string | null;
}

/** Adds an admin or changes the role of an existing one (emails compared case-insensitively). */
export async function upsertAdmin(db: Queryable, email: string, role: AdminRole, createdBy?: string): Promise<AdminRow> {
  const { rows } = await db.query<AdminRow>(
    `insert into public.admins (email, role, created_by) values (lower($1), $2, $3)
     on conflict (email) do update set role = excluded.role
     returning id, email, role, created_at, created_by`,
    [email.trim(), role, createdBy ?? null],
  );
  return rows[0]!;
}

export async function listAdmins(db: Queryable): Promise<AdminRow[]> {
  const { rows } = await db.query<AdminRow>(
    'select id, email, role, created_at, created_by from public.admins order by created_at, email',
  );
  return rows;
}
