import { signedIn } from '../auth/caller.js';
import { SERVICE_ROLE, type Caller, type Database } from '../db/index.js';
import { AppError, notFound } from '../errors.js';
import { requireStaff } from '../staff/access.js';
import { PaymentProviderError, type Checkout, type PaymentProvider } from './payment-provider.js';
import * as repo from './repository.js';

export type { CancellationMoney } from './repository.js';

/** How many credits to spend: a number, or "all" that can be used on this order. */
export type UseCredits = number | 'all' | undefined;

export interface CheckoutLink {
  provider: 'fake' | 'bolt';
  url: string;
}

const cardRefundUnavailable = () =>
  new AppError(503, 'payment_provider_unavailable', 'The card refund could not be made right now; nothing was refunded');

/**
 * The one door to orders: opening them for bookings, expiring them, refunds. The money rules
 * (payment events, expiry, refunds, cancellation refunds) are database functions in `api`
 * (supabase/migrations/20251203110000_api_orders.sql); this service calls them and talks to the
 * payment provider, which a card refund needs between two calls of one transaction.
 */
export class OrderService {
  constructor(
    private readonly db: Database,
    private readonly provider: PaymentProvider,
  ) {}

  /** The provider new orders are paid through (a booking's pending order records it). */
  get providerName(): string {
    return this.provider.name;
  }

  /**
   * Opens the checkout of a new booking's pending order, after the booking committed (no network
   * call inside a transaction), and stores its id. When the provider cannot, the order fails at
   * once (its booking cancelled, place and credits back) and the answer is 503.
   */
  /** A checkout named before the order exists, when the provider needs no call for it (the fake); else undefined. */
  localCheckout(): Checkout | undefined {
    return this.provider.localCheckout?.();
  }

  async openCheckout(pending: repo.Order, email: string): Promise<{ order: repo.Order; checkout: CheckoutLink }> {
    let checkout;
    try {
      const description = String(pending.metadata.description ?? '');
      checkout = await this.provider.createCheckout({ id: pending.id, amount: pending.amount, currency: 'USD', description, email });
    } catch (err) {
      await repo.failCheckout(this.db, pending.id);
      if (err instanceof PaymentProviderError) throw new AppError(503, 'payment_provider_unavailable', 'Payments are unavailable right now; please try again');
      throw err;
    }
    const order = await repo.attachCheckout(this.db, pending.id, checkout.checkoutId);
    return { order, checkout: { provider: checkout.provider, url: checkout.url } };
  }

  /**
   * Refunds a planned amount to the card through the provider (called inside the transaction
   * that holds the order's lock). The provider's refund id, or null when it could not refund
   * (unreachable, or no card payment reference to refund).
   */
  async refundCard(plan: repo.CardRefundPlan): Promise<repo.CardRefundDone> {
    if (plan.transaction_reference === null) return { refund_id: null };
    try {
      const { refundId } = await this.provider.refund({ orderId: plan.order_id, transactionReference: plan.transaction_reference, amountCents: plan.amount_cents });
      return { refund_id: refundId };
    } catch (err) {
      if (err instanceof PaymentProviderError) return { refund_id: null };
      throw err;
    }
  }

  /** Like refundCard, for admin refunds: 503 when the provider cannot refund (nothing changes). */
  private async refundCardOrFail(plan: repo.CardRefundPlan): Promise<repo.CardRefundDone> {
    const done = await this.refundCard(plan);
    if (done.refund_id === null) throw cardRefundUnavailable();
    return done;
  }

  /** The order behind a provider checkout, expired on the spot when its checkout has expired (one call). */
  async orderAtCheckout(provider: string, checkoutId: string): Promise<{ order: repo.Order; expired: boolean } | undefined> {
    return repo.openCheckout(this.db, SERVICE_ROLE, provider, checkoutId);
  }

  /** Fails every unpaid order past its expiry, one call per batch. Safe to run from many processes at once. */
  async expireUnpaid(batch = 100): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await repo.expireUnpaid(this.db, SERVICE_ROLE, batch);
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

  /**
   * Admin: decides the refund of a paid order whose bookings are all cancelled (from the "needs
   * refund" list). Credits or none: one call. Card: the checks and the order's lock, the
   * provider, then the record, in one transaction (503 when the provider cannot refund).
   */
  async decideCancellationRefund(caller: Caller, orderId: string, decision: repo.RefundDecision): Promise<{ order: repo.Order; money: repo.CancellationMoney }> {
    signedIn(caller);
    if (decision !== 'card') return repo.done(await repo.decideCancellationRefund({ db: this.db, caller }, orderId, decision));
    return this.db.asCaller(caller, async (tx) => {
      const planned = await repo.decideCancellationRefund({ tx, caller }, orderId, decision);
      if (!repo.isCardRefund(planned)) return planned;
      return repo.done(await repo.decideCancellationRefund({ tx, caller }, orderId, decision, await this.refundCardOrFail(planned.card_refund)));
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
   * Admin refund, partial or full, to credits (one call) or to the card (the checks and the
   * order's lock, the provider, then the record, in one transaction). The database refuses
   * refunding more than was paid in total.
   */
  async refund(caller: Caller, orderId: string, request: { amount_cents?: number; to: 'card' | 'credits' }): Promise<repo.Order> {
    signedIn(caller);
    const r = { orderId, to: request.to, amountCents: request.amount_cents };
    if (request.to === 'credits') return repo.done(await repo.refundOrder({ db: this.db, caller }, r));
    return this.db.asCaller(caller, async (tx) => {
      const planned = await repo.refundOrder({ tx, caller }, r);
      if (!repo.isCardRefund(planned)) return planned;
      return repo.done(await repo.refundOrder({ tx, caller }, { ...r, card: await this.refundCardOrFail(planned.card_refund) }));
    });
  }
}
