import { signedIn } from '../auth/caller.js';
import * as catalog from '../catalog/repository.js';
import { quote, type AddOnSelection } from '../catalog/pricing.js';
import { elevateToService, type Caller, type Database, type Queryable } from '../db/index.js';
import { AppError, conflict, forbidden, notFound, unprocessable } from '../errors.js';
import * as profiles from '../profiles/repository.js';
import type { Address } from '../profiles/repository.js';
import * as slots from '../slots/repository.js';
import { atLeast, requireStaff, staffRole } from '../staff/access.js';
import type { Order, RefundDecision } from '../orders/repository.js';
import { nothingPaid, refundableCents, type CancellationMoney, type CheckoutLink, type OrderService, type UseCredits } from '../orders/service.js';
import * as repo from './repository.js';

export interface BookingRequest {
  slot_id: string;
  service_type: string;
  add_ons?: AddOnSelection;
  address?: Address;
  notes?: string;
  /** Credits to spend: a number, or "all" that this booking can use. */
  use_credits?: UseCredits;
}

export interface NewBookingResult {
  booking: repo.Booking;
  order: Order;
  /** Where to pay; null when nothing is due (paid with credits). */
  checkout: CheckoutLink | null;
}

const MINUTE = 60_000;

/** The checks a slot must pass to take a booking, in the order a customer would want to hear them. */
function assertBookable(slot: slots.Slot | undefined, settings: catalog.Settings): asserts slot is slots.Slot {
  if (!slot) throw new AppError(404, 'not_found', 'Slot not found');
  const startsAt = Date.parse(slot.starts_at);
  if (startsAt < Date.now() + settings.min_notice_minutes * MINUTE) {
    throw unprocessable(
      `Sessions must be booked at least ${settings.min_notice_minutes} minutes ahead`,
      { min_notice_minutes: settings.min_notice_minutes },
      'too_late',
    );
  }
  if (!slot.is_available) throw conflict('That time slot is not available', undefined, 'slot_unavailable');
  if (slot.current_bookings >= slot.max_bookings) throw conflict('That time slot is full', undefined, 'slot_full');
}

function assertServed(address: Address, settings: catalog.Settings): void {
  const zip = address.zip.slice(0, 5);
  if (settings.service_area_zips.length > 0 && !settings.service_area_zips.includes(zip)) {
    throw unprocessable(`We do not serve ${zip} yet`, { zip }, 'outside_service_area');
  }
}

/** Customers change or cancel a session only before the cancellation window; staff any time. */
function assertOutsideWindow(booking: repo.Booking, settings: catalog.Settings, action: string): void {
  if (booking.date_time.getTime() - Date.now() < settings.cancellation_window_minutes * MINUTE) {
    throw unprocessable(
      `Sessions can be ${action} online up to ${settings.cancellation_window_minutes / 60} hours before; please contact us`,
      { cancellation_window_minutes: settings.cancellation_window_minutes },
      'cancellation_window_passed',
    );
  }
}

export class BookingService {
  constructor(
    private readonly db: Database,
    private readonly orders: OrderService,
  ) {}

  /**
   * Books a slot for the caller. Reads and checks run as the caller; the insert is the named
   * privileged step (customers have no insert grant): priced here from the catalog, never from
   * the client, with its order in the same transaction. Capacity, double booking and credit
   * balances are enforced by the database under concurrency.
   */
  async create(caller: Caller, request: BookingRequest): Promise<NewBookingResult> {
    const userId = signedIn(caller);
    return this.db.asCaller(caller, async (tx) => {
      const settings = await catalog.getSettings(tx);
      const priced = quote(await catalog.listServices(tx), await catalog.listAddOns(tx), request.service_type, request.add_ons);
      const address = request.address ?? (await profiles.findProfile(tx, userId))?.address;
      if (!address) throw unprocessable('Add an address to your profile or to the booking', { field: 'address' }, 'address_required');
      assertServed(address, settings);
      const slot = await slots.findSlot(tx, request.slot_id);
      assertBookable(slot, settings);
      await elevateToService(tx);
      if (await repo.holdsTime(tx, userId, slot.starts_at)) throw conflict('You already have a booking at that time', undefined, 'already_booked');
      const { order, checkout } = await this.orders.openForBooking(tx, {
        userId,
        subtotal: priced.total_amount,
        useCredits: request.use_credits,
        settings,
        description: `${priced.service_type} on ${slot.date} at ${slot.start_time}`,
      });
      const booking = await repo.insertBooking(tx, {
        user_id: userId,
        order_id: order.id,
        status: order.status === 'paid' ? 'confirmed' : 'scheduled',
        slot_id: slot.id,
        date_time: slot.starts_at,
        duration: priced.duration,
        service_type: priced.service_type,
        add_ons: priced.add_ons,
        notes: request.notes?.trim() || null,
        address,
        total_amount: priced.total_amount,
      });
      return { booking, order, checkout };
    });
  }

