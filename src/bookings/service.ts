import { signedIn } from '../auth/caller.js';
import type { Caller, Database } from '../db/index.js';
import { notFound } from '../errors.js';
import type { Address } from '../profiles/repository.js';
import type { Order, RefundDecision } from '../orders/repository.js';
import { type CancellationMoney, type CheckoutLink, type OrderService, type UseCredits } from '../orders/service.js';
import * as repo from './repository.js';

/** Add-ons as a booking stores them: `{family: true, extra_visits: 2}`. */
export type AddOnSelection = Record<string, boolean | number>;

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

export class BookingService {
  constructor(
    private readonly db: Database,
    private readonly orders: OrderService,
  ) {}

  /**
   * Books a slot for the caller in one database call (api.book_session: the price from the
   * catalog, every check, the order, credits spent, the booking). Capacity, double booking and
   * credit balances are enforced by the database under concurrency. A pending order's checkout
   * is opened after that call committed, never inside a transaction.
   */
  async create(caller: Caller, request: BookingRequest): Promise<NewBookingResult> {
    signedIn(caller);
    // A provider that names its checkout without a call (the fake) has it stored by the booking's
    // own call; Bolt's checkout is a network call, made after that call committed.
    const local = this.orders.localCheckout();
    const { booking, order, customer_email } = await repo.bookSession(this.db, caller, {
      ...request,
      notes: request.notes?.trim() || null,
      provider: this.orders.providerName,
      checkout_id: local?.checkoutId ?? null,
    });
    if (order.status !== 'pending') return { booking, order, checkout: null };
    if (local) return { booking, order, checkout: { provider: local.provider, url: local.url } };
    return { booking, ...(await this.orders.openCheckout(order, customer_email ?? '')) };
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
   * Cancels a booking and says what happened to its money (the rules: api.cancel_booking). Unpaid:
   * the order fails (credits back). Paid, by the customer (before the window): refunded to where
   * the business settings say. Paid, by an admin: `refund` is required. Paid, by an operator: the
   * order goes to the "needs refund" list. One call; a card refund is recorded there as pending
   * (counted against what is refundable, so no concurrent refund can pay the same money out
   * twice), then asked of the provider after that call committed, and its answer recorded.
   */
  async cancel(caller: Caller, id: string, refund?: RefundDecision): Promise<{ booking: repo.Booking; money: CancellationMoney }> {
    signedIn(caller);
    const { booking, money, card_refund } = await repo.cancelBooking(this.db, caller, id, refund);
    return { booking, money: await this.orders.settleCancellation(money, card_refund) };
  }

  /**
   * Moves a booking to another slot atomically (the new place is taken before the old is freed),
   * in one database call (api.reschedule_booking): customers only before the cancellation window.
   */
  async reschedule(caller: Caller, id: string, slotId: string): Promise<repo.Booking> {
    signedIn(caller);
    return repo.rescheduleBooking(this.db, caller, id, slotId);
  }

  /** Staff: scheduled → confirmed, confirmed → completed (after the start). The rules are in SQL. */
  async transition(caller: Caller, id: string, to: 'confirmed' | 'completed'): Promise<repo.Booking> {
    signedIn(caller);
    return repo.setStatusAsStaff(this.db, caller, id, to);
  }
}
