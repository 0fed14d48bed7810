import { SERVICE_ROLE, type Database, type Queryable } from '../db/index.js';
import { unauthorized, validationFailed } from '../errors.js';
import * as orders from '../orders/repository.js';
import type { OrderService } from '../orders/service.js';
import type { BoltWebhook } from './webhook.js';
import * as repo from './repository.js';
import { verifySignature } from './signature.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const PAID = new Set(['payment', 'capture']);
const FAILED = new Set(['failed_payment', 'rejected_irreversible', 'void']);

function parseWebhook(raw: Buffer): BoltWebhook {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw validationFailed('Malformed JSON body');
  }
  const event = body as BoltWebhook;
  if (typeof event !== 'object' || event === null || typeof event.type !== 'string' || typeof event.data?.id !== 'string') {
    throw validationFailed('Not a Bolt transaction webhook (type and data.id are required)');
  }
  return event;
}

/**
 * Bolt webhooks: verified over the raw bytes, stored once by id (a replay is a no-op), applied to
 * the locked order so that out-of-order events never move it backwards.
 */
export class PaymentWebhooks {
  constructor(
    private readonly db: Database,
    private readonly orders: OrderService,
    private readonly signingSecret: string,
  ) {}

  async handle(raw: Buffer, signature?: string | string[], pendingSignature?: string | string[]): Promise<{ status: string; outcome?: string }> {
    if (!verifySignature(raw, this.signingSecret, signature, pendingSignature)) throw unauthorized('Invalid webhook signature');
    const event = parseWebhook(raw);
    const eventId = typeof event.id === 'string' && event.id ? event.id : `${event.type}:${event.data.id}`;
    const reference = event.data.order?.cart?.order_reference;
    return this.db.asCaller(SERVICE_ROLE, async (tx) => {
      // Lock the order before storing the event: the event row's foreign key takes a share lock
      // on the order, and two events taking that first and then waiting for FOR UPDATE deadlock.
      const order = reference && UUID.test(reference) ? await orders.findOrder(tx, reference, true) : undefined;
      const fresh = await repo.recordEvent(tx, { id: eventId, provider: 'bolt', type: event.type, orderId: order?.id ?? null, payload: event });
      if (!fresh) return { status: 'duplicate' };
      const outcome = order ? await this.apply(tx, event, order) : 'unknown_order';
      await repo.setEventOutcome(tx, eventId, outcome);
      return { status: 'processed', outcome };
    });
  }

  private async apply(tx: Queryable, event: BoltWebhook, found: orders.Order): Promise<string> {
    let order = found;
    const amount = event.data.amount?.amount;
    if (PAID.has(event.type)) {
      // Past its expiry a pending order is expired now, as the sweep would: its place may be gone.
      const expired = order.status === 'pending' && (await orders.lockIfExpired(tx, order.id));
      if (expired) order = await this.orders.fail(tx, expired, 'expired');
      if (order.status !== 'pending') {
        if (order.status === 'failed') {
          // Money arrived for an order we gave up on (e.g. expired): staff must look at it.
          await orders.flagForStaff(tx, order.id, { needs_review: true, late_payment_reference: event.data.reference ?? event.data.id });
          return 'late_payment';
        }
        return 'no_change';
      }
      if (amount !== order.amount) {
        await orders.flagForStaff(tx, order.id, { needs_review: true, amount_mismatch: amount ?? null });
        return 'amount_mismatch';
      }
      await this.orders.markPaid(tx, order, {
        bolt_transaction_id: event.data.id,
        bolt_transaction_reference: event.data.reference ?? event.data.id,
      });
      return 'paid';
    }
    if (FAILED.has(event.type)) {
      if (order.status !== 'pending') return 'no_change';
      await this.orders.fail(tx, order, 'declined');
      return 'failed';
    }
    if (event.type === 'credit') {
      if (order.status !== 'paid' && order.status !== 'refunded') return 'no_change';
      if (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0) return 'ignored';
      // The echo of a refund we made ourselves is already counted: not an excess to review.
      if (await orders.refundRecorded(tx, event.data.id)) return 'no_change';
      const paidTotal = order.amount + order.credits_applied * 100;
      if (order.card_refunded_cents + amount > order.amount || order.refunded_cents + amount > paidTotal) {
        await orders.flagForStaff(tx, order.id, { needs_review: true, excess_refund: event.data.id });
        return 'refund_exceeds_paid';
      }
      const inserted = await orders.insertRefund(tx, { orderId: order.id, amountCents: amount, destination: 'card', providerRefundId: event.data.id });
      return inserted ? 'refunded' : 'no_change';
    }
    return 'ignored';
  }
}
