import { randomUUID } from 'node:crypto';
import { PaymentProviderError, type Checkout, type CheckoutOrder, type PaymentProvider, type RefundDone, type RefundRequest } from '../orders/payment-provider.js';

export interface BoltSettings {
  /** https://api.boltapp.com, or https://api-sandbox.boltapp.com for tests with Bolt's sandbox. */
  apiUrl: string;
  apiKey: string;
  publishableKey: string;
  publicUrl: string;
  /** For tests: a fetch to call instead of the global one. */
  fetch?: typeof fetch;
}

/**
 * A real Bolt merchant API client: every call carries X-Api-Key and a unique X-Nonce.
 * Checkouts create a Bolt order (token) that our checkout page hands to Bolt's checkout
 * script; refunds go through Bolt's transaction credit endpoint, naming the payment by its
 * reference, with an Idempotency-Key so that a retry never refunds twice.
 */
export class BoltProvider implements PaymentProvider {
  readonly name = 'bolt' as const;

  constructor(private readonly settings: BoltSettings) {}

  private async call<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    const doFetch = this.settings.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(`${this.settings.apiUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': this.settings.apiKey,
          'x-nonce': randomUUID().replace(/-/g, ''),
          ...headers,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new PaymentProviderError(`Bolt is unreachable: ${(err as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok) throw new PaymentProviderError(`Bolt answered ${response.status}`, response.status);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new PaymentProviderError('Bolt answered with something that is not JSON');
    }
  }

  async createCheckout(order: CheckoutOrder): Promise<Checkout> {
    const created = await this.call<{ token?: string }>('/v1/merchant/orders', {
      channel: 'browser',
      cart: {
        order_reference: order.id,
        display_id: order.id,
        currency: order.currency,
        total_amount: order.amount,
        items: [{ reference: order.id, name: order.description, total_amount: order.amount, unit_price: order.amount, quantity: 1 }],
      },
    });
    if (!created.token) throw new PaymentProviderError('Bolt did not return an order token');
    return { provider: 'bolt', checkoutId: created.token, url: `${this.settings.publicUrl}/checkout/bolt/${encodeURIComponent(created.token)}` };
  }

  async refund(request: RefundRequest): Promise<RefundDone> {
    const credit = await this.call<{ id?: string; reference?: string }>(
      '/v1/merchant/transactions/credit',
      {
        transaction_reference: request.transactionReference,
        amount: request.amountCents,
        currency: 'USD',
        skip_hook_notification: false,
      },
      { 'idempotency-key': request.idempotencyKey },
    );
    if (!credit.id) throw new PaymentProviderError('Bolt did not return the credit transaction');
    return { refundId: credit.id, reference: credit.reference ?? null };
  }

  get publishableKey(): string {
    return this.settings.publishableKey;
  }
}
