import { signedIn } from '../auth/caller.js';
import type { Settings } from '../catalog/repository.js';
import * as credits from '../credits/repository.js';
import { SERVICE_ROLE, elevateToService, type Caller, type Database, type Queryable } from '../db/index.js';
import { AppError, conflict, notFound, unprocessable } from '../errors.js';
import * as profiles from '../profiles/repository.js';
import { requireStaff } from '../staff/access.js';
import { PaymentProviderError, type PaymentProvider } from './payment-provider.js';
import * as repo from './repository.js';

/** How many credits to spend: a number, or "all" that can be used on this order. */
export type UseCredits = number | 'all' | undefined;

/** What happened to the money when a booking was cancelled (the cancel response says it). */
export interface CancellationMoney {
  /**
   * nothing_paid: no order, or nothing left to refund; payment_cancelled: the unpaid order failed
   * (credits spent on it came back); refunded: refunded now; kept: staff decided no refund;
   * refund_needed: on the staff "needs refund" list (no decision yet, or the provider was down).
   */
  outcome: 'nothing_paid' | 'payment_cancelled' | 'refunded' | 'kept' | 'refund_needed';
  refund_to: repo.RefundDecision | null;
  /** Cents refunded to the card now. */
  card_cents: number;
  /** Credits given back now (a refund to credits, or the credits an unpaid order had spent). */
  credits: number;
  order_id: string | null;
  order_status: repo.OrderStatus | null;
  message: string;
}

export const nothingPaid = (order?: repo.Order): CancellationMoney => ({
  outcome: 'nothing_paid',
  refund_to: null,
  card_cents: 0,
  credits: 0,
  order_id: order?.id ?? null,
  order_status: order?.status ?? null,
  message: 'Nothing was paid, so nothing is refunded',
});

/** Cents of an order not yet refunded (card and credits together). */
export const refundableCents = (o: repo.Order) => o.amount + o.credits_applied * 100 - o.refunded_cents;

export interface CheckoutLink {
  provider: 'fake' | 'bolt';
  url: string;
}


/**
 * What an order's outcome does to its bookings. Booking statuses belong to the bookings feature:
 * its repository provides these (wired in services.ts), so orders never import bookings.
 */
export interface OrderBookings {
  /** A paid order: its scheduled bookings become confirmed. */
  confirm(tx: Queryable, orderId: string): Promise<unknown>;
  /** A failed order: its live bookings are cancelled, freeing their places. */
  cancel(tx: Queryable, orderId: string): Promise<unknown>;
  /** Has the order bookings, all of them cancelled? */
  allCancelled(tx: Queryable, orderId: string): Promise<boolean>;
}

/** A captured payment, as the provider's webhook reports it. */
export interface CapturedPayment {
  transactionId: string;
  /** The provider's reference of the transaction, kept for refunding it. */
  reference: string;
  /** Cents captured (unchecked: it comes from the webhook body). */
  amount: number | undefined;
}

/**
 * The one door to orders: opening them for bookings, applying payment events, expiring them,
 * refunds. Payments, bookings and the sweeper change orders only through here.
 */
const cardRefundUnavailable = () =>
  new AppError(503, 'payment_provider_unavailable', 'The card refund could not be made right now; nothing was refunded');

export class OrderService {
  constructor(
    private readonly db: Database,
    private readonly provider: PaymentProvider,
    private readonly bookings: OrderBookings,
  ) {}

  /**
   * Opens the order of a new booking, inside the booking's transaction (already service_role):
   * amount = subtotal + setup fee (first live order only) − credits × 100. Credits are spent as one
   * ledger row; the customer's row lock serializes their parallel bookings, and the ledger's
   * balance check refuses any overdraft. Nothing due → paid at once, no checkout.
   */
  async openForBooking(
    tx: Queryable,
    input: { userId: string; subtotal: number; useCredits: UseCredits; settings: Settings; description: string },
  ): Promise<{ order: repo.Order; checkout: CheckoutLink | null }> {
    const customer = await profiles.lockCustomer(tx, input.userId);
    if (!customer) throw notFound('Profile');
    const setupFee = (await repo.setupFeeCharged(tx, input.userId)) ? 0 : input.settings.setup_fee_cents;
    const due = input.subtotal + setupFee;
    const usable = Math.floor(due / 100);
    let spend = 0;
    if (input.useCredits === 'all') {
      spend = Math.min(customer.credits, usable);
    } else if (typeof input.useCredits === 'number' && input.useCredits > 0) {
      if (input.useCredits > customer.credits) {
        throw unprocessable(`You have ${customer.credits} credits`, { balance: customer.credits }, 'insufficient_credits');
      }
      spend = Math.min(input.useCredits, usable);
    }
    const amount = due - spend * 100;
    let order = await repo.insertOrder(tx, {
      user_id: input.userId,
      amount,
      setup_fee_applied: setupFee,
      credits_applied: spend,
      status: amount === 0 ? 'paid' : 'pending',
      provider: amount === 0 ? null : this.provider.name,
      expiresInMinutes: input.settings.order_expiry_minutes,
      metadata: { subtotal_cents: input.subtotal, description: input.description },
    });
    if (spend > 0) {
      await credits.addLedgerEntry(tx, { user_id: input.userId, amount: -spend, type: 'spent', description: `Applied to order: ${input.description}`, reference_id: order.id });
    }
    if (amount === 0) return { order, checkout: null };
    let checkout;
    try {
      checkout = await this.provider.createCheckout({ id: order.id, amount, currency: 'USD', description: input.description, email: customer.email });
    } catch (err) {
      if (err instanceof PaymentProviderError) throw new AppError(503, 'payment_provider_unavailable', 'Payments are unavailable right now; please try again');
      throw err;
    }
    order = await repo.setCheckout(tx, order.id, checkout.checkoutId);
    return { order, checkout: { provider: checkout.provider, url: checkout.url } };
  }

