import type { Database } from '../db/index.js';
import { unauthorized, validationFailed } from '../errors.js';
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

/** Bolt's event types, mapped onto what a payment event does to an order. */
function kindOf(type: string): repo.PaymentEvent['kind'] {
  if (PAID.has(type)) return 'captured';
  if (FAILED.has(type)) return 'failed';
  if (type === 'credit') return 'refunded';
  return null;
}

/**
 * Bolt webhooks: verified over the raw bytes here, then stored once by id (a replay is a no-op)
 * and applied to the locked order in one database call (api.apply_payment_event), so that
 * out-of-order events never move it backwards.
 */
export class PaymentWebhooks {
  constructor(
    private readonly db: Database,
    private readonly signingSecret: string,
  ) {}

  async handle(raw: Buffer, signature?: string | string[], pendingSignature?: string | string[]): Promise<{ status: string; outcome?: string }> {
    if (!verifySignature(raw, this.signingSecret, signature, pendingSignature)) throw unauthorized('Invalid webhook signature');
    const event = parseWebhook(raw);
    const reference = event.data.order?.cart?.order_reference;
    return repo.applyPaymentEvent(this.db, {
      id: typeof event.id === 'string' && event.id ? event.id : `${event.type}:${event.data.id}`,
      provider: 'bolt',
      type: event.type,
      orderId: typeof reference === 'string' && UUID.test(reference) ? reference : null,
      payload: event,
      kind: kindOf(event.type),
      transactionId: event.data.id,
      reference: event.data.reference ?? event.data.id,
      amount: event.data.amount?.amount,
    });
  }
}
