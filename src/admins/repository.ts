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

/** A staff member as super admins see them. */
export interface StaffRow {
  email: string;
  role: AdminRole;
  /** The account with this email, once that person has signed up. */
  user_id: string | null;
  created_at: Date;
}

/** Emails are stored and compared trimmed and lower-case (the SQL lowers; this trims). */
const normalized = (email: string) => email.trim();

/** Adds an admin or changes the role of an existing one (emails compared case-insensitively). */
export async function upsertAdmin(db: Queryable, email: string, role: AdminRole, createdBy?: string): Promise<AdminRow & { created: boolean }> {
  const { rows } = await db.query<AdminRow & { created: boolean }>(
    `insert into public.admins (email, role, created_by) values (lower($1), $2, $3)
     on conflict (email) do update set role = excluded.role
     returning id, email, role, created_at, created_by, (xmax = 0) as created`,
    [normalized(email), role, createdBy ?? null],
  );
  return rows[0]!;
}

export async function listAdmins(db: Queryable): Promise<AdminRow[]> {
  const { rows } = await db.query<AdminRow>(
    'select id, email, role, created_at, created_by from public.admins order by created_at, email',
  );
  return rows;
}

const staffColumns = `select a.email, a.role, p.id as user_id, a.created_at
       from public.admins a
       left join public.profiles p on lower(p.email) = a.email`;

/** Staff with their account ids (profiles are visible to staff under RLS). */
export async function listStaff(db: Queryable): Promise<StaffRow[]> {
  const { rows } = await db.query<StaffRow>(`${staffColumns} order by a.created_at, a.email`);
  return rows;
}

export async function findStaff(db: Queryable, email: string): Promise<StaffRow | undefined> {
  const { rows } = await db.query<StaffRow>(`${staffColumns} where a.email = lower($1)`, [normalized(email)]);
  return rows[0];
}

/** The admins row id of a signed-up user, for created_by. */
export async function adminIdOfUser(db: Queryable, userId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    'select a.id from public.admins a join public.profiles p on lower(p.email) = a.email where p.id = $1',
    [userId],
  );
  return rows[0]?.id;
}

/** Removes a staff member; false when the email is not staff. */
export async function removeAdmin(db: Queryable, email: string): Promise<boolean> {
  const { rowCount } = await db.query('delete from public.admins where email = lower($1)', [normalized(email)]);
  return rowCount > 0;
}