  /** The order, locked for a status change (in a service-role transaction); undefined when there is none. */
  async lock(tx: Queryable, orderId: string): Promise<repo.Order | undefined> {
    return repo.findOrder(tx, orderId, true);
  }

  /** The order behind a provider checkout id, read as the service role (the checkout id is the capability). */
  async byCheckout(checkoutId: string): Promise<repo.Order | undefined> {
    return this.db.asCaller(SERVICE_ROLE, (tx) => repo.findOrderByCheckout(tx, checkoutId));
  }

  /**
   * The provider captured a payment of this locked order. Out-of-order or late events never move
   * it backwards: money for an order we gave up on is flagged for staff, as is a wrong amount.
   */
  async paymentCaptured(tx: Queryable, locked: repo.Order, payment: CapturedPayment): Promise<'paid' | 'no_change' | 'late_payment' | 'amount_mismatch'> {
    let order = locked;
    // Past its expiry a pending order is expired now, as the sweep would: its place may be gone.
    const expired = order.status === 'pending' && (await repo.lockIfExpired(tx, order.id));
    if (expired) order = await this.fail(tx, expired, 'expired');
    if (order.status !== 'pending') {
      if (order.status === 'failed') {
        // Money arrived for an order we gave up on (e.g. expired): staff must look at it.
        await repo.flagForStaff(tx, order.id, { needs_review: true, late_payment_reference: payment.reference });
        return 'late_payment';
      }
      return 'no_change';
    }
    if (payment.amount !== order.amount) {
      await repo.flagForStaff(tx, order.id, { needs_review: true, amount_mismatch: payment.amount ?? null });
      return 'amount_mismatch';
    }
    await this.markPaid(tx, order, { bolt_transaction_id: payment.transactionId, bolt_transaction_reference: payment.reference });
    return 'paid';
  }

  /** The provider declined or voided the payment of this locked order. */
  async paymentFailed(tx: Queryable, order: repo.Order): Promise<'failed' | 'no_change'> {
    if (order.status !== 'pending') return 'no_change';
    await this.fail(tx, order, 'declined');
    return 'failed';
  }

