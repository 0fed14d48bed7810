import type { Database } from '../db/index.js';
import { unauthorized, validationFailed } from '../errors.js';
import type { BoltWebhook } from './webhook.js';
import * as repo from './repository.js';
import { verifySignature } from './signature.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What each Bolt transaction webhook type does to an order (Bolt's list of hook types):
 * - `payment`, `capture`: the money is ours: a pending order is paid ('captured').
 * - `failed_payment`, `rejected_irreversible`: the payment will not happen: a pending order fails.
 * - `void`: the authorization was cancelled: a pending order fails (a paid one is unchanged).
 * - `credit`: a refund to the card: completes our pending refund, or records one made elsewhere.
 * - `auth`: authorized, not captured: stored and ignored (we act on `payment`/`capture`).
 * - `pending`: the payment awaits Bolt's review: stored and ignored (the order stays pending).
 * - `rejected_reversible`: review rejected it for now but may still approve it: stored and ignored.
 * - anything else (e.g. `newsletter_subscription`): stored and ignored.
 */
const KIND: Record<string, repo.PaymentEvent['kind']> = {
  payment: 'captured',
  capture: 'captured',
  failed_payment: 'failed',
  rejected_irreversible: 'failed',
  void: 'failed',
  credit: 'refunded',
  auth: null,
  pending: null,
  rejected_reversible: null,
};

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

/** Bolt's event types, mapped onto what a payment event does to an order (null: stored, ignored). */
function kindOf(type: string): repo.PaymentEvent['kind'] {
  return Object.hasOwn(KIND, type) ? (KIND[type] ?? null) : null;
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
      // A credit's amount is the refund asked for; the transaction's own amount otherwise.
      amount: event.type === 'credit' ? (event.data.requested_refund_amount?.amount ?? event.data.amount?.amount) : event.data.amount?.amount,
      sourceReference: typeof event.data.source_transaction?.reference === 'string' ? event.data.source_transaction.reference : null,
    });
  }
}
