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
 * (supabase/migrations/20251203110000_api_orders.sql, 20251204130000_bolt_conformance.sql); this
 * service calls them and talks to the payment provider, never inside a database transaction.
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

  /** A checkout named before the order exists, when the provider needs no call for it (the fake); else undefined. */
  localCheckout(): Checkout | undefined {
    return this.provider.localCheckout?.();
  }

  /**
   * Opens the checkout of a new booking's pending order, after the booking committed (no network
   * call inside a transaction), and stores its id. When the provider cannot, the order fails at
   * once (its booking cancelled, place and credits back) and the answer is 503.
   */
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
   * Asks the provider for a pending card refund (recorded and committed before: no network call
   * inside a transaction) with its idempotency key, then records the answer in one call. An error
   * that is not the provider's leaves the refund pending, for finishPendingRefunds to retry.
   */
  async settleCardRefund(refund: repo.CardRefund): Promise<{ status: repo.RefundStatus; order: repo.Order }> {
    const answer = await this.askProvider(refund);
    return repo.finishRefund(this.db, refund.refund_id, answer.result);
  }

  private async askProvider(refund: repo.CardRefund): Promise<{ result: repo.RefundResult; retryable: boolean }> {
    if (refund.transaction_reference === null) return { result: { status: 'failed', reason: 'no_card_payment' }, retryable: false };
    try {
      const done = await this.provider.refund({
        orderId: refund.order_id,
        transactionReference: refund.transaction_reference,
        amountCents: refund.amount_cents,
        idempotencyKey: refund.idempotency_key,
      });
      return { result: { status: 'completed', id: done.refundId, reference: done.reference }, retryable: false };
    } catch (err) {
      if (!(err instanceof PaymentProviderError)) throw err;
      // Refused (4xx) is final; unreachable or 5xx may succeed on a retry with the same key.
      const refused = err.status !== undefined && err.status >= 400 && err.status < 500;
      return { result: { status: 'failed', reason: refused ? 'payment_provider_refused' : 'payment_provider_unavailable' }, retryable: !refused };
    }
  }

  /**
   * The upkeep schedule's part: pending card refunds older than a minute (a crash between recording the
   * intent and recording the answer) are asked again with the same idempotency key, so the
   * provider refunds once. While the provider is unreachable they stay pending for the next sweep,
   * for a day; then they fail like any refund the provider could not make. Returns how many
   * were finished (completed or failed).
   */
  async finishPendingRefunds(olderThanSeconds = 60, batch = 50): Promise<number> {
    let finished = 0;
    for (const refund of await repo.claimPendingRefunds(this.db, olderThanSeconds, batch)) {
      const answer = await this.askProvider(refund);
      const dayOld = Date.now() - new Date(refund.created_at).getTime() > 24 * 3600 * 1000;
      if (answer.retryable && !dayOld) continue;
      const { status } = await repo.finishRefund(this.db, refund.refund_id, answer.result);
      if (status !== 'pending') finished += 1;
    }
    return finished;
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
  async list(caller: Caller, filter: repo.OrderListFilter): Promise<string> {
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
   * refund" list), in one call; a card part is then asked of the provider and recorded (503 when
   * the provider cannot refund: the decision is undone, the order stays on the list).
   */
  async decideCancellationRefund(caller: Caller, orderId: string, decision: repo.RefundDecision): Promise<{ order: repo.Order; money: repo.CancellationMoney }> {
    signedIn(caller);
    const { order, money, card_refund } = await repo.decideCancellationRefund(this.db, caller, orderId, decision);
    if (!card_refund) return { order, money };
    const finished = await this.settleCardRefund(card_refund);
    if (finished.status === 'failed') throw cardRefundUnavailable();
    return { order: finished.order, money: { ...money, order_status: finished.order.status } };
  }

  /**
   * The cancellation money once its card part (if any) was asked of the provider: refunded, or,
   * when the provider could not refund, on the staff "needs refund" list (nothing refunded).
   */
  async settleCancellation(money: repo.CancellationMoney, refund: repo.CardRefund | null): Promise<repo.CancellationMoney> {
    if (!refund) return money;
    const finished = await this.settleCardRefund(refund);
    if (finished.status !== 'failed') return { ...money, order_status: finished.order.status };
    return {
      outcome: 'refund_needed',
      refund_to: money.refund_to,
      card_cents: 0,
      credits: 0,
      order_id: money.order_id,
      order_status: finished.order.status,
      message: 'The card refund could not be made right now; staff will refund it',
    };
  }

  /** Admin: one order with its customer, bookings, refunds and webhook events (JSON text). */
  async adminDetail(caller: Caller, id: string): Promise<string> {
    signedIn(caller);
    return repo.adminOrderJson(this.db, caller, id);
  }

  /** Admin: the order's flags are reviewed (new flags reopen them); JSON text. */
  async reviewFlags(caller: Caller, id: string): Promise<string> {
    signedIn(caller);
    return repo.reviewOrderFlagsJson(this.db, caller, id);
  }

  /** Admin: paid orders whose bookings are all cancelled, not fully refunded, with no decision. */
  async refundsNeeded(caller: Caller, page: { limit: number; offset: number }) {
    return this.db.asCaller(caller, async (tx) => {
      await requireStaff(tx, caller, 'admin');
      return repo.listRefundsNeeded(tx, page.limit, page.offset);
    });
  }

  /**
   * Admin refund, partial or full, to credits (one call) or to the card (one call records it as
   * pending, the provider is asked outside any transaction, one call records the answer; 503 when
   * the provider cannot refund, the amount refundable again). The database refuses refunding more
   * than was paid in total, pending refunds counted.
   */
  async refund(caller: Caller, orderId: string, request: { amount_cents?: number; to: 'card' | 'credits' }): Promise<repo.Order> {
    signedIn(caller);
    const planned = await repo.refundOrder(this.db, caller, { orderId, to: request.to, amountCents: request.amount_cents });
    if (!repo.isCardRefund(planned)) return planned;
    const finished = await this.settleCardRefund(planned.card_refund);
    if (finished.status === 'failed') throw cardRefundUnavailable();
    return finished.order;
  }
}