  /**
   * The provider refunded to the card (this order locked): our own refunds are already recorded
   * (their echo changes nothing); one made elsewhere is recorded, unless it exceeds what was paid.
   */
  async cardRefunded(
    tx: Queryable,
    order: repo.Order,
    refund: { refundId: string; amount: number | undefined },
  ): Promise<'refunded' | 'no_change' | 'ignored' | 'refund_exceeds_paid'> {
    const { amount } = refund;
    if (order.status !== 'paid' && order.status !== 'refunded') return 'no_change';
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0) return 'ignored';
    // The echo of a refund we made ourselves is already counted: not an excess to review.
    if (await repo.refundRecorded(tx, refund.refundId)) return 'no_change';
    const paidTotal = order.amount + order.credits_applied * 100;
    if (order.card_refunded_cents + amount > order.amount || order.refunded_cents + amount > paidTotal) {
      await repo.flagForStaff(tx, order.id, { needs_review: true, excess_refund: refund.refundId });
      return 'refund_exceeds_paid';
    }
    const inserted = await repo.insertRefund(tx, { orderId: order.id, amountCents: amount, destination: 'card', providerRefundId: refund.refundId });
    return inserted ? 'refunded' : 'no_change';
  }

  /** Payment captured: the order is paid and its booking confirmed. Order must be locked and pending. */
  private async markPaid(tx: Queryable, order: repo.Order, metadata: Record<string, unknown>): Promise<repo.Order> {
    const paid = await repo.setStatus(tx, order.id, 'paid', metadata);
    await this.bookings.confirm(tx, order.id);
    return paid;
  }

  /**
   * Payment declined, order expired or booking cancelled before paying: the order fails, its
   * booking is cancelled (freeing the place) and the credits it spent come back, once.
   * The order must be locked and pending.
   */
  private async fail(tx: Queryable, order: repo.Order, reason: 'declined' | 'expired' | 'cancelled'): Promise<repo.Order> {
    const failed = await repo.setStatus(tx, order.id, 'failed', { failure_reason: reason });
    await this.bookings.cancel(tx, order.id);
    if (order.credits_applied > 0) {
      await credits.addLedgerEntry(tx, { user_id: order.user_id, amount: order.credits_applied, type: 'refunded', description: `Credits returned: order ${reason}`, reference_id: order.id });
    }
    return failed;
  }

  /**
   * Expires this order on the spot when its checkout has expired but the sweep has not got to it
   * yet (the same path as the sweep). True when the order is (now) expired that way.
   */
  async expireIfDue(orderId: string): Promise<boolean> {
    return this.db.asCaller(SERVICE_ROLE, async (tx) => {
      const order = await repo.lockIfExpired(tx, orderId);
      if (order) await this.fail(tx, order, 'expired');
      return order !== undefined;
    });
  }

  /** Fails every unpaid order past its expiry. Safe to run from many processes at once. */
  async expireUnpaid(batch = 100): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await this.db.asCaller(SERVICE_ROLE, async (tx) => {
        const due = await repo.lockExpiredPending(tx, batch);
        for (const order of due) await this.fail(tx, order, 'expired');
        return due.length;
      });
      total += expired;
      if (expired < batch) return total;
    }
  }

  /** As the response body (JSON text): customers their own orders, admins anyone's. */
  async list(caller: Caller, filter: { status?: repo.OrderStatus; customer?: string; limit: number; offset: number }): Promise<string> {
    signedIn(caller);
    return repo.listOrdersJson(this.db, caller, filter);
  }

  async get(caller: Caller, id: string): Promise<repo.Order> {
    signedIn(caller);
    const order = await this.db.asCaller(caller, (tx) => repo.findOrder(tx, id));
    if (!order) throw notFound('Order');
    return order;
  }

  /** Unpaid order of a cancelled booking: it fails and the credits it spent come back. */
  async cancelUnpaid(tx: Queryable, order: repo.Order): Promise<CancellationMoney> {
    const failed = await this.fail(tx, order, 'cancelled');
    return {
      outcome: 'payment_cancelled',
      refund_to: null,
      card_cents: 0,
      credits: order.credits_applied,
      order_id: order.id,
      order_status: failed.status,
      message: order.credits_applied > 0 ? `The payment was cancelled; ${order.credits_applied} credits are back` : 'The payment was cancelled; nothing was charged',
    };
  }

  /**
   * The money of a paid order whose bookings are all cancelled (order locked, service role): all
   * that is left goes back to the card (the part paid in credits as credits) or all to credits,
   * or stays ('none'). No decision, or a card refund the provider cannot make now, leaves the
   * order on the staff "needs refund" list (`providerDown: 'list'`), or fails (`'throw'`).
   */
  async settleCancellation(
    tx: Queryable,
    order: repo.Order,
    decision: repo.RefundDecision | undefined,
    opts: { decidedBy: string | null; providerDown: 'list' | 'throw' },
  ): Promise<CancellationMoney> {
    const left = refundableCents(order);
    if (order.status !== 'paid' || left <= 0 || order.cancellation_refund) return nothingPaid(order);
    const needed = async (reason: string, message: string): Promise<CancellationMoney> => {
      // Why no refund was made is for staff only: kept with the order's staff flags, not in metadata.
      await repo.flagForStaff(tx, order.id, { cancellation_refund_error: reason });
      return { outcome: 'refund_needed', refund_to: decision ?? null, card_cents: 0, credits: 0, order_id: order.id, order_status: order.status, message };
    };
    if (!decision) return needed('staff_decision_needed', 'The booking was paid; an admin will decide about the refund');
    let card = 0;
    if (decision === 'card') card = Math.min(order.amount - order.card_refunded_cents, left);
    const creditCents = decision === 'none' ? 0 : Math.floor((left - card) / 100) * 100;
    if (card > 0) {
      const reference = order.metadata.bolt_transaction_reference;
      let providerRefundId: string;
      try {
        if (typeof reference !== 'string') throw new PaymentProviderError('No card payment reference');
        providerRefundId = (await this.provider.refund({ orderId: order.id, transactionReference: reference, amountCents: card })).refundId;
      } catch (err) {
        if (!(err instanceof PaymentProviderError)) throw err;
        if (opts.providerDown === 'throw') throw cardRefundUnavailable();
        return needed('payment_provider_unavailable', 'The card refund could not be made right now; staff will refund it');
      }
      await repo.insertRefund(tx, { orderId: order.id, amountCents: card, destination: 'card', providerRefundId, createdBy: opts.decidedBy ?? undefined });
    }
    if (creditCents > 0) {
      await repo.insertRefund(tx, { orderId: order.id, amountCents: creditCents, destination: 'credits', createdBy: opts.decidedBy ?? undefined });
    }
    const after = await repo.recordCancellationRefund(tx, order.id, decision, opts.decidedBy);
    const credits = creditCents / 100;
    return {
      outcome: decision === 'none' ? 'kept' : 'refunded',
      refund_to: decision,
      card_cents: card,
      credits,
      order_id: order.id,
      order_status: after.status,
      message:
        decision === 'none'
          ? 'No refund'
          : [card > 0 ? `$${(card / 100).toFixed(2)} back to the card` : '', credits > 0 ? `${credits} credits back` : ''].filter(Boolean).join(' and ') || 'Nothing left to refund',
    };
  }

  /** Admin: decides the refund of a paid order whose bookings are all cancelled (from the "needs refund" list). */
  async decideCancellationRefund(caller: Caller, orderId: string, decision: repo.RefundDecision): Promise<{ order: repo.Order; money: CancellationMoney }> {
    return this.db.asCaller(caller, async (tx) => {
      const adminId = signedIn(caller);
      await requireStaff(tx, caller, 'admin');
      await elevateToService(tx);
      const order = await repo.findOrder(tx, orderId, true);
      if (!order) throw notFound('Order');
      if (order.cancellation_refund) throw conflict(`Already decided: ${order.cancellation_refund}`, { decision: order.cancellation_refund }, 'refund_already_decided');
      if (order.status !== 'paid') throw conflict(`A ${order.status} order has nothing to refund`, { status: order.status }, 'order_not_paid');
      if (!(await this.bookings.allCancelled(tx, order.id))) throw conflict('The order still has a booking that is not cancelled', undefined, 'booking_not_cancelled');
      const money = await this.settleCancellation(tx, order, decision, { decidedBy: adminId, providerDown: 'throw' });
      return { order: (await repo.findOrder(tx, order.id))!, money };
    });
  }

  /** Admin: paid orders whose bookings are all cancelled, not fully refunded, with no decision. */
  async refundsNeeded(caller: Caller, page: { limit: number; offset: number }) {
    return this.db.asCaller(caller, async (tx) => {
      await requireStaff(tx, caller, 'admin');
      return repo.listRefundsNeeded(tx, page.limit, page.offset);
    });
  }

  /**
   * Admin refund, partial or full, to the card (through the provider) or to credits (one
   * `refunded` ledger row). The database refuses refunding more than was paid in total.
   */
  async refund(caller: Caller, orderId: string, request: { amount_cents?: number; to: 'card' | 'credits' }): Promise<repo.Order> {
    return this.db.asCaller(caller, async (tx) => {
      const adminId = signedIn(caller);
      await requireStaff(tx, caller, 'admin');
      await elevateToService(tx);
      const order = await repo.findOrder(tx, orderId, true);
      if (!order) throw notFound('Order');
      if (order.status !== 'paid') {
        throw conflict(order.status === 'refunded' ? 'This order is already fully refunded' : `A ${order.status} order cannot be refunded`, { status: order.status }, 'order_not_paid');
      }
      const paidTotal = order.amount + order.credits_applied * 100;
      const refundable = request.to === 'card' ? order.amount - order.card_refunded_cents : paidTotal - order.refunded_cents;
      const amount = request.amount_cents ?? Math.min(refundable, paidTotal - order.refunded_cents);
      if (amount <= 0 || amount > refundable || amount > paidTotal - order.refunded_cents) {
        throw unprocessable(`At most ${Math.min(refundable, paidTotal - order.refunded_cents)} cents can be refunded ${request.to === 'card' ? 'to the card' : ''}`.trim(), { refundable: Math.min(refundable, paidTotal - order.refunded_cents) }, 'refund_exceeds_paid');
      }
      let providerRefundId: string | undefined;
      if (request.to === 'card') {
        const reference = order.metadata.bolt_transaction_reference;
        if (typeof reference !== 'string') throw conflict('This order has no card payment to refund', undefined, 'no_card_payment');
        try {
          providerRefundId = (await this.provider.refund({ orderId: order.id, transactionReference: reference, amountCents: amount })).refundId;
        } catch (err) {
          if (err instanceof PaymentProviderError) throw cardRefundUnavailable();
          throw err;
        }
      }
      await repo.insertRefund(tx, { orderId: order.id, amountCents: amount, destination: request.to, providerRefundId, createdBy: adminId });
      return (await repo.findOrder(tx, order.id))!;
    });
  }
}
