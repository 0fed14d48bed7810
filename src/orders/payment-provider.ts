/**
 * The port orders pay through: orders own this interface and payments/ implements it (Bolt, and
 * the offline fake), so payments depends on orders and never the other way round.
 */
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
  /** The provider's reference of the captured payment (from the payment webhook; Bolt: e.g. LBLJ-TWW7-R9VC). */
  transactionReference: string;
  amountCents: number;
  /** The same on every attempt of one refund (our pending refund's key): the provider refunds once. */
  idempotencyKey: string;
}

/** The provider's credit transaction: its id, and its reference where the provider has one. */
export interface RefundDone {
  refundId: string;
  reference: string | null;
}

/** One interface, two implementations: Bolt, and an offline stand-in with the same webhooks. */
export interface PaymentProvider {
  readonly name: 'fake' | 'bolt';
  createCheckout(order: CheckoutOrder): Promise<Checkout>;
  /**
   * For a provider whose checkout needs no call to it (the offline fake): a checkout named before
   * the order exists, so the booking stores its id in its own database call. Absent for Bolt, whose
   * checkout is a network call made after the booking committed (then one more call stores it).
   */
  readonly localCheckout?: () => Checkout;
  /** Refunds to the card (idempotent by request.idempotencyKey); returns the provider's credit transaction. */
  refund(request: RefundRequest): Promise<RefundDone>;
}

export class PaymentProviderError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'PaymentProviderError';
  }
}
