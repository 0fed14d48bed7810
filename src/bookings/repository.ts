import type { Caller, Database, Queryable } from '../db/index.js';
import type { Address } from '../profiles/repository.js';

export type BookingStatus = 'scheduled' | 'confirmed' | 'completed' | 'cancelled';

export interface Booking {
  id: string;
  user_id: string;
  order_id: string | null;
  slot_id: string | null;
  date_time: Date;
  duration: number;
  service_type: string;
  add_ons: Record<string, boolean | number>;
  status: BookingStatus;
  notes: string | null;
  address: Address;
  /** Cents: service plus add-ons, priced from the catalog when booked. */
  total_amount: number | null;
  cancelled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const columns = `b.id, b.user_id, b.order_id, b.slot_id, b.date_time, b.duration, b.service_type, b.add_ons, b.status,
  b.notes, b.address, b.total_amount, b.cancelled_at, b.created_at, b.updated_at`;

/** A booking as the database functions return it (jsonb): timestamps as ISO strings. */
export type BookingJson = Omit<Booking, 'date_time' | 'cancelled_at' | 'created_at' | 'updated_at'> & {
  date_time: string;
  cancelled_at: string | null;
  created_at: string;
  updated_at: string;
};

/** The same booking with Date timestamps, as the rest of the code reads them. */
export function fromJson(b: BookingJson): Booking {
  return {
    ...b,
    date_time: new Date(b.date_time),
    cancelled_at: b.cancelled_at === null ? null : new Date(b.cancelled_at),
    created_at: new Date(b.created_at),
    updated_at: new Date(b.updated_at),
  };
}

/** Staff: scheduled → confirmed or confirmed → completed, in one database call (api.set_booking_status). */
export async function setStatusAsStaff(db: Database, caller: Caller, id: string, to: 'confirmed' | 'completed'): Promise<Booking> {
  return fromJson(await db.call<BookingJson>(caller, 'api.set_booking_status', [id, to]));
}

export interface NewBooking {
  user_id: string;
  order_id: string;
  status: 'scheduled' | 'confirmed';
  slot_id: string;
  date_time: string;
  duration: number;
  service_type: string;
  add_ons: Record<string, boolean | number>;
  notes: string | null;
  address: Address;
  total_amount: number;
}

export async function insertBooking(tx: Queryable, b: NewBooking): Promise<Booking> {
  const { rows } = await tx.query<Booking>(
    `insert into public.bookings as b (user_id, order_id, status, slot_id, date_time, duration, service_type, add_ons, notes, address, total_amount)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     returning ${columns}`,
    [b.user_id, b.order_id, b.status, b.slot_id, b.date_time, b.duration, b.service_type, JSON.stringify(b.add_ons), b.notes, JSON.stringify(b.address), b.total_amount],
  );
  return rows[0]!;
}

/** Under RLS: own bookings for customers, any for staff. `lock` holds the row for a change. */
export async function findBooking(tx: Queryable, id: string, lock = false): Promise<Booking | undefined> {
  const { rows } = await tx.query<Booking>(`select ${columns} from public.bookings b where b.id = $1${lock ? ' for update' : ''}`, [id]);
  return rows[0];
}

/** Does this customer hold a live booking at that instant? */
export async function holdsTime(tx: Queryable, userId: string, dateTime: string): Promise<boolean> {
  const { rows } = await tx.query(
    "select 1 from public.bookings where user_id = $1 and date_time = $2 and status <> 'cancelled'",
    [userId, dateTime],
  );
  return rows.length > 0;
}

/** Who booked, for staff lists (name, phone, email: to reach them at the booking address). */
export interface CustomerContact {
  id: string;
  full_name: string | null;
  email: string;
  phone: string | null;
}

export type ListedBooking = Booking & { customer: CustomerContact | null };

const customerContact = `(select json_build_object('id', p.id, 'full_name', p.full_name, 'email', p.email, 'phone', p.phone)
     from public.profiles p where p.id = b.user_id) as customer`;

export interface BookingFilter {
  status?: BookingStatus;
  from?: string;
  to?: string;
  customer?: string;
  limit: number;
  offset: number;
}

/**
 * What the caller may see (customers: their own, whatever `customer` says; staff: anyone's),
 * newest session first, with who booked, the total for paging and the page asked for: the
 * response body {"bookings", "total", "limit", "offset"} built by the database in one call
 * (api.list_bookings).
 */
export function listBookingsJson(db: Database, caller: Caller, f: BookingFilter): Promise<string> {
  return db.callText(caller, 'api.list_bookings', [f.status ?? null, f.from ?? null, f.to ?? null, f.customer ?? null, f.limit, f.offset]);
}

/** Under RLS: what the caller may see, newest session first, with who booked and the total for paging. */
export async function listBookings(tx: Queryable, f: BookingFilter): Promise<{ bookings: ListedBooking[]; total: number }> {
  const where = `($1::public.booking_status is null or b.status = $1)
      and ($2::timestamptz is null or b.date_time >= $2)
      and ($3::timestamptz is null or b.date_time < $3)
      and ($4::uuid is null or b.user_id = $4)`;
  const params = [f.status ?? null, f.from ?? null, f.to ?? null, f.customer ?? null];
  const [{ rows }, count] = [
    await tx.query<ListedBooking>(
      `select ${columns}, ${customerContact} from public.bookings b where ${where} order by b.date_time desc, b.id limit $5 offset $6`,
      [...params, f.limit, f.offset],
    ),
    await tx.query<{ total: number }>(`select count(*)::int as total from public.bookings b where ${where}`, params),
  ];
  return { bookings: rows, total: count.rows[0]?.total ?? 0 };
}

export async function setStatus(tx: Queryable, id: string, status: BookingStatus): Promise<Booking | undefined> {
  const { rows } = await tx.query<Booking>(
    `update public.bookings b set status = $2 where b.id = $1 returning ${columns}`,
    [id, status],
  );
  return rows[0];
}

/** Moves a booking to another slot; the slot trigger takes the new place before freeing the old. */
export async function moveBooking(tx: Queryable, id: string, slotId: string, dateTime: string): Promise<Booking> {
  const { rows } = await tx.query<Booking>(
    `update public.bookings b set slot_id = $2, date_time = $3 where b.id = $1 returning ${columns}`,
    [id, slotId, dateTime],
  );
  return rows[0]!;
}

/** Cancels the live bookings of an order that failed (declined, expired, cancelled unpaid), freeing their places. */
export async function cancelBookingsOfOrder(tx: Queryable, orderId: string): Promise<number> {
  const { rowCount } = await tx.query(
    "update public.bookings set status = 'cancelled' where order_id = $1 and status in ('scheduled', 'confirmed')",
    [orderId],
  );
  return rowCount;
}

/** Confirms the scheduled bookings of an order that was paid. */
export async function confirmBookingsOfOrder(tx: Queryable, orderId: string): Promise<number> {
  const { rowCount } = await tx.query(
    "update public.bookings set status = 'confirmed' where order_id = $1 and status = 'scheduled'",
    [orderId],
  );
  return rowCount;
}

/** Are all bookings of this order cancelled (and has it any)? */
export async function allBookingsCancelled(tx: Queryable, orderId: string): Promise<boolean> {
  const { rows } = await tx.query<{ done: boolean }>(
    `select count(*) > 0 and bool_and(b.status = 'cancelled') as done from public.bookings b where b.order_id = $1`,
    [orderId],
  );
  return rows[0]?.done ?? false;
}
