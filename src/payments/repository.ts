import { SERVICE_ROLE, type Database } from '../db/index.js';

/** A verified provider event, as api.apply_payment_event applies it. */
export interface PaymentEvent {
  /** Our idempotency key: the event's id, or type:transaction id. */
  id: string;
  provider: string;
  type: string;
  /** The order it names, when that is a UUID at all (the order may still not exist). */
  orderId: string | null;
  payload: unknown;
  /** The event type mapped onto what it does to an order; null: nothing (ignored). */
  kind: 'captured' | 'failed' | 'refunded' | null;
  transactionId: string;
  /** The provider's reference of the transaction (kept for refunding it), as the body has it. */
  reference: unknown;
  /** Cents, as the body has it (unchecked: the database compares it with the order). */
  amount: unknown;
  /** For a credit: the reference of the payment it refunds (finds the order when the body names none). */
  sourceReference: string | null;
}

/**
 * Stores the event once by its id and applies it to the locked order, in one call as the
 * service role: {status: 'duplicate'} for a replay, else {status: 'processed', outcome}.
 */
export async function applyPaymentEvent(db: Database, e: PaymentEvent): Promise<{ status: string; outcome?: string }> {
  return db.call(SERVICE_ROLE, 'api.apply_payment_event', [
    e.id,
    e.provider,
    e.type,
    e.orderId,
    JSON.stringify(e.payload),
    e.kind,
    e.transactionId,
    JSON.stringify(e.reference ?? null),
    JSON.stringify(e.amount ?? null),
    e.sourceReference,
  ]);
}
