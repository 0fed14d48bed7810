/**
 * The Bolt transaction webhook body (the parts we read), as Bolt sends it and the fake sends it.
 * `data` is the transaction the event is about: for a `credit`, the refund's own transaction, the
 * refunded payment being `source_transaction`.
 */
export interface BoltWebhook {
  id?: string;
  type: string;
  object?: string;
  data: {
    id: string;
    /** Bolt's 12-character reference of this transaction, e.g. LBLJ-TWW7-R9VC. */
    reference?: string;
    /** cc_payment, cc_credit, … */
    type?: string;
    status?: string;
    date?: number;
    amount?: { amount: number; currency: string; currency_symbol?: string };
    /** On a credit: the amount asked to be refunded. */
    requested_refund_amount?: { amount: number; currency: string; currency_symbol?: string };
    order?: { cart?: { order_reference?: string; display_id?: string } };
    source_transaction?: { id?: string; reference?: string };
  };
}
