// The database-level factories, one definition each, for both engines: users are made the way
// signup makes them (a row in auth.users; the trigger makes the profile), fixtures are written
// as the owner, and callers act through `asCaller` exactly as PostgREST/Supabase does.
// Prices are never written here: a default amount is the catalog's price of the service.
import { randomBytes } from 'node:crypto';
import type { Caller, Database, JwtClaims, Queryable } from '../../src/db/index.js';

export type AdminRole = 'operator' | 'admin' | 'super_admin';

export interface TestUser {
  id: string;
  /** As stored in auth.users (may be mixed case). */
  email: string;
  referral_code: string;
  claims: JwtClaims;
  caller: Caller;
}

let counter = 0;
const run = randomBytes(3).toString('hex');

/** A unique, lower-case email per call. */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${run}-${counter}@example.test`;
}

/** A number unique within this test process (for spreading slots and booking times apart). */
export function nextSeq(): number {
  counter += 1;
  return counter;
}

export const anon: Caller = { role: 'anon' };

export function callerOf(user: { id: string; email: string }): Caller {
  return { role: 'authenticated', claims: { sub: user.id, role: 'authenticated', email: user.email } };
}

export interface CustomerOptions {
  email?: string;
  full_name?: string;
  phone?: string;
  /** The referral code used at signup (someone else's code), as raw_user_meta_data.referral_code. */
  referral_code?: string;
  /** auth.users.phone (the profile falls back to it when the metadata has no phone). */
  auth_phone?: string;
}

/** Signs a customer up: inserts into auth.users; the on_auth_user_created trigger makes the profile. */
export async function makeCustomer(db: Queryable, options: CustomerOptions = {}): Promise<TestUser> {
  const email = options.email ?? uniqueEmail('customer');
  const meta: Record<string, string> = {};
  if (options.full_name !== undefined) meta.full_name = options.full_name;
  if (options.phone !== undefined) meta.phone = options.phone;
  if (options.referral_code !== undefined) meta.referral_code = options.referral_code;
  const { rows } = await db.query<{ id: string }>(
    'insert into auth.users (id, email, phone, raw_user_meta_data) values (gen_random_uuid(), $1, $2, $3) returning id',
    [email, options.auth_phone ?? null, JSON.stringify(meta)],
  );
  const id = rows[0]!.id;
  const profile = await db.query<{ referral_code: string }>('select referral_code from public.profiles where id = $1', [id]);
  const caller = callerOf({ id, email });
  return {
    id,
    email,
    referral_code: profile.rows[0]!.referral_code,
    claims: (caller as { claims: JwtClaims }).claims,
    caller,
  };
}

/** A signed-up user whose email has an admins row of the given tier. */
export async function makeAdmin(db: Queryable, role: AdminRole, options: CustomerOptions = {}): Promise<TestUser> {
  const user = await makeCustomer(db, { email: options.email ?? uniqueEmail(role.replace('_', '-')), ...options });
  await db.query('insert into public.admins (email, role) values ($1, $2)', [user.email, role]);
  return user;
}

export interface Slot {
  id: string;
  date: string;
  start_time: string;
  /** The slot's start as an instant (business timezone America/Los_Angeles). */
  starts_at: Date;
}

export interface SlotOptions {
  /** Days from today in the business timezone; defaults to a distinct future day per call. */
  daysAhead?: number;
  start_time?: string;
  end_time?: string;
  max_bookings?: number;
  is_available?: boolean;
}

/** An availability slot in the future, as the owner. Local times of 09:00-18:00 never hit a DST gap. */
export async function makeSlot(db: Queryable, options: SlotOptions = {}): Promise<Slot> {
  const seq = nextSeq();
  const daysAhead = options.daysAhead ?? 3 + (seq % 300);
  const start = options.start_time ?? `${String(9 + (seq % 8)).padStart(2, '0')}:${String((seq * 7) % 60).padStart(2, '0')}`;
  const end = options.end_time ?? `${String(9 + (seq % 8) + 1).padStart(2, '0')}:${String((seq * 7) % 60).padStart(2, '0')}`;
  const { rows } = await db.query<{ id: string; date: string; start_time: string; starts_at: Date }>(
    `insert into public.availability_slots (date, start_time, end_time, max_bookings, is_available)
     values ((now() at time zone 'America/Los_Angeles')::date + $1::int, $2, $3, $4, $5)
     returning id, date, start_time::text, public.local_to_instant(date, start_time) as starts_at`,
    [daysAhead, start, end, options.max_bookings ?? 1, options.is_available ?? true],
  );
  return rows[0]!;
}

/**
 * A slot that started `daysAgo` days ago (10:00-11:00 local), inserted with triggers off as a
 * restore would: new slots may not start in the past. Returns its id.
 */
export async function makePastSlot(db: Database, daysAgo: number): Promise<string> {
  return asReplica(db, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `insert into public.availability_slots (date, start_time, end_time, period)
       select d, '10:00', '11:00', public.slot_period(d, '10:00', '11:00')
         from (select (now() at time zone 'America/Los_Angeles')::date - $1::int as d) x
       returning id`,
      [daysAgo],
    );
    return rows[0]!.id;
  });
}

export interface BookingOptions {
  user_id: string;
  slot_id?: string | null;
  /** Defaults to the slot's start, else a distinct time some days ahead. */
  date_time?: Date | string;
  status?: 'scheduled' | 'confirmed' | 'completed' | 'cancelled';
  service_type?: string;
  duration?: number;
  /** Defaults (also when null) to the catalog price of service_type. */
  total_amount?: number | null;
  order_id?: string | null;
  notes?: string | null;
}

export interface Booking {
  id: string;
  user_id: string;
  slot_id: string | null;
  date_time: Date;
  status: string;
}

/** A booking in the future, inserted as the owner (customers book through the booking service). */
export async function makeBooking(db: Queryable, options: BookingOptions): Promise<Booking> {
  let dateTime: Date | string | undefined = options.date_time;
  if (dateTime === undefined && options.slot_id) {
    const { rows } = await db.query<{ starts_at: Date }>(
      'select public.local_to_instant(date, start_time) as starts_at from public.availability_slots where id = $1',
      [options.slot_id],
    );
    dateTime = rows[0]!.starts_at;
  }
  if (dateTime === undefined) {
    // Distinct per call: whole minutes some days ahead, so one customer's bookings never collide.
    dateTime = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 2 * 86_400_000 + nextSeq() * 60_000);
  }
  const { rows } = await db.query<Booking>(
    `insert into public.bookings (user_id, slot_id, date_time, status, service_type, duration, address, total_amount, order_id, notes)
     values ($1, $2, $3, $4, $5, $6, $7, coalesce($8::int, (select price_cents from public.services where key = $5)), $9, $10)
     returning id, user_id, slot_id, date_time, status::text`,
    [
      options.user_id,
      options.slot_id ?? null,
      dateTime,
      options.status ?? 'scheduled',
      options.service_type ?? 'cold_plunge',
      options.duration ?? 30,
      JSON.stringify({ street: '123 Main St', city: 'Los Angeles', state: 'CA', zip: '90210' }),
      options.total_amount ?? null,
      options.order_id ?? null,
      options.notes ?? null,
    ],
  );
  return rows[0]!;
}

/**
 * A booking in the past (a session that happened), inserted with triggers off
 * (session_replication_role = replica) as a dump restore would. Give it no slot: the slot
 * counter trigger is off too.
 */
export async function makePastBooking(db: Database, options: BookingOptions & { date_time: Date | string }): Promise<Booking> {
  return asReplica(db, (tx) => makeBooking(tx, { ...options, slot_id: null }));
}

/**
 * Runs fn as the owner with user triggers and foreign-key checks off, in one transaction, then
 * rebuilds the report facts (their triggers were off), as a load with triggers off ends. The
 * customer totals are left as they are (tests rebuild them, or look at their drift).
 */
export function asReplica<T>(db: Database, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query('set local session_replication_role = replica');
    const result = await fn(tx);
    await tx.query('select app_private.rebuild_report_facts()');
    return result;
  });
}

export interface OrderOptions {
  user_id: string;
  /** Defaults to the catalog price of cold_plunge. */
  amount?: number;
  status?: 'pending' | 'paid' | 'failed' | 'refunded';
  created_at?: string;
}

export async function makeOrder(db: Queryable, options: OrderOptions): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into public.orders (user_id, amount, status, created_at)
     values ($1, coalesce($2::int, (select price_cents from public.services where key = 'cold_plunge')), $3, coalesce($4::timestamptz, now())) returning id`,
    [options.user_id, options.amount ?? null, options.status ?? 'paid', options.created_at ?? null],
  );
  return rows[0]!.id;
}