  async get(caller: Caller, id: string): Promise<repo.Booking> {
    signedIn(caller);
    const booking = await this.db.asCaller(caller, (tx) => repo.findBooking(tx, id));
    if (!booking) throw notFound('Booking');
    return booking;
  }

  /** Own bookings for customers; staff see everyone's and may filter by customer. */
  /** As the response body (JSON text): the page, the total and the paging asked for. */
  async list(caller: Caller, filter: repo.BookingFilter): Promise<string> {
    signedIn(caller);
    return repo.listBookingsJson(this.db, caller, filter);
  }

  /**
   * Cancels a booking and says what happened to its money. Unpaid: the order fails (credits
   * back). Paid, by the customer (before the window): refunded automatically to where the
   * business settings say. Paid, by an admin: `refund` is required (card, credits or none).
   * Paid, by an operator (who may not refund): the order goes to the "needs refund" list, as it
   * does when the provider cannot refund the card right now. Nothing paid is left undecided.
   */
  async cancel(caller: Caller, id: string, refund?: RefundDecision): Promise<{ booking: repo.Booking; money: CancellationMoney }> {
    const userId = signedIn(caller);
    return this.db.asCaller(caller, async (tx) => {
      // Visibility (RLS) first, without locks; then lock in the order payments use (order, then
      // booking), so a cancel racing a payment webhook or the expiry sweep cannot deadlock.
      const { booking: seen, role, staff, settings } = await this.loadForChange(tx, id, false);
      const admin = atLeast(role, 'admin');
      if (refund !== undefined && !admin) throw forbidden('Only admins decide how a cancellation is refunded');
      // Privileged step: customers cannot write status or refunds.
      await elevateToService(tx);
      const order = seen.order_id ? await this.orders.lock(tx, seen.order_id) : undefined;
      const booking = (await repo.findBooking(tx, id, true))!;
      if (booking.status === 'cancelled' || booking.status === 'completed') {
        throw conflict(`A ${booking.status} booking cannot be cancelled`, undefined, 'invalid_transition');
      }
      if (!staff) assertOutsideWindow(booking, settings, 'cancelled');
      const paid = order?.status === 'paid' && refundableCents(order) > 0 && !order.cancellation_refund;
      if (paid && admin && refund === undefined) {
        throw unprocessable('This booking was paid: say how to refund it ("card", "credits" or "none")', { field: 'refund' }, 'refund_decision_required');
      }
      let money = nothingPaid(order);
      if (order?.status === 'pending') money = await this.orders.cancelUnpaid(tx, order);
      const cancelled = (await repo.setStatus(tx, id, 'cancelled'))!;
      if (paid && (await repo.allBookingsCancelled(tx, order.id))) {
        const decision = staff ? refund : settings.cancellation_refund_to;
        money = await this.orders.settleCancellation(tx, order, decision, { decidedBy: userId, providerDown: 'list' });
      }
      return { booking: cancelled, money };
    });
  }

  /** Moves a booking to another slot atomically: the new place is taken before the old is freed. */
  async reschedule(caller: Caller, id: string, slotId: string): Promise<repo.Booking> {
    signedIn(caller);
    return this.db.asCaller(caller, async (tx) => {
      const { booking, staff, settings } = await this.loadForChange(tx, id);
      if (booking.status !== 'scheduled' && booking.status !== 'confirmed') {
        throw conflict(`A ${booking.status} booking cannot be moved`, undefined, 'invalid_transition');
      }
      if (!staff) assertOutsideWindow(booking, settings, 'moved');
      if (booking.slot_id === slotId) return booking;
      const slot = await slots.findSlot(tx, slotId);
      assertBookable(slot, settings);
      await elevateToService(tx);
      if (await repo.holdsTime(tx, booking.user_id, slot.starts_at)) {
        throw conflict('You already have a booking at that time', undefined, 'already_booked');
      }
      return repo.moveBooking(tx, id, slot.id, slot.starts_at);
    });
  }

  /** Staff: scheduled → confirmed, confirmed → completed (after the start). The rules are in SQL. */
  async transition(caller: Caller, id: string, to: 'confirmed' | 'completed'): Promise<repo.Booking> {
    signedIn(caller);
    return repo.setStatusAsStaff(this.db, caller, id, to);
  }

  private async loadForChange(tx: Queryable, id: string, lock = true) {
    const booking = await repo.findBooking(tx, id, lock);
    if (!booking) throw notFound('Booking');
    const role = await staffRole(tx);
    const staff = atLeast(role, 'operator');
    const settings = await catalog.getSettings(tx);
    return { booking, role, staff, settings };
  }
}
