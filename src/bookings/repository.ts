import type { Caller, Database, Queryable } from '../db/index.js';
import { orderFromJson, type Order, type OrderJson } from '../orders/repository.js';
import type { Address } from '../profiles/repository.js';
import type { CancellationMoney, CardRefund, RefundDecision } from '../orders/repository.js';

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

/** What `api.book_session` needs: the request as the route validated it, and the payment provider. */
export interface BookSession {
  slot_id: string;
  service_type: string;
  add_ons?: Record<string, boolean | number>;
  address?: Address;
  notes: string | null;
  /** Credits to spend: a number, or "all" that this booking can use. */
  use_credits?: number | 'all';
  /** The provider a pending order is paid through. */
  provider: string;
  /** Its checkout, when the provider names it before the order exists (the offline fake). */
  checkout_id?: string | null;
}

/**
 * Books a slot for the caller in one database call (api.book_session): priced from the catalog,
 * checked, with its order and its credits spent. The order is paid (booking confirmed) when
 * nothing is due, else pending: `customer_email` is then set, for the checkout.
 */
export async function bookSession(db: Database, caller: Caller, b: BookSession): Promise<{ booking: Booking; order: Order; customer_email: string | null }> {
  const result = await db.call<{ booking: BookingJson; order: OrderJson; customer_email: string | null }>(caller, 'api.book_session', [
    b.slot_id,
    b.service_type,
    JSON.stringify(b.add_ons ?? {}),
    b.address === undefined ? null : JSON.stringify(b.address),
    b.notes,
    b.use_credits === undefined ? null : JSON.stringify(b.use_credits),
    b.provider,
    b.checkout_id ?? null,
  ]);
  return { booking: fromJson(result.booking), order: orderFromJson(result.order), customer_email: result.customer_email };
}

/** Moves a booking to another slot in one database call (api.reschedule_booking); the same slot changes nothing. */
export async function rescheduleBooking(db: Database, caller: Caller, id: string, slotId: string): Promise<Booking> {
  return fromJson(await db.call<BookingJson>(caller, 'api.reschedule_booking', [id, slotId]));
}

/** Staff: scheduled → confirmed or confirmed → completed, in one database call (api.set_booking_status). */
export async function setStatusAsStaff(db: Database, caller: Caller, id: string, to: 'confirmed' | 'completed'): Promise<Booking> {
  return fromJson(await db.call<BookingJson>(caller, 'api.set_booking_status', [id, to]));
}

/** Under RLS: own bookings for customers, any for staff. `lock` holds the row for a change. */
export async function findBooking(tx: Queryable, id: string, lock = false): Promise<Booking | undefined> {
  const { rows } = await tx.query<Booking>(`select ${columns} from public.bookings b where b.id = $1${lock ? ' for update' : ''}`, [id]);
  return rows[0];
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

/**
 * Cancels a booking and settles its money in one call (api.cancel_booking). A card part is
 * recorded as a pending refund (`card_refund`), asked of the provider after this call committed:
 * see OrderService.settleCancellation.
 */
export async function cancelBooking(
  db: Database,
  caller: Caller,
  id: string,
  refund: RefundDecision | undefined,
): Promise<{ booking: Booking; money: CancellationMoney; card_refund: CardRefund | null }> {
  const result = await db.call<{ booking: BookingJson; money: CancellationMoney; card_refund: CardRefund | null }>(caller, 'api.cancel_booking', [
    id,
    refund ?? null,
  ]);
  return { booking: fromJson(result.booking), money: result.money, card_refund: result.card_refund };
}