/** Credits a user through the ledger: one 'adjustment' row (negative n debits). */
export async function giveCredits(db: Queryable, userId: string, n: number, description = 'test adjustment'): Promise<void> {
  await db.query(
    `insert into public.credit_transactions (user_id, amount, type, description) values ($1, $2, 'adjustment', $3)`,
    [userId, n, description],
  );
}

/** An auth user without a profile (signup trigger off), for inserting a profile by hand. */
export async function makeBareAuthUser(db: Database, email = uniqueEmail('bare')): Promise<string> {
  return asReplica(db, async (tx) => (await tx.query<{ id: string }>('insert into auth.users (id, email) values (gen_random_uuid(), $1) returning id', [email])).rows[0]!.id);
}

/**
 * A user made through the function sign-up uses (app_private.create_auth_user: a full
 * auth.users row and its email identity; the profile trigger and referral acceptance run).
 * The email is lower-cased as sign-up does.
 */
export async function signUpUser(
  db: Queryable,
  fields: { email?: string; referral_code?: string; encrypted_password?: string } = {},
): Promise<{ id: string; email: string }> {
  const email = (fields.email ?? uniqueEmail('money')).toLowerCase();
  const meta = fields.referral_code ? { referral_code: fields.referral_code.toUpperCase() } : {};
  const { rows } = await db.query<{ id: string; email: string }>('select id, email from app_private.create_auth_user($1, $2, $3)', [
    email,
    fields.encrypted_password ?? 'not-a-password-hash',
    JSON.stringify(meta),
  ]);
  return rows[0]!;
}

/** The catalog's service prices (cents) by key, as this database has them. */
export async function servicePrices(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ key: string; price_cents: number }>('select key, price_cents from public.services');
  return Object.fromEntries(rows.map((r) => [r.key, r.price_cents]));
}

/** The catalog's add-on prices (cents) by key. */
export async function addOnPrices(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ key: string; price_cents: number }>('select key, price_cents from public.add_ons');
  return Object.fromEntries(rows.map((r) => [r.key, r.price_cents]));
}
