import { randomUUID } from 'node:crypto';
import type { Checkout, CheckoutOrder, PaymentProvider, RefundRequest } from '../orders/payment-provider.js';
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

  async refund(request: RefundRequest): Promise<{ refundId: string }> {
    const refundId = `fake_credit_${randomUUID().replace(/-/g, '')}`;
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
    return { refundId };
  }

  /** Builds the webhook Bolt would send for a transaction. */
  static webhook(
    type: string,
    t: { id: string; orderId: string; amount: number; status: string; sourceReference?: string },
  ): BoltWebhook {
    return {
      type,
      object: 'transaction',
      data: {
        id: t.id,
        reference: t.id.slice(-12).toUpperCase(),
        type: type === 'credit' ? 'cc_credit' : 'cc_payment',
        status: t.status,
        date: Date.now(),
        amount: { amount: t.amount, currency: 'USD', currency_symbol: '$' },
        order: { cart: { order_reference: t.orderId, display_id: t.orderId } },
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
