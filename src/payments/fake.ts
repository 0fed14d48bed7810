import { createHash, randomUUID } from 'node:crypto';
import type { Checkout, CheckoutOrder, PaymentProvider, RefundDone, RefundRequest } from '../orders/payment-provider.js';
import type { BoltWebhook } from './webhook.js';
import { signBody } from './signature.js';

/** Sends a signed webhook to our own endpoint, exactly as Bolt would (raw bytes + signature header). */
export type WebhookSender = (body: Buffer, headers: Record<string, string>) => Promise<{ statusCode: number }>;

/**
 * The offline stand-in for Bolt (the default): a local checkout page with Approve and Decline,
 * and Bolt-shaped, Bolt-signed webhooks delivered to /api/webhooks/bolt.
 */
export class FakeProvider implements PaymentProvider {
  readonly name = 'fake' as const;
  private send: WebhookSender | undefined;

  constructor(
    private readonly publicUrl: string,
    private readonly signingSecret: string,
  ) {}

  /** Wired once the HTTP app exists (the webhook goes through its full pipeline). */
  connect(send: WebhookSender): void {
    this.send = send;
  }

  async createCheckout(_order: CheckoutOrder): Promise<Checkout> {
    return this.localCheckout();
  }

  /** The fake's checkout is a page of ours: its id can be named before the order exists. */
  readonly localCheckout = (): Checkout => {
    const checkoutId = `fake_chk_${randomUUID().replace(/-/g, '')}`;
    return { provider: 'fake', checkoutId, url: `${this.publicUrl}/checkout/fake/${checkoutId}` };
  };

  /** Refunds already made, by idempotency key: a retry gets the same credit, as with Bolt. */
  private readonly credits = new Map<string, RefundDone>();

  async refund(request: RefundRequest): Promise<RefundDone> {
    const known = this.credits.get(request.idempotencyKey);
    if (known) return known;
    const refundId = `fake_credit_${randomUUID().replace(/-/g, '')}`;
    const done = { refundId, reference: FakeProvider.referenceOf(refundId) };
    this.credits.set(request.idempotencyKey, done);
    // Bolt notifies refunds too; ours arrives after the refund call returned, like Bolt's.
    setImmediate(() => {
      void this.deliver('credit', {
        id: refundId,
        orderId: request.orderId,
        amount: request.amountCents,
        status: 'completed',
        sourceReference: request.transactionReference,
      }).catch(() => undefined);
    });
    return done;
  }

  /** A Bolt-style 12-character transaction reference (e.g. LBLJ-TWW7-R9VC), derived from the transaction id. */
  static referenceOf(transactionId: string): string {
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    const bytes = createHash('sha256').update(transactionId).digest();
    const chars = Array.from(bytes.subarray(0, 12), (b) => alphabet[b % alphabet.length]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
  }

  /**
   * Builds the webhook Bolt would send for a transaction. For a `credit`, `data` is the refund's
   * own transaction; the refunded payment is `source_transaction` and the amount asked for is
   * `requested_refund_amount`.
   */
  static webhook(
    type: string,
    t: { id: string; orderId: string; amount: number; status: string; sourceReference?: string },
  ): BoltWebhook {
    const amount = { amount: t.amount, currency: 'USD', currency_symbol: '$' };
    return {
      type,
      object: 'transaction',
      data: {
        id: t.id,
        reference: FakeProvider.referenceOf(t.id),
        type: type === 'credit' ? 'cc_credit' : 'cc_payment',
        status: t.status,
        date: Date.now(),
        amount,
        order: { cart: { order_reference: t.orderId, display_id: t.orderId } },
        ...(type === 'credit' ? { requested_refund_amount: amount } : {}),
        ...(t.sourceReference ? { source_transaction: { reference: t.sourceReference } } : {}),
      },
    };
  }

  async deliver(
    type: string,
    t: { id: string; orderId: string; amount: number; status: string; sourceReference?: string },
  ): Promise<{ statusCode: number }> {
    if (!this.send) throw new Error('fake payments are not connected to the webhook endpoint');
    const body = Buffer.from(JSON.stringify(FakeProvider.webhook(type, t)));
    return this.send(body, { 'content-type': 'application/json', 'x-bolt-hmac-sha256': signBody(body, this.signingSecret) });
  }
}
