import type { Caller, Database, Queryable } from '../db/index.js';

export interface Address {
  street: string;
  city: string;
  state: string;
  zip: string;
}

export interface Profile {
  id: string;
  email: string;
  full_name: string | null;
  phone: string | null;
  address: Address | null;
  referral_code: string | null;
  credits: number;
  created_at: Date;
}

const columns = 'id, email, full_name, phone, address, referral_code, credits, created_at';

/** Under RLS: a customer sees only their own profile, staff see all. */
export async function findProfile(tx: Queryable, id: string): Promise<Profile | undefined> {
  const { rows } = await tx.query<Profile>(`select ${columns} from public.profiles where id = $1`, [id]);
  return rows[0];
}

export type StaffRole = 'operator' | 'admin' | 'super_admin';

/** The caller's own profile in one database call (api.me; 404 not_found when there is none), with their staff role. */
export async function myProfile(db: Database, caller: Caller): Promise<Profile & { staff_role: StaffRole | null }> {
  const profile = await db.call<Omit<Profile, 'created_at'> & { created_at: string; staff_role: StaffRole | null }>(caller, 'api.me');
  return { ...profile, created_at: new Date(profile.created_at) };
}

export interface ProfileChanges {
  full_name?: string | null;
  phone?: string | null;
  address?: Address | null;
}

/** Only the columns customers may write (the table grants no others); absent keys stay as they are. */
export async function updateProfile(tx: Queryable, id: string, changes: ProfileChanges): Promise<Profile | undefined> {
  const { rows } = await tx.query<Profile>(
    `update public.profiles set
       full_name = case when $2 then $3 else full_name end,
       phone = case when $4 then $5 else phone end,
       address = case when $6 then $7::jsonb else address end
     where id = $1
     returning ${columns}`,
    [
      id,
      'full_name' in changes,
      changes.full_name ?? null,
      'phone' in changes,
      changes.phone ?? null,
      'address' in changes,
      changes.address === undefined || changes.address === null ? null : JSON.stringify(changes.address),
    ],
  );
  return rows[0];
}
