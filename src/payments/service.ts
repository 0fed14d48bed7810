import { SERVICE_ROLE, type Database, type Queryable } from '../db/index.js';
import { unauthorized, validationFailed } from '../errors.js';
import type { Order } from '../orders/repository.js';
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
      const order = reference && UUID.test(reference) ? await this.orders.lock(tx, reference) : undefined;
      const fresh = await repo.recordEvent(tx, { id: eventId, provider: 'bolt', type: event.type, orderId: order?.id ?? null, payload: event });
      if (!fresh) return { status: 'duplicate' };
      const outcome = order ? await this.apply(tx, event, order) : 'unknown_order';
      await repo.setEventOutcome(tx, eventId, outcome);
      return { status: 'processed', outcome };
    });
  }

  /** Bolt's event types, mapped onto what the orders service does with a payment. */
  private async apply(tx: Queryable, event: BoltWebhook, order: Order): Promise<string> {
    const amount = event.data.amount?.amount;
    if (PAID.has(event.type)) {
      return this.orders.paymentCaptured(tx, order, { transactionId: event.data.id, reference: event.data.reference ?? event.data.id, amount });
    }
    if (FAILED.has(event.type)) return this.orders.paymentFailed(tx, order);
    if (event.type === 'credit') return this.orders.cardRefunded(tx, order, { refundId: event.data.id, amount });
    return 'ignored';
  }
}
