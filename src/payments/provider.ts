/** What a checkout needs to know about an order. */
export interface CheckoutOrder {
  id: string;
  /** Cents due by card. */
  amount: number;
  currency: 'USD';
  description: string;
  email: string;
}

export interface Checkout {
  provider: 'fake' | 'bolt';
  /** The provider's id for this checkout, kept in orders.bolt_checkout_id. */
  checkoutId: string;
  /** Where the customer pays. */
  url: string;
}

export interface RefundRequest {
  orderId: string;
  /** The provider's reference of the captured payment (from the payment webhook). */
  transactionReference: string;
  amountCents: number;
}

/** One interface, two implementations: Bolt, and an offline stand-in with the same webhooks. */
export interface PaymentProvider {
  readonly name: 'fake' | 'bolt';
  createCheckout(order: CheckoutOrder): Promise<Checkout>;
  /** Refunds to the card; returns the provider's credit transaction id. */
  refund(request: RefundRequest): Promise<{ refundId: string }>;
}

export class PaymentProviderError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'PaymentProviderError';
  }
}

/** The Bolt transaction webhook body (the parts we read), as Bolt sends it and the fake sends it. */
export interface BoltWebhook {
  id?: string;
  type: string;
  object?: string;
  data: {
    id: string;
    reference?: string;
    type?: string;
    status?: string;
    date?: number;
    amount?: { amount: number; currency: string; currency_symbol?: string };
    order?: { cart?: { order_reference?: string; display_id?: string } };
    source_transaction?: { id?: string; reference?: string };
  };
}
